#pragma once
/// \file
/// `cistern::inspect::sqlite_storage`: a SQLite file's integrity (PRAGMA quick_check),
/// free pages, WAL size and missing planner statistics.

#include <cistern/error.hpp>
#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace cistern::inspect {

/// One figure of a SQLite database.
struct sqlite_figure {
    std::string name;  ///< "quick_check", "pages", "free_pages", "journal_mode", "wal_bytes", "tables_without_stats"
    value figure;      ///< the number or text
    /// Table column names: figure, value.
    static std::vector<std::string> columns() { return {"figure", "value"}; }
    /// This row's cells in columns() order.
    std::vector<value> cells() const { return {name, figure}; }
};

/// Integrity (PRAGMA quick_check: unhealthy when not "ok"), free-page share (degraded at
/// options::freelist_warning), WAL file size (degraded at options::wal_bytes_warning) and
/// indexed tables without sqlite_stat1 rows (degraded: run ANALYZE). Query errors become
/// state `failed` and a note.
template <class C>
check_result<sqlite_figure> sqlite_storage(C& c, const options& o = {}) {
    check_result<sqlite_figure> r;
    try {
        std::string integrity;
        for (auto row : c.query(std::string_view("PRAGMA quick_check(20)")))
            integrity += (integrity.empty() ? "" : "; ") + row.template get<std::string>(0);
        r.rows.push_back({"quick_check", integrity});
        if (integrity != "ok")
            r.add(health_status::unhealthy, "quick_check", "PRAGMA quick_check reports: " + integrity,
                  "restore from a backup, or recover with `sqlite3 file .recover`; check the storage");
        const auto pages = c.query(std::string_view("PRAGMA page_count")).template scalar<std::int64_t>();
        const auto free_pages = c.query(std::string_view("PRAGMA freelist_count")).template scalar<std::int64_t>();
        const auto page_size = c.query(std::string_view("PRAGMA page_size")).template scalar<std::int64_t>();
        r.rows.push_back({"pages", pages});
        r.rows.push_back({"free_pages", free_pages});
        const double ratio = pages ? static_cast<double>(free_pages) / static_cast<double>(pages) : 0.0;
        if (pages >= 100 && ratio >= o.freelist_warning)
            r.add(health_status::degraded, "freelist",
                  std::to_string(free_pages) + " of " + std::to_string(pages) + " pages are free (" + detail::percent_text(ratio) +
                      ", " + std::to_string(free_pages * page_size >> 10) + " KiB)",
                  "VACUUM reclaims them (rewrites the file), or set auto_vacuum = INCREMENTAL");
        const auto mode = c.query(std::string_view("PRAGMA journal_mode")).template scalar<std::string>();
        r.rows.push_back({"journal_mode", mode});
        std::string file;
        for (auto row : c.query(std::string_view("PRAGMA database_list")))
            if (row.template get<std::string>(1) == "main") file = row.template get<std::string>(2);
        if (mode == "wal" && !file.empty()) {
            std::error_code ec;
            const auto wal = std::filesystem::file_size(file + "-wal", ec);
            const std::int64_t bytes = ec ? 0 : static_cast<std::int64_t>(wal);
            r.rows.push_back({"wal_bytes", bytes});
            if (bytes >= o.wal_bytes_warning)
                r.add(health_status::degraded, "wal_size",
                      "the WAL file is " + std::to_string(bytes >> 20) + " MiB: checkpoints cannot keep up (a long reader holds them back)",
                      "run PRAGMA wal_checkpoint(TRUNCATE) when no reader is active; keep read transactions short");
        }
        const bool stat1 = c.query(std::string_view("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
                               .template scalar<std::int64_t>() != 0;
        std::vector<std::string> missing;
        for (auto row : c.query(std::string(
                 "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name NOT LIKE 'sqlite\\_%' ESCAPE '\\'") +
                 (stat1 ? " AND tbl_name NOT IN (SELECT tbl FROM sqlite_stat1)" : "") + " ORDER BY tbl_name"))
            missing.push_back(row.template get<std::string>(0));
        std::string list;
        for (auto& t : missing) list += (list.empty() ? "" : ", ") + t;
        r.rows.push_back({"tables_without_stats", static_cast<std::int64_t>(missing.size())});
        if (!missing.empty())
            r.add(health_status::degraded, "missing_analyze",
                  std::to_string(missing.size()) + " indexed table(s) have no planner statistics: " + list,
                  "run ANALYZE (or PRAGMA optimize) once after loading data");
    } catch (const query_error& e) {
        r.state = availability::failed;
        r.notes.push_back(std::string("storage figures: ") + e.what());
    }
    return r;
}

} // namespace cistern::inspect

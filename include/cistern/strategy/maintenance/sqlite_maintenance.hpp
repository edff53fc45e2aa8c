#pragma once
/// \file
/// `cistern::strategy::maintenance::sqlite_maintenance`: SQLite's housekeeping figures and
/// a plan of ANALYZE / VACUUM / PRAGMA optimize, each with its reason.

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/quote.hpp>
#include <cistern/strategy/plan.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cistern::strategy::maintenance {

/// Figures of one SQLite database file.
struct sqlite_stats {
    /// The database page size in bytes (PRAGMA page_size).
    std::int64_t page_size = 0;
    /// The pages in the file (PRAGMA page_count).
    std::int64_t page_count = 0;
    std::int64_t freelist_count = 0;       ///< pages free inside the file (reclaimed by VACUUM)
    bool has_stat1 = false;                ///< ANALYZE has run at least once
    std::vector<std::string> tables;       ///< user tables
    std::vector<std::string> without_stats; ///< user tables with indexes but no sqlite_stat1 row

    /// Fraction of the file that is free pages (0 when empty).
    double free_ratio() const noexcept {
        return page_count == 0 ? 0.0 : static_cast<double>(freelist_count) / static_cast<double>(page_count);
    }
};

/// Thresholds of sqlite_maintenance.
struct sqlite_maintenance_options {
    double vacuum_free_ratio = 0.2;      ///< VACUUM when at least this fraction of pages is free
    std::int64_t vacuum_min_free_pages = 256; ///< ... and at least this many pages are free
    /// Add PRAGMA optimize when SQLite says it would do something (asked in its debug mode,
    /// which changes nothing), so a plan without work stays empty.
    bool optimize = true;
};

/// Reads SQLite's figures and proposes maintenance. Takes the connection per call.
class sqlite_maintenance {
public:
    /// Throws config_error when vacuum_free_ratio is not in (0, 1] or min pages is negative.
    explicit sqlite_maintenance(sqlite_maintenance_options o = {}) : o_(o) {
        if (!(o_.vacuum_free_ratio > 0.0 && o_.vacuum_free_ratio <= 1.0))
            throw config_error("sqlite_maintenance_options::vacuum_free_ratio", std::to_string(o_.vacuum_free_ratio),
                               "must be in (0, 1]");
        if (o_.vacuum_min_free_pages < 0)
            throw config_error("sqlite_maintenance_options::vacuum_min_free_pages",
                               std::to_string(o_.vacuum_min_free_pages), "must not be negative");
    }

    /// The database file's page figures, read with PRAGMAs; changes nothing. Throws
    /// query_error when a PRAGMA fails.
    template <StrategyConnection C>
    sqlite_stats stats(C& c) const {
        sqlite_stats s;
        s.page_size = c.query("PRAGMA page_size").template scalar<std::int64_t>();
        s.page_count = c.query("PRAGMA page_count").template scalar<std::int64_t>();
        s.freelist_count = c.query("PRAGMA freelist_count").template scalar<std::int64_t>();
        s.has_stat1 = c.query("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").template scalar<std::int64_t>() != 0;
        for (auto r : c.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"))
            s.tables.push_back(r.template get<std::string>(0));
        const std::string stat = s.has_stat1 ? " AND tbl_name NOT IN (SELECT tbl FROM sqlite_stat1)" : "";
        for (auto r : c.query("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name NOT LIKE 'sqlite\\_%' ESCAPE '\\'" + stat + " ORDER BY tbl_name"))
            s.without_stats.push_back(r.template get<std::string>(0));
        return s;
    }

    /// ANALYZE for indexed tables the planner has no statistics for; VACUUM (outside a
    /// transaction) when the free-page thresholds are met; PRAGMA optimize when enabled and
    /// SQLite's debug mode lists work for it.
    template <StrategyConnection C>
    plan plan_for(C& c) const {
        const auto s = stats(c);
        plan p;
        for (auto& t : s.without_stats)
            p.add("ANALYZE " + cistern::strategy::detail::quote_sqlite_identifier(t),
                  "table " + t + " has indexes but no sqlite_stat1 statistics: the planner guesses selectivity");
        if (s.freelist_count >= o_.vacuum_min_free_pages && s.free_ratio() >= o_.vacuum_free_ratio)
            p.add_outside_transaction("VACUUM", std::to_string(s.freelist_count) + " of " + std::to_string(s.page_count) +
                                                    " pages are free (" + std::to_string(static_cast<int>(s.free_ratio() * 100)) +
                                                    "%): VACUUM rewrites the file and returns them to the OS");
        if (o_.optimize) {
            // Debug mode (mask bit 0x1) lists what PRAGMA optimize would run without running it;
            // 0x10000 (SQLite 3.46+) looks at every table, not only those this connection used.
            std::string would;
            for (auto r : c.query("PRAGMA optimize(0x1ffff)"))
                would += (would.empty() ? "" : "; ") + r.template get<std::string>(0);
            if (!would.empty())
                p.add("PRAGMA optimize", "SQLite would refresh stale statistics: " + would);
        }
        return p;
    }

private:
    sqlite_maintenance_options o_;
};

} // namespace cistern::strategy::maintenance

#pragma once
/// \file
/// `cistern::inspect::postgres_statements`: statements by total time from
/// pg_stat_statements, with the capability probed step by step (available, installed,
/// preloaded, readable) so the caller can say exactly what is missing.

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cistern::inspect {

/// One normalized statement of pg_stat_statements (summed over roles of this database).
struct statement_stat {
    std::string query;          ///< as pg_stat_statements normalized it (constants as $n)
    /// Times the statement was executed (sum of pg_stat_statements.calls).
    std::int64_t calls = 0;
    ///@{
    /// Total execution time in milliseconds, and total_ms / calls (0 when calls is 0).
    double total_ms = 0, mean_ms = 0;
    ///@}
    /// Rows retrieved or affected, summed over all calls.
    std::int64_t rows = 0;
    double share = 0;           ///< of the total time of all statements listed before the limit
    /// Table column names: total_ms, calls, mean_ms, rows, share, query.
    static std::vector<std::string> columns() { return {"total_ms", "calls", "mean_ms", "rows", "share", "query"}; }
    /// This row's cells in columns() order.
    std::vector<value> cells() const { return {total_ms, calls, mean_ms, rows, share, query}; }
};

/// Filters of postgres_statements (dexter's --min-calls / --min-time).
struct statements_filter {
    std::int64_t min_calls = 0;   ///< skip statements called fewer times
    double min_total_ms = 0;      ///< skip statements whose total time is lower
    std::size_t limit = 20;       ///< at most this many, most total time first
};

/// The statements of the current database by total execution time. The column names of
/// PostgreSQL 13+ (total_exec_time, mean_exec_time) and of 12 and older (total_time,
/// mean_time) are both handled. State and notes:
///  - not_installed: the extension is not available on the server (package missing), or
///    available but not created in this database (CREATE EXTENSION pg_stat_statements);
///  - not_preloaded: created but not in shared_preload_libraries (restart needed);
///  - not_readable: the view refused this role;
///  - ok, with a note counting the statements of other roles hidden from this one
///    (grant pg_read_all_stats or pg_monitor).
template <class C>
check_result<statement_stat> postgres_statements(C& c, const statements_filter& f = {}, const options& o = {}) {
    check_result<statement_stat> r;
    bool available = false, installed = false, preloaded = false;
    std::string schema;
    int version = 0;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "pg_stat_statements", [&] {
        auto rs = c.query(std::string_view(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'),"
            " coalesce((SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            "   WHERE e.extname = 'pg_stat_statements'), ''),"
            // NULL when this role may not read the setting (pg_read_all_settings): then the
            // view itself tells (SQLSTATE 55000) whether the library was preloaded.
            " (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') ~ '(^|[ ,])pg_stat_statements($|[ ,])',"
            " current_setting('server_version_num')::int"));
        available = rs[0].template get<bool>(0);
        schema = rs[0].template get<std::string>(1);
        installed = !schema.empty();
        preloaded = rs[0].template get<std::optional<bool>>(2).value_or(true);
        version = rs[0].template get<int>(3);
        if (!installed || !preloaded) return;
        const std::string total = version >= 130000 ? "total_exec_time" : "total_time";
        const std::string q_schema = "\"" + schema + "\"";
        auto hidden = c.query("SELECT count(*)::int8 FROM " + q_schema +
                              ".pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                              " AND (query IS NULL OR query = '<insufficient privilege>')")
                          .template scalar<std::int64_t>();
        if (hidden > 0)
            r.notes.push_back(std::to_string(hidden) + " statement(s) of other roles are hidden from this role: grant "
                              "pg_read_all_stats (or pg_monitor) to see them, e.g. GRANT pg_read_all_stats TO <role>");
        auto rows = c.query(
            "SELECT query, sum(calls)::int8, sum(" + total + ")::float8, sum(rows)::int8, "
            "sum(sum(" + total + ")) OVER ()::float8 FROM " + q_schema + ".pg_stat_statements"
            " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND query IS NOT NULL AND query <> '<insufficient privilege>'"
            " GROUP BY query HAVING sum(calls) >= " + std::to_string(f.min_calls) +
            " AND sum(" + total + ") >= " + std::to_string(f.min_total_ms) +
            " ORDER BY 3 DESC LIMIT " + std::to_string(f.limit));
        for (auto row : rows) {
            statement_stat s;
            s.query = row.template get<std::string>(0);
            s.calls = row.template get<std::int64_t>(1);
            s.total_ms = row.template get<double>(2);
            s.rows = row.template get<std::int64_t>(3);
            const double all = row.template get<double>(4);
            s.mean_ms = s.calls ? s.total_ms / static_cast<double>(s.calls) : 0.0;
            s.share = all > 0 ? s.total_ms / all : 0.0;
            r.rows.push_back(std::move(s));
        }
    });
    if (r.state == availability::not_preloaded) preloaded = false, r.state = availability::ok;
    if (r.state == availability::not_readable)
        r.notes.push_back("pg_stat_statements exists but this role may not read it: GRANT pg_read_all_stats TO <role> "
                          "(or pg_monitor), or GRANT EXECUTE ON FUNCTION pg_stat_statements(boolean) if it was revoked");
    if (r.state != availability::ok) return r;
    if (!available) {
        r.state = availability::not_installed;
        r.notes.push_back("pg_stat_statements is not available on this server: install the PostgreSQL contrib package "
                          "(Debian: postgresql-<version> ships it), add it to shared_preload_libraries, restart, then "
                          "CREATE EXTENSION pg_stat_statements");
    } else if (!preloaded) {
        r.state = availability::not_preloaded;
        r.notes.push_back("pg_stat_statements is not in shared_preload_libraries: as a superuser run ALTER SYSTEM SET "
                          "shared_preload_libraries = 'pg_stat_statements' (keep any libraries already listed) and "
                          "restart the server" + std::string(installed ? "" : ", then CREATE EXTENSION pg_stat_statements"));
    } else if (!installed) {
        r.state = availability::not_installed;
        r.notes.push_back("pg_stat_statements is preloaded but not created in this database: CREATE EXTENSION "
                          "pg_stat_statements (needs CREATE on the database; a superuser or the database owner)");
    } else {
        r.notes.push_back("times are server-side execution times since pg_stat_statements_reset(), summed over roles "
                          "of this database");
    }
    return r;
}

} // namespace cistern::inspect

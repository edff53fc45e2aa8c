#pragma once
/// \file
/// `cistern::inspect::postgres_tables`: tables never vacuumed or analyzed, dead tuples, and
/// estimated bloat (from pg_class and pg_stats: an estimate, not a measurement).

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cistern::inspect {

/// One user table's maintenance figures.
struct table_health {
    ///@{
    /// Schema and name of the table (unquoted).
    std::string schema, table;
    ///@}
    ///@{
    /// Estimated live tuples (n_live_tup).
    std::int64_t live = 0, dead = 0;     ///< n_live_tup, n_dead_tup (statistics, approximate)
    ///@}
    ///@{
    /// Whether the table was ever vacuumed (last_vacuum or last_autovacuum set).
    bool vacuumed = false, analyzed = false; ///< ever, manually or by autovacuum
    ///@}
    std::int64_t size_bytes = 0;         ///< heap size
    std::int64_t bloat_bytes = 0;        ///< estimated wasted heap bytes (0: no estimate)
    /// dead / (live + dead); 0.0 when both are 0.
    double dead_ratio() const noexcept {
        return live + dead == 0 ? 0.0 : static_cast<double>(dead) / static_cast<double>(live + dead);
    }
    /// Table column names: table, live, dead, vacuumed, analyzed, size, est_bloat.
    static std::vector<std::string> columns() {
        return {"table", "live", "dead", "vacuumed", "analyzed", "size", "est_bloat"};
    }
    /// This row's cells in columns() order: schema.table, the counts, "yes"/"never" for
    /// vacuumed and analyzed, then size_bytes and bloat_bytes.
    std::vector<value> cells() const {
        return {schema + "." + table, live, dead, std::string(vacuumed ? "yes" : "never"),
                std::string(analyzed ? "yes" : "never"), size_bytes, bloat_bytes};
    }
};

/// Every user table, largest first. Findings: a table with at least
/// options::maintenance_min_rows rows never analyzed or never vacuumed; a dead-tuple share
/// at or above options::dead_tuple_ratio_warning; estimated bloat at or above
/// options::bloat_ratio_warning of a heap at least options::bloat_min_bytes large.
template <class C>
check_result<table_health> postgres_tables(C& c, const options& o = {}) {
    check_result<table_health> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "tables", [&] {
        auto rs = c.query(std::string_view(
            "SELECT t.schemaname::text, t.relname::text, t.n_live_tup::int8, t.n_dead_tup::int8,"
            " (t.last_vacuum IS NOT NULL OR t.last_autovacuum IS NOT NULL),"
            " (t.last_analyze IS NOT NULL OR t.last_autoanalyze IS NOT NULL),"
            " pg_relation_size(t.relid)::int8,"
            " coalesce((SELECT CASE WHEN cl.reltuples > 0 AND w.width IS NOT NULL THEN"
            "   greatest(0, pg_relation_size(t.relid) - ceil(cl.reltuples * (w.width + 28) /"
            "   (current_setting('block_size')::int8 - 24) ) * current_setting('block_size')::int8) END"
            "   FROM pg_class cl, LATERAL (SELECT sum(s.avg_width)::float8 AS width FROM pg_stats s"
            "     WHERE s.schemaname = t.schemaname AND s.tablename = t.relname) w WHERE cl.oid = t.relid), 0)::int8"
            " FROM pg_stat_user_tables t ORDER BY pg_relation_size(t.relid) DESC"));
        for (auto row : rs) {
            table_health h;
            h.schema = row.template get<std::string>(0);
            h.table = row.template get<std::string>(1);
            h.live = row.template get<std::int64_t>(2);
            h.dead = row.template get<std::int64_t>(3);
            h.vacuumed = row.template get<bool>(4);
            h.analyzed = row.template get<bool>(5);
            h.size_bytes = row.template get<std::int64_t>(6);
            h.bloat_bytes = row.template get<std::int64_t>(7);
            r.rows.push_back(std::move(h));
        }
    });
    for (auto& h : r.rows) {
        const std::string name = h.schema + "." + h.table;
        if (h.live + h.dead >= o.maintenance_min_rows && !h.analyzed)
            r.add(health_status::degraded, "never_analyzed",
                  name + " (" + std::to_string(h.live) + " rows) has never been analyzed: the planner guesses its statistics",
                  "ANALYZE " + name + "; check that autovacuum is on");
        if (h.live + h.dead >= o.maintenance_min_rows && !h.vacuumed)
            r.add(health_status::degraded, "never_vacuumed",
                  name + " (" + std::to_string(h.live + h.dead) + " rows) has never been vacuumed",
                  "VACUUM (ANALYZE) " + name + "; check the autovacuum settings");
        if (h.dead >= o.maintenance_min_rows && h.dead_ratio() >= o.dead_tuple_ratio_warning)
            r.add(health_status::degraded, "dead_tuples",
                  name + " has " + std::to_string(h.dead) + " dead tuples (" + detail::percent_text(h.dead_ratio()) + ")",
                  "VACUUM " + name + "; if it recurs, lower autovacuum_vacuum_scale_factor for this table");
        if (h.size_bytes >= o.bloat_min_bytes && h.bloat_bytes > 0 &&
            static_cast<double>(h.bloat_bytes) / static_cast<double>(h.size_bytes) >= o.bloat_ratio_warning)
            r.add(health_status::degraded, "table_bloat",
                  name + ": an estimated " + std::to_string(h.bloat_bytes >> 20) + " MiB of its " +
                      std::to_string(h.size_bytes >> 20) + " MiB heap is free space",
                  "VACUUM FULL or pg_repack " + name + " in a quiet period (VACUUM FULL takes an exclusive lock)");
    }
    r.notes.push_back("row counts are statistics (pg_stat_user_tables); bloat is estimated from pg_stats average widths and "
                      "needs ANALYZE");
    return r;
}

} // namespace cistern::inspect

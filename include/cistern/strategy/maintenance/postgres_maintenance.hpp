#pragma once
/// \file
/// `cistern::strategy::maintenance::postgres_maintenance`: per-table statistics (live/dead
/// tuples, last vacuum/analyze, sequential versus index scans, cache hit rate) and a plan of
/// VACUUM (ANALYZE), ANALYZE and REINDEX ... CONCURRENTLY, each with its reason.

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/plan.hpp>
#include <cistern/value.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cistern::strategy::maintenance {

/// Statistics of one table (pg_stat_user_tables, pg_statio_user_tables).
struct postgres_table_stats {
    /// The table's name (unquoted).
    std::string table;
    /// Estimated live rows (n_live_tup).
    std::int64_t live = 0;
    /// Estimated dead rows (n_dead_tup).
    std::int64_t dead = 0;
    /// Rows changed since the last analyze (n_mod_since_analyze).
    std::int64_t modified_since_analyze = 0;
    std::string last_vacuum;  ///< latest of manual and auto vacuum, "" when never
    std::string last_analyze; ///< latest of manual and auto analyze, "" when never
    /// Sequential scans since the statistics were reset (seq_scan).
    std::int64_t seq_scans = 0;
    /// Index scans since the statistics were reset (idx_scan, 0 when the table has no index).
    std::int64_t index_scans = 0;
    std::optional<double> cache_hit_rate; ///< heap blocks hit / (hit + read); nullopt before any read

    /// dead / (live + dead), 0 for an empty table.
    double dead_ratio() const noexcept {
        return live + dead == 0 ? 0.0 : static_cast<double>(dead) / static_cast<double>(live + dead);
    }
};

/// Thresholds of postgres_maintenance.
struct postgres_maintenance_options {
    /// The schema whose tables are examined.
    std::string schema = "public";
    double vacuum_dead_ratio = 0.2;     ///< VACUUM (ANALYZE) when dead / (live + dead) reaches this
    std::int64_t vacuum_min_dead = 1000; ///< ... and at least this many dead tuples
    double analyze_change_ratio = 0.1;  ///< ANALYZE when rows modified since the last analyze reach this share of live rows
};

/// Reads statistics and proposes maintenance for the tables of one schema.
class postgres_maintenance {
public:
    /// Throws config_error (naming the field and value) when vacuum_dead_ratio is not in
    /// (0, 1], vacuum_min_dead is negative or analyze_change_ratio is not positive.
    explicit postgres_maintenance(postgres_maintenance_options o = {}) : o_(std::move(o)) {
        if (!(o_.vacuum_dead_ratio > 0.0 && o_.vacuum_dead_ratio <= 1.0))
            throw config_error("postgres_maintenance_options::vacuum_dead_ratio", std::to_string(o_.vacuum_dead_ratio), "must be in (0, 1]");
        if (o_.vacuum_min_dead < 0)
            throw config_error("postgres_maintenance_options::vacuum_min_dead", std::to_string(o_.vacuum_min_dead), "must not be negative");
        if (!(o_.analyze_change_ratio > 0.0))
            throw config_error("postgres_maintenance_options::analyze_change_ratio", std::to_string(o_.analyze_change_ratio), "must be positive");
    }

    /// Statistics of every table in the schema (cumulative statistics as of the last flush).
    template <StrategyConnection C>
    std::vector<postgres_table_stats> stats(C& c) const {
        std::array<value, 1> arg{value{o_.schema}};
        auto rs = c.query(
            "SELECT s.relname::text, s.n_live_tup::bigint, s.n_dead_tup::bigint, s.n_mod_since_analyze::bigint, "
            "coalesce(greatest(s.last_vacuum, s.last_autovacuum)::text, ''), "
            "coalesce(greatest(s.last_analyze, s.last_autoanalyze)::text, ''), "
            "coalesce(s.seq_scan, 0)::bigint, coalesce(s.idx_scan, 0)::bigint, "
            "coalesce(io.heap_blks_hit, 0)::bigint, coalesce(io.heap_blks_read, 0)::bigint "
            "FROM pg_stat_user_tables s LEFT JOIN pg_statio_user_tables io ON io.relid = s.relid "
            "WHERE s.schemaname = $1 ORDER BY 1",
            std::span<const value>(arg));
        std::vector<postgres_table_stats> out;
        for (auto r : rs) {
            postgres_table_stats t;
            t.table = r.template get<std::string>(0);
            t.live = r.template get<std::int64_t>(1);
            t.dead = r.template get<std::int64_t>(2);
            t.modified_since_analyze = r.template get<std::int64_t>(3);
            t.last_vacuum = r.template get<std::string>(4);
            t.last_analyze = r.template get<std::string>(5);
            t.seq_scans = r.template get<std::int64_t>(6);
            t.index_scans = r.template get<std::int64_t>(7);
            const auto hit = r.template get<std::int64_t>(8), read = r.template get<std::int64_t>(9);
            if (hit + read > 0) t.cache_hit_rate = static_cast<double>(hit) / static_cast<double>(hit + read);
            out.push_back(std::move(t));
        }
        return out;
    }

    /// VACUUM (ANALYZE) for tables over the dead-tuple thresholds; ANALYZE for tables never
    /// analyzed or changed enough since; REINDEX INDEX CONCURRENTLY for invalid indexes (left
    /// by a failed CREATE INDEX CONCURRENTLY). VACUUM and REINDEX CONCURRENTLY run outside a
    /// transaction.
    template <StrategyConnection C>
        requires cistern::strategy::detail::postgres_native<C>
    plan plan_for(C& c) const {
        using cistern::strategy::detail::quote_postgres_identifier;
        plan p;
        const std::string schema = quote_postgres_identifier(c.native(), o_.schema);
        for (auto& t : stats(c)) {
            const std::string name = schema + "." + quote_postgres_identifier(c.native(), t.table);
            char pct[32];
            std::snprintf(pct, sizeof pct, "%.0f%%", t.dead_ratio() * 100);
            if (t.dead >= o_.vacuum_min_dead && t.dead_ratio() >= o_.vacuum_dead_ratio) {
                p.add_outside_transaction("VACUUM (ANALYZE) " + name, t.table + " has " + std::to_string(t.dead) + " dead tuples (" +
                                                                       pct + " of its rows): reclaim them and refresh statistics");
                continue;
            }
            if (t.live > 0 && t.last_analyze.empty())
                p.add("ANALYZE " + name, t.table + " has " + std::to_string(t.live) + " rows and was never analyzed: the planner guesses");
            else if (t.live > 0 && static_cast<double>(t.modified_since_analyze) >= o_.analyze_change_ratio * static_cast<double>(t.live))
                p.add("ANALYZE " + name, std::to_string(t.modified_since_analyze) + " rows of " + t.table +
                                             " changed since the last analyze (" + t.last_analyze + ")");
        }
        std::array<value, 1> arg{value{o_.schema}};
        auto invalid = c.query("SELECT ci.relname::text, ct.relname::text FROM pg_index x JOIN pg_class ci ON ci.oid = x.indexrelid "
                               "JOIN pg_class ct ON ct.oid = x.indrelid JOIN pg_namespace n ON n.oid = ci.relnamespace "
                               "WHERE n.nspname = $1 AND NOT x.indisvalid ORDER BY 1",
                               std::span<const value>(arg));
        for (auto r : invalid) {
            const auto index = r.template get<std::string>(0);
            p.add_outside_transaction("REINDEX INDEX CONCURRENTLY " + schema + "." + quote_postgres_identifier(c.native(), index),
                                      "index " + index + " on " + r.template get<std::string>(1) +
                                          " is invalid (a CREATE INDEX CONCURRENTLY failed): it costs writes and serves no reads");
        }
        return p;
    }

private:
    postgres_maintenance_options o_;
};

} // namespace cistern::strategy::maintenance

#pragma once
/// \file
/// `cistern::inspect::options`: every threshold of the inspections, in one place.

#include <cistern/error.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace cistern::inspect {

/// Thresholds and bounds of every check. One struct owns each threshold, so a caller (the
/// CLI, a health endpoint) and the checks never disagree. validate() throws config_error
/// naming the field and the value.
struct options {
    /// Every catalog query runs in a read-only transaction with this statement_timeout.
    std::chrono::milliseconds statement_timeout{5000};
    ///@{
    /// Client connections over (max_connections - superuser_reserved_connections).
    /// At or above `_warning` the check is degraded, at or above `_critical` unhealthy;
    /// both in (0, 1], warning not above critical.
    double connections_warning = 0.70, connections_critical = 0.90;
    ///@}
    ///@{
    /// An active statement running at least this long is a long-running query.
    /// Degraded from `_warning`, unhealthy from `_critical`; validate() rejects a negative `_warning`.
    std::chrono::seconds long_query_warning{60}, long_query_critical{300};
    ///@}
    ///@{
    /// A session idle inside an open transaction at least this long.
    /// Degraded from `_warning`, unhealthy from `_critical`; validate() rejects a negative `_warning`.
    std::chrono::seconds idle_in_transaction_warning{60}, idle_in_transaction_critical{600};
    ///@}
    ///@{
    /// Transaction-ID age of a database. PostgreSQL stops assigning XIDs 3 million before
    /// 2^31 (about 2.1 billion) to prevent wraparound; autovacuum_freeze_max_age defaults
    /// to 200 million, so an age far past that means freezing is not keeping up.
    /// Degraded from `xid_age_warning`, unhealthy from `xid_age_critical` (in XIDs).
    std::int64_t xid_age_warning = 1'000'000'000, xid_age_critical = 1'500'000'000;
    ///@}
    ///@{
    /// Share of a sequence's usable maximum (the smaller of the sequence's and its
    /// column type's) already consumed.
    /// Degraded from `_warning`, unhealthy from `_critical`; both in (0, 1], warning not
    /// above critical.
    double sequence_warning = 0.90, sequence_critical = 0.98;
    ///@}
    /// Tables with at least this many rows are expected to have been analyzed / vacuumed.
    std::int64_t maintenance_min_rows = 1000;
    /// Dead tuples over live + dead tuples.
    double dead_tuple_ratio_warning = 0.20;
    /// Estimated bloat: wasted share of a table at least `bloat_min_bytes` large.
    double bloat_ratio_warning = 0.50;
    /// Heap size in bytes (default 8 MiB) below which a table's bloat is not judged.
    std::int64_t bloat_min_bytes = 8 << 20;
    /// Buffer cache hit rate (tables and indexes) below this, after `cache_min_blocks` reads.
    double cache_hit_warning = 0.99;
    /// Block requests (hits + reads) a relation kind needs before its hit rate is judged.
    std::int64_t cache_min_blocks = 10000;
    ///@{
    /// Replication lag of a replica.
    /// Degraded from `_warning`, unhealthy from `_critical`.
    std::chrono::seconds replication_lag_warning{30}, replication_lag_critical{300};
    ///@}
    /// SQLite: free pages over all pages; WAL file size.
    double freelist_warning = 0.25;
    /// SQLite: WAL file size in bytes (default 64 MiB) at or above which storage is degraded.
    std::int64_t wal_bytes_warning = 64 << 20;
    /// Index scans at or below which a non-unique index counts as unused.
    std::int64_t unused_max_scans = 0;

    /// Throws config_error for a ratio outside (0, 1], warning above critical, or a
    /// non-positive timeout.
    void validate() const {
        auto ratio = [](const char* field, double v) {
            if (!(v > 0.0 && v <= 1.0)) throw config_error(std::string("inspect::options::") + field, std::to_string(v), "must be in (0, 1]");
        };
        ratio("connections_warning", connections_warning);
        ratio("connections_critical", connections_critical);
        ratio("sequence_warning", sequence_warning);
        ratio("sequence_critical", sequence_critical);
        ratio("dead_tuple_ratio_warning", dead_tuple_ratio_warning);
        ratio("bloat_ratio_warning", bloat_ratio_warning);
        ratio("cache_hit_warning", cache_hit_warning);
        ratio("freelist_warning", freelist_warning);
        if (connections_warning > connections_critical)
            throw config_error("inspect::options::connections_warning", std::to_string(connections_warning), "above connections_critical");
        if (sequence_warning > sequence_critical)
            throw config_error("inspect::options::sequence_warning", std::to_string(sequence_warning), "above sequence_critical");
        if (statement_timeout.count() <= 0)
            throw config_error("inspect::options::statement_timeout", std::to_string(statement_timeout.count()) + "ms", "must be positive");
        if (long_query_warning.count() < 0)
            throw config_error("inspect::options::long_query_warning", std::to_string(long_query_warning.count()) + "s", "must not be negative");
        if (idle_in_transaction_warning.count() < 0)
            throw config_error("inspect::options::idle_in_transaction_warning",
                               std::to_string(idle_in_transaction_warning.count()) + "s", "must not be negative");
        if (unused_max_scans < 0)
            throw config_error("inspect::options::unused_max_scans", std::to_string(unused_max_scans), "must not be negative");
    }
};

} // namespace cistern::inspect

#pragma once
/// \file
/// `cistern::monitor_snapshot`: everything a monitor pushes to its sinks at once.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <cistern/monitor/cache_figures.hpp>
#include <cistern/monitor/default_partition_rows.hpp>
#include <cistern/monitor/health.hpp>
#include <cistern/monitor/histogram.hpp>
#include <cistern/monitor/latency_buckets.hpp>
#include <cistern/monitor/query_summary.hpp>
#include <cistern/monitor/slow_query_log.hpp>
#include <cistern/pool/events.hpp>
#include <cistern/pool/stats.hpp>

namespace cistern {

/// A latency distribution reduced to figures (all durations in nanoseconds).
struct latency_summary {
    /// Values recorded.
    std::uint64_t count = 0;
    ///@{
    /// The sum, mean, percentiles (50, 90, 95, 99, 99.9) and maximum of the values; zero when count is 0.
    std::chrono::nanoseconds sum{}, mean{}, p50{}, p90{}, p95{}, p99{}, p999{}, max{};
    ///@}
    /// Values at or below each of latency_bucket_bounds, cumulative.
    std::array<std::uint64_t, latency_bucket_bounds.size()> buckets{};

    /// Reads a histogram of nanoseconds.
    static latency_summary of(const histogram& h) {
        latency_summary s;
        s.count = h.count();
        if (s.count == 0) return s;
        using ns = std::chrono::nanoseconds;
        s.sum = ns(static_cast<std::int64_t>(h.sum()));
        s.mean = ns(static_cast<std::int64_t>(h.mean()));
        static constexpr std::array<double, 5> ps{50, 90, 95, 99, 99.9};
        static const auto bounds = [] {
            std::array<std::uint64_t, latency_bucket_bounds.size()> b{};
            for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint64_t>(latency_bucket_bounds[i] * 1e9);
            return b;
        }();
        std::array<std::uint64_t, ps.size()> pv{};
        std::array<std::uint64_t, latency_bucket_bounds.size()> at{};
        h.read(ps, pv, bounds, at); // one read of the counters for every figure
        s.p50 = ns(static_cast<std::int64_t>(pv[0]));
        s.p90 = ns(static_cast<std::int64_t>(pv[1]));
        s.p95 = ns(static_cast<std::int64_t>(pv[2]));
        s.p99 = ns(static_cast<std::int64_t>(pv[3]));
        s.p999 = ns(static_cast<std::int64_t>(pv[4]));
        s.max = ns(static_cast<std::int64_t>(h.max()));
        std::uint64_t prev = 0;
        for (std::size_t i = 0; i < at.size(); ++i) {
            // counters are read while others record: keep the series cumulative
            prev = std::max(prev, std::min(at[i], s.count));
            s.buckets[i] = prev;
        }
        if (s.count < prev) s.count = prev;
        return s;
    }

    /// The part of `all` that is not in `part` (count, sum and buckets only; the
    /// percentiles are left 0): e.g. the successful executions, given all of them and
    /// the failed ones. Read while others record, `part` may exceed `all` for a moment:
    /// each figure is clamped at 0 and the buckets stay cumulative.
    static latency_summary minus(const latency_summary& all, const latency_summary& part) noexcept {
        latency_summary s;
        auto sub = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
        s.count = sub(all.count, part.count);
        s.sum = all.sum > part.sum ? all.sum - part.sum : std::chrono::nanoseconds{};
        std::uint64_t prev = 0;
        for (std::size_t i = 0; i < s.buckets.size(); ++i) {
            prev = std::max(prev, sub(all.buckets[i], part.buckets[i]));
            s.buckets[i] = std::min(prev, s.count);
            prev = s.buckets[i];
        }
        return s;
    }
};

/// One statement fingerprint's figures.
struct statement_summary {
    /// The statement's fingerprint: literals replaced by placeholders, whitespace normalised.
    std::string fingerprint;
    std::uint32_t id = 0;      ///< the fingerprint's number in the monitor (first seen: 0); stable
    query_summary summary;     ///< operation, collection and short summary of `fingerprint`
    /// The number of bind parameters the statement takes.
    std::size_t parameters = 0;
    /// Executions recorded, successful or not.
    std::uint64_t calls = 0;
    /// Executions that failed.
    std::uint64_t errors = 0;
    /// Rows returned or affected, summed over executions.
    std::uint64_t rows = 0;
    std::uint64_t slow = 0; ///< executions at or above slow_warning
    /// Time spent in the statement, summed over executions.
    std::chrono::nanoseconds total{};
    latency_summary latency;   ///< every execution
    latency_summary failed;    ///< the failed ones: count (= errors), sum and buckets; no percentiles
};

/// Severity of a sustained pool utilization.
enum class utilization_level : std::uint8_t { normal, warning, critical };
/// The level's name: "normal", "warning" or "critical" ("unknown" outside the enum).
inline const char* to_string(utilization_level l) noexcept {
    switch (l) {
    case utilization_level::normal: return "normal";
    case utilization_level::warning: return "warning";
    case utilization_level::critical: return "critical";
    }
    return "unknown";
}

/// Raised once when utilization has stayed at or above a threshold for the whole
/// configured period.
struct pool_alert {
    /// warning or critical: which threshold was crossed.
    utilization_level level = utilization_level::warning;
    double utilization = 0.0;   ///< the sample that completed the period
    double threshold = 0.0;     ///< the threshold it stayed above
    std::chrono::nanoseconds sustained{}; ///< how long it had stayed there
};

/// The pool part of a snapshot.
struct pool_summary {
    bool observed = false;      ///< observe_pool() was called at least once
    pool_stats stats;           ///< the last sample given to observe_pool()
    utilization_level level = utilization_level::normal; ///< current sustained level
    /// Acquires that ended in pool_timeout.
    std::uint64_t timeouts = 0;
    /// Connection attempts that failed.
    std::uint64_t connect_failures = 0;
    /// Leak reports (leases held past the leak detection threshold).
    std::uint64_t leaks = 0;
    /// Connections closed, indexed by close_reason.
    std::array<std::uint64_t, close_reason_count> closes{};
    ///@{
    /// How long acquires waited, how long leases were held, and how long connecting took.
    latency_summary acquire_wait, usage, creation;
    ///@}
    std::vector<leak_report> leak_reports; ///< the last few
    /// The last connect error's message (password-free), empty if none.
    std::string last_connect_error;
};

/// Rolling-window figures (the last monitor_options::window statements).
struct window_summary {
    /// Statements in the window.
    std::size_t statements = 0;
    /// Of those, the ones that failed.
    std::size_t errors = 0;
    /// Their mean duration (zero when the window is empty).
    std::chrono::nanoseconds mean{};
    /// Their longest duration.
    std::chrono::nanoseconds max{};
};

/// Everything a monitor pushes to its sinks.
struct monitor_snapshot {
    /// When the snapshot was taken (wall clock).
    std::chrono::system_clock::time_point taken{};
    std::string db_system;     ///< OpenTelemetry db.system.name ("sqlite", "postgresql", "other_sql")
    std::vector<statement_summary> statements; ///< by total time, largest first
    ///@{
    /// Executions and failed executions over all statements.
    std::uint64_t calls = 0, errors = 0;       ///< over all statements
    ///@}
    /// Figures over the rolling window of recent statements.
    window_summary window;
    std::vector<slow_query> slow;              ///< slow statements new since the last flush
    std::vector<slow_query> recent_slow;       ///< the last slow_query_log::kept_recent, flushed or not
    ///@{
    /// Totals since the monitor started: slow statements at warning and critical level, and
    /// slow records dropped because more were pending than the slow query log holds.
    std::uint64_t slow_warnings = 0, slow_criticals = 0, slow_dropped = 0; ///< totals
    ///@}
    /// The pool part: last sample, utilization level, events and their latencies.
    pool_summary pool;
    std::vector<pool_alert> pool_alerts;       ///< alerts new since the last flush
    /// Cache counters from observe_cache(), if a cache is observed.
    std::optional<cache_figures> cache;
    /// Default partitions from observe_default_partitions(), if they are observed (empty:
    /// the database has none).
    std::optional<std::vector<default_partition_rows>> default_partitions;
    /// The health rules' verdict at the time of the snapshot.
    health_report health;
    std::uint64_t sink_failures = 0;           ///< publishes that threw, all sinks
};

} // namespace cistern

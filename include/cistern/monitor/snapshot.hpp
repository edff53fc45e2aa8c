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
#include <cistern/monitor/health.hpp>
#include <cistern/monitor/histogram.hpp>
#include <cistern/monitor/slow_query_log.hpp>
#include <cistern/pool/events.hpp>
#include <cistern/pool/stats.hpp>

namespace cistern {

/// Upper bounds (seconds) of the cumulative buckets exported for every latency
/// (Prometheus `le` labels); +Inf is implied.
inline constexpr std::array<double, 14> latency_bucket_bounds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

/// A latency distribution reduced to figures (all durations in nanoseconds).
struct latency_summary {
    std::uint64_t count = 0;
    std::chrono::nanoseconds sum{}, mean{}, p50{}, p90{}, p95{}, p99{}, p999{}, max{};
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
        s.p50 = ns(static_cast<std::int64_t>(h.percentile(50)));
        s.p90 = ns(static_cast<std::int64_t>(h.percentile(90)));
        s.p95 = ns(static_cast<std::int64_t>(h.percentile(95)));
        s.p99 = ns(static_cast<std::int64_t>(h.percentile(99)));
        s.p999 = ns(static_cast<std::int64_t>(h.percentile(99.9)));
        s.max = ns(static_cast<std::int64_t>(h.max()));
        std::uint64_t prev = 0;
        for (std::size_t i = 0; i < latency_bucket_bounds.size(); ++i) {
            const auto v = static_cast<std::uint64_t>(latency_bucket_bounds[i] * 1e9);
            // counters are read while others record: keep the series cumulative
            prev = std::max(prev, std::min(h.count_at_or_below(v), s.count));
            s.buckets[i] = prev;
        }
        if (s.count < prev) s.count = prev;
        return s;
    }
};

/// One statement fingerprint's figures.
struct statement_summary {
    std::string fingerprint;
    std::size_t parameters = 0;
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;
    std::uint64_t rows = 0;
    std::uint64_t slow = 0; ///< executions at or above slow_warning
    std::chrono::nanoseconds total{};
    latency_summary latency;
};

/// Severity of a sustained pool utilization.
enum class utilization_level : std::uint8_t { normal, warning, critical };
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
    std::uint64_t timeouts = 0;
    std::uint64_t connect_failures = 0;
    std::uint64_t leaks = 0;
    std::array<std::uint64_t, close_reason_count> closes{};
    latency_summary acquire_wait, usage, creation;
    std::vector<leak_report> leak_reports; ///< the last few
    std::string last_connect_error;
};

/// Rolling-window figures (the last monitor_options::window statements).
struct window_summary {
    std::size_t statements = 0;
    std::size_t errors = 0;
    std::chrono::nanoseconds mean{};
    std::chrono::nanoseconds max{};
};

/// Everything a monitor pushes to its sinks.
struct monitor_snapshot {
    std::chrono::system_clock::time_point taken{};
    std::string db_system;
    std::vector<statement_summary> statements; ///< by total time, largest first
    std::uint64_t calls = 0, errors = 0;       ///< over all statements
    window_summary window;
    std::vector<slow_query> slow;              ///< slow statements new since the last flush
    std::vector<slow_query> recent_slow;       ///< the last slow_query_log::kept_recent, flushed or not
    std::uint64_t slow_warnings = 0, slow_criticals = 0, slow_dropped = 0; ///< totals
    pool_summary pool;
    std::vector<pool_alert> pool_alerts;       ///< alerts new since the last flush
    std::optional<cache_figures> cache;
    health_report health;
    std::uint64_t sink_failures = 0;           ///< publishes that threw, all sinks
};

} // namespace cistern

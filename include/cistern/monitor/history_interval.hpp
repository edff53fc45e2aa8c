#pragma once
/// \file
/// `cistern::history_interval`: what a monitor saw during one interval of its history
/// (or, merged, during a window of several).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace cistern {

/// The figures of one history interval, or of several merged (monitor_history::total).
/// Counters (calls, errors, timeouts, cache hits, ...) are what happened in the interval;
/// pool gauges are the last pool sample of the interval, `pool_in_use_peak` the highest.
/// Latency percentiles come from the interval's interval_histogram (within 3.1 %).
struct history_interval {
    std::chrono::system_clock::time_point begin{}; ///< wall time the interval started
    std::chrono::nanoseconds length{};             ///< how long it lasted (>= 0)

    // statements
    ///@{ statements run, statements that failed, rows they returned, statements that were slow
    std::uint64_t calls = 0, errors = 0, rows = 0, slow = 0;
    ///@}
    std::chrono::nanoseconds total{};              ///< summed statement time
    ///@{ statement latency percentiles and maximum (max: bucket bound)
    std::chrono::nanoseconds p50{}, p95{}, p99{}, max{};
    ///@}

    // pool (gauges from observe_pool() samples; pool_observed: at least one sample so far)
    bool pool_observed = false;                    ///< at least one pool sample so far
    ///@{ pool gauges of the interval's last sample (pool_in_use_peak: the highest in-use seen)
    std::size_t pool_size = 0, pool_in_use = 0, pool_in_use_peak = 0, pool_idle = 0, pool_waiting = 0,
                pool_pending = 0, pool_max_size = 0;
    ///@}
    std::uint64_t pool_acquired = 0;               ///< successful acquires
    std::uint64_t pool_waited = 0;                 ///< acquires that waited
    std::chrono::nanoseconds pool_wait_total{};    ///< their summed wait
    std::uint64_t pool_timeouts = 0;               ///< acquires that gave up
    std::uint64_t pool_connect_failures = 0;       ///< connection attempts that failed

    // cache (cache_observed: observe_cache() was called at least once so far)
    bool cache_observed = false;                   ///< observe_cache() was called at least once so far
    ///@{ cache hits, misses, loads and evictions in the interval
    std::uint64_t cache_hits = 0, cache_misses = 0, cache_loads = 0, cache_evictions = 0;
    ///@}

    /// Statements per second (0 for an empty interval).
    double throughput() const noexcept { return per_second(calls); }
    /// errors / calls (0 without calls).
    double error_ratio() const noexcept {
        return calls ? static_cast<double>(errors) / static_cast<double>(calls) : 0.0;
    }
    /// pool_in_use / pool_max_size at the interval's last sample (0 unknown).
    double pool_utilization() const noexcept {
        return pool_max_size ? static_cast<double>(pool_in_use) / static_cast<double>(pool_max_size) : 0.0;
    }
    /// pool_in_use_peak / pool_max_size.
    double pool_peak_utilization() const noexcept {
        return pool_max_size ? static_cast<double>(pool_in_use_peak) / static_cast<double>(pool_max_size) : 0.0;
    }
    /// Mean wait of the acquires that waited (0 if none did).
    std::chrono::nanoseconds pool_mean_wait() const noexcept {
        return pool_waited ? pool_wait_total / static_cast<std::int64_t>(pool_waited) : std::chrono::nanoseconds{};
    }
    /// cache_hits / (hits + misses) in the interval, 0 without requests.
    double cache_hit_ratio() const noexcept {
        const auto n = cache_hits + cache_misses;
        return n ? static_cast<double>(cache_hits) / static_cast<double>(n) : 0.0;
    }

    /// `n` events over this interval's length, per second.
    double per_second(std::uint64_t n) const noexcept {
        const double s = std::chrono::duration<double>(length).count();
        return s > 0 ? static_cast<double>(n) / s : 0.0;
    }
};

} // namespace cistern

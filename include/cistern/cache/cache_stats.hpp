#pragma once
/// \file
/// cistern::cache_stats: a snapshot of a cache's counters.

#include <chrono>
#include <cstdint>

namespace cistern {

/// Counters since construction (clear() does not reset them). With
/// cache_options::record_stats = false, hits/misses/loads stay zero; removal and refresh
/// counts and sizes are still kept.
struct cache_stats {
    std::uint64_t hits = 0;            ///< get/get_or_load calls that found a live entry
    std::uint64_t misses = 0;          ///< get/get_or_load calls that did not (each waiter counts)
    std::uint64_t loads = 0;           ///< loader calls that returned a value
    std::uint64_t load_failures = 0;   ///< loader calls that threw
    std::chrono::nanoseconds total_load_time{0}; ///< time spent in loaders (successful or not)
    std::uint64_t evictions = 0;       ///< removals with removal_cause::evicted
    std::uint64_t evicted_weight = 0;  ///< total weight of those evictions (equals evictions without a weigher)
    std::uint64_t expirations = 0;     ///< removals with removal_cause::expired
    std::uint64_t explicit_removals = 0; ///< removals with removal_cause::explicit_
    std::uint64_t replacements = 0;    ///< removals with removal_cause::replaced
    std::uint64_t refreshes = 0;       ///< refresh_after_write reloads that returned a value
    std::uint64_t refresh_failures = 0; ///< refresh_after_write reloads that threw (the old value stayed)

    /// hits + misses: the get/get_or_load calls counted.
    std::uint64_t requests() const noexcept { return hits + misses; }
    /// hits / (hits + misses), or 1 when there were no requests.
    double hit_ratio() const noexcept {
        return requests() == 0 ? 1.0 : static_cast<double>(hits) / static_cast<double>(requests());
    }
    /// Mean time of one load, or zero.
    std::chrono::nanoseconds average_load_time() const noexcept {
        const std::uint64_t n = loads + load_failures;
        return n == 0 ? std::chrono::nanoseconds{0} : total_load_time / static_cast<std::int64_t>(n);
    }
};

} // namespace cistern

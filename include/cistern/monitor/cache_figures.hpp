#pragma once
/// \file
/// Cache counters as the monitor sees them: plain numbers, no dependency on a cache type.

#include <concepts>
#include <cstdint>

namespace cistern {

/// Cumulative cache counters handed to monitor::observe_cache().
struct cache_figures {
    /// Lookups that found a live entry.
    std::uint64_t hits = 0;
    /// Lookups that found none.
    std::uint64_t misses = 0;
    /// Values loaded by a loader on a miss.
    std::uint64_t loads = 0;
    /// Entries removed to stay within the cache's bound.
    std::uint64_t evictions = 0;

    /// hits + misses: the lookups counted.
    std::uint64_t requests() const noexcept { return hits + misses; }
    /// hits / (hits + misses), 0 when there were no requests.
    double hit_ratio() const noexcept {
        const auto n = requests();
        return n ? static_cast<double>(hits) / static_cast<double>(n) : 0.0;
    }

    /// Copies the four counters from anything that has them (e.g. cistern::cache_stats).
    template <class S>
        requires requires(const S& s) {
            { s.hits } -> std::convertible_to<std::uint64_t>;
            { s.misses } -> std::convertible_to<std::uint64_t>;
            { s.loads } -> std::convertible_to<std::uint64_t>;
            { s.evictions } -> std::convertible_to<std::uint64_t>;
        }
    static cache_figures from(const S& s) noexcept {
        return {static_cast<std::uint64_t>(s.hits), static_cast<std::uint64_t>(s.misses),
                static_cast<std::uint64_t>(s.loads), static_cast<std::uint64_t>(s.evictions)};
    }
};

} // namespace cistern

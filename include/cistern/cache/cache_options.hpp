#pragma once
/// \file
/// cistern::cache_options (runtime numbers of a cache) and cistern::entry_options
/// (per-call TTL and tags).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cistern {

/// The numbers of a cache, validated at construction (config_error names the field).
struct cache_options {
    /// Bound on the number of entries; required (and only allowed) without a weigher.
    std::uint64_t max_size = 0;
    /// Bound on the total weight; required (and only allowed) with cache_policy::with_weigher.
    std::uint64_t max_weight = 0;
    /// Number of independently locked shards: 0 chooses (1 for single_threaded, else
    /// 32 × hardware threads rounded up to a power of two, at most 64, fewer while a shard
    /// would get less than 32 units of the bound). Otherwise a power of two ≤ 1024. The bound is split exactly
    /// between shards, and each shard runs its own eviction policy instance.
    std::size_t shards = 0;
    /// Count hits, misses, loads and load time.
    bool record_stats = true;
    /// With cache_policy::with_refresh (required there, positive; must stay zero without
    /// it): an entry written this long ago is reloaded by the next read, which still
    /// returns the current value at once (see cache::get).
    std::chrono::nanoseconds refresh_after_write{0};
};

/// Per-call options of put() and get_or_load().
struct entry_options {
    /// Time to live for this write, handed to the expiry policy as `requested`
    /// (after_write, after_access and per_entry honour it; never ignores it).
    std::optional<std::chrono::nanoseconds> ttl{};
    /// Tags of the entry, for invalidate_tag(). A replacement's tags replace the old ones.
    std::vector<std::string> tags{};
};

} // namespace cistern

#pragma once
/// \file
/// `cistern::redis::lookup`: what redis::tier::fetch() found under a key.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cistern::redis {

/// The outcome of one L2 read.
enum class lookup_status : std::uint8_t {
    hit,     ///< a value whose tag versions are current (payload, remaining_ttl set)
    miss,    ///< no value under the key
    stale,   ///< a value written before one of its tags was invalidated (ignored)
    corrupt, ///< bytes that are not a tier envelope of this codec version (ignored, counted)
    failed,  ///< Redis did not answer in time or the connection was lost (counted)
    skipped  ///< the breaker was open: Redis was not asked
};

/// The result of redis::tier::fetch(), handed back to tier::store() after a load.
struct lookup {
    lookup_status status = lookup_status::skipped; ///< what the fetch found
    /// The codec's bytes of the value (hit only).
    std::string payload{};
    /// The value's remaining L2 time to live (hit only; max() when it has none).
    std::chrono::milliseconds remaining_ttl{std::chrono::milliseconds::max()};
    /// The tags' versions read with the value, in tag order (to store with a loaded value).
    std::vector<std::int64_t> versions{};

    /// True when Redis answered, so a value loaded after this read may be written back.
    bool answered() const noexcept {
        return status == lookup_status::miss || status == lookup_status::stale || status == lookup_status::corrupt;
    }
};

} // namespace cistern::redis

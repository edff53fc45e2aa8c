#pragma once
/// \file
/// `cistern::redis::tier_stats`: counters of the Redis second tier.

#include <cstdint>

namespace cistern::redis {

/// Counters since the tier was built (a snapshot; each only grows).
struct tier_stats {
    std::uint64_t hits = 0;            ///< L2 reads that returned a current value
    std::uint64_t misses = 0;          ///< L2 reads that found no value
    std::uint64_t stale = 0;           ///< L2 values ignored because a tag's version moved
    std::uint64_t decode_failures = 0; ///< L2 values that did not decode (corrupt, foreign format or version)
    std::uint64_t errors = 0;          ///< operations that failed (timeout, connection lost, no connection)
    std::uint64_t skipped = 0;         ///< operations not attempted because the breaker was open
    std::uint64_t writes = 0;          ///< values written to Redis
    std::uint64_t oversized = 0;       ///< values not written: larger than tier_options::max_value_bytes
    std::uint64_t breaker_opens = 0;   ///< times the breaker opened
    std::uint64_t invalidations_sent = 0;     ///< invalidate() calls that reached Redis
    std::uint64_t invalidations_received = 0; ///< messages from other instances
    std::uint64_t echoes_ignored = 0;         ///< this instance's own messages, ignored
    std::uint64_t subscriptions = 0;   ///< successful SUBSCRIBEs (the first, and each resubscription)
    std::uint64_t local_clears = 0;    ///< in-memory caches cleared because the subscription was lost or renewed
};

} // namespace cistern::redis

#pragma once
/// \file
/// cistern::removal_cause: why an entry left a cache, as told to its removal listener.

#include <string_view>

namespace cistern {

/// Why an entry left the cache.
enum class removal_cause {
    explicit_, ///< erase(), clear() or invalidate_tag()
    replaced,  ///< put() or a load stored a new value under the key
    evicted,   ///< the eviction policy chose it to stay within the bound (or it alone exceeds the bound)
    expired,   ///< its time to live ran out
};

/// "explicit", "replaced", "evicted" or "expired".
constexpr std::string_view to_string(removal_cause c) noexcept {
    switch (c) {
    case removal_cause::explicit_: return "explicit";
    case removal_cause::replaced: return "replaced";
    case removal_cause::evicted: return "evicted";
    case removal_cause::expired: return "expired";
    }
    return "unknown";
}

} // namespace cistern

#pragma once
/// \file
/// `cistern::redis::key_format<K>`: the text of a cache key inside a Redis key.

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>

namespace cistern::redis {

/// Formats keys of `K` for Redis: strings as they are, integers in decimal. For other
/// key types pass a callable `std::string(const K&)` to tiered_cache (it must be
/// injective: two keys with one text would share an L2 value).
template <class K>
struct key_format {
    static_assert(std::is_convertible_v<const K&, std::string_view> || std::is_integral_v<K>,
                  "cistern::redis::key_format<K>: no default text form for this key type; pass tiered_cache a "
                  "KeyFormat callable `std::string(const K&)`");
    /// `k` as decimal text (integers) or its characters (string-like keys).
    std::string operator()(const K& k) const {
        if constexpr (std::is_integral_v<K>) return std::to_string(k);
        else return std::string(std::string_view(k));
    }
};

} // namespace cistern::redis

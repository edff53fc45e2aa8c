#pragma once
/// \file
/// `cistern::redis::string_codec`: std::string values, stored as their bytes.

#include <cistern/redis/value_codec.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cistern::redis {

/// std::string as its bytes (any bytes decode).
struct string_codec {
    /// Format version, stored with each value: tier::fetch() reads a value stored with another version as corrupt.
    static constexpr std::uint8_t version = 1;
    /// Appends the encoding of the value to `out`.
    void encode(const std::string& v, std::string& out) const { out.append(v); }
    /// The value encoded in `in`, or nothing when `in` is not a valid encoding.
    std::optional<std::string> decode(std::string_view in) const { return std::string(in); }
};

static_assert(detail::check_value_codec<string_codec, std::string>());

} // namespace cistern::redis

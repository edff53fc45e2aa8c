#pragma once
/// \file
/// `cistern::redis::ValueCodec<C, V>`: how the Redis tier turns values into bytes and back.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cistern::redis {

/// Encodes values of `V` to bytes and decodes them back, with a format version.
///
/// Contract:
///  - `C::version` (a constant convertible to std::uint8_t) names the byte format. The
///    tier stores it beside every value and treats a value written with another version
///    as a miss (counted as a decode failure), so changing the format means a new version.
///  - `c.encode(v, out)` appends the bytes of `v` to `out` (it may throw; nothing is stored).
///  - `c.decode(bytes)` returns the value, or std::nullopt when the bytes are not a valid
///    encoding (truncated, corrupt, foreign). It must never crash or read out of bounds on
///    arbitrary input, and should not throw.
template <class C, class V>
concept ValueCodec = requires(const C& c, const V& v, std::string& out, std::string_view in) {
    { C::version } -> std::convertible_to<std::uint8_t>;
    c.encode(v, out);
    { c.decode(in) } -> std::same_as<std::optional<V>>;
};

namespace detail {
template <class C> concept codec_has_version = requires { { C::version } -> std::convertible_to<std::uint8_t>; };
template <class C, class V> concept codec_has_encode = requires(const C& c, const V& v, std::string& out) { c.encode(v, out); };
template <class C, class V> concept codec_has_decode = requires(const C& c, std::string_view in) {
    { c.decode(in) } -> std::same_as<std::optional<V>>;
};

/// True for a ValueCodec; otherwise fails a static_assert naming the missing member.
template <class C, class V>
consteval bool check_value_codec() {
    static_assert(codec_has_version<C>,
                  "cistern::redis::ValueCodec: the codec needs `static constexpr std::uint8_t version` (its byte format)");
    static_assert(codec_has_encode<C, V>,
                  "cistern::redis::ValueCodec: the codec needs `void encode(const V&, std::string& out) const` (append the bytes)");
    static_assert(codec_has_decode<C, V>,
                  "cistern::redis::ValueCodec: the codec needs `std::optional<V> decode(std::string_view) const` (nullopt for bad bytes)");
    return ValueCodec<C, V>;
}
} // namespace detail

} // namespace cistern::redis

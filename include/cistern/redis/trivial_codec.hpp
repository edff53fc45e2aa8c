#pragma once
/// \file
/// `cistern::redis::trivial_codec<T>`: trivially copyable values, stored as their object bytes.

#include <cistern/redis/value_codec.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace cistern::redis {

/// A trivially copyable `T` as its sizeof(T) object bytes (host byte order and layout:
/// share it only between instances built for the same platform). Bytes of another size
/// decode to nothing.
template <class T>
struct trivial_codec {
    static_assert(std::is_trivially_copyable_v<T>,
                  "cistern::redis::trivial_codec<T>: T must be trivially copyable; write a ValueCodec for it");
    /// Format version, stored with each value: tier::fetch() reads a value stored with another version as corrupt.
    static constexpr std::uint8_t version = 1;
    /// Appends the encoding of the value to `out`.
    void encode(const T& v, std::string& out) const { out.append(reinterpret_cast<const char*>(&v), sizeof(T)); }
    /// The value encoded in `in`, or nothing when `in` is not a valid encoding.
    std::optional<T> decode(std::string_view in) const {
        if (in.size() != sizeof(T)) return std::nullopt;
        T v;
        std::memcpy(&v, in.data(), sizeof(T));
        return v;
    }
};

static_assert(detail::check_value_codec<trivial_codec<std::int64_t>, std::int64_t>());

} // namespace cistern::redis

#pragma once
/// \file
/// The bytes the tier stores under a key: a magic byte, the codec's version, the versions
/// of the value's tags, then the codec's bytes.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::redis::detail {

inline constexpr unsigned char envelope_magic = 0xC1;

inline void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

inline std::string make_envelope(std::uint8_t codec_version, std::span<const std::int64_t> versions, std::string_view payload) {
    std::string out;
    out.reserve(payload.size() + 3 + versions.size() * 3);
    out.push_back(static_cast<char>(envelope_magic));
    out.push_back(static_cast<char>(codec_version));
    put_varint(out, versions.size());
    for (std::int64_t v : versions) put_varint(out, static_cast<std::uint64_t>(v));
    out.append(payload);
    return out;
}

struct envelope_view {
    std::uint8_t codec_version = 0;
    std::vector<std::int64_t> versions;
    std::string_view payload;
};

/// The parts of an envelope, or nothing for bytes that are not one.
inline std::optional<envelope_view> read_envelope(std::string_view in) {
    if (in.size() < 3 || static_cast<unsigned char>(in[0]) != envelope_magic) return std::nullopt;
    envelope_view e;
    e.codec_version = static_cast<std::uint8_t>(in[1]);
    std::size_t pos = 2;
    auto varint = [&](std::uint64_t& v) {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= in.size()) return false;
            const auto b = static_cast<std::uint8_t>(in[pos++]);
            v |= std::uint64_t{b & 0x7fu} << shift;
            if (!(b & 0x80)) return true;
        }
        return false;
    };
    std::uint64_t n = 0;
    if (!varint(n) || n > in.size()) return std::nullopt;
    e.versions.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
        std::uint64_t v = 0;
        if (!varint(v)) return std::nullopt;
        e.versions.push_back(static_cast<std::int64_t>(v));
    }
    e.payload = in.substr(pos);
    return e;
}

} // namespace cistern::redis::detail

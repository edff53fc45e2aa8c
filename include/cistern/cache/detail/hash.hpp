#pragma once
/// \file
/// detail::mix64: a bijective 64-bit finaliser (splitmix64) applied to std::hash results,
/// so that identity hashes of integers spread over shards, tables and the sketch.

#include <cstdint>

namespace cistern::detail {

/// Spreads the bits of `x`; a bijection, so distinct inputs stay distinct.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

} // namespace cistern::detail

#pragma once
/// \file
/// detail::fixed_window<Permille>: a W-TinyLFU "climber" that never moves the window, for
/// benchmarks (the fixed-window W-TinyLFU of the paper, and the static windows the
/// hit-ratio tool compares the adaptive policy with).

#include <cstdint>

namespace cistern::detail {

/// Keeps the window at `Permille` / 1000 of the capacity (at least 1 weight unit).
template <unsigned Permille>
struct fixed_window {
    static_assert(Permille <= 1000, "cistern::detail::fixed_window: the window is a share of the capacity, at most 1000 per mille");
    /// The window's budget for `capacity` weight units.
    std::uint64_t reset(std::uint64_t capacity) noexcept { return capacity * Permille / 1000; }
    /// Never asks for a decision.
    bool record(bool /*hit*/) noexcept { return false; }
    /// Never moves the window.
    std::int64_t decide(std::uint64_t /*window*/, std::uint64_t /*max_window*/) noexcept { return 0; }
};

} // namespace cistern::detail

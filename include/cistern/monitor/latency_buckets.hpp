#pragma once
/// \file
/// The latency buckets every exported histogram uses (Prometheus `le` bounds), and
/// the bucket a recorded value belongs to.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include <cistern/monitor/histogram.hpp>

namespace cistern {

/// Upper bounds (seconds) of the cumulative buckets exported for every latency
/// (Prometheus `le` labels); +Inf is implied.
inline constexpr std::array<double, 14> latency_bucket_bounds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

namespace detail {
/// latency_bucket_bounds in nanoseconds, rounded as latency_summary::of() rounds them.
inline constexpr std::array<std::uint64_t, latency_bucket_bounds.size()> latency_bucket_bounds_ns = [] {
    std::array<std::uint64_t, latency_bucket_bounds.size()> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint64_t>(latency_bucket_bounds[i] * 1e9);
    return a;
}();

/// The index of the first bucket (0 .. latency_bucket_bounds.size(); the last means
/// "+Inf only") that counts a value of `ns` nanoseconds. A value counts where its
/// histogram counter's lowest value is at or below the bound, exactly as
/// histogram::count_at_or_below() counts it, so counts kept with this index and counts
/// read from a histogram of the same values agree bucket by bucket.
inline std::size_t latency_bucket_of(std::uint64_t ns) noexcept {
    const std::uint64_t lowest = histogram::value_at_index(histogram::index_of(std::min(ns, histogram::highest_trackable)));
    return static_cast<std::size_t>(std::lower_bound(latency_bucket_bounds_ns.begin(), latency_bucket_bounds_ns.end(), lowest) -
                                    latency_bucket_bounds_ns.begin());
}
} // namespace detail

} // namespace cistern

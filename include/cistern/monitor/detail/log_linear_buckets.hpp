#pragma once
/// \file
/// The counter layout shared by cistern::histogram and cistern::interval_histogram:
/// HdrHistogram-style log-linear buckets, 2^(HalfMagnitude+1) sub-buckets per power of two.

#include <bit>
#include <cstddef>
#include <cstdint>

namespace cistern::detail {

template <int HalfMagnitude>
struct log_linear_buckets {
    static constexpr int sub_bucket_half_magnitude = HalfMagnitude;
    static constexpr std::uint64_t sub_bucket_count = std::uint64_t{2} << HalfMagnitude;
    static constexpr std::uint64_t sub_bucket_half = sub_bucket_count / 2;

    /// The counter index of a value.
    static constexpr std::size_t index_of(std::uint64_t v) noexcept {
        const int bucket = 64 - std::countl_zero(v | (sub_bucket_count - 1)) - (sub_bucket_half_magnitude + 1);
        const auto sub = static_cast<std::size_t>(v >> bucket);
        return (static_cast<std::size_t>(bucket + 1) << sub_bucket_half_magnitude) + (sub - sub_bucket_half);
    }
    /// The lowest value that lands in counter `i`.
    static constexpr std::uint64_t value_at_index(std::size_t i) noexcept {
        int bucket = static_cast<int>(i >> sub_bucket_half_magnitude) - 1;
        std::uint64_t sub = (i & (sub_bucket_half - 1)) + sub_bucket_half;
        if (bucket < 0) {
            sub -= sub_bucket_half;
            bucket = 0;
        }
        return sub << bucket;
    }
    /// The highest value that lands in the same counter as `v`.
    static constexpr std::uint64_t highest_equivalent(std::uint64_t v) noexcept {
        const int bucket = 64 - std::countl_zero(v | (sub_bucket_count - 1)) - (sub_bucket_half_magnitude + 1);
        return ((v >> bucket) << bucket) + (std::uint64_t{1} << bucket) - 1;
    }
};

} // namespace cistern::detail

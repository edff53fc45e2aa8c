#pragma once
/// \file
/// `cistern::interval_histogram`: a small, coarse, mergeable latency histogram for one
/// history interval (the difference of a cistern::histogram between two instants).

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include <cistern/monitor/histogram.hpp>

#include <cistern/monitor/detail/log_linear_buckets.hpp>

namespace cistern {

/// Log-linear buckets with 32 sub-buckets per power of two, so a reported value is within
/// 1/32 (3.1 %) of the recorded ones it stands for; values 0..63 are exact. Range as
/// cistern::histogram's (0 .. 2^40-1 ns). Its buckets are unions of whole
/// cistern::histogram buckets, so the difference of two readings of a histogram is exact
/// at this precision, and so are the percentiles of any merge of intervals.
///
/// Memory: 1152 counters of 32 bits (4.5 KiB), fixed. Not thread-safe (the monitor fills
/// and reads it under its history mutex). Counters saturate at 2^32-1.
class interval_histogram {
public:
    using layout = detail::log_linear_buckets<5>; ///< the counter layout
    static constexpr int sub_bucket_half_magnitude = 5;                         ///< 32
    static constexpr std::uint64_t sub_bucket_count = 64;                      ///< sub-buckets per bucket
    static constexpr std::uint64_t sub_bucket_half = sub_bucket_count / 2;     ///< counters per bucket (32)
    static_assert(layout::sub_bucket_count == sub_bucket_count, "the layout and the counters agree");
    static constexpr int bucket_count = histogram::max_magnitude - sub_bucket_half_magnitude; ///< 35
    /// Number of counters (1152).
    static constexpr std::size_t counts_length = static_cast<std::size_t>(bucket_count + 1) * sub_bucket_half;

    /// Total values counted.
    std::uint64_t count() const noexcept { return total_; }
    /// No value counted.
    bool empty() const noexcept { return total_ == 0; }

    /// Adds `n` values in the bucket of `v`.
    void add(std::uint64_t v, std::uint64_t n = 1) noexcept {
        if (n == 0) return;
        auto& c = counts_[index_of(std::min(v, histogram::highest_trackable))];
        c = saturate(std::uint64_t{c} + n);
        total_ += n;
    }

    /// Adds every count of `other`.
    void merge_from(const interval_histogram& other) noexcept {
        if (other.total_ == 0) return;
        for (std::size_t i = 0; i < counts_length; ++i)
            if (other.counts_[i]) counts_[i] = saturate(std::uint64_t{counts_[i]} + other.counts_[i]);
        total_ += other.total_;
    }

    /// The value at percentile `p` (0..100): the highest value of the bucket holding the
    /// sample of rank ceil(p/100 * count). 0 when empty.
    std::uint64_t percentile(double p) const noexcept {
        std::uint64_t n = 0;
        for (auto c : counts_) n += c;
        if (n == 0) return 0;
        p = std::clamp(p, 0.0, 100.0);
        auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
        rank = std::clamp<std::uint64_t>(rank, 1, n);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_length; ++i) {
            seen += counts_[i];
            if (seen >= rank) return highest_equivalent(value_at_index(i));
        }
        return 0; // not reached
    }

    /// The counter index of a value.
    static std::size_t index_of(std::uint64_t v) noexcept { return layout::index_of(v); }
    /// The lowest value that lands in counter `i`.
    static std::uint64_t value_at_index(std::size_t i) noexcept { return layout::value_at_index(i); }
    /// The highest value that lands in the same counter as `v`.
    static std::uint64_t highest_equivalent(std::uint64_t v) noexcept { return layout::highest_equivalent(v); }

    /// Adds the cumulative counts of `h` into `acc` (indexed like this class), e.g. to sum
    /// the histograms of every statement at one instant.
    static void accumulate(const histogram& h, std::array<std::uint64_t, counts_length>& acc) noexcept {
        // A cistern::histogram counter i covers [value_at_index(i), ...] inside one of ours.
        for (std::size_t i = 0; i < histogram::counts_length;) {
            const std::uint64_t lo = histogram::value_at_index(i);
            const std::size_t j = index_of(lo);
            // every fine counter up to our bucket's end maps to j
            const std::uint64_t end = highest_equivalent(lo);
            std::size_t stop = histogram::index_of(std::min(end, histogram::highest_trackable)) + 1;
            stop = std::min(stop, histogram::counts_length);
            std::uint64_t s = 0;
            for (; i < stop; ++i) s += h.count_at(i);
            acc[j] += s;
        }
    }

    /// Sets this histogram to `now - before` (two accumulate() readings; a counter that
    /// went down, e.g. after a reset, counts as 0).
    void assign_difference(const std::array<std::uint64_t, counts_length>& now,
                           const std::array<std::uint64_t, counts_length>& before) noexcept {
        total_ = 0;
        for (std::size_t i = 0; i < counts_length; ++i) {
            const std::uint64_t d = now[i] > before[i] ? now[i] - before[i] : 0;
            counts_[i] = saturate(d);
            total_ += d;
        }
    }

private:
    static std::uint32_t saturate(std::uint64_t v) noexcept {
        return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, std::numeric_limits<std::uint32_t>::max()));
    }
    std::array<std::uint32_t, counts_length> counts_{};
    std::uint64_t total_ = 0;
};

} // namespace cistern

#pragma once
/// \file
/// A log-linear latency histogram in the style of HdrHistogram: 3 significant digits,
/// fixed memory, lock-free recording, mergeable.

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <cistern/monitor/detail/log_linear_buckets.hpp>

namespace cistern {

/// Records non-negative integer values (the monitor uses nanoseconds) in buckets whose
/// width is at most 1/1024 of their lowest value, so every reported value is within
/// 0.098 % of a recorded one (3 significant digits). Values 0..2047 are exact.
///
/// Range: 0 .. 2^40-1 (about 18 minutes in nanoseconds); larger values are counted in
/// the last bucket and still set max(). Memory: 31 744 counters (about 248 KiB), fixed.
///
/// Thread safety: record() may be called from any number of threads at once (relaxed
/// atomic increments, no lock). Readers (percentile, count, merge_from) see a value
/// that is consistent per counter but may miss records in flight.
class histogram {
public:
    using layout = detail::log_linear_buckets<10>; ///< the counter layout
    static constexpr int sub_bucket_half_magnitude = 10;                        ///< 1024
    static constexpr std::uint64_t sub_bucket_count = 2048;                     ///< 2 * 10^3 rounded up
    /// Sub-buckets per bucket above the first (1024).
    static constexpr std::uint64_t sub_bucket_half = sub_bucket_count / 2;
    static_assert(layout::sub_bucket_count == sub_bucket_count, "the layout and the counters agree");
    static constexpr int max_magnitude = 40;                                    ///< highest trackable: 2^40 - 1
    /// The largest value counted exactly into its bucket, 2^40 - 1; larger ones go to the last.
    static constexpr std::uint64_t highest_trackable = (std::uint64_t{1} << max_magnitude) - 1;
    static constexpr int bucket_count = max_magnitude - sub_bucket_half_magnitude; ///< 30
    /// The number of counters (fixed memory: this many 64-bit atomics).
    static constexpr std::size_t counts_length = static_cast<std::size_t>(bucket_count + 1) * sub_bucket_half;

    histogram() : counts_(std::make_unique<std::atomic<std::uint64_t>[]>(counts_length)) {}
    histogram(const histogram&) = delete;
    histogram& operator=(const histogram&) = delete;

    /// Records one value (negative values count as 0). Lock-free, wait-free on x86.
    void record(std::int64_t value) noexcept {
        const std::uint64_t v = value < 0 ? 0 : static_cast<std::uint64_t>(value);
        counts_[index_of(std::min(v, highest_trackable))].fetch_add(1, std::memory_order_relaxed);
        total_.fetch_add(1, std::memory_order_relaxed);
        sum_.fetch_add(v, std::memory_order_relaxed);
        std::uint64_t cur = max_.load(std::memory_order_relaxed);
        while (v > cur && !max_.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {}
        cur = min_.load(std::memory_order_relaxed);
        while (v < cur && !min_.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {}
    }
    /// Records a duration as its nanosecond count (negative counts as 0). Lock-free.
    void record(std::chrono::nanoseconds d) noexcept { record(static_cast<std::int64_t>(d.count())); }

    /// Batch recording by a single writer (the caller guarantees that no other thread
    /// writes this histogram meanwhile, e.g. under its own lock): count_value_exclusive(v)
    /// per value (its bucket, a plain increment), then one add_totals_exclusive() with
    /// the batch's count, sum, min and max. Readers may read meanwhile.
    void count_value_exclusive(std::uint64_t v) noexcept {
        auto& c = counts_[index_of(std::min(v, highest_trackable))];
        c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    /// Ends a single-writer batch: adds `n` values with sum `sum`, smallest `lo` and largest
    /// `hi` to the totals. Same precondition as count_value_exclusive().
    void add_totals_exclusive(std::uint64_t n, std::uint64_t sum, std::uint64_t lo, std::uint64_t hi) noexcept {
        total_.store(total_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
        sum_.store(sum_.load(std::memory_order_relaxed) + sum, std::memory_order_relaxed);
        if (hi > max_.load(std::memory_order_relaxed)) max_.store(hi, std::memory_order_relaxed);
        if (lo < min_.load(std::memory_order_relaxed)) min_.store(lo, std::memory_order_relaxed);
    }

    /// Adds every count of `other` into this histogram (both may be recorded into meanwhile).
    void merge_from(const histogram& other) noexcept {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < counts_length; ++i) {
            const auto c = other.counts_[i].load(std::memory_order_relaxed);
            if (c) { counts_[i].fetch_add(c, std::memory_order_relaxed); n += c; }
        }
        total_.fetch_add(n, std::memory_order_relaxed);
        sum_.fetch_add(other.sum_.load(std::memory_order_relaxed), std::memory_order_relaxed);
        const auto omax = other.max_.load(std::memory_order_relaxed);
        std::uint64_t cur = max_.load(std::memory_order_relaxed);
        while (omax > cur && !max_.compare_exchange_weak(cur, omax, std::memory_order_relaxed)) {}
        const auto omin = other.min_.load(std::memory_order_relaxed);
        cur = min_.load(std::memory_order_relaxed);
        while (omin < cur && !min_.compare_exchange_weak(cur, omin, std::memory_order_relaxed)) {}
    }

    /// Sets every counter to zero (not atomic with respect to concurrent record()).
    void reset() noexcept {
        for (std::size_t i = 0; i < counts_length; ++i) counts_[i].store(0, std::memory_order_relaxed);
        total_.store(0, std::memory_order_relaxed);
        sum_.store(0, std::memory_order_relaxed);
        max_.store(0, std::memory_order_relaxed);
        min_.store(UINT64_MAX, std::memory_order_relaxed);
    }

    /// The number of values recorded (relaxed read: records in flight may be missing).
    std::uint64_t count() const noexcept { return total_.load(std::memory_order_relaxed); }
    /// The sum of the values recorded (wraps modulo 2^64, which needs about 584 years of nanoseconds).
    std::uint64_t sum() const noexcept { return sum_.load(std::memory_order_relaxed); }
    /// The largest value recorded, exact (0 when empty).
    std::uint64_t max() const noexcept { return max_.load(std::memory_order_relaxed); }
    /// The smallest value recorded, exact (0 when empty).
    std::uint64_t min() const noexcept {
        const auto m = min_.load(std::memory_order_relaxed);
        return m == UINT64_MAX ? 0 : m;
    }
    /// The arithmetic mean of the values recorded, 0 when empty.
    double mean() const noexcept {
        const auto n = count();
        return n ? static_cast<double>(sum()) / static_cast<double>(n) : 0.0;
    }

    /// The value at percentile `p` (0..100): the highest value equivalent (same bucket) to
    /// the sample of rank ceil(p/100 * count) in sorted order, capped by max(). 0 when empty.
    std::uint64_t percentile(double p) const noexcept {
        std::uint64_t v = 0;
        read(std::span<const double>(&p, 1), std::span<std::uint64_t>(&v, 1), {}, {});
        return v;
    }

    /// How many recorded values are <= `v` (counting whole buckets whose highest
    /// equivalent value is <= v; used for Prometheus `le` buckets).
    std::uint64_t count_at_or_below(std::uint64_t v) const noexcept {
        std::uint64_t n = 0;
        read({}, {}, std::span<const std::uint64_t>(&v, 1), std::span<std::uint64_t>(&n, 1));
        return n;
    }

    /// percentile() of each of `ps` into `values`, and count_at_or_below() of each of
    /// `bounds` (ascending) into `counts`, in two passes over the counters however many
    /// are asked (a snapshot of many statements reads each histogram once, not once per
    /// figure). `ps` may be in any order; `values`/`counts` have the sizes of `ps`/`bounds`.
    void read(std::span<const double> ps, std::span<std::uint64_t> values, std::span<const std::uint64_t> bounds,
              std::span<std::uint64_t> counts) const noexcept {
        std::uint64_t n = 0;
        std::size_t b = 0;
        for (std::size_t i = 0; i < counts_length; ++i) {
            const std::uint64_t lo = value_at_index(i);
            for (; b < bounds.size() && bounds[b] < lo; ++b) counts[b] = n;
            n += counts_[i].load(std::memory_order_relaxed);
        }
        for (; b < bounds.size(); ++b) counts[b] = n;
        if (ps.empty()) return;
        std::fill(values.begin(), values.end(), 0);
        if (n == 0) return;
        constexpr std::size_t most = 16; // more percentiles per call than anyone asks: the rest read again
        const std::size_t k = std::min(ps.size(), most);
        std::array<std::uint64_t, most> rank{};
        std::array<bool, most> done{};
        for (std::size_t j = 0; j < k; ++j) {
            const double p = std::clamp(ps[j], 0.0, 100.0);
            rank[j] = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(n))), 1, n);
            values[j] = max(); // when counters moved under us and no rank is reached
        }
        std::size_t left = k;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_length && left > 0; ++i) {
            const std::uint64_t c = counts_[i].load(std::memory_order_relaxed);
            if (c == 0) continue;
            seen += c;
            for (std::size_t j = 0; j < k; ++j) {
                if (done[j] || seen < rank[j]) continue;
                values[j] = std::min(highest_equivalent(value_at_index(i)), std::max(max(), value_at_index(i)));
                done[j] = true;
                --left;
            }
        }
        if (ps.size() > most) read(ps.subspan(most), values.subspan(most), {}, {});
    }

    /// The value of counter `i` (0 .. counts_length-1), e.g. to convert to a coarser layout.
    std::uint64_t count_at(std::size_t i) const noexcept { return counts_[i].load(std::memory_order_relaxed); }

    /// The counter index of a value (public for tests).
    static std::size_t index_of(std::uint64_t v) noexcept { return layout::index_of(v); }
    /// The lowest value that lands in counter `i`.
    static std::uint64_t value_at_index(std::size_t i) noexcept { return layout::value_at_index(i); }
    /// The highest value that lands in the same counter as `v`.
    static std::uint64_t highest_equivalent(std::uint64_t v) noexcept { return layout::highest_equivalent(v); }

private:
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<std::uint64_t> total_{0};
    std::atomic<std::uint64_t> sum_{0};
    std::atomic<std::uint64_t> max_{0};
    std::atomic<std::uint64_t> min_{UINT64_MAX};
};

} // namespace cistern

#include <boost/test/unit_test.hpp>

#include <cistern/monitor/histogram.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

BOOST_AUTO_TEST_SUITE(histogram_suite)

namespace {
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}
void check_within(std::uint64_t got, std::uint64_t want, const char* what) {
    const double rel = std::abs(static_cast<double>(got) - static_cast<double>(want)) / static_cast<double>(want);
    BOOST_TEST_INFO(what << ": histogram " << got << ", exact " << want << ", relative error " << rel);
    BOOST_TEST(rel <= 0.001);
}
} // namespace

BOOST_AUTO_TEST_CASE(million_samples_percentiles_within_a_tenth_of_a_percent) {
    // A log-normal latency distribution (median ~200 us, long tail) plus some big outliers.
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(std::log(200'000.0), 1.2);
    cistern::histogram h;
    std::vector<std::uint64_t> v;
    v.reserve(1'000'000);
    for (int i = 0; i < 1'000'000; ++i) {
        auto x = static_cast<std::uint64_t>(dist(rng)) + 1;
        if (i % 100'000 == 0) x = 3'000'000'000ull + static_cast<std::uint64_t>(i); // 3 s outliers
        v.push_back(x);
        h.record(static_cast<std::int64_t>(x));
    }
    std::sort(v.begin(), v.end());
    BOOST_TEST(h.count() == 1'000'000u);
    for (double p : {50.0, 90.0, 99.0, 99.9}) check_within(h.percentile(p), exact_percentile(v, p), "percentile");
    BOOST_TEST(h.max() == v.back());
    check_within(h.percentile(100.0), v.back(), "p100");
    BOOST_TEST(h.min() == v.front());
}

BOOST_AUTO_TEST_CASE(one_read_gives_every_percentile_and_bucket_count) {
    // read() computes in two passes what percentile()/count_at_or_below() computed one by
    // one: compare it with the exact order statistics and counts of the recorded values,
    // for percentiles in any order, more of them than one pass takes (16), and bounds
    // below, inside and beyond the range.
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(std::log(50'000.0), 1.5);
    cistern::histogram h;
    std::vector<std::uint64_t> v;
    for (int i = 0; i < 200'000; ++i) {
        const auto x = static_cast<std::uint64_t>(dist(rng)) + 1;
        v.push_back(x);
        h.record(static_cast<std::int64_t>(x));
    }
    std::sort(v.begin(), v.end());
    std::vector<double> ps;
    for (int i = 0; i < 20; ++i) ps.push_back(i % 2 ? 99.0 - i : 1.0 + 4.5 * i);
    ps.push_back(100.0);
    ps.push_back(0.0);
    std::vector<std::uint64_t> got(ps.size());
    const std::vector<std::uint64_t> bounds{0, 1, 1'000, 50'000, 1'000'000, 100'000'000, std::uint64_t{1} << 45};
    std::vector<std::uint64_t> counts(bounds.size());
    h.read(ps, got, bounds, counts);
    for (std::size_t j = 0; j < ps.size(); ++j) {
        BOOST_TEST_INFO("p" << ps[j]);
        BOOST_TEST(got[j] == h.percentile(ps[j]));
        check_within(got[j], exact_percentile(v, ps[j]), "read percentile");
    }
    for (std::size_t b = 0; b < bounds.size(); ++b) {
        BOOST_TEST_INFO("bound " << bounds[b]);
        BOOST_TEST(counts[b] == h.count_at_or_below(bounds[b]));
        // whole buckets whose lowest value is <= the bound: within the bucket's width of the exact count
        const auto exact = static_cast<std::uint64_t>(std::upper_bound(v.begin(), v.end(), bounds[b]) - v.begin());
        const auto hi = static_cast<std::uint64_t>(
            std::upper_bound(v.begin(), v.end(), cistern::histogram::highest_equivalent(bounds[b])) - v.begin());
        BOOST_TEST(counts[b] >= exact);
        BOOST_TEST(counts[b] <= hi);
    }
    cistern::histogram empty;
    std::vector<std::uint64_t> zero(2, 7);
    std::vector<std::uint64_t> none(1, 7);
    empty.read(std::vector<double>{50.0, 99.0}, zero, std::vector<std::uint64_t>{1000}, none);
    BOOST_TEST(zero[0] == 0u);
    BOOST_TEST(zero[1] == 0u);
    BOOST_TEST(none[0] == 0u);
}

BOOST_AUTO_TEST_CASE(small_values_are_exact_and_buckets_are_contiguous) {
    for (std::uint64_t x = 0; x < 2048; ++x) {
        BOOST_TEST(cistern::histogram::value_at_index(cistern::histogram::index_of(x)) == x);
    }
    // every index maps back to a value in it, and indices grow with values
    std::size_t prev = 0;
    for (std::uint64_t x = 1; x < (1ull << 40); x = x * 3 / 2 + 1) {
        const auto i = cistern::histogram::index_of(x);
        BOOST_TEST(i >= prev);
        prev = i;
        const auto lo = cistern::histogram::value_at_index(i);
        const auto hi = cistern::histogram::highest_equivalent(x);
        BOOST_TEST(lo <= x);
        BOOST_TEST(hi >= x);
        BOOST_TEST(static_cast<double>(hi - lo) <= static_cast<double>(lo) / 1024.0 + 1.0);
        BOOST_TEST(i < cistern::histogram::counts_length);
    }
}

BOOST_AUTO_TEST_CASE(merge_adds_counts_and_extremes) {
    cistern::histogram a, b;
    for (int i = 1; i <= 1000; ++i) a.record(i);
    for (int i = 1001; i <= 2000; ++i) b.record(i);
    a.merge_from(b);
    BOOST_TEST(a.count() == 2000u);
    BOOST_TEST(a.max() == 2000u);
    BOOST_TEST(a.min() == 1u);
    BOOST_TEST(a.percentile(50) == 1000u);
    BOOST_TEST(a.sum() == 2000u * 2001u / 2u);
    BOOST_TEST(a.count_at_or_below(1500) == 1500u);
    a.reset();
    BOOST_TEST(a.count() == 0u);
    BOOST_TEST(a.percentile(99) == 0u);
    BOOST_TEST(a.max() == 0u);
}

BOOST_AUTO_TEST_CASE(values_beyond_range_count_in_last_bucket_and_max) {
    cistern::histogram h;
    h.record(-5);
    h.record(std::int64_t{1} << 50);
    BOOST_TEST(h.count() == 2u);
    BOOST_TEST(h.min() == 0u);
    BOOST_TEST(h.max() == (std::uint64_t{1} << 50));
}

BOOST_AUTO_TEST_SUITE_END()

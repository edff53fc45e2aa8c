#include <boost/test/unit_test.hpp>

#include <cistern/monitor/interval_histogram.hpp>
#include <cistern/monitor/monitor.hpp>

#include "../support/eventually.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace std::chrono_literals;

namespace {
// The exact value of rank ceil(p/100 * n) in `v`.
std::uint64_t exact_percentile(std::vector<std::uint64_t> v, double p) {
    std::sort(v.begin(), v.end());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    rank = std::clamp<std::size_t>(rank, 1, v.size());
    return v[rank - 1];
}
// Within the interval histogram's precision: the reported value is the top of the bucket
// holding the exact one, so it is >= exact and at most 1/32 above it.
bool within_precision(std::uint64_t reported, std::uint64_t exact) {
    return reported >= exact && static_cast<double>(reported - exact) <= static_cast<double>(exact) / 32.0 + 1.0;
}
cistern::monitor_options manual_history(std::size_t length = 360) {
    cistern::monitor_options o;
    o.history_interval = 10s;
    o.history_length = length;
    o.history_ticker = false;
    o.flush_on_shutdown = false;
    return o;
}
const std::chrono::steady_clock::time_point t0{std::chrono::hours(1000)};
} // namespace

BOOST_AUTO_TEST_SUITE(history_suite)

BOOST_AUTO_TEST_CASE(interval_histogram_difference_of_two_readings_is_exact_at_its_precision) {
    cistern::histogram h;
    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> dist(13.0, 1.5); // ~ 0.4 ms median, long tail
    for (int i = 0; i < 5000; ++i) h.record(static_cast<std::int64_t>(dist(rng)));
    std::array<std::uint64_t, cistern::interval_histogram::counts_length> before{}, after{};
    cistern::interval_histogram::accumulate(h, before);
    std::vector<std::uint64_t> later;
    for (int i = 0; i < 3000; ++i) {
        const auto v = static_cast<std::uint64_t>(dist(rng));
        later.push_back(v);
        h.record(static_cast<std::int64_t>(v));
    }
    cistern::interval_histogram::accumulate(h, after);
    cistern::interval_histogram d;
    d.assign_difference(after, before);
    BOOST_TEST(d.count() == 3000u);
    for (double p : {1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0})
        BOOST_TEST(within_precision(d.percentile(p), exact_percentile(later, p)), "p" << p << ": " << d.percentile(p)
                                                                                       << " vs " << exact_percentile(later, p));
    // the same values added directly land in the same buckets
    cistern::interval_histogram direct;
    for (auto v : later) direct.add(v);
    for (double p : {50.0, 99.0}) BOOST_TEST(direct.percentile(p) == d.percentile(p));
}

BOOST_AUTO_TEST_CASE(interval_histogram_small_values_exact_and_merge) {
    cistern::interval_histogram a, b;
    for (std::uint64_t v = 0; v < 64; ++v) a.add(v);
    BOOST_TEST(a.percentile(50) == 31u);
    BOOST_TEST(a.percentile(100) == 63u);
    b.add(1'000'000, 64);
    a.merge_from(b);
    BOOST_TEST(a.count() == 128u);
    BOOST_TEST(a.percentile(50) == 63u);
    BOOST_TEST(within_precision(a.percentile(51), 1'000'000));
    BOOST_TEST(cistern::interval_histogram{}.percentile(99) == 0u);
}

BOOST_AUTO_TEST_CASE(an_interval_holds_what_happened_in_it) {
    cistern::monitor<> m(manual_history());
    m.record("SELECT 1", 3ms); // before the first tick: not in any interval
    m.tick_history(t0);
    BOOST_TEST(m.history().intervals.empty());

    cistern::pool_stats p;
    p.max_size = 10;
    p.in_use = 9;
    p.size = 10;
    p.idle = 1;
    p.acquired = 100;
    p.waited = 4;
    p.total_wait = 40ms;
    p.timed_out = 1;
    m.observe_pool(p, t0 + 1s);
    p.in_use = 2;
    p.idle = 8;
    p.acquired = 150;
    m.observe_pool(p, t0 + 2s);
    m.observe_cache(cistern::cache_figures{80, 20, 20, 5});

    std::vector<std::uint64_t> values;
    for (int i = 0; i < 200; ++i) {
        const auto d = std::chrono::microseconds(500 + 10 * i);
        values.push_back(static_cast<std::uint64_t>(std::chrono::nanoseconds(d).count()));
        m.record("SELECT v FROM kv WHERE id = " + std::to_string(i), d, 1, i % 50 != 0);
    }
    m.tick_history(t0 + 9s); // not over yet
    BOOST_TEST(m.history().intervals.empty());
    m.tick_history(t0 + 10s);

    const auto h = m.history();
    BOOST_TEST(h.interval == std::chrono::nanoseconds(10s));
    BOOST_TEST(h.capacity == 360u);
    BOOST_TEST_REQUIRE(h.intervals.size() == 1u);
    const auto& f = h.intervals[0];
    BOOST_TEST(f.length == std::chrono::nanoseconds(10s));
    BOOST_TEST(f.calls == 200u);
    BOOST_TEST(f.errors == 4u);
    BOOST_TEST(f.rows == 200u);
    BOOST_TEST(f.throughput() == 20.0);
    BOOST_TEST(within_precision(static_cast<std::uint64_t>(f.p50.count()), exact_percentile(values, 50)));
    BOOST_TEST(within_precision(static_cast<std::uint64_t>(f.p95.count()), exact_percentile(values, 95)));
    BOOST_TEST(within_precision(static_cast<std::uint64_t>(f.p99.count()), exact_percentile(values, 99)));
    BOOST_TEST(within_precision(static_cast<std::uint64_t>(f.max.count()), values.back()));
    BOOST_TEST(f.pool_observed);
    BOOST_TEST(f.pool_in_use == 2u);
    BOOST_TEST(f.pool_in_use_peak == 9u);
    BOOST_TEST(f.pool_peak_utilization() == 0.9);
    BOOST_TEST(f.pool_idle == 8u);
    BOOST_TEST(f.pool_max_size == 10u);
    // the first tick read nothing of the pool yet: the interval holds the samples' counters
    BOOST_TEST(f.pool_acquired == 150u);
    BOOST_TEST(f.pool_waited == 4u);
    BOOST_TEST(f.pool_mean_wait() == std::chrono::nanoseconds(10ms));
    BOOST_TEST(f.pool_timeouts == 1u);
    BOOST_TEST(f.cache_observed);
    BOOST_TEST(f.cache_hits == 80u);
    BOOST_TEST(f.cache_hit_ratio() == 0.8);
    BOOST_TEST(f.cache_evictions == 5u);

    // second interval: only its own events
    m.observe_cache(cistern::cache_figures{90, 30, 30, 5});
    p.acquired = 160;
    m.observe_pool(p, t0 + 12s);
    m.record("SELECT 1", 50ms, 0, false);
    m.tick_history(t0 + 20s);
    const auto h2 = m.history();
    BOOST_TEST_REQUIRE(h2.intervals.size() == 2u);
    const auto& g = h2.intervals[1];
    BOOST_TEST(g.calls == 1u);
    BOOST_TEST(g.errors == 1u);
    BOOST_TEST(within_precision(static_cast<std::uint64_t>(g.p50.count()), 50'000'000));
    BOOST_TEST(g.pool_acquired == 10u);
    BOOST_TEST(g.pool_timeouts == 0u);
    BOOST_TEST(g.pool_in_use_peak == 2u);
    BOOST_TEST(g.cache_hits == 10u);
    BOOST_TEST(g.cache_misses == 10u);
    BOOST_TEST(g.cache_evictions == 0u);
    BOOST_TEST((g.begin == f.begin + f.length));

    // the merge: counters summed, percentiles of both intervals' values together
    values.push_back(50'000'000);
    const auto& t = h2.total;
    BOOST_TEST(t.calls == 201u);
    BOOST_TEST(t.errors == 5u);
    BOOST_TEST(t.length == std::chrono::nanoseconds(20s));
    BOOST_TEST(t.cache_hits == 90u);
    BOOST_TEST(t.pool_in_use_peak == 9u);
    for (double q : {50.0, 99.0}) {
        const auto got = static_cast<std::uint64_t>((q == 50.0 ? t.p50 : t.p99).count());
        BOOST_TEST(within_precision(got, exact_percentile(values, q)));
    }
    BOOST_TEST(within_precision(static_cast<std::uint64_t>(t.max.count()), 50'000'000));

    // a window of 10 s: only the newest interval
    const auto w = m.history(10s);
    BOOST_TEST_REQUIRE(w.intervals.size() == 1u);
    BOOST_TEST(w.total.calls == 1u);
    BOOST_TEST(w.window == std::chrono::nanoseconds(10s));
}

BOOST_AUTO_TEST_CASE(the_ring_keeps_the_newest_intervals_in_fixed_memory) {
    cistern::monitor<> m(manual_history(3));
    m.tick_history(t0);
    for (int i = 1; i <= 5; ++i) {
        for (int j = 0; j < i; ++j) m.record("SELECT 1", 1ms);
        m.tick_history(t0 + i * 10s);
    }
    const auto h = m.history();
    BOOST_TEST(h.capacity == 3u);
    BOOST_TEST_REQUIRE(h.intervals.size() == 3u);
    BOOST_TEST(h.intervals[0].calls == 3u);
    BOOST_TEST(h.intervals[1].calls == 4u);
    BOOST_TEST(h.intervals[2].calls == 5u);
    BOOST_TEST(h.total.calls == 12u);
}

BOOST_AUTO_TEST_CASE(a_late_tick_makes_one_longer_interval) {
    cistern::monitor<> m(manual_history());
    m.tick_history(t0);
    for (int i = 0; i < 30; ++i) m.record("SELECT 1", 1ms);
    m.tick_history(t0 + 30s);
    const auto h = m.history();
    BOOST_TEST_REQUIRE(h.intervals.size() == 1u);
    BOOST_TEST(h.intervals[0].length == std::chrono::nanoseconds(30s));
    BOOST_TEST(h.intervals[0].throughput() == 1.0);
}

BOOST_AUTO_TEST_CASE(history_off_keeps_nothing) {
    auto o = manual_history();
    o.history_interval = 0ms;
    cistern::monitor<> m(o);
    m.tick_history(t0);
    m.record("SELECT 1", 1ms);
    m.tick_history(t0 + 1h);
    const auto h = m.history();
    BOOST_TEST(h.intervals.empty());
    BOOST_TEST(h.interval.count() == 0);
}

BOOST_AUTO_TEST_CASE(the_ticker_closes_intervals_by_itself) {
    cistern::monitor_options o;
    o.history_interval = 20ms;
    o.flush_on_shutdown = false;
    cistern::monitor<> m(o);
    m.record("SELECT 1", 1ms);
    BOOST_TEST(cistern::test::eventually([&] { return m.history().total.calls == 1u; }));
    const auto h = m.history();
    BOOST_TEST(h.intervals.size() >= 1u);
    BOOST_TEST(h.intervals.back().length >= std::chrono::nanoseconds(20ms));
}

BOOST_AUTO_TEST_CASE(bad_history_options_name_the_field) {
    auto check = [](cistern::monitor_options o, const char* field) {
        try {
            cistern::monitor<> m(o);
            BOOST_FAIL("no throw for " << field);
        } catch (const cistern::config_error& e) {
            BOOST_TEST(e.field() == field);
        }
    };
    auto a = manual_history();
    a.history_length = 0;
    check(a, "monitor_options::history_length");
    auto b = manual_history();
    b.history_length = 2'000'000;
    check(b, "monitor_options::history_length");
    auto c = manual_history();
    c.history_interval = -1ms;
    check(c, "monitor_options::history_interval");
}

BOOST_AUTO_TEST_CASE(statement_trends_hold_each_statements_calls_and_time_per_interval) {
    auto o = manual_history(5);
    o.statement_trend_length = 3;
    cistern::monitor<> m(o);
    m.record("SELECT a FROM t WHERE id = 1", 7ms); // before the first tick: in no point
    m.tick_history(t0);
    // interval 1: a twice; interval 2: b once; interval 3: nothing; interval 4: a, b
    m.record("SELECT a FROM t WHERE id = 2", 2ms);
    m.record("SELECT a FROM t WHERE id = 3", 3ms);
    m.tick_history(t0 + 10s);
    {
        const auto h = m.history();
        BOOST_TEST_REQUIRE(h.statements.size() == 1u);
        BOOST_TEST(h.statements[0].calls == std::vector<std::uint64_t>({2}));
        BOOST_TEST(h.statements[0].total[0] == std::chrono::nanoseconds(5ms));
    }
    m.record("SELECT b FROM t", 20ms);
    m.tick_history(t0 + 20s);
    m.tick_history(t0 + 30s);
    m.record("SELECT a FROM t WHERE id = 4", 1ms);
    m.record("SELECT b FROM t", 4ms);
    m.tick_history(t0 + 40s);

    const auto h = m.history();
    BOOST_TEST(h.intervals.size() == 4u);
    BOOST_TEST_REQUIRE(h.statements.size() == 2u); // the newest 3 intervals: 2, 3, 4
    const auto& b = h.statements[0];             // by summed time: b 24 ms, a 1 ms
    const auto& a = h.statements[1];
    BOOST_TEST(b.fingerprint == "SELECT b FROM t");
    BOOST_TEST(b.calls == std::vector<std::uint64_t>({1, 0, 1}));
    BOOST_TEST(b.sum() == std::chrono::nanoseconds(24ms));
    BOOST_TEST(a.calls == std::vector<std::uint64_t>({0, 0, 1}));
    BOOST_TEST(a.total[2] == std::chrono::nanoseconds(1ms));
    const auto snap = m.snapshot();
    for (const auto& st : snap.statements)
        if (st.fingerprint == a.fingerprint) BOOST_TEST(st.id == a.id);

    // a window of one interval: one point each; only statements with a call in it
    const auto w = m.history(10s);
    BOOST_TEST_REQUIRE(w.statements.size() == 2u);
    BOOST_TEST(w.statements[0].calls.size() == 1u);

    // reset_statistics: the next point counts from the reset, not negative or huge
    m.record("SELECT b FROM t", 4ms);
    m.reset_statistics();
    m.record("SELECT b FROM t", 6ms);
    m.tick_history(t0 + 50s);
    const auto r = m.history(10s);
    BOOST_TEST_REQUIRE(r.statements.size() == 1u);
    BOOST_TEST(r.statements[0].calls == std::vector<std::uint64_t>({1}));
    BOOST_TEST(r.statements[0].total[0] == std::chrono::nanoseconds(6ms));

    // off
    auto off = manual_history(5);
    off.statement_trend_length = 0;
    cistern::monitor<> m2(off);
    m2.tick_history(t0);
    m2.record("SELECT 1", 1ms);
    m2.tick_history(t0 + 10s);
    BOOST_TEST(m2.history().intervals.size() == 1u);
    BOOST_TEST(m2.history().statements.empty());
}

BOOST_AUTO_TEST_SUITE_END()

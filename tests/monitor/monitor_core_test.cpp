#include <boost/test/unit_test.hpp>

#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/sinks/callback_sink.hpp>
#include <cistern/monitor/sinks/null_sink.hpp>
#include <cistern/pool/pool.hpp>

#include "support/eventually.hpp"
#include "support/fake_connection.hpp"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

namespace {
cistern::monitor_options quiet() {
    cistern::monitor_options o;
    o.push_interval = 0ms; // no background thread unless a test asks for it
    return o;
}
struct counting_sink {
    std::shared_ptr<std::atomic<int>> n = std::make_shared<std::atomic<int>>(0);
    void publish(const cistern::monitor_snapshot&) { ++*n; }
};
struct throwing_sink {
    void publish(const cistern::monitor_snapshot&) { throw std::runtime_error("sink down"); }
};
bool has_rule(const cistern::health_report& r, const std::string& rule) {
    for (const auto& f : r.findings) if (f.rule == rule) return true;
    return false;
}
const cistern::health_finding* finding(const cistern::health_report& r, const std::string& rule) {
    for (const auto& f : r.findings) if (f.rule == rule) return &f;
    return nullptr;
}
} // namespace

static_assert(cistern::MetricSink<cistern::null_sink>);
static_assert(cistern::MetricSink<cistern::callback_sink>);
static_assert(cistern::detail::check_metric_sink<counting_sink>());
static_assert(!cistern::MetricSink<int>);

BOOST_AUTO_TEST_SUITE(monitor_suite)

BOOST_AUTO_TEST_CASE(options_are_validated) {
    auto o = quiet();
    o.slow_critical = 500ms;
    BOOST_CHECK_EXCEPTION(cistern::monitor<>{o}, cistern::config_error,
                          [](const cistern::config_error& e) { return e.field() == "monitor_options::slow_critical"; });
    auto o2 = quiet();
    o2.utilization_warning = 1.5;
    BOOST_CHECK_THROW(cistern::monitor<>{o2}, cistern::config_error);
    auto o3 = quiet();
    o3.window_size = 0;
    BOOST_CHECK_THROW(cistern::monitor<>{o3}, cistern::config_error);
}

BOOST_AUTO_TEST_CASE(records_statements_by_fingerprint) {
    cistern::monitor<> m(quiet());
    m.record("SELECT v FROM kv WHERE id = 1", 2ms, 1);
    m.record("select v from kv where id=2", 4ms, 1);
    m.record("UPDATE kv SET v = 'x' WHERE id = 3", 1ms, 0, false);
    {
        auto t = m.time("DELETE FROM kv WHERE id = 9");
        t.rows(5);
    }
    const auto s = m.snapshot();
    BOOST_TEST(s.calls == 4u);
    BOOST_TEST(s.errors == 1u);
    BOOST_REQUIRE(s.statements.size() == 3u);
    BOOST_TEST(s.statements[0].fingerprint == "SELECT v FROM kv WHERE id = ?"); // largest total first
    BOOST_TEST(s.statements[0].calls == 2u);
    BOOST_TEST(s.statements[0].rows == 2u);
    BOOST_TEST(s.statements[0].total_ns == 6'000'000u);
    BOOST_TEST(s.statements[0].latency.max_ns == 4'000'000u);
    BOOST_TEST(s.window.statements == 4u);
    BOOST_TEST(s.window.errors == 1u);
    BOOST_TEST(s.window.max_ns == 4'000'000u);
    bool found_delete = false;
    for (const auto& st : s.statements)
        if (st.fingerprint == "DELETE FROM kv WHERE id = ?") { found_delete = true; BOOST_TEST(st.rows == 5u); }
    BOOST_TEST(found_delete);
    BOOST_TEST(s.health.status == cistern::health_status::healthy);
}

BOOST_AUTO_TEST_CASE(timer_records_failure_during_unwinding) {
    cistern::monitor<> m(quiet());
    try {
        auto t = m.time("SELECT boom");
        throw std::runtime_error("x");
    } catch (const std::runtime_error&) {}
    BOOST_TEST(m.snapshot().errors == 1u);
}

BOOST_AUTO_TEST_CASE(slow_statements_are_reported_once_without_values) {
    auto o = quiet();
    o.slow_warning = 100ms;
    o.slow_critical = 1s;
    int seen = 0;
    std::vector<cistern::slow_query> got;
    cistern::monitor<cistern::callback_sink> m(o, cistern::callback_sink([&](const cistern::monitor_snapshot& s) {
        ++seen;
        got.insert(got.end(), s.slow.begin(), s.slow.end());
    }));
    m.record("SELECT * FROM t WHERE secret = 'hunter2' AND id = $1", 150ms);
    m.record("SELECT * FROM t WHERE secret = 'x' AND id = $1", 2s);
    m.record("SELECT 1", 99ms);
    BOOST_TEST(m.snapshot().slow.size() == 2u); // peeking does not consume
    m.flush();
    m.flush();
    BOOST_TEST(seen == 2);
    BOOST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].fingerprint == "SELECT * FROM t WHERE secret = ? AND id = ?");
    BOOST_TEST(got[0].fingerprint.find("hunter2") == std::string::npos);
    BOOST_TEST(got[0].parameters == 1u);
    BOOST_TEST((got[0].level == cistern::slow_level::warning));
    BOOST_TEST((got[1].level == cistern::slow_level::critical));
    BOOST_TEST(got[1].duration == 2s);
    const auto h = m.health();
    BOOST_TEST((h.status == cistern::health_status::unhealthy));
    const auto* f = finding(h, "slow_statements");
    BOOST_REQUIRE(f);
    BOOST_TEST(f->recommendation.find("SELECT * FROM t WHERE secret = ? AND id = ?") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(utilization_alerts_need_a_sustained_run) {
    auto o = quiet();
    o.utilization_sustain = 10s;
    cistern::monitor<> m(o);
    cistern::pool_stats s;
    s.max_size = 10;
    const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
    s.in_use = 10;
    m.sample_pool(s, t0);                                   // one sample: no alert
    BOOST_TEST((m.snapshot().pool.alert == cistern::alert_level::none));
    s.in_use = 5;
    m.sample_pool(s, t0 + 5s);                              // dips: run ends
    s.in_use = 9;
    m.sample_pool(s, t0 + 6s);
    m.sample_pool(s, t0 + 12s);                             // 6 s at 90%: not yet
    BOOST_TEST((m.snapshot().pool.alert == cistern::alert_level::none));
    m.sample_pool(s, t0 + 16s);                             // 10 s at >= 80%
    auto snap = m.snapshot();
    BOOST_TEST((snap.pool.alert == cistern::alert_level::warning));
    BOOST_TEST((snap.health.status == cistern::health_status::degraded));
    s.in_use = 10;
    m.sample_pool(s, t0 + 17s);
    m.sample_pool(s, t0 + 26s);                             // 9 s at 100%: still warning
    BOOST_TEST((m.snapshot().pool.alert == cistern::alert_level::warning));
    m.sample_pool(s, t0 + 27s);                             // 10 s at 100%
    snap = m.snapshot();
    BOOST_TEST((snap.pool.alert == cistern::alert_level::critical));
    BOOST_TEST((snap.health.status == cistern::health_status::unhealthy));
    const auto* f = finding(snap.health, "pool_saturation");
    BOOST_REQUIRE(f);
    BOOST_TEST(f->recommendation.find("max_size (now 10)") != std::string::npos);
    BOOST_TEST(snap.pool.alerts_raised == 2u);
    s.in_use = 1;
    m.sample_pool(s, t0 + 28s);
    BOOST_TEST((m.snapshot().pool.alert == cistern::alert_level::none));
}

BOOST_AUTO_TEST_CASE(pool_listener_feeds_the_monitor) {
    cistern::monitor<> m(quiet());
    auto server = std::make_shared<cistern::test::fake_server>();
    cistern::pool_options po;
    po.min_idle = 0;
    po.max_size = 2;
    po.acquire_timeout = 50ms;
    cistern::pool<cistern::test::fake_factory, cistern::with_listener<cistern::monitor_listener>> p(
        cistern::test::fake_factory(server), po, m.listener());
    m.watch_pool(p);
    {
        auto a = p.acquire();
        auto b = p.acquire();
        BOOST_CHECK_THROW((void)p.acquire(), cistern::pool_timeout);
        const auto snap = m.snapshot();
        BOOST_TEST(snap.pool.sampled);
        BOOST_TEST(snap.pool.last.in_use == 2u);
        BOOST_TEST(snap.pool.utilization == 1.0);
        BOOST_TEST(snap.pool.timeouts == 1u);
        BOOST_TEST(snap.pool.creation.count == 2u);
        BOOST_TEST(snap.pool.acquire_wait.count == 2u);
        BOOST_TEST(has_rule(snap.health, "pool_timeouts"));
    }
    const auto snap = m.snapshot();
    BOOST_TEST(snap.pool.usage.count == 2u);
    m.unwatch_pool();
    p.close();
    BOOST_TEST(m.snapshot().pool.closed[static_cast<std::size_t>(cistern::close_reason::closed)] == 2u);
}

BOOST_AUTO_TEST_CASE(connect_failures_and_leaks_reach_health) {
    cistern::monitor<> m(quiet());
    auto l = m.listener();
    l.on_connect_failed(cistern::connect_error("refused", cistern::connect_failure::unreachable));
    l.on_leak(cistern::leak_report{std::source_location::current(), 5s, false, "app"});
    cistern::pool_stats s;
    s.max_size = 4;
    s.in_use = 4;
    const auto t0 = std::chrono::steady_clock::now();
    auto o = m.options();
    m.sample_pool(s, t0);
    m.sample_pool(s, t0 + o.utilization_sustain);
    const auto h = m.health();
    const auto* f = finding(h, "pool_saturation");
    BOOST_REQUIRE(f);
    BOOST_TEST(f->recommendation.find("leak") != std::string::npos);
    BOOST_TEST(f->recommendation.find("monitor_core_test.cpp") != std::string::npos);
    const auto* c = finding(h, "connect_failures");
    BOOST_REQUIRE(c);
    BOOST_TEST((c->status == cistern::health_status::unhealthy));
}

BOOST_AUTO_TEST_CASE(error_rate_and_cache_rules) {
    cistern::monitor<> m(quiet());
    for (int i = 0; i < 100; ++i) m.record("SELECT a FROM t WHERE b = " + std::to_string(i), 1us, 0, i % 20 != 0);
    auto h = m.health();
    auto* f = finding(h, "error_rate");
    BOOST_REQUIRE(f);
    BOOST_TEST((f->status == cistern::health_status::degraded));
    BOOST_TEST(f->recommendation.find("SELECT a FROM t WHERE b = ?") != std::string::npos);
    m.record_cache(50, 150, 150, 120);
    h = m.health();
    f = finding(h, "cache_hit_ratio");
    BOOST_REQUIRE(f);
    BOOST_TEST(f->reason.find("25.0%") != std::string::npos);
    m.record_cache(950, 50, 50, 0);
    BOOST_TEST(!has_rule(m.health(), "cache_hit_ratio"));
}

BOOST_AUTO_TEST_CASE(throwing_sink_is_isolated_and_counted) {
    counting_sink c;
    cistern::monitor<throwing_sink, counting_sink> m(quiet(), throwing_sink{}, c);
    m.record("SELECT 1", 1us);
    BOOST_CHECK_NO_THROW(m.flush());
    BOOST_CHECK_NO_THROW(m.flush());
    BOOST_TEST(*c.n == 2);
    BOOST_TEST(m.sink_failures() == 2u);
    BOOST_TEST(m.snapshot().sink_failures == 2u);
    BOOST_TEST(*m.sink<counting_sink>().n == 2);
}

BOOST_AUTO_TEST_CASE(background_thread_pushes_and_stops_cleanly) {
    auto o = quiet();
    o.push_interval = 5ms;
    o.sample_interval = 2ms;
    counting_sink c;
    {
        cistern::monitor<counting_sink> m(o, c);
        m.record("SELECT 1", 1us);
        BOOST_TEST(cistern::test::eventually([&] { return *c.n >= 3; }));
        m.stop();
        const int after = *c.n;
        m.stop(); // idempotent
        BOOST_TEST(*c.n == after);
    }
}

BOOST_AUTO_TEST_SUITE_END()

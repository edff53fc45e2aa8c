#include <boost/test/unit_test.hpp>

#include <cistern/monitor/monitor.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {
struct collecting_sink {
    std::vector<cistern::monitor_snapshot>* out;
    void publish(const cistern::monitor_snapshot& s) { out->push_back(s); }
};
struct throwing_sink {
    void publish(const cistern::monitor_snapshot&) { throw std::runtime_error("sink down"); }
};
static_assert(cistern::MetricSink<collecting_sink>);
static_assert(cistern::MetricSink<throwing_sink>);
static_assert(!cistern::MetricSink<int>);

cistern::pool_stats pool_sample(std::size_t in_use, std::size_t max) {
    cistern::pool_stats s;
    s.in_use = in_use;
    s.size = in_use;
    s.max_size = max;
    return s;
}

const cistern::health_finding* find_rule(const cistern::health_report& r, const std::string& rule) {
    for (const auto& f : r.findings)
        if (f.rule == rule) return &f;
    return nullptr;
}
} // namespace

BOOST_AUTO_TEST_SUITE(monitor_suite)

BOOST_AUTO_TEST_CASE(records_per_fingerprint_and_window) {
    cistern::monitor<> m;
    m.record("SELECT v FROM kv WHERE id = 7", 2ms, 1, true);
    m.record("select v from kv where id=8", 4ms, 1, false);
    m.record("DELETE FROM kv WHERE id IN (1, 2, 3)", 1ms, 3, true);
    const auto s = m.snapshot();
    BOOST_TEST(s.calls == 3u);
    BOOST_TEST(s.errors == 1u);
    BOOST_TEST_REQUIRE(s.statements.size() == 2u);
    BOOST_TEST(s.statements[0].fingerprint == "SELECT v FROM kv WHERE id = ?");
    BOOST_TEST(s.statements[0].calls == 2u);
    BOOST_TEST(s.statements[0].errors == 1u);
    BOOST_TEST(s.statements[0].rows == 2u);
    BOOST_TEST(s.statements[0].total.count() == 6'000'000);
    BOOST_TEST(s.statements[0].latency.max.count() == 4'000'000);
    BOOST_TEST(s.statements[1].calls == 1u);
    BOOST_TEST(s.window.statements == 3u);
    BOOST_TEST(s.window.errors == 1u);
    BOOST_TEST(s.window.max.count() == 4'000'000);
    BOOST_TEST(m.recent().size() == 3u);
    BOOST_TEST((s.health.status == cistern::health_status::healthy));
}

BOOST_AUTO_TEST_CASE(window_keeps_the_last_n) {
    cistern::monitor_options o;
    o.window = 10;
    cistern::monitor<> m(o);
    for (int i = 0; i < 25; ++i) m.record("SELECT 1", std::chrono::nanoseconds(i), 0, true);
    const auto r = m.recent();
    BOOST_TEST(r.size() == 10u);
    BOOST_TEST(r.front().duration.count() == 15);
    BOOST_TEST(r.back().duration.count() == 24);
    BOOST_TEST(cistern::monitor_options{}.window == 1000u);
}

// Records sit in the recording thread's ring until it fills or a snapshot applies
// them; none may be lost or counted twice, whichever way the thread and monitor end.
BOOST_AUTO_TEST_CASE(records_of_exited_threads_and_full_rings_are_all_counted) {
    cistern::monitor_options o;
    o.window = 100000;
    cistern::monitor<> m(o);
    constexpr int per_thread = 1000; // several full rings each, and a partial one
    for (int round = 0; round < 3; ++round) {
        std::vector<std::thread> ts;
        for (int t = 0; t < 3; ++t)
            ts.emplace_back([&] {
                for (int i = 0; i < per_thread; ++i) m.record("SELECT 1", 1us, 1, true);
            });
        for (auto& t : ts) t.join();
        const auto s = m.snapshot(); // the threads have exited: their rings are retired
        BOOST_TEST(s.calls == std::uint64_t(3 * per_thread * (round + 1)));
        BOOST_TEST(s.statements.at(0).rows == std::uint64_t(3 * per_thread * (round + 1)));
        BOOST_TEST(s.window.statements == std::size_t(3 * per_thread * (round + 1)));
    }
    m.record("SELECT 2", 1us); // this thread's ring stays registered
    BOOST_TEST(m.snapshot().calls == std::uint64_t(9 * per_thread + 1));
}

BOOST_AUTO_TEST_CASE(one_thread_recording_into_many_monitors_loses_nothing) {
    // More monitors than a thread's ring cache holds: rings are dropped and re-made.
    std::vector<std::unique_ptr<cistern::monitor<>>> ms;
    for (int i = 0; i < 7; ++i) ms.push_back(std::make_unique<cistern::monitor<>>());
    for (int i = 0; i < 5000; ++i) ms[static_cast<std::size_t>(i * 3 % 7)]->record("SELECT 1", 1us);
    std::uint64_t total = 0;
    for (auto& mp : ms) {
        const auto c = mp->snapshot().calls;
        BOOST_TEST((c == 714u || c == 715u));
        total += c;
    }
    BOOST_TEST(total == 5000u);
    // A monitor created after others were destroyed (possibly at the same address)
    // starts from nothing.
    for (int i = 0; i < 3; ++i) {
        ms.clear();
        auto fresh = std::make_unique<cistern::monitor<>>();
        fresh->record("SELECT 1", 1us);
        BOOST_TEST(fresh->snapshot().calls == 1u);
        ms.push_back(std::move(fresh));
    }
}

BOOST_AUTO_TEST_CASE(scoped_timer_records_and_marks_exceptions_as_errors) {
    cistern::monitor<> m;
    {
        auto t = m.time("UPDATE t SET a = 1 WHERE b = 2");
        t.rows(5);
    }
    try {
        auto t = m.time("UPDATE t SET a = 3 WHERE b = 4");
        throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {}
    {
        auto t = m.time("UPDATE t SET a = 3 WHERE b = 4");
        t.fail();
        t.finish();
        t.finish(); // once only
    }
    const auto s = m.snapshot();
    BOOST_TEST_REQUIRE(s.statements.size() == 1u);
    BOOST_TEST(s.statements[0].calls == 3u);
    BOOST_TEST(s.statements[0].errors == 2u);
    BOOST_TEST(s.statements[0].rows == 5u);
}

BOOST_AUTO_TEST_CASE(slow_statements_reported_once_without_values) {
    cistern::monitor_options o;
    o.slow_warning = 100ms;
    o.slow_critical = 500ms;
    std::vector<cistern::monitor_snapshot> got;
    cistern::monitor<collecting_sink> m(o, collecting_sink{&got});
    m.record("SELECT * FROM users WHERE email = 'alice@example.com' AND id = $1", 150ms, 1, true);
    m.record("SELECT * FROM users WHERE email = 'bob@example.com' AND id = $1", 700ms, 1, true);
    m.record("SELECT * FROM users WHERE email = 'carol@example.com' AND id = $1", 10ms, 1, true);
    m.flush();
    m.flush();
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST_REQUIRE(got[0].slow.size() == 2u);
    BOOST_TEST(got[1].slow.empty());
    const auto& a = got[0].slow[0];
    BOOST_TEST((a.level == cistern::slow_level::warning));
    BOOST_TEST((got[0].slow[1].level == cistern::slow_level::critical));
    BOOST_TEST(a.parameters == 1u);
    BOOST_TEST(a.duration.count() == std::chrono::nanoseconds(150ms).count());
    BOOST_TEST(a.fingerprint.find("alice") == std::string::npos);
    BOOST_TEST(got[0].slow[1].fingerprint.find("bob") == std::string::npos);
    BOOST_TEST(got[1].slow_warnings == 1u);
    BOOST_TEST(got[1].slow_criticals == 1u);
    const auto h = m.health();
    const auto* f = find_rule(h, "slow_statements");
    BOOST_TEST_REQUIRE(f != nullptr);
    BOOST_TEST(f->reason.find("SELECT * FROM users WHERE email = ? AND id = ?") != std::string::npos);
    BOOST_TEST((h.status == cistern::health_status::degraded));
}

BOOST_AUTO_TEST_CASE(utilization_alerts_only_when_sustained) {
    cistern::monitor_options o;
    o.utilization_period = 10s;
    cistern::monitor<> m(o);
    const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
    // one spike: no alert
    m.observe_pool(pool_sample(10, 10), t0);
    m.observe_pool(pool_sample(2, 10), t0 + 1s);
    m.observe_pool(pool_sample(10, 10), t0 + 20s);
    BOOST_TEST((m.pool_level() == cistern::utilization_level::normal));
    m.observe_pool(pool_sample(1, 10), t0 + 25s);
    // 85 % for 10 s: warning
    m.observe_pool(pool_sample(17, 20), t0 + 30s);
    m.observe_pool(pool_sample(17, 20), t0 + 35s);
    BOOST_TEST((m.pool_level() == cistern::utilization_level::normal));
    m.observe_pool(pool_sample(18, 20), t0 + 40s);
    BOOST_TEST((m.pool_level() == cistern::utilization_level::warning));
    BOOST_TEST(m.pool_alerts(cistern::utilization_level::warning) == 1u);
    m.observe_pool(pool_sample(18, 20), t0 + 45s); // still warning: not raised again
    BOOST_TEST(m.pool_alerts(cistern::utilization_level::warning) == 1u);
    // 100 % for 10 s: critical
    m.observe_pool(pool_sample(20, 20), t0 + 50s);
    m.observe_pool(pool_sample(20, 20), t0 + 60s);
    BOOST_TEST((m.pool_level() == cistern::utilization_level::critical));
    BOOST_TEST(m.pool_alerts(cistern::utilization_level::critical) == 1u);
    auto h = m.health();
    const auto* f = find_rule(h, "pool_saturation");
    BOOST_TEST_REQUIRE(f != nullptr);
    BOOST_TEST((h.status == cistern::health_status::unhealthy));
    BOOST_TEST(f->recommendation.find("max_size (now 20)") != std::string::npos);
    const auto snap = m.flush();
    BOOST_TEST(snap.pool_alerts.size() == 2u);
    BOOST_TEST(m.flush().pool_alerts.empty());
    m.observe_pool(pool_sample(1, 20), t0 + 61s);
    BOOST_TEST((m.pool_level() == cistern::utilization_level::normal));
    BOOST_TEST(find_rule(m.health(), "pool_saturation") == nullptr);
}

BOOST_AUTO_TEST_CASE(pool_listener_feeds_pool_metrics_and_health) {
    cistern::monitor<> m;
    auto l = m.pool_listener();
    l.on_acquire(200ms);
    l.on_acquire(1ms);
    l.on_release(3ms);
    l.on_connect(5ms);
    l.on_close(cistern::close_reason::idle);
    l.on_connect_failed(cistern::connect_error("connection refused"));
    cistern::leak_report lr;
    lr.held = 90s;
    lr.pool = "main";
    l.on_leak(lr);
    const auto s = m.snapshot();
    BOOST_TEST(s.pool.acquire_wait.count == 2u);
    BOOST_TEST(s.pool.usage.count == 1u);
    BOOST_TEST(s.pool.creation.count == 1u);
    BOOST_TEST(s.pool.connect_failures == 1u);
    BOOST_TEST(s.pool.leaks == 1u);
    BOOST_TEST(s.pool.closes[static_cast<std::size_t>(cistern::close_reason::idle)] == 1u);
    BOOST_TEST(s.pool.last_connect_error.find("connection refused") != std::string::npos);
    BOOST_TEST(find_rule(s.health, "pool_wait") != nullptr);
    BOOST_TEST(find_rule(s.health, "connect_failures") != nullptr);
    BOOST_TEST(find_rule(s.health, "pool_saturation") != nullptr); // the leak is shown
    BOOST_TEST((s.health.status == cistern::health_status::degraded));
}

BOOST_AUTO_TEST_CASE(cache_and_error_rate_rules) {
    cistern::monitor<> m;
    m.observe_cache(cistern::cache_figures{30, 170, 170, 120});
    for (int i = 0; i < 40; ++i) m.record("INSERT INTO t VALUES (1)", 1ms, 1, i % 2 == 0);
    const auto h = m.health();
    const auto* c = find_rule(h, "cache_hit_ratio");
    BOOST_TEST_REQUIRE(c != nullptr);
    BOOST_TEST(c->reason.find("15.0 %") != std::string::npos);
    BOOST_TEST(c->recommendation.find("capacity") != std::string::npos);
    const auto* e = find_rule(h, "error_rate");
    BOOST_TEST_REQUIRE(e != nullptr);
    BOOST_TEST((e->severity == cistern::health_status::unhealthy));
    BOOST_TEST(e->recommendation.find("INSERT INTO t VALUES (?)") != std::string::npos);
    BOOST_TEST((h.status == cistern::health_status::unhealthy));
}

BOOST_AUTO_TEST_CASE(default_partition_rows_rule) {
    cistern::monitor<> m;
    BOOST_TEST(!m.snapshot().default_partitions.has_value()); // not observed: no rule, no metric
    m.observe_default_partitions({{"public.events", "public.events_default", 0}});
    BOOST_TEST(find_rule(m.health(), "default_partition_rows") == nullptr);
    m.observe_default_partitions({{"public.events", "public.events_default", 0}, {"app.orders", "app.orders_default", 1234}});
    const auto s = m.snapshot();
    BOOST_TEST_REQUIRE(s.default_partitions.has_value());
    BOOST_TEST(s.default_partitions->size() == 2u);
    const auto* d = find_rule(s.health, "default_partition_rows");
    BOOST_TEST_REQUIRE(d != nullptr);
    BOOST_TEST((d->severity == cistern::health_status::degraded));
    BOOST_TEST(d->reason.find("app.orders_default of app.orders (1234)") != std::string::npos, d->reason);
    m.observe_default_partitions({}); // rows moved out
    BOOST_TEST(find_rule(m.health(), "default_partition_rows") == nullptr);
}

BOOST_AUTO_TEST_CASE(throwing_sink_is_isolated_and_counted) {
    std::vector<cistern::monitor_snapshot> got;
    {
        cistern::monitor<throwing_sink, collecting_sink> m({}, throwing_sink{}, collecting_sink{&got});
        m.record("SELECT 1", 1ms);
        m.flush();
        m.flush();
        BOOST_TEST(m.sink_failures() == 2u);
        BOOST_TEST(m.flushes() == 2u);
    } // nothing new since the second flush: no shutdown report
    BOOST_TEST(got.size() == 2u);
    BOOST_TEST(got.back().sink_failures == 1u); // a snapshot carries the failures before its own publish
}

BOOST_AUTO_TEST_CASE(push_thread_pushes_and_stops) {
    std::vector<cistern::monitor_snapshot> got;
    cistern::monitor_options o;
    o.push_interval = 1ms;
    o.flush_on_shutdown = false;
    {
        cistern::monitor<collecting_sink> m(o, collecting_sink{&got});
        m.record("SELECT 1", 1ms);
        while (m.flushes() < 3) std::this_thread::sleep_for(1ms);
    }
    BOOST_TEST(got.size() >= 3u);
}

BOOST_AUTO_TEST_CASE(bad_options_throw_config_error) {
    cistern::monitor_options o;
    o.slow_critical = 1ms;
    BOOST_CHECK_THROW(cistern::monitor<>{o}, cistern::config_error);
    cistern::monitor_options w;
    w.window = 0;
    try {
        cistern::monitor<> m(w);
        BOOST_FAIL("no throw");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(e.field() == "monitor_options::window");
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(health_says_why_acquires_timed_out) {
    cistern::monitor<> m;
    auto l = m.pool_listener();
    l.on_timeout(cistern::pool_timeout(cistern::timeout_reason::unresponsive, std::nullopt, ""));
    cistern::pool_stats st;
    st.max_size = 8;
    st.timed_out = 4;
    st.timed_out_by_reason[static_cast<std::size_t>(cistern::timeout_reason::unresponsive)] = 3;
    st.timed_out_by_reason[static_cast<std::size_t>(cistern::timeout_reason::exhausted)] = 1;
    m.observe_pool(st);
    const auto* f = find_rule(m.health(), "pool_wait");
    BOOST_REQUIRE(f != nullptr);
    BOOST_TEST(f->reason.find("database unresponsive 3") != std::string::npos);
    BOOST_TEST(f->reason.find("pool exhausted 1") != std::string::npos);
    BOOST_TEST(f->recommendation.find("does not answer in time") != std::string::npos); // not "raise max_size"

    cistern::monitor<> full;
    full.pool_listener().on_timeout(cistern::pool_timeout(cistern::timeout_reason::server_full, std::nullopt, ""));
    cistern::pool_stats fs;
    fs.timed_out_by_reason[static_cast<std::size_t>(cistern::timeout_reason::server_full)] = 2;
    full.observe_pool(fs);
    const auto* g = find_rule(full.health(), "pool_wait");
    BOOST_REQUIRE(g != nullptr);
    BOOST_TEST(g->recommendation.find("max_connections") != std::string::npos);
}

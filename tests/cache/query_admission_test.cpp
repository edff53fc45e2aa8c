#define BOOST_TEST_MODULE cistern query cache automatic admission and adaptive TTL over SQLite
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/adaptive_ttl.hpp>
#include <cistern/cache/query_admission.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/error.hpp>
#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored_factory.hpp>
#include <cistern/monitor/query_summary.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/pool.hpp>

#include "caching_advice_rows.hpp"
#include "statement_snapshot.hpp"
#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace ci = cistern::inspect;
using cistern::test::advice_row;

namespace {

using monitored_pool =
    cistern::pool<cistern::monitored_factory<cistern::sqlite::factory>, cistern::with_listener<cistern::pool_listener>>;

/// A pool of two connections to a new SQLite file `name` in `dir`.
struct sqlite_pool : cistern::pool<cistern::sqlite::factory> {
    sqlite_pool(const cistern::test::temp_dir& dir, const std::string& name)
        : cistern::pool<cistern::sqlite::factory>(cistern::sqlite::factory(dir.file(name)),
                                                  cistern::pool_options{.min_idle = 0, .max_size = 2}) {}
};

cistern::monitor_options quiet_monitor() {
    cistern::monitor_options mo;
    mo.flush_on_shutdown = false;
    mo.history_ticker = false;
    return mo;
}

// The advice test's workload: a slow read (600 × 600 self-join) of a table nobody writes,
// and a fast read of a table written three times before each read.
constexpr const char* slow_read = "SELECT count(*) FROM catalog a, catalog b WHERE a.v < b.v";
constexpr const char* busy_read = "SELECT count(*) FROM events";
constexpr const char* insert_event = "INSERT INTO events (kind, at) VALUES (?, ?)";

struct workload {
    cistern::test::temp_dir dir;
    cistern::monitor<> mon{quiet_monitor()};
    monitored_pool pool{cistern::monitored_factory(cistern::sqlite::factory(dir.file("admission.db")), mon),
                        cistern::pool_options{.min_idle = 0, .max_size = 2}, mon.pool_listener()};
    cistern::query_cache<monitored_pool> qc{pool, cistern::cache_options{.max_weight = 1 << 20}};
    std::int64_t inserted = 0;

    workload() {
        pool.acquire()->execute_script("CREATE TABLE catalog (k INTEGER PRIMARY KEY, v INTEGER);"
                                       "CREATE TABLE events (id INTEGER PRIMARY KEY, kind INTEGER, at INTEGER);"
                                       "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600)"
                                       " INSERT INTO catalog SELECT i, (i * 7919) % 600 FROM s;");
    }
    // `n` times: the slow read, three inserts through the cache, the busy read (checked fresh).
    void run(int n) {
        for (int i = 0; i < n; ++i) {
            BOOST_TEST(qc.query(slow_read)->scalar<std::int64_t>() > 0);
            for (int j = 0; j < 3; ++j) inserted += static_cast<std::int64_t>(qc.execute(insert_event, {std::int64_t{j}, std::int64_t{i}}));
            BOOST_TEST(qc.query(busy_read)->scalar<std::int64_t>() == inserted);
        }
    }
};

cistern::query_admission_options admission_options() {
    cistern::query_admission_options o;
    o.advice.min_mean_latency = 1us; // the decision must come from the write rates, not from speed
    o.advice.min_calls_per_second = 0.5;
    return o;
}

const cistern::admission_decision& decision(const std::vector<cistern::admission_decision>& ds, const std::string& sql) {
    const std::string fp = cistern::fingerprint(sql).text;
    for (const auto& d : ds)
        if (d.fingerprint == fp) return d;
    BOOST_FAIL("no decision for " + fp);
    return ds.front();
}

} // namespace

BOOST_AUTO_TEST_CASE(only_the_slow_read_of_the_quiet_table_is_admitted) {
    workload w;
    const auto t0 = std::chrono::steady_clock::now(); // windows of 10 s each, given explicitly
    cistern::query_admission adm(w.mon, admission_options(), t0);
    w.qc.set_admission(&adm);
    w.run(20);
    BOOST_TEST(w.qc.size() == 0u); // nothing admitted yet: both reads pass through
    BOOST_TEST(w.qc.stats().loads == 0u);
    BOOST_TEST(w.qc.stats().misses == 0u); // passing through is not a cache request
    BOOST_TEST(adm.stats().passed == 40u);

    auto e1 = adm.evaluate(t0 + 10s);
    const auto& slow = advice_row(e1.advice, slow_read);
    BOOST_TEST(slow.recommend, slow.reason_text);
    BOOST_TEST(slow.calls_per_second == 2.0, boost::test_tools::tolerance(1e-9));
    const auto& busy = advice_row(e1.advice, busy_read);
    BOOST_TEST(!busy.recommend);
    BOOST_TEST(busy.reason == ci::caching_reason::tables_change_too_often, busy.reason_text);
    BOOST_TEST(busy.write_rate == 6.0, boost::test_tools::tolerance(1e-9)); // 60 inserts in 10 s, seen by the monitor
    BOOST_TEST(e1.admitted.empty()); // hysteresis: recommended once is not enough
    auto ds = adm.decisions();
    BOOST_TEST(decision(ds, slow_read).recommended == 1u);
    BOOST_TEST(!decision(ds, slow_read).admitted);
    BOOST_TEST(decision(ds, busy_read).reason == ci::caching_reason::tables_change_too_often);
    BOOST_TEST(decision(ds, busy_read).reason_text.find("written") != std::string::npos, decision(ds, busy_read).reason_text);

    w.run(20);
    auto e2 = adm.evaluate(t0 + 20s);
    BOOST_TEST(e2.admitted == std::vector<std::string>{cistern::fingerprint(slow_read).text});
    ds = adm.decisions();
    BOOST_TEST(decision(ds, slow_read).admitted);
    BOOST_TEST(decision(ds, slow_read).ttl == admission_options().advice.max_ttl); // its table is not written
    BOOST_TEST(!decision(ds, busy_read).admitted);

    const auto passed = adm.stats().passed;
    w.run(20); // the slow read is cached now: one load, 19 hits; the busy read still passes through
    BOOST_TEST(w.qc.size() == 1u);
    const auto st = w.qc.stats();
    BOOST_TEST(st.loads == 1u);
    BOOST_TEST(st.hits == 19u);
    BOOST_TEST(adm.stats().served == 19u);
    BOOST_TEST(adm.stats().passed - passed == 20u);

    // The monitor saw one execution of the slow read in this window; the 19 answered from
    // the cache count as calls too, so caching it does not make it look idle.
    auto e3 = adm.evaluate(t0 + 30s);
    BOOST_TEST(advice_row(e3.advice, slow_read).calls_per_second == 2.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(advice_row(e3.advice, slow_read).recommend);
    BOOST_TEST(e3.dropped.empty());
    BOOST_TEST(adm.stats().admitted == 1u);

    // Per call: admission_mode::always caches the busy read anyway (as without admission).
    BOOST_TEST(w.qc.query(busy_read, {}, {.admission = cistern::admission_mode::always})->scalar<std::int64_t>() == w.inserted);
    BOOST_TEST(w.qc.size() == 2u);
    // Detached: every call is cached again.
    w.qc.set_admission(nullptr);
    BOOST_TEST(w.qc.query(busy_read)->scalar<std::int64_t>() == w.inserted);
    BOOST_TEST(w.qc.stats().hits == 20u);
}

BOOST_AUTO_TEST_CASE(a_statement_recommended_once_then_not_does_not_flap) {
    cistern::test::temp_dir dir;
    sqlite_pool pool(dir, "h.db");
    pool.acquire()->execute_script("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one');");
    const std::string read = "SELECT v FROM t WHERE k = 1";
    // A constructed source: each window either 100 calls of 5 ms (recommended) or none.
    std::uint64_t calls = 0;
    auto source = [&] { return cistern::test::statement_snapshot(read, calls, 5ms); };
    auto o = admission_options();
    o.advice.min_calls_per_second = 5; // the one hit of a window below is not demand enough
    const auto t0 = std::chrono::steady_clock::now();
    cistern::query_admission adm(source, o, t0);
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    qc.set_admission(&adm);
    int step = 0;
    auto window = [&](bool busy) {
        if (busy) calls += 100;
        ++step;
        return adm.evaluate(t0 + std::chrono::seconds(step));
    };
    auto admitted = [&] { return adm.decision_of(read)->admitted; };
    BOOST_TEST(qc.query(read)->scalar<std::string>() == "one"); // first sight: tracked, not admitted
    BOOST_TEST(!admitted());

    // recommended, not, recommended, not: never twice in a row, never admitted
    for (bool busy : {true, false, true, false}) {
        window(busy);
        BOOST_TEST(!admitted());
    }
    BOOST_TEST(adm.decision_of(read)->reason_text == "no calls in the window");
    window(true);
    BOOST_TEST(!admitted());
    BOOST_TEST(window(true).admitted.size() == 1u); // twice in a row
    BOOST_TEST(qc.query(read)->scalar<std::string>() == "one");
    BOOST_TEST(qc.query(read)->scalar<std::string>() == "one");
    BOOST_TEST(qc.size() == 1u);
    BOOST_TEST(qc.stats().hits == 1u);
    // not, recommended, not: stays admitted, its result stays cached
    for (bool busy : {false, true, false}) {
        BOOST_TEST(window(busy).dropped.empty());
        BOOST_TEST(admitted());
        BOOST_TEST(qc.size() == 1u);
    }
    // not twice in a row: dropped, its result removed from the cache
    BOOST_TEST(window(false).dropped.size() == 1u);
    BOOST_TEST(!admitted());
    BOOST_TEST(qc.size() == 0u);
    BOOST_TEST(qc.query(read)->scalar<std::string>() == "one");
    BOOST_TEST(qc.size() == 0u);
    BOOST_TEST(adm.stats().evaluations == 10u);
}

BOOST_AUTO_TEST_CASE(a_write_through_query_is_refused_when_not_admitted) {
    cistern::test::temp_dir dir;
    sqlite_pool pool(dir, "w.db");
    pool.acquire()->execute_script("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one');");
    cistern::monitor<> mon(quiet_monitor());
    cistern::query_admission adm(mon, admission_options());
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    qc.set_admission(&adm);
    for (int i = 0; i < 2; ++i) // the second time from the remembered text
        BOOST_CHECK_THROW(qc.query("UPDATE t SET v = 'two' WHERE k = 1"), cistern::config_error);
    BOOST_TEST(pool.acquire()->query("SELECT v FROM t").scalar<std::string>() == "one");
    // a read the cache would refuse (volatile) runs uncached, as it is not admitted
    BOOST_TEST(qc.query("SELECT v, random() FROM t")->size() == 1u);
    BOOST_TEST(qc.size() == 0u);
}

BOOST_AUTO_TEST_CASE(an_admission_destroyed_first_detaches_itself) {
    cistern::test::temp_dir dir;
    sqlite_pool pool(dir, "d.db");
    pool.acquire()->execute_script("CREATE TABLE t (k INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);");
    cistern::monitor<> mon(quiet_monitor());
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    {
        cistern::query_admission adm(mon, admission_options());
        qc.set_admission(&adm);
        BOOST_TEST(qc.admission() == &adm);
        qc.query("SELECT k FROM t");
        BOOST_TEST(qc.size() == 0u);
    }
    BOOST_TEST(qc.admission() == nullptr);
    qc.query("SELECT k FROM t");
    BOOST_TEST(qc.size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_options_are_rejected) {
    cistern::monitor<> mon(quiet_monitor());
    auto bad = [&](auto change) {
        auto o = admission_options();
        change(o);
        BOOST_CHECK_THROW(cistern::query_admission(mon, o), cistern::config_error);
    };
    bad([](auto& o) { o.admit_after = 0; });
    bad([](auto& o) { o.drop_after = 0; });
    bad([](auto& o) { o.max_texts = 0; });
    bad([](auto& o) { o.max_fingerprints = 0; });
    bad([](auto& o) { o.interval = std::chrono::milliseconds(-1); });
    bad([](auto& o) { o.advice.min_hit_ratio = 2.0; });
    bad([](auto& o) { o.advice.max_ttl = 1ms; });
    cistern::query_admission adm(mon, admission_options());
    BOOST_CHECK_THROW(adm.evaluate(std::chrono::steady_clock::now() - 1h), cistern::config_error);

    auto bad_ttl = [](auto change) {
        cistern::adaptive_ttl_options o;
        change(o);
        BOOST_CHECK_THROW(cistern::adaptive_ttl{o}, cistern::config_error);
    };
    bad_ttl([](auto& o) { o.min_ttl = 0s; });
    bad_ttl([](auto& o) { o.max_ttl = 500ms; });
    bad_ttl([](auto& o) { o.factor = 0.0; });
    bad_ttl([](auto& o) { o.smoothing = 0.0; });
    bad_ttl([](auto& o) { o.smoothing = 1.5; });
    bad_ttl([](auto& o) { o.max_tables = 0; });
}

namespace {
using manual_ttl = cistern::basic_adaptive_ttl<cistern::test::manual_clock>;
using clock_t_ = cistern::test::manual_clock;
} // namespace

BOOST_AUTO_TEST_CASE(adaptive_ttl_follows_the_write_interval_within_bounds) {
    cistern::test::temp_dir dir;
    sqlite_pool pool(dir, "t.db");
    pool.acquire()->execute_script("CREATE TABLE events (id INTEGER PRIMARY KEY); CREATE TABLE catalog (k INTEGER PRIMARY KEY);");
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    manual_ttl at(cistern::adaptive_ttl_options{.min_ttl = 1s, .max_ttl = 1h, .factor = 1.0, .smoothing = 0.5});
    qc.set_ttl_source(&at);

    BOOST_TEST(at.ttl_of("events") == 1h); // never invalidated: the upper bound
    for (int i = 0; i < 5; ++i) { // events: every 2 s
        clock_t_::advance(2s);
        qc.execute("INSERT INTO events DEFAULT VALUES");
    }
    BOOST_TEST(at.invalidations_of("main.events") == 5u); // SQLite reports main.events; "*.events" too
    BOOST_TEST(at.interval_of("main.events").value_or(0s) == std::chrono::nanoseconds(2s));
    BOOST_TEST(at.ttl_of("main.events") == std::chrono::nanoseconds(2s));
    for (int i = 0; i < 3; ++i) { // catalog: every 100 s, invalidated by hand
        clock_t_::advance(100s);
        qc.invalidate("main.catalog");
    }
    BOOST_TEST(at.ttl_of("main.catalog") == std::chrono::nanoseconds(100s));
    // events went quiet for 300 s: its estimate is at least that now
    BOOST_TEST(at.ttl_of("main.events") == std::chrono::nanoseconds(300s));
    // a result's TTL is the minimum over the tables it read
    const std::vector<std::string> both{"events", "main.events", "catalog", "main.catalog"};
    clock_t_::advance(1s);
    qc.invalidate("main.events");
    clock_t_::advance(1s);
    qc.invalidate("main.events"); // intervals 301 s, then 1 s: EWMA (0.5) 151.5 s, then 76.25 s
    BOOST_TEST(at.ttl_of("main.events") == std::chrono::nanoseconds(std::chrono::milliseconds(76'250)));
    BOOST_TEST(at.ttl_for(both) == at.ttl_of("main.events"));
    BOOST_TEST(at.ttl_for(both) < at.ttl_of("main.catalog"));
    // invalidated every 10 ms: bounded below by min_ttl
    for (int i = 0; i < 50; ++i) {
        clock_t_::advance(10ms);
        qc.invalidate("main.events");
    }
    BOOST_TEST(at.ttl_of("main.events") == std::chrono::nanoseconds(1s));
    BOOST_TEST(at.ttl_for(both) == std::chrono::nanoseconds(1s));
}

BOOST_AUTO_TEST_CASE(an_entry_expires_after_the_shortest_ttl_of_its_tables) {
    cistern::test::temp_dir dir;
    sqlite_pool pool(dir, "e.db");
    pool.acquire()->execute_script("CREATE TABLE events (id INTEGER PRIMARY KEY); CREATE TABLE catalog (k INTEGER PRIMARY KEY);"
                                   "INSERT INTO catalog VALUES (1);");
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    manual_ttl at(cistern::adaptive_ttl_options{.min_ttl = 50ms, .max_ttl = 1h});
    qc.set_ttl_source(&at);
    for (int i = 0; i < 4; ++i) { // events: every 60 ms (on the manual clock) → TTL 60 ms
        clock_t_::advance(60ms);
        qc.invalidate("events");
    }
    BOOST_TEST(at.ttl_of("events") == std::chrono::nanoseconds(60ms));
    const std::string join = "SELECT count(*) FROM catalog, events";
    const std::string quiet = "SELECT count(*) FROM catalog";
    qc.query(join);
    qc.query(quiet);
    qc.query(join); // a hit
    BOOST_TEST(qc.stats().hits == 1u);
    // The cache's own clock is the real one: 400 ms is well past 60 ms (one coarse tick of
    // allowance is a few ms) and far from the 1 h the quiet table gets.
    std::this_thread::sleep_for(400ms);
    qc.query(join);  // expired: loaded again
    qc.query(quiet); // catalog is not invalidated: max_ttl
    BOOST_TEST(qc.stats().loads == 3u);
    BOOST_TEST(qc.stats().hits == 2u);
    // A call with its own TTL is not shortened.
    const std::string other = "SELECT count(*) FROM events";
    qc.query(other, {}, {.ttl = 1h});
    std::this_thread::sleep_for(200ms);
    qc.query(other);
    BOOST_TEST(qc.stats().hits == 3u);
}

#define BOOST_TEST_MODULE cistern monitored connections (SQLite)
#include <type_traits>
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/error.hpp>
#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored.hpp>
#include <cistern/monitor/monitored_factory.hpp>
#include <cistern/monitor/statement_recorder.hpp>
#include <cistern/monitor/statement_registry.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/pool.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

/// Records into a statement_registry (the monitor's per-fingerprint table) and keeps
/// every call, so the tests can check exactly what a monitored connection reported.
struct test_recorder {
    struct call {
        std::string sql;
        std::chrono::nanoseconds duration;
        std::uint64_t rows;
        bool ok;
    };
    cistern::statement_registry registry;
    std::mutex mu;
    std::vector<call> calls;

    void record(std::string_view sql, std::chrono::nanoseconds d, std::uint64_t rows, bool ok) {
        registry.find(sql).record(d, rows, ok);
        std::lock_guard lk(mu);
        calls.push_back({std::string(sql), d, rows, ok});
    }
};

/// A recorder that always throws: recording must never change a statement's outcome.
struct throwing_recorder {
    int attempts = 0;
    void record(std::string_view, std::chrono::nanoseconds, std::uint64_t, bool) {
        ++attempts;
        throw std::runtime_error("recorder failure");
    }
};

static_assert(cistern::StatementRecorder<test_recorder>);
static_assert(cistern::Connection<cistern::monitored<cistern::sqlite::connection>>);
static_assert(cistern::ConnectionFactory<cistern::monitored_factory<cistern::sqlite::factory>>);

} // namespace

BOOST_AUTO_TEST_CASE(query_and_execute_are_timed_with_rows_and_outcome) {
    test_recorder rec;
    cistern::monitored_factory f(cistern::sqlite::factory(":memory:"), rec);
    BOOST_TEST(f.describe() == "sqlite::memory:");
    auto c = f.create();
    BOOST_TEST(c.is_open());
    BOOST_TEST(c.ping());

    c.execute_script("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT)");
    BOOST_TEST(c.execute("INSERT INTO kv (id, v) VALUES (?, ?)", 1, "one") == 1);
    BOOST_TEST(c.execute("INSERT INTO kv (id, v) VALUES (?, ?)", 2, "two") == 1);
    BOOST_TEST(c.execute("UPDATE kv SET v = 'x'") == 2);
    const auto rs = c.query("SELECT id, v FROM kv WHERE id >= ?", 1);
    BOOST_TEST(rs.size() == 2u);
    BOOST_CHECK_THROW(c.query("SELECT nope FROM missing_table"), cistern::query_error);

    std::lock_guard lk(rec.mu);
    BOOST_REQUIRE(rec.calls.size() == 6u);
    BOOST_TEST(rec.calls[0].sql == "CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT)");
    BOOST_TEST(rec.calls[0].ok);
    BOOST_TEST(rec.calls[1].rows == 1u);
    BOOST_TEST(rec.calls[3].rows == 2u);  // UPDATE affected both rows
    BOOST_TEST(rec.calls[4].rows == 2u);  // SELECT returned two rows
    BOOST_TEST(rec.calls[4].ok);
    BOOST_TEST(!rec.calls[5].ok);         // the failing SELECT
    BOOST_TEST(rec.calls[5].rows == 0u);
    for (const auto& call : rec.calls) BOOST_TEST(call.duration.count() > 0);
    // Parameter values never reach the recorder: only the statement text.
    for (const auto& call : rec.calls) BOOST_TEST(call.sql.find("one") == std::string::npos);

    // The two INSERTs are one fingerprint with two calls.
    auto& ins = rec.registry.find("insert into kv (id, v) values (?, ?)");
    BOOST_TEST(ins.calls() == 2u);
    BOOST_TEST(ins.rows.load() == 2u);
    auto& bad = rec.registry.find("SELECT nope FROM missing_table");
    BOOST_TEST(bad.errors.load() == 1u);
}

BOOST_AUTO_TEST_CASE(span_overloads_and_base_access) {
    test_recorder rec;
    cistern::monitored<cistern::sqlite::connection> c(cistern::sqlite::factory(":memory:").create(), rec);
    c.execute_script("CREATE TABLE t (a INTEGER)");
    const std::vector<cistern::value> params{cistern::value(std::int64_t{5})};
    BOOST_TEST(c.execute("INSERT INTO t (a) VALUES (?)", std::span<const cistern::value>(params)) == 1);
    BOOST_TEST(c.query("SELECT a FROM t", std::span<const cistern::value>{}).scalar<std::int64_t>() == 5);
    BOOST_TEST(!c.in_transaction());
    c.base().execute("INSERT INTO t (a) VALUES (6)");  // through base(): not recorded
    BOOST_TEST(c->query("SELECT count(*) FROM t").scalar<std::int64_t>() == 2);  // not recorded
    std::lock_guard lk(rec.mu);
    BOOST_TEST(rec.calls.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_throwing_recorder_never_changes_the_outcome) {
    throwing_recorder rec;
    cistern::monitored_factory f(cistern::sqlite::factory(":memory:"), rec);
    auto c = f.create();
    c.execute_script("CREATE TABLE t (a INTEGER)");
    BOOST_TEST(c.execute("INSERT INTO t (a) VALUES (1)") == 1);
    BOOST_TEST(c.query("SELECT a FROM t").size() == 1u);
    BOOST_CHECK_THROW(c.query("SELECT * FROM missing"), cistern::query_error);  // the query's error, not the recorder's
    BOOST_TEST(rec.attempts == 4);
}

BOOST_AUTO_TEST_CASE(pool_of_monitored_sqlite_connections) {
    test_recorder rec;
    cistern::pool p(cistern::monitored_factory(cistern::sqlite::factory(":memory:"), rec),
                    cistern::pool_options{.max_size = 2});
    {
        auto c = p.acquire();
        c->execute_script("CREATE TABLE kv (id INTEGER PRIMARY KEY, v INTEGER)");
        for (int i = 0; i < 10; ++i) c->execute("INSERT INTO kv (id, v) VALUES (?, ?)", i, i * i);
        BOOST_TEST(c->query("SELECT v FROM kv WHERE id = ?", 3).scalar<std::int64_t>() == 9);
        BOOST_TEST(c->query("select v from kv where id=4").scalar<std::int64_t>() == 16);
    }
    const auto st = p.stats();
    BOOST_TEST(st.in_use == 0u);
    auto& sel = rec.registry.find("SELECT v FROM kv WHERE id = 1");
    BOOST_TEST(sel.calls() == 2u);  // `id = ?` and `id=4` are one fingerprint
    BOOST_TEST(sel.fingerprint == "SELECT v FROM kv WHERE id = ?");
    auto& ins = rec.registry.find("INSERT INTO kv (id, v) VALUES (?, ?)");
    BOOST_TEST(ins.calls() == 10u);
    BOOST_TEST(ins.latency.count() == 10u);
}

BOOST_AUTO_TEST_CASE(several_threads_share_one_recorder_through_a_pool) {
    test_recorder rec;
    cistern::pool p(cistern::monitored_factory(cistern::sqlite::factory(":memory:"), rec),
                    cistern::pool_options{.max_size = 3});
    constexpr int threads = 3, per_thread = 50;
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                auto c = p.acquire();
                BOOST_TEST(c->query("SELECT ? + ?", t, i).scalar<std::int64_t>() == t + i);
            }
        });
    for (auto& th : ts) th.join();
    auto& s = rec.registry.find("SELECT ? + ?");
    BOOST_TEST(s.calls() == std::uint64_t{threads * per_thread});
    BOOST_TEST(s.errors.load() == 0u);
}

BOOST_AUTO_TEST_CASE(pool_of_monitored_connections_feeds_a_real_monitor) {
    cistern::monitor_options o;
    o.flush_on_shutdown = false;
    o.slow_warning = std::chrono::nanoseconds(1);  // every statement counts as slow here
    o.slow_critical = std::chrono::hours(1);
    cistern::monitor<> mon(o);
    using factory = cistern::monitored_factory<cistern::sqlite::factory>;
    // Class template argument deduction picks with_listener<pool_listener> from the listener.
    cistern::pool p(factory(cistern::sqlite::factory(":memory:"), mon), cistern::pool_options{.max_size = 1},
                    mon.pool_listener());
    static_assert(std::is_same_v<decltype(p), cistern::pool<factory, cistern::with_listener<cistern::pool_listener>>>);
    {
        auto c = p.acquire();
        c->execute_script("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT)");
        for (int i = 0; i < 5; ++i) c->execute("INSERT INTO kv (id, v) VALUES (?, ?)", i, "secret-value");
        BOOST_TEST(c->query("SELECT v FROM kv WHERE id IN (1, 2, 3)").size() == 3u);
        BOOST_TEST(c->query("SELECT v FROM kv WHERE id IN (4)").size() == 1u);
        BOOST_CHECK_THROW(c->execute("INSERT INTO kv (id, v) VALUES (?, ?)", 1, "dup"), cistern::query_error);
    }
    p.close();
    const auto snap = mon.flush();
    BOOST_TEST(snap.calls == 9u);
    BOOST_TEST(snap.errors == 1u);
    const cistern::statement_summary* ins = nullptr;
    const cistern::statement_summary* sel = nullptr;
    const auto ins_fp = cistern::fingerprint("INSERT INTO kv (id, v) VALUES (1, 'x')").text;
    for (const auto& s : snap.statements) {
        if (s.fingerprint == ins_fp) ins = &s;
        if (s.fingerprint.starts_with("SELECT v FROM kv WHERE id IN")) sel = &s;
    }
    BOOST_REQUIRE(ins != nullptr);
    BOOST_TEST(ins->calls == 6u);
    BOOST_TEST(ins->errors == 1u);
    BOOST_TEST(ins->rows == 5u);
    BOOST_TEST(ins->parameters == 2u);
    BOOST_TEST(ins->latency.count == 6u);
    BOOST_TEST(ins->failed.count == 1u);  // the duplicate key, with its duration
    BOOST_TEST(ins->failed.buckets.back() <= 1u);
    BOOST_TEST(ins->summary.operation == "INSERT");
    BOOST_TEST(ins->summary.collection == "kv");
    BOOST_TEST(snap.db_system == "sqlite");  // named by sqlite::connection, not configured
    BOOST_REQUIRE(sel != nullptr);  // both IN lists collapse to one fingerprint
    BOOST_TEST(sel->calls == 2u);
    BOOST_TEST(sel->rows == 4u);
    // Every statement was logged as slow, once, with its fingerprint; values never appear.
    BOOST_TEST(snap.slow.size() == 9u);
    for (const auto& q : snap.slow) {
        BOOST_TEST(q.fingerprint.find("secret") == std::string::npos);
        BOOST_TEST(q.fingerprint.find("dup") == std::string::npos);
        BOOST_TEST((q.level == cistern::slow_level::warning));
    }
    BOOST_TEST(mon.flush().slow.empty());  // reported once
    BOOST_TEST(snap.pool.creation.count >= 1u);  // the pool listener fed the same monitor
    BOOST_TEST(snap.pool.usage.count >= 1u);
}

// monitored<C> hands a monitor the two time points it read: the window entry's end time
// is the statement's (converted to wall time), and the duration is end - start.
BOOST_AUTO_TEST_CASE(monitored_connection_passes_time_points_to_a_monitor) {
    cistern::monitor_options o;
    o.flush_on_shutdown = false;
    cistern::monitor<> mon(o);
    cistern::monitored<cistern::sqlite::connection> c(cistern::sqlite::factory(":memory:").create(), mon);
    const auto before = std::chrono::system_clock::now();
    c.execute("CREATE TABLE t (a INTEGER)");
    c.execute("INSERT INTO t (a) VALUES (?)", 1);
    BOOST_TEST(c.query("SELECT a FROM t").size() == 1u);
    const auto after = std::chrono::system_clock::now();
    const auto recent = mon.recent();
    BOOST_TEST_REQUIRE(recent.size() == 3u);
    for (const auto& e : recent) {
        // Wall and steady clocks are compared once per applied batch; allow for the
        // coarse wall clock's tick and any adjustment between the two readings.
        BOOST_TEST((e.finished >= before - std::chrono::seconds(1) && e.finished <= after + std::chrono::seconds(1)));
        BOOST_TEST(e.duration.count() >= 0);
        BOOST_TEST(e.ok);
    }
    BOOST_TEST(recent.back().statement->fingerprint == "SELECT a FROM t");
    BOOST_TEST(mon.snapshot().statements.size() == 3u);
}

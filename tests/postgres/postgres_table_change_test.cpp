#define BOOST_TEST_MODULE cistern hears table changes made by other processes (PostgreSQL NOTIFY triggers)
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/adapter/postgres/table_change_listener.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/strategy/invalidation/postgres_notify_triggers.hpp>

#include "support/eventually.hpp"
#include "support/postgres_session.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {
constexpr auto& server = cistern::test::shared_postgres_server;

// What the listener reported, for the test thread to wait on.
struct heard {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::string> tables;
    int gaps = 0;
    cistern::postgres::table_change_handlers handlers() {
        return {[this](std::string_view t) {
                    std::lock_guard lk(mu);
                    tables.emplace_back(t);
                    cv.notify_all();
                },
                [this] {
                    std::lock_guard lk(mu);
                    ++gaps;
                    cv.notify_all();
                }};
    }
    bool wait_for(const std::string& t, std::chrono::milliseconds d = 10s) {
        std::unique_lock lk(mu);
        return cv.wait_for(lk, d, [&] { return std::find(tables.begin(), tables.end(), t) != tables.end(); });
    }
    std::vector<std::string> take() {
        std::lock_guard lk(mu);
        return std::exchange(tables, {});
    }
};

cistern::postgres::table_change_listener_options fast() {
    cistern::postgres::table_change_listener_options o;
    o.ping_interval = 200ms;
    o.reconnect_delay = 50ms;
    return o;
}
} // namespace

BOOST_AUTO_TEST_CASE(triggers_notify_committed_writes_of_any_session_and_the_plan_is_idempotent) {
    auto c = cistern::postgres::factory(server().conninfo()).create();
    c.execute_script("CREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, name text);"
                     "CREATE TABLE IF NOT EXISTS \"Users\" (id int PRIMARY KEY);"
                     "CREATE OR REPLACE VIEW user_names AS SELECT name FROM users;");
    const std::vector<std::string> tables{"users", "public.\"Users\""};
    const auto p = cistern::strategy::postgres_notify_triggers(c, tables);
    BOOST_TEST(p.size() == 4u); // schema, function, two triggers
    BOOST_TEST(p.show().find("SHARE ROW EXCLUSIVE") != std::string::npos);
    p.apply(c);
    BOOST_TEST(cistern::strategy::postgres_notify_triggers(c, tables).empty()); // re-run: nothing to do
    BOOST_CHECK_THROW(cistern::strategy::postgres_notify_triggers(c, {"user_names"}), cistern::config_error);
    BOOST_CHECK_THROW(cistern::strategy::postgres_notify_triggers(c, {"no_such_table"}), cistern::config_error);

    heard h;
    cistern::postgres::table_change_listener l(cistern::postgres::factory(server().conninfo()), h.handlers(), fast());
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return l.listening(); }));

    // another session (this connection is not the listener's) writes
    c.execute("INSERT INTO users VALUES (1, 'a')");
    BOOST_TEST(h.wait_for("public.users"));
    c.execute("INSERT INTO \"Users\" VALUES (1)");
    BOOST_TEST(h.wait_for("public.\"Users\"")); // its SQL name: quoted, exact case
    h.take();
    // a rolled-back write notifies nothing; a committed one after it does
    c.execute_script("BEGIN; UPDATE users SET name = 'x'; ROLLBACK;");
    c.execute_script("BEGIN; DELETE FROM \"Users\"; COMMIT;");
    BOOST_TEST(h.wait_for("public.\"Users\""));
    BOOST_TEST((h.take() == std::vector<std::string>{"public.\"Users\""}));
    // TRUNCATE, and a statement that touches no row, still notify
    c.execute("TRUNCATE users");
    BOOST_TEST(h.wait_for("public.users"));
    h.take();
    c.execute("UPDATE users SET name = 'y' WHERE id = -1");
    BOOST_TEST(h.wait_for("public.users"));

    // the plan that removes them, and then writes notify nothing
    const auto d = cistern::strategy::postgres_drop_notify_triggers(c, tables);
    BOOST_TEST(d.size() == 2u);
    d.apply(c);
    BOOST_TEST(cistern::strategy::postgres_drop_notify_triggers(c, tables).empty());
    h.take();
    c.execute("INSERT INTO users VALUES (2, 'b')");
    c.execute("SELECT pg_notify('cistern_table_changes', 'marker')");
    BOOST_TEST(h.wait_for("marker"));
    BOOST_TEST((h.take() == std::vector<std::string>{"marker"}));
}

BOOST_AUTO_TEST_CASE(partitions_notify_themselves_and_their_parent) {
    auto c = cistern::postgres::factory(server().conninfo()).create();
    c.execute_script("CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);"
                     "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');");
    cistern::strategy::postgres_notify_triggers(c, {"events"}).apply(c);
    heard h;
    cistern::postgres::table_change_listener l(cistern::postgres::factory(server().conninfo()), h.handlers(), fast());
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return l.listening(); }));
    c.execute("INSERT INTO events_2026 VALUES (1, '2026-05-01')"); // straight into the partition
    BOOST_TEST(h.wait_for("public.events_2026"));
    BOOST_TEST(h.wait_for("public.events"));
    h.take();
    c.execute("INSERT INTO events VALUES (2, '2026-06-01')"); // through the parent
    BOOST_TEST(h.wait_for("public.events"));
}

BOOST_AUTO_TEST_CASE(a_listener_that_lost_its_connection_reports_a_gap_and_listens_again) {
    auto c = cistern::postgres::factory(server().conninfo()).create();
    c.execute_script("CREATE TABLE IF NOT EXISTS items (id int)");
    cistern::strategy::postgres_notify_triggers(c, {"items"}).apply(c);
    heard h;
    cistern::postgres::table_change_listener l(cistern::postgres::factory(server().conninfo()), h.handlers(), fast());
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return l.listening(); }));
    BOOST_TEST(l.gaps() == 1u); // the first LISTEN: anything before is unknown
    c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid() AND usename = current_user");
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return l.gaps() >= 3u && l.listening(); }, 10s),
                       "gaps " << l.gaps() << ", last error: " << l.last_error()); // the loss, then the new LISTEN
    c.execute("INSERT INTO items VALUES (1)");
    BOOST_TEST(h.wait_for("public.items"));
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused) {
    cistern::postgres::table_change_listener_options o;
    o.channel = std::string(64, 'c');
    heard h;
    BOOST_CHECK_THROW(cistern::postgres::table_change_listener(cistern::postgres::factory(server().conninfo()), h.handlers(), o),
                      cistern::config_error);
    BOOST_CHECK_THROW(cistern::postgres::table_change_listener(cistern::postgres::factory(server().conninfo()), {}, {}),
                      cistern::config_error);
    o.channel = std::string("chan\0nel", 8); // libpq would cut it at the NUL
    BOOST_CHECK_THROW(cistern::postgres::table_change_listener(cistern::postgres::factory(server().conninfo()), h.handlers(), o),
                      cistern::config_error);
}

BOOST_AUTO_TEST_CASE(a_channel_with_quotes_and_upper_case_is_listened_to_as_written) {
    auto o = fast();
    o.channel = "Odd \"Chan\"";
    heard h;
    cistern::postgres::table_change_listener l(cistern::postgres::factory(server().conninfo()), h.handlers(), o);
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return l.listening(); }));
    auto c = cistern::postgres::factory(server().conninfo()).create();
    c.execute("SELECT pg_notify('odd \"chan\"', 'public.folded')"); // another channel: not heard
    c.execute("SELECT pg_notify($1, 'public.exact')", o.channel);
    BOOST_TEST(h.wait_for("public.exact"));
    const auto got = h.take();
    BOOST_TEST((std::find(got.begin(), got.end(), "public.folded") == got.end()));
}

BOOST_AUTO_TEST_CASE(staleness_bound_commit_to_callback) {
    // The time from a writer's autocommit INSERT starting to the listener's callback (an upper bound of commit -> callback): the staleness
    // window for a cached result of a table another process writes. Printed, not asserted
    // (a test never asserts speed); the bound asserted is the documented generous one.
    auto c = cistern::postgres::factory(server().conninfo()).create();
    c.execute_script("CREATE TABLE IF NOT EXISTS hot (id int)");
    cistern::strategy::postgres_notify_triggers(c, {"hot"}).apply(c);
    std::mutex mu;
    std::condition_variable cv;
    std::uint64_t seen = 0;
    cistern::postgres::table_change_listener l(cistern::postgres::factory(server().conninfo()),
                                               {[&](std::string_view) {
                                                    std::lock_guard lk(mu);
                                                    ++seen;
                                                    cv.notify_all();
                                                },
                                                {}},
                                               fast());
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return l.listening(); }));
    std::vector<double> us;
    for (int i = 0; i < 200; ++i) {
        std::unique_lock lk(mu);
        const auto before = seen;
        lk.unlock();
        const auto t0 = std::chrono::steady_clock::now(); // before: the commit is inside execute()
        c.execute("INSERT INTO hot VALUES (1)");
        lk.lock();
        BOOST_TEST_REQUIRE(cv.wait_for(lk, 5s, [&] { return seen > before; }));
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    std::printf("write start -> listener callback over 200 autocommit writes: p50 %.1f us, p99 %.1f us, max %.1f us\n", us[100], us[198], us.back());
    BOOST_TEST(us.back() < 5e6); // 5 s: the wait above; a loaded CI machine stays far below
}

BOOST_AUTO_TEST_CASE(a_write_by_another_process_drops_the_query_cache_results_that_read_the_table) {
    // The wiring docs/invalidation.md shows: triggers on the base table, the listener's
    // payload straight into query_cache::invalidate(), a gap into clear(). The cached
    // result reads the mixed-case table through a view; the write comes from a session
    // the cache knows nothing of.
    auto w = cistern::postgres::factory(server().conninfo()).create();
    w.execute_script("DROP VIEW IF EXISTS qc_view; DROP TABLE IF EXISTS \"QcStock\";"
                     "CREATE TABLE \"QcStock\" (id int PRIMARY KEY, qty int);"
                     "INSERT INTO \"QcStock\" VALUES (1, 10), (2, 20);"
                     "CREATE VIEW qc_view AS SELECT id, qty FROM \"QcStock\" WHERE qty > 0");
    cistern::strategy::postgres_notify_triggers(w, {"\"QcStock\""}).apply(w);
    cistern::pool<cistern::postgres::factory> pool(cistern::postgres::factory(server().conninfo()),
                                                   cistern::pool_options{.min_idle = 0, .max_size = 2});
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    std::atomic<int> gaps{0};
    cistern::postgres::table_change_listener l(cistern::postgres::factory(server().conninfo()),
                                               {[&](std::string_view t) { qc.invalidate(t); },
                                                [&] {
                                                    ++gaps;
                                                    qc.clear();
                                                }},
                                               fast());
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return l.listening(); }));
    const std::string q = "SELECT sum(qty) FROM qc_view";
    BOOST_TEST(qc.query(q)->scalar<std::int64_t>() == 30);
    BOOST_TEST(qc.query(q)->scalar<std::int64_t>() == 30);
    BOOST_TEST(qc.stats().hits == 1u);
    BOOST_TEST(qc.size() == 1u);
    w.execute("UPDATE \"QcStock\" SET qty = 15 WHERE id = 1");
    BOOST_TEST(cistern::test::eventually([&] { return qc.size() == 0u; }, 5s));
    BOOST_TEST(qc.query(q)->scalar<std::int64_t>() == 35);
    // A listener that loses its connection clears the cache (changes may have been missed).
    BOOST_TEST(qc.size() == 1u);
    const int before = gaps.load();
    w.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid() AND usename = current_user");
    BOOST_TEST(cistern::test::eventually([&] { return gaps.load() > before; }, 10s));
    BOOST_TEST(qc.size() == 0u);
}

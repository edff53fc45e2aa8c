#define BOOST_TEST_MODULE cistern caching advice (constructed snapshots and SQLite)
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/error.hpp>
#include <cistern/inspect/caching_advice.hpp>
#include <cistern/inspect/table_write_rates.hpp>
#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored_factory.hpp>
#include <cistern/monitor/query_summary.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/pool.hpp>

#include "caching_advice_rows.hpp"
#include "../support/temp_dir.hpp"

#include <chrono>
#include <ostream>
#include <string>

using namespace std::chrono_literals;
namespace ci = cistern::inspect;
using cistern::test::advice_row;

namespace {

cistern::statement_summary statement(std::string fp, std::uint64_t calls, std::chrono::nanoseconds mean, std::uint64_t rows) {
    cistern::statement_summary s;
    s.fingerprint = cistern::fingerprint(fp).text;
    s.summary = cistern::summarize_query(s.fingerprint);
    s.calls = calls;
    s.total = mean * static_cast<std::int64_t>(calls);
    s.rows = rows;
    return s;
}

} // namespace

BOOST_AUTO_TEST_CASE(constructed_snapshot_gets_ranked_advice_with_reasons) {
    cistern::monitor_snapshot s;
    // 100 s window
    s.statements.push_back(statement("SELECT * FROM products WHERE id = ?", 5000, 8ms, 5000));    // hot, slow, rarely written
    s.statements.push_back(statement("SELECT count(*) FROM orders", 3000, 5ms, 3000));            // orders written constantly
    s.statements.push_back(statement("SELECT name FROM users", 2000, 20us, 2000 * 10));           // already fast
    s.statements.push_back(statement("SELECT * FROM audit", 10, 50ms, 10 * 1000));                // too few calls
    s.statements.push_back(statement("SELECT * FROM products FOR UPDATE", 2000, 5ms, 2000));      // locks rows
    s.statements.push_back(statement("SELECT random() FROM products", 2000, 5ms, 2000));          // volatile
    s.statements.push_back(statement("UPDATE orders SET n = n + ? WHERE id = ?", 20000, 1ms, 20000)); // a write
    s.statements.push_back(statement("SELECT * FROM sessions WHERE token = ?", 5000, 4ms, 5000)); // every call distinct
    s.statements.push_back(statement("SELECT * FROM big_report", 500, 40ms, 500 * 100000));      // huge results
    s.statements.push_back(statement("SELECT * FROM mystery_view", 500, 40ms, 500));             // no write rate known

    ci::table_write_rates rates;
    rates.per_second = {{"public.products", 0.01}, {"public.orders", 200.0}, {"public.users", 0.0},
                        {"public.audit", 0.0},     {"public.sessions", 0.5},  {"public.big_report", 0.0}};
    ci::caching_advice_options o;
    o.window = 100s;
    o.distinct_entries[cistern::fingerprint("SELECT * FROM products WHERE id = ?").text] = 50;
    o.distinct_entries[cistern::fingerprint("SELECT * FROM sessions WHERE token = ?").text] = 5000;
    o.min_ttl = 1s;
    o.max_ttl = 10min;
    const auto r = ci::caching_advice(s, rates, o);
    BOOST_REQUIRE_EQUAL(r.rows.size(), s.statements.size());

    const auto& products = advice_row(r, "SELECT * FROM products WHERE id = ?");
    BOOST_TEST(products.recommend);
    BOOST_TEST(products.rank == 1u); // largest saving
    BOOST_TEST(products.reason == ci::caching_reason::recommended);
    BOOST_TEST(products.calls_per_second == 50.0);
    BOOST_TEST(products.distinct_entries == 50u);
    BOOST_TEST(!products.distinct_assumed);
    // TTL = 1 / 0.01 writes/s = 100 s, inside [1 s, 10 min]
    BOOST_TEST(std::chrono::duration<double>(products.ttl).count() == 100.0, boost::test_tools::tolerance(1e-9));
    // r = 1 call/s per key, drop rate 0.01 + 0.01 -> h = 1 / 1.02
    BOOST_TEST(products.hit_ratio == 1.0 / 1.02, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(products.saved_seconds_per_second == 50.0 * 0.008 * (1.0 / 1.02), boost::test_tools::tolerance(1e-6));
    // 50 keys held at once (50 calls/s × 100 s > 50), one row of 256 bytes each
    BOOST_TEST(products.result_bytes == 256u);
    BOOST_TEST(products.memory_bytes == 50u * 256u);

    const auto& orders = advice_row(r, "SELECT count(*) FROM orders");
    BOOST_TEST(!orders.recommend);
    BOOST_TEST(orders.reason == ci::caching_reason::tables_change_too_often);
    BOOST_TEST(orders.reason_text.find("written 200.00 times/s") != std::string::npos, orders.reason_text);
    BOOST_TEST(std::chrono::duration<double>(orders.ttl).count() == 1.0); // 1/200 s clamped to min_ttl
    BOOST_TEST(orders.hit_ratio < 0.5);

    BOOST_TEST(advice_row(r, "SELECT name FROM users").reason == ci::caching_reason::already_fast);
    BOOST_TEST(advice_row(r, "SELECT * FROM audit").reason == ci::caching_reason::too_few_calls);
    BOOST_TEST(advice_row(r, "SELECT * FROM products FOR UPDATE").reason == ci::caching_reason::locks_rows);
    BOOST_TEST(advice_row(r, "SELECT random() FROM products").reason == ci::caching_reason::volatile_result);
    BOOST_TEST(advice_row(r, "UPDATE orders SET n = n + ? WHERE id = ?").reason == ci::caching_reason::not_a_read);
    const auto& sessions = advice_row(r, "SELECT * FROM sessions WHERE token = ?");
    BOOST_TEST(sessions.reason == ci::caching_reason::rarely_repeated, sessions.reason_text);
    BOOST_TEST(advice_row(r, "SELECT * FROM big_report").reason == ci::caching_reason::results_too_large);
    BOOST_TEST(advice_row(r, "SELECT * FROM mystery_view").reason == ci::caching_reason::unknown_write_rate);

    // ranks are 1..n by saving
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
        BOOST_TEST(r.rows[i].rank == i + 1);
        if (i > 0) BOOST_TEST(r.rows[i - 1].saved_seconds_per_second >= r.rows[i].saved_seconds_per_second);
    }
    // the table view
    BOOST_TEST(ci::caching_advice_row::columns().size() == products.cells().size());
    BOOST_TEST(std::get<std::string>(products.cells()[1]) == "cache");
    BOOST_TEST(std::get<std::string>(orders.cells()[1]) == "skip");
    BOOST_TEST(!r.notes.empty());
    BOOST_TEST(r.notes.front().find("1 of 10 statements recommended") == 0u, r.notes.front());

    // a budget smaller than the first recommendation: over_memory_budget
    o.memory_budget = 1000;
    const auto tight = ci::caching_advice(s, rates, o);
    BOOST_TEST(advice_row(tight, "SELECT * FROM products WHERE id = ?").reason == ci::caching_reason::over_memory_budget);
    BOOST_TEST(!advice_row(tight, "SELECT * FROM products WHERE id = ?").recommend);

    // no rates at all: tables treated as never written, and a note says so
    ci::caching_advice_options plain;
    plain.window = 100s;
    const auto blind = ci::caching_advice(s, std::nullopt, plain);
    BOOST_TEST(advice_row(blind, "SELECT count(*) FROM orders").recommend);
    bool noted = false;
    for (const auto& n : blind.notes) noted = noted || n.find("no table write rates") == 0;
    BOOST_TEST(noted);
}

BOOST_AUTO_TEST_CASE(bad_options_and_readings_are_rejected) {
    cistern::monitor_snapshot s;
    BOOST_CHECK_THROW(ci::caching_advice(s, std::nullopt, {}), cistern::config_error); // no window
    ci::caching_advice_options o;
    o.window = 10s;
    o.min_hit_ratio = 1.5;
    BOOST_CHECK_THROW(ci::caching_advice(s, std::nullopt, o), cistern::config_error);
    o.min_hit_ratio = 0.5;
    o.max_ttl = 1ms;
    BOOST_CHECK_THROW(ci::caching_advice(s, std::nullopt, o), cistern::config_error);

    ci::table_write_counters a, b;
    a.taken = b.taken = std::chrono::steady_clock::now();
    BOOST_CHECK_THROW(ci::table_write_rates::between(a, b), cistern::config_error);
    b.taken = a.taken + 2s;
    a.rows_written = {{"public.t", 100}, {"public.u", 50}};
    b.rows_written = {{"public.t", 160}, {"public.u", 10}, {"public.v", 4}};
    const auto r = ci::table_write_rates::between(a, b);
    BOOST_TEST(r.rate_of("public.t") == 30.0);
    BOOST_TEST(r.rate_of("t") == 30.0);        // unqualified matches the schema's table
    BOOST_TEST(r.rate_of("PUBLIC.T") == 30.0); // ASCII case ignored
    BOOST_TEST(r.rate_of("u") == 5.0);         // reset: counts since the reset
    BOOST_TEST(r.rate_of("v") == 2.0);         // created in between
    BOOST_TEST(r.rate_of("w") == -1.0);        // unknown
    BOOST_TEST(r.notes.size() == 1u);
}

namespace {
using advice_pool = cistern::pool<cistern::monitored_factory<cistern::sqlite::factory>, cistern::with_listener<cistern::pool_listener>>;
}

BOOST_AUTO_TEST_CASE(sqlite_workload_slow_read_of_a_quiet_table_is_recommended_the_busy_one_is_not) {
    cistern::test::temp_dir dir;
    cistern::monitor_options mo;
    mo.flush_on_shutdown = false;
    mo.history_ticker = false;
    cistern::monitor<> mon(mo);
    cistern::pool_options po;
    po.max_size = 2;
    advice_pool pool(cistern::monitored_factory(cistern::sqlite::factory(dir.file("advice.db")), mon), po, mon.pool_listener());
    {
        auto c = pool.acquire();
        c->execute_script("CREATE TABLE catalog (k INTEGER PRIMARY KEY, v INTEGER);"
                          "CREATE TABLE events (id INTEGER PRIMARY KEY, kind INTEGER, at INTEGER);"
                          "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600)"
                          " INSERT INTO catalog SELECT i, (i * 7919) % 600 FROM s;");
    }
    // the slow hot read of the quiet table: a 600 × 600 self-join; the hot read of the busy
    // table follows three inserts each time
    const char* slow_read = "SELECT count(*) FROM catalog a, catalog b WHERE a.v < b.v";
    const char* busy_read = "SELECT count(*) FROM events";
    const auto start = std::chrono::steady_clock::now();
    std::int64_t inserted = 0;
    for (int i = 0; i < 40; ++i) {
        auto c = pool.acquire();
        BOOST_TEST(c->query(slow_read).scalar<std::int64_t>() > 0);
        for (int j = 0; j < 3; ++j) inserted += c->execute("INSERT INTO events (kind, at) VALUES (?, ?)", j, i);
        BOOST_TEST(c->query(busy_read).scalar<std::int64_t>() == inserted);
    }
    const double window = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto snap = mon.snapshot();

    // SQLite keeps no write counters: the rates come from what the monitor saw
    const auto rates = ci::table_write_rates::seen_by_monitor(snap, window);
    BOOST_TEST(rates.rate_of("events") == 120.0 / window, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(rates.rate_of("catalog") == 0.0); // written only by the script, which is not an INSERT statement
    ci::caching_advice_options o;
    o.window = std::chrono::duration<double>(window);
    o.min_mean_latency = 1us; // the decision must come from the write rates, not from speed
    o.min_calls_per_second = 0.1;
    const auto r = ci::caching_advice(snap, rates, o);

    const auto& slow = advice_row(r, slow_read);
    BOOST_TEST(slow.recommend, slow.reason_text);
    BOOST_TEST(slow.reason == ci::caching_reason::recommended);
    BOOST_TEST(slow.tables == std::vector<std::string>{"catalog"});
    BOOST_TEST(slow.write_rate == 0.0);
    BOOST_TEST(slow.ttl == o.max_ttl);
    BOOST_TEST(slow.hit_ratio > 0.99);
    BOOST_TEST(slow.memory_bytes > 0u);
    const auto& busy = advice_row(r, busy_read);
    BOOST_TEST(!busy.recommend);
    BOOST_TEST(busy.reason == ci::caching_reason::tables_change_too_often, busy.reason_text);
    BOOST_TEST(busy.hit_ratio < 0.5);
    BOOST_TEST(busy.rank > slow.rank);
    BOOST_TEST(advice_row(r, "INSERT INTO events (kind, at) VALUES (?, ?)").reason == ci::caching_reason::not_a_read);

    // the same with caller-supplied rates (e.g. counted by the application)
    ci::table_write_rates given;
    given.per_second = {{"catalog", 0.0}, {"events", static_cast<double>(inserted) / window}};
    const auto g = ci::caching_advice(snap, given, o);
    BOOST_TEST(advice_row(g, slow_read).recommend);
    BOOST_TEST(advice_row(g, busy_read).reason == ci::caching_reason::tables_change_too_often);
}

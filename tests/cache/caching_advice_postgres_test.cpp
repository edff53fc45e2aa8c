#define BOOST_TEST_MODULE cistern caching advice on PostgreSQL
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/inspect/caching_advice.hpp>
#include <cistern/inspect/table_write_rates.hpp>
#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored_factory.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/pool.hpp>

#include "caching_advice_rows.hpp"
#include "../support/eventually.hpp"
#include "../support/postgres_server.hpp"

#include <chrono>
#include <ostream>
#include <string>

using namespace std::chrono_literals;
namespace ci = cistern::inspect;
using cistern::test::advice_row;

namespace {

cistern::test::postgres_server& server() {
    static cistern::test::postgres_server s;
    return s;
}

std::uint64_t written(const ci::table_write_counters& c, const std::string& table) {
    const auto i = c.rows_written.find(table);
    return i == c.rows_written.end() ? 0 : i->second;
}

using advice_pool = cistern::pool<cistern::monitored_factory<cistern::postgres::factory>, cistern::with_listener<cistern::pool_listener>>;

} // namespace

BOOST_AUTO_TEST_CASE(slow_read_of_a_quiet_table_is_recommended_the_constantly_written_one_is_not) {
    auto admin = cistern::postgres::factory(server().conninfo()).create();
    admin.execute_script("DROP TABLE IF EXISTS advice_catalog, advice_events;"
                         "CREATE TABLE advice_catalog (k int PRIMARY KEY, v int NOT NULL);"
                         "CREATE TABLE advice_events (id bigserial PRIMARY KEY, kind int NOT NULL, at int NOT NULL);"
                         "INSERT INTO advice_catalog SELECT i, (i * 7919) % 1500 FROM generate_series(1, 1500) i;");
    // the setup's 1500 inserts must be in the statistics before the first reading
    ci::table_write_counters before;
    BOOST_REQUIRE(cistern::test::eventually([&] {
        before = ci::read_postgres_table_writes(admin);
        return written(before, "public.advice_catalog") >= 1500;
    }));
    BOOST_REQUIRE(before.state == ci::availability::ok);
    const std::uint64_t events_before = written(before, "public.advice_events");

    cistern::monitor_options mo;
    mo.flush_on_shutdown = false;
    mo.history_ticker = false;
    cistern::monitor<> mon(mo);
    cistern::pool_options po;
    po.max_size = 2;
    advice_pool pool(cistern::monitored_factory(cistern::postgres::factory(server().conninfo()), mon), po, mon.pool_listener());

    // slow hot read of the quiet table (a nested-loop self-join), hot read of the busy table
    // after three inserts each time
    const std::string slow_read = "SELECT count(*) FROM advice_catalog a, advice_catalog b WHERE a.v < b.v + $1";
    const std::string busy_read = "SELECT count(*) FROM advice_events WHERE kind >= $1";
    std::int64_t inserted = 0;
    for (int i = 0; i < 30; ++i) {
        auto c = pool.acquire();
        BOOST_TEST(c->query(slow_read, 0).scalar<std::int64_t>() > 0);
        for (int j = 0; j < 3; ++j) inserted += c->execute("INSERT INTO advice_events (kind, at) VALUES ($1, $2)", j, i);
        BOOST_TEST(c->query(busy_read, 0).scalar<std::int64_t>() == inserted);
    }
    // PostgreSQL 15: a backend that goes idle less than a second after its last report
    // sends its counts about 10 s later (PGSTAT_IDLE_INTERVAL); 60 s is a bound against hangs
    const auto workload_end = std::chrono::steady_clock::now();
    ci::table_write_counters after;
    BOOST_REQUIRE(cistern::test::eventually([&] {
        after = ci::read_postgres_table_writes(admin);
        return written(after, "public.advice_events") >= events_before + static_cast<std::uint64_t>(inserted);
    }, 60s));
    BOOST_TEST_MESSAGE("pg_stat_user_tables showed the workload's writes "
                       << std::chrono::duration<double>(after.taken - workload_end).count() << " s after it ended; workload "
                       << std::chrono::duration<double>(workload_end - before.taken).count() << " s");
    const auto snap = mon.snapshot();
    const auto rates = ci::table_write_rates::between(before, after);
    BOOST_TEST(rates.rate_of("public.advice_catalog") == 0.0);
    BOOST_TEST(rates.rate_of("advice_events") == static_cast<double>(inserted) / rates.period_seconds,
               boost::test_tools::tolerance(1e-9));
    BOOST_TEST(rates.rate_of("advice_missing") == -1.0);

    ci::caching_advice_options o;
    o.window = std::chrono::duration<double>(rates.period_seconds); // calls and writes over the same period
    o.min_calls_per_second = 0.1;
    o.min_mean_latency = 1us; // the decision must come from the write rates, not from speed
    o.distinct_entries[cistern::fingerprint(slow_read).text] = 1;  // one parameter value used
    o.distinct_entries[cistern::fingerprint(busy_read).text] = 1;
    const auto r = ci::caching_advice(snap, rates, o);

    const auto& slow = advice_row(r, slow_read);
    BOOST_TEST(slow.recommend, slow.reason_text);
    BOOST_TEST(slow.reason == ci::caching_reason::recommended);
    BOOST_TEST(slow.write_rate == 0.0);
    BOOST_TEST(slow.ttl == o.max_ttl); // never written in the period: the longest TTL
    BOOST_TEST(slow.hit_ratio > 0.99);
    BOOST_TEST(slow.calls_per_second == 30.0 / rates.period_seconds, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(slow.memory_bytes == o.estimated_row_bytes); // one entry of one row

    const auto& busy = advice_row(r, busy_read);
    BOOST_TEST(!busy.recommend);
    BOOST_TEST(busy.reason == ci::caching_reason::tables_change_too_often, busy.reason_text);
    BOOST_TEST(busy.write_rate == 3.0 * busy.calls_per_second, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(busy.hit_ratio < 0.3); // three writes per call: h = r / (r + 3r + 1/TTL) < 1/4
    BOOST_TEST(busy.reason_text.find("written") != std::string::npos, busy.reason_text);
    BOOST_TEST(advice_row(r, "INSERT INTO advice_events (kind, at) VALUES ($1, $2)").reason == ci::caching_reason::not_a_read);
    for (const auto& n : r.notes) BOOST_TEST_MESSAGE(n);
    BOOST_TEST_MESSAGE("slow: " << slow.reason_text);
    BOOST_TEST_MESSAGE("busy: " << busy.reason_text);
}

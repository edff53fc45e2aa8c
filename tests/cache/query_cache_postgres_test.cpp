#define BOOST_TEST_MODULE cistern query cache over PostgreSQL
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/monitor/fingerprint.hpp>
#include <cistern/strategy/detail/postgres_explain.hpp>
#include <cistern/strategy/index/workload.hpp>
#include <cistern/pool/pool.hpp>

#include <support/postgres_server.hpp>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

// The query cache against a throwaway PostgreSQL cluster (or $CISTERN_TEST_PG_URL), through
// a real pool: caching by statement + parameters, table invalidation, single flight.

namespace {

cistern::test::postgres_server& server() {
    static cistern::test::postgres_server s;
    return s;
}

struct fixture {
    cistern::pool<cistern::postgres::factory> pool{cistern::postgres::factory(server().conninfo()),
                                                   cistern::pool_options{.min_idle = 0, .max_size = 4}};
    fixture() {
        auto c = pool.acquire();
        c->execute("SET client_min_messages = warning");
        c->execute("DROP SCHEMA IF EXISTS cistern_cache_test CASCADE");
        c->execute("CREATE SCHEMA cistern_cache_test");
        c->execute_script(
            "CREATE TABLE cistern_cache_test.items(id bigint PRIMARY KEY, name text, price double precision);"
            "INSERT INTO cistern_cache_test.items VALUES (1, 'pen', 1.5), (2, 'ink', 7.25), (3, 'pad', 3.0);");
    }
    std::uint64_t acquired() { return pool.stats().acquired; }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(postgres_results_are_cached_and_invalidated_by_table, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    const auto before = acquired();
    const std::string sql = "SELECT name FROM cistern_cache_test.items WHERE price > $1 ORDER BY id";
    auto a = qc.query(sql, {2.0});
    auto b = qc.query(sql, {2.0});
    BOOST_TEST(a.get() == b.get());
    BOOST_TEST(a->size() == 2u);
    BOOST_TEST(qc.query(sql, {1.0})->size() == 3u); // other parameters: another entry
    BOOST_TEST(acquired() - before == 2u);
    pool.acquire()->execute("INSERT INTO cistern_cache_test.items VALUES (4, 'box', 9.0)");
    BOOST_TEST(qc.invalidate("items") == 2u);
    BOOST_TEST(qc.query(sql, {2.0})->size() == 3u);
    BOOST_CHECK_THROW(qc.query("SELECT nope FROM cistern_cache_test.items"), cistern::query_error);
    BOOST_TEST(qc.stats().load_failures == 1u);
}

BOOST_FIXTURE_TEST_CASE(postgres_concurrent_misses_run_one_statement, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    const auto before = acquired();
    constexpr int threads = 16;
    std::latch go(threads);
    std::atomic<int> right{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&] {
            go.arrive_and_wait();
            if (qc.query("SELECT count(*) FROM cistern_cache_test.items")->scalar<int>() == 3) ++right;
        });
    for (auto& th : ts) th.join();
    BOOST_TEST(right.load() == threads);
    BOOST_TEST(qc.stats().loads == 1u);
    BOOST_TEST(acquired() - before == 1u);
}

// Defects of the old hand-written table finder, on PostgreSQL itself.
BOOST_FIXTURE_TEST_CASE(postgres_tags_follow_the_tables_the_statement_reads, fixture) {
    {
        auto c = pool.acquire();
        c->execute_script("CREATE TABLE cistern_cache_test.\"Users\"(id int); CREATE TABLE cistern_cache_test.users(id int);"
                          "INSERT INTO cistern_cache_test.\"Users\" VALUES (1), (2); INSERT INTO cistern_cache_test.users VALUES (1);");
    }
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    // E'' backslash escapes: the statement reads items, not a table `a`.
    BOOST_TEST(qc.query("SELECT E'\\' FROM a' AS s FROM cistern_cache_test.items")->size() == 3u);
    BOOST_TEST(qc.invalidate("cistern_cache_test.items") == 1u);
    // FROM ONLY names the table after ONLY.
    BOOST_TEST(qc.query("SELECT count(*) FROM ONLY cistern_cache_test.items")->scalar<int>() == 3);
    BOOST_TEST(qc.invalidate("items") == 1u);
    // "Users" and users are two tables.
    BOOST_TEST(qc.query("SELECT count(*) FROM cistern_cache_test.\"Users\"")->scalar<int>() == 2);
    BOOST_TEST(qc.query("SELECT count(*) FROM cistern_cache_test.users")->scalar<int>() == 1);
    BOOST_TEST(qc.invalidate("cistern_cache_test.users") == 1u);
    BOOST_TEST(qc.invalidate("cistern_cache_test.\"Users\"") == 1u);
    BOOST_CHECK_THROW(qc.query("SELECT * FROM cistern_cache_test.items FOR UPDATE"), cistern::config_error);
}

// The monitor's fingerprint of a typed literal must stay a statement PostgreSQL accepts:
// `timestamp $1` is a syntax error, `CAST($1 AS timestamp)` explains.
BOOST_FIXTURE_TEST_CASE(postgres_explains_a_fingerprinted_typed_literal, fixture) {
    const auto fp = cistern::fingerprint(
        "SELECT name FROM cistern_cache_test.items WHERE now() > timestamp '2026-11-30 23:00:00' AND id = 3");
    const std::string sql = cistern::strategy::index::detail::number_parameters(fp.text);
    BOOST_TEST(sql.find("CAST($1 AS timestamp)") != std::string::npos, sql);
    auto c = pool.acquire();
    BOOST_CHECK_NO_THROW(cistern::strategy::detail::postgres_explain(*c, sql));
}

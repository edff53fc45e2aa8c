#define BOOST_TEST_MODULE cistern query cache over SQLite
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>

#include "support/temp_dir.hpp"

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct fixture {
    cistern::test::temp_dir dir;
    cistern::pool<cistern::sqlite::factory> pool{cistern::sqlite::factory(dir.file("q.db")),
                                                 cistern::pool_options{.min_idle = 0, .max_size = 4}};
    fixture() {
        pool.acquire()->execute_script(
            "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
            "CREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER, total REAL);"
            "INSERT INTO users VALUES (1, 'ada'), (2, 'bob');"
            "INSERT INTO orders VALUES (10, 1, 5.0), (11, 1, 7.5), (12, 2, 1.0);");
    }
    std::uint64_t statements() { return pool.stats().acquired; }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(results_are_cached_by_statement_and_parameters, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    const auto before = statements();
    auto a = qc.query("SELECT name FROM users WHERE id = ?", {std::int64_t{1}});
    auto b = qc.query("SELECT name FROM users WHERE id = ?", {std::int64_t{1}});
    auto c = qc.query("SELECT name FROM users WHERE id = ?", {std::int64_t{2}});
    BOOST_TEST(a->scalar<std::string>() == "ada");
    BOOST_TEST(c->scalar<std::string>() == "bob");
    BOOST_TEST(a.get() == b.get()); // the same shared rows
    BOOST_TEST(statements() - before == 2u);
    const auto st = qc.stats();
    BOOST_TEST(st.hits == 1u);
    BOOST_TEST(st.loads == 2u);
    BOOST_TEST(qc.weight() >= a->byte_size() + c->byte_size());
}

BOOST_FIXTURE_TEST_CASE(invalidating_a_table_drops_what_read_it, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    const std::string join = "SELECT u.name, sum(o.total) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.name";
    BOOST_TEST(qc.query(join)->size() == 2u);
    BOOST_TEST(qc.query("SELECT count(*) FROM users")->scalar<int>() == 2);
    BOOST_TEST(qc.query("SELECT count(*) FROM orders")->scalar<int>() == 3);
    pool.acquire()->execute("INSERT INTO orders VALUES (13, 2, 2.0)");
    BOOST_TEST(qc.invalidate("ORDERS") == 2u); // the join and the count of orders
    BOOST_TEST(qc.query("SELECT count(*) FROM orders")->scalar<int>() == 4);
    BOOST_TEST(qc.query("SELECT count(*) FROM users")->scalar<int>() == 2);
    BOOST_TEST(qc.stats().hits == 1u);
    // Declared tables replace the parsed ones.
    qc.query("SELECT 1", {}, {.tables = {"Elsewhere"}});
    BOOST_TEST(qc.invalidate("elsewhere") == 1u);
}

BOOST_FIXTURE_TEST_CASE(statements_whose_tables_are_unknown_are_refused, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    BOOST_CHECK_THROW(qc.query("UPDATE users SET name = 'x'"), cistern::config_error);
    BOOST_CHECK_THROW(qc.query("SELECT 1"), cistern::config_error);
    BOOST_TEST(qc.size() == 0u);
    using qct = decltype(qc);
    BOOST_TEST((qct::tables_of("select * from main.Users as u, orders o left join \"Items\" i on 1") ==
                std::vector<std::string>{"main.users", "orders", "Items"}));
    BOOST_TEST((qct::tables_of("WITH recent AS (SELECT * FROM orders) SELECT * FROM recent JOIN users ON 1") ==
                std::vector<std::string>{"orders", "users"}));
}

BOOST_FIXTURE_TEST_CASE(tags_follow_the_real_tables_not_the_text, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    // The old scanner tagged this with `a` (it ignored E'' escapes) — and SQLite reads no
    // E'' strings at all, so the statement is checked on the scanner only.
    BOOST_TEST((qc.tables_of("SELECT E'\\' FROM a' AS s FROM b") == std::vector<std::string>{"b"}));
    qc.query("SELECT count(*) FROM main.users");
    qc.query("SELECT count(*) FROM users WHERE id > 0");
    BOOST_TEST(qc.invalidate("main.users") == 2u); // qualified: its own tag, and the unqualified statement's
    qc.query("SELECT count(*) FROM main.users");
    BOOST_TEST(qc.invalidate("temp.users") == 0u); // another schema's users
    BOOST_TEST(qc.invalidate("Users") == 1u);      // unqualified: any schema
    try {
        qc.query("SELECT * FROM users WHERE id = 1 FOR UPDATE", {}, {.tables = {"users"}});
        BOOST_FAIL("a locking read was accepted");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(std::string(e.what()).find("locks rows") != std::string::npos);
    }
    try {
        qc.query("SELECT random() FROM users");
        BOOST_FAIL("a volatile read was accepted");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(std::string(e.what()).find("random") != std::string::npos);
    }
    BOOST_TEST(qc.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(query_errors_reach_the_caller_and_are_not_cached, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    BOOST_CHECK_THROW(qc.query("SELECT nope FROM users"), cistern::query_error);
    BOOST_CHECK_THROW(qc.query("SELECT nope FROM users"), cistern::query_error);
    BOOST_TEST(qc.stats().load_failures == 2u);
    BOOST_TEST(qc.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(ttl_per_call_overrides_the_default, fixture) {
    cistern::query_cache<decltype(pool)> qc(pool, cistern::cache_options{.max_weight = 1 << 20}, 1h);
    qc.query("SELECT count(*) FROM users", {}, {.ttl = 0ns}); // expires at once: never served from the cache
    qc.query("SELECT count(*) FROM users", {}, {.ttl = 0ns});
    BOOST_TEST(qc.stats().loads == 2u);
    qc.query("SELECT count(*) FROM orders");
    qc.query("SELECT count(*) FROM orders");
    BOOST_TEST(qc.stats().loads == 3u);
    BOOST_TEST(qc.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(concurrent_misses_run_the_statement_once, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    const auto before = statements();
    constexpr int threads = 16;
    std::latch go(threads);
    std::atomic<int> right{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&] {
            go.arrive_and_wait();
            if (qc.query("SELECT count(*) FROM orders WHERE total > ?", {1.5})->scalar<int>() == 2) ++right;
        });
    for (auto& th : ts) th.join();
    BOOST_TEST(right.load() == threads);
    const auto st = qc.stats();
    // Later callers either waited for the one load in flight or hit its stored result.
    BOOST_TEST(st.loads == 1u);
    BOOST_TEST(statements() - before == 1u);
    BOOST_TEST(st.hits + st.misses == std::uint64_t(threads));
}

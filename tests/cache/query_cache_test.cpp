#define BOOST_TEST_MODULE cistern query cache over SQLite
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>

#include "support/temp_dir.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <latch>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
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
    // Declared tables are added to the found ones (here: none).
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
    static_assert(decltype(qc)::asks_connection); // SQLite answers through its authorizer
    // The scanner fallback reads E'' escapes (SQLite itself has no E'' strings).
    BOOST_TEST((qc.tables_of("SELECT E'\\' FROM a' AS s FROM b") == std::vector<std::string>{"b"}));
    qc.query("SELECT count(*) FROM main.users");
    qc.query("SELECT count(*) FROM users WHERE id > 0");
    BOOST_TEST(qc.invalidate("main.users") == 2u); // SQLite resolves both to main.users
    qc.query("SELECT count(*) FROM main.users");
    BOOST_TEST(qc.invalidate("temp.users") == 0u); // another database's users
    BOOST_TEST(qc.invalidate("\"USERS\"") == 1u);  // SQLite compares names case-insensitively
    try {
        qc.query("SELECT * FROM users WHERE id = 1 FOR UPDATE");
        BOOST_FAIL("a statement SQLite rejects was accepted");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(std::string(e.what()).find("SQLite rejects the statement") != std::string::npos, e.what());
        BOOST_TEST(std::string(e.what()).find("syntax error") != std::string::npos, e.what());
    }
    try {
        qc.query("SELECT random() FROM users");
        BOOST_FAIL("a volatile read was accepted");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(std::string(e.what()).find("random") != std::string::npos);
    }
    BOOST_TEST(qc.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(ctes_subqueries_views_and_attached_databases, fixture) {
    pool.acquire()->execute_script("CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 2;"
                                   "CREATE VIEW big_buyers AS SELECT DISTINCT u.name FROM users u JOIN big_orders b ON b.user_id = u.id;");
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    // A CTE named like a real table: the result reads orders, not users.
    const std::string cte = "WITH users AS (SELECT user_id AS id FROM orders) SELECT count(*) FROM users";
    BOOST_TEST(qc.query(cte)->scalar<int>() == 3);
    BOOST_TEST(qc.invalidate("users") == 0u);
    BOOST_TEST(qc.invalidate("orders") == 1u);
    // Subquery.
    qc.query("SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > ?)", {2.0});
    BOOST_TEST(qc.invalidate("main.orders") == 1u);
    // A view over a view: invalidating a base table drops it; the view's name tags nothing.
    BOOST_TEST(qc.query("SELECT * FROM big_buyers")->size() == 1u);
    BOOST_TEST(qc.invalidate("big_buyers") == 0u);
    BOOST_TEST(qc.invalidate("big_orders") == 0u);
    BOOST_TEST(qc.invalidate("orders") == 1u);
    qc.query("SELECT * FROM big_buyers");
    BOOST_TEST(qc.invalidate("users") == 1u);
    // Reading only a view that reads one table.
    qc.query("SELECT count(*) FROM big_orders");
    BOOST_TEST(qc.invalidate("users") == 0u);
    BOOST_TEST(qc.invalidate("orders") == 1u);
}

BOOST_AUTO_TEST_CASE(attached_database_and_quoted_names) {
    cistern::test::temp_dir dir;
    // One connection, so that the ATTACH (per connection) holds for every query.
    cistern::pool<cistern::sqlite::factory> pool{cistern::sqlite::factory(dir.file("m.db")),
                                                 cistern::pool_options{.min_idle = 0, .max_size = 1}};
    pool.acquire()->execute_script("CREATE TABLE users(id INTEGER); INSERT INTO users VALUES (1);"
                                   "ATTACH '" + dir.file("aux.db") + "' AS aux;"
                                   "CREATE TABLE aux.\"Users\"(id INTEGER); INSERT INTO aux.Users VALUES (1), (2);");
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    BOOST_TEST(qc.query("SELECT count(*) FROM aux.\"Users\"")->scalar<int>() == 2);
    BOOST_TEST(qc.query("SELECT count(*) FROM users")->scalar<int>() == 1);
    BOOST_TEST(qc.invalidate("main.users") == 1u); // not aux's
    qc.query("SELECT count(*) FROM users");
    BOOST_TEST(qc.invalidate("AUX.USERS") == 1u);
    qc.query("SELECT count(*) FROM aux.users");
    BOOST_TEST(qc.invalidate("users") == 2u); // unqualified: every database
}

BOOST_FIXTURE_TEST_CASE(writes_through_execute_invalidate_what_they_write, fixture) {
    pool.acquire()->execute_script("CREATE TABLE audit(n INTEGER);"
                                   "CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES (new.id); END;");
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    BOOST_TEST(qc.query("SELECT count(*) FROM orders")->scalar<int>() == 3);
    BOOST_TEST(qc.query("SELECT count(*) FROM audit")->scalar<int>() == 0);
    BOOST_TEST(qc.query("SELECT count(*) FROM users")->scalar<int>() == 2);
    BOOST_TEST(qc.execute("INSERT INTO orders VALUES (?, ?, ?)", {std::int64_t{13}, std::int64_t{2}, 2.0}) == 1);
    BOOST_TEST(qc.query("SELECT count(*) FROM orders")->scalar<int>() == 4); // no invalidate() needed
    BOOST_TEST(qc.query("SELECT count(*) FROM audit")->scalar<int>() == 1);  // the trigger's table too
    BOOST_TEST(qc.size() == 3u);                                            // users was kept
    // A write that fails after SQLite began it still invalidates (conservative).
    BOOST_CHECK_THROW(qc.execute("INSERT INTO orders VALUES (13, 1, 1.0)"), cistern::query_error);
    BOOST_TEST(qc.size() == 1u);
    // Writes are not run by query(), even when refused statements may run uncached.
    BOOST_CHECK_THROW(qc.query("DELETE FROM users", {}, {.if_refused = cistern::refused_statement::run_uncached}),
                      cistern::config_error);
    BOOST_TEST(pool.acquire()->query("SELECT count(*) FROM users").scalar<int>() == 2);
    BOOST_CHECK_THROW(qc.execute("BEGIN"), cistern::config_error);
}

BOOST_FIXTURE_TEST_CASE(ddl_through_execute_drops_results_and_the_memo, fixture) {
    pool.acquire()->execute_script("CREATE TABLE archive(id INTEGER, user_id INTEGER, total REAL);"
                                   "INSERT INTO archive VALUES (1, 1, 1.0);"
                                   "CREATE VIEW recent AS SELECT * FROM orders;");
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    BOOST_TEST(qc.query("SELECT count(*) FROM recent")->scalar<int>() == 3);
    BOOST_TEST(qc.memo_stats().size == 1u);
    qc.execute("DROP VIEW recent");
    qc.execute("CREATE VIEW recent AS SELECT * FROM archive");
    BOOST_TEST(qc.size() == 0u);
    BOOST_TEST(qc.memo_stats().size == 0u);
    BOOST_TEST(qc.query("SELECT count(*) FROM recent")->scalar<int>() == 1);
    BOOST_TEST(qc.invalidate("orders") == 0u); // the view now reads archive
    BOOST_TEST(qc.invalidate("archive") == 1u);
}

BOOST_FIXTURE_TEST_CASE(refused_statements_say_why_or_run_uncached, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    const auto uncached = cistern::query_cache_call{.if_refused = cistern::refused_statement::run_uncached};
    BOOST_TEST(qc.query("SELECT random() AS r FROM users", {}, uncached)->size() == 2u);
    BOOST_TEST(qc.query("SELECT count(*) FROM users WHERE date('now') > '2000'", {}, uncached)->scalar<int>() == 2);
    BOOST_TEST(qc.uncached() == 2u);
    BOOST_TEST(qc.size() == 0u);
    // Declared tables: the caller vouches for a volatile or uncertain statement.
    qc.query("SELECT count(*) FROM users WHERE date('now') > '2000'", {}, {.ttl = std::chrono::seconds(1), .tables = {"users"}});
    BOOST_TEST(qc.size() == 1u);
    BOOST_TEST(qc.invalidate("main.users") == 1u);
    try {
        qc.query("SELECT * FROM no_such_table");
        BOOST_FAIL("accepted");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(std::string(e.what()).find("no such table: no_such_table") != std::string::npos, e.what());
    }
}

BOOST_FIXTURE_TEST_CASE(a_hit_does_not_touch_the_memo, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    for (std::int64_t i = 1; i <= 2; ++i) qc.query("SELECT name FROM users WHERE id = ?", {i});
    const auto before = qc.memo_stats();
    BOOST_TEST(before.lookups == 2u);
    BOOST_TEST(before.analyses == 1u); // one text, two parameter sets
    for (int k = 0; k < 100; ++k) qc.query("SELECT name FROM users WHERE id = ?", {std::int64_t{1 + k % 2}});
    const auto after = qc.memo_stats();
    BOOST_TEST(after.lookups == before.lookups);
    BOOST_TEST(qc.stats().hits == 100u);
    qc.clear();
    BOOST_TEST(qc.memo_stats().size == 0u);
}

BOOST_FIXTURE_TEST_CASE(query_errors_reach_the_caller_and_are_not_cached, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    // Compiles, fails when it runs (integer overflow).
    const std::string overflow = "SELECT abs(-9223372036854775807 - 1) FROM users";
    BOOST_CHECK_THROW(qc.query(overflow), cistern::query_error);
    BOOST_CHECK_THROW(qc.query(overflow), cistern::query_error);
    BOOST_TEST(qc.stats().load_failures == 2u);
    // A statement SQLite rejects is refused before it runs, with SQLite's message.
    try {
        qc.query("SELECT nope FROM users");
        BOOST_FAIL("accepted");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(std::string(e.what()).find("no such column: nope") != std::string::npos, e.what());
    }
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

// The parameters may come as a braced list, a vector (read in place, not copied), an array
// or a span: one key. Parameters of different types are different keys, and a view of a key
// hashes and compares as the owned key (issue 17: hits look up by a view).
BOOST_FIXTURE_TEST_CASE(parameters_in_any_form_are_one_key, fixture) {
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20});
    const std::string sql = "SELECT name FROM users WHERE id = ?";
    const std::vector<cistern::value> vec{std::int64_t{2}};
    const std::array<cistern::value, 1> arr{cistern::value(std::int64_t{2})};
    BOOST_TEST(qc.query(sql, {std::int64_t{2}})->scalar<std::string>() == "bob");
    BOOST_TEST(qc.query(sql, vec)->scalar<std::string>() == "bob");
    BOOST_TEST(qc.query(sql, arr)->scalar<std::string>() == "bob");
    BOOST_TEST(qc.query(sql, std::span<const cistern::value>(vec))->scalar<std::string>() == "bob");
    BOOST_TEST(qc.query(sql, std::vector<cistern::value>{std::int64_t{2}})->scalar<std::string>() == "bob");
    BOOST_TEST(qc.query(sql, {std::int64_t{2}}, {.ttl = 1h})->scalar<std::string>() == "bob");
    BOOST_TEST(qc.stats().loads == 1u);
    BOOST_TEST(qc.stats().hits == 5u);

    const std::string typed = "SELECT typeof(?) FROM users WHERE id = 1";
    const std::vector<std::pair<cistern::value, std::string>> cases{
        {cistern::value(cistern::null_t{}), "null"},        {cistern::value(std::int64_t{1}), "integer"},
        {cistern::value(1.0), "real"},                      {cistern::value(std::string("1")), "text"},
        {cistern::value(cistern::blob{std::byte{'1'}}), "blob"}};
    for (int round = 0; round < 2; ++round)
        for (const auto& [v, type] : cases)
            BOOST_TEST(qc.query(typed, std::span<const cistern::value>(&v, 1))->scalar<std::string>() == type);
    BOOST_TEST(qc.stats().loads == 1u + cases.size()); // each type once
    BOOST_TEST(qc.stats().hits == 5u + cases.size());

    namespace d = cistern::detail;
    for (const auto& [v, type] : cases) {
        const std::vector<cistern::value> params{v, cistern::value(std::string(40, 'x'))};
        const d::query_key key{typed, params};
        const d::query_key_view view(typed, params);
        BOOST_TEST(d::query_key_hash{}(key) == d::query_key_hash{}(view), type);
        BOOST_TEST(d::query_key_equal{}(key, view), type);
        BOOST_TEST(d::query_key_equal{}(view, key), type);
        BOOST_TEST(d::query_key_equal{}(key, static_cast<d::query_key>(view)), type);
        BOOST_TEST(!d::query_key_equal{}(key, d::query_key_view(typed, std::span<const cistern::value>(params).first(1))), type);
        BOOST_TEST(!d::query_key_equal{}(key, d::query_key_view(sql, params)), type);
    }
    // Integers compare by value without the variant's dispatch, and keys of one text that
    // differ only in one integer never share a hash; other types compare as value's ==
    // (0.0 and -0.0 are one key, text and a blob of the same bytes are two).
    const auto one = [&](cistern::value v) { return d::query_key{typed, std::span<const cistern::value>(&v, 1)}; };
    const auto view_of = [&](const cistern::value& v) { return d::query_key_view(typed, std::span<const cistern::value>(&v, 1)); };
    std::set<std::size_t> hashes;
    for (std::int64_t i = -512; i < 512; ++i) {
        const d::query_key k = one(i);
        BOOST_TEST(d::query_key_equal{}(k, view_of(i)));
        BOOST_TEST(!d::query_key_equal{}(k, view_of(i + 1)));
        BOOST_TEST(!d::query_key_equal{}(k, view_of(static_cast<double>(i))));
        hashes.insert(d::query_key_hash{}(k));
    }
    BOOST_TEST(hashes.size() == 1024u);
    BOOST_TEST(d::query_key_equal{}(one(0.0), view_of(-0.0)));
    BOOST_TEST(d::query_key_hash{}(one(0.0)) == d::query_key_hash{}(view_of(-0.0)));
    BOOST_TEST(!d::query_key_equal{}(one(std::string("ab")), view_of(cistern::blob{std::byte{'a'}, std::byte{'b'}})));
    BOOST_TEST(!d::query_key_equal{}(one(std::string("ab")), view_of(std::string("ac"))));
    // More parameters than the key keeps inline: the rest live in an allocation of the key's.
    const std::vector<cistern::value> three{cistern::value(std::int64_t{1}), cistern::value(2.5), cistern::value(std::string("c"))};
    static_assert(d::query_key::inline_params < 3);
    const d::query_key spilled{typed, three};
    BOOST_TEST(spilled.params().size() == 3u);
    BOOST_TEST(d::query_key_hash{}(spilled) == d::query_key_hash{}(d::query_key_view(typed, three)));
    BOOST_TEST(d::query_key_equal{}(spilled, d::query_key_view(typed, three)));
    BOOST_TEST(!d::query_key_equal{}(spilled, d::query_key_view(typed, std::span<const cistern::value>(three).first(2))));
    const d::query_key copy = spilled;
    BOOST_TEST((copy == spilled));
    BOOST_TEST(copy.sql() == typed);
    // What a key weighs beyond itself: its text's block, and a parameter's allocation only
    // when it has one (a short string lives in the key).
    const std::array<cistern::value, 1> short_text{cistern::value(std::string("ab"))};
    const std::array<cistern::value, 1> long_text{cistern::value(std::string(40, 'x'))};
    const d::query_key small{typed, short_text}, large{typed, long_text};
    BOOST_TEST(small.heap_bytes() == d::shared_text(typed, d::text_hash(typed)).heap_bytes());
    BOOST_TEST(large.heap_bytes() >= small.heap_bytes() + 41);
    // Keys built through one interner share their statement's text; without one, each has its own.
    d::text_interner texts(16);
    const d::query_key a(d::query_key_view(typed, three, d::text_hash(typed), &texts));
    const d::query_key b(d::query_key_view(typed, std::span<const cistern::value>(three).first(1), d::text_hash(typed), &texts));
    BOOST_TEST(static_cast<const void*>(a.sql().data()) == static_cast<const void*>(b.sql().data()));
    BOOST_TEST(static_cast<const void*>(spilled.sql().data()) != static_cast<const void*>(a.sql().data()));
    BOOST_TEST(texts.size() == 1u);
    const std::array<cistern::value, 2> two{cistern::value(std::int64_t{7}), cistern::value(std::string("ab"))};
    BOOST_TEST(d::query_key_text(d::query_key_view("SELECT ?, ?", two)) == "SELECT ?, ?\x1fi7\x1fs2:ab"); // a shared tier's key
}

// The interner hands out one block per text and stays bounded: at capacity it first lets
// go of the texts no key holds any more, then of all of them (keys keep their blocks).
BOOST_AUTO_TEST_CASE(text_interner_shares_one_block_per_text_and_stays_bounded) {
    namespace d = cistern::detail;
    d::text_interner texts(2);
    const auto intern = [&](std::string_view t) { return texts.intern(t, d::text_hash(t)); };
    d::shared_text a1 = intern("SELECT 1");
    const d::shared_text a2 = intern("SELECT 1");
    BOOST_TEST(static_cast<const void*>(a1.view().data()) == static_cast<const void*>(a2.view().data()));
    BOOST_TEST(a1.use_count() == 3u); // a1, a2 and the interner
    BOOST_TEST(a1.hash() == d::text_hash("SELECT 1"));
    { const d::shared_text b = intern("SELECT 2"); }
    BOOST_TEST(texts.size() == 2u);
    const d::shared_text c = intern("SELECT 3"); // full: "SELECT 2", held by no key, goes
    BOOST_TEST(texts.size() == 2u);
    BOOST_TEST(c.view() == "SELECT 3");
    BOOST_TEST(static_cast<const void*>(intern("SELECT 1").view().data()) == static_cast<const void*>(a1.view().data()));
    const d::shared_text e = intern("SELECT 4"); // full of held texts: all go, the keys keep theirs
    BOOST_TEST(texts.size() == 1u);
    BOOST_TEST(a1.view() == "SELECT 1");
    BOOST_TEST(a1.use_count() == 2u); // a1 and a2
    d::shared_text moved = std::move(a1);
    BOOST_TEST(a1.view().empty());
    BOOST_TEST(moved.view() == "SELECT 1");
    BOOST_TEST(e.view() == "SELECT 4");
    const d::shared_text empty = intern("");
    BOOST_TEST(empty.view().empty());
    BOOST_TEST(empty.use_count() >= 1u);
}

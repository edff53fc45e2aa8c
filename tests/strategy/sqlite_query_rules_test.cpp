#define BOOST_TEST_MODULE strategy sqlite query rules
#include <boost/test/unit_test.hpp>

// The query rules on statements SQLite plans (sqlite_context): a cast or arithmetic on an
// indexed column turns SQLite's index SEARCH into a SCAN (`+col` is SQLite's documented way
// to disable an index), an always-true WHERE touches every row.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/strategy/query_rules/analyzer.hpp>
#include <cistern/strategy/query_rules/sqlite_context.hpp>

#include <algorithm>
#include <string>

namespace qr = cistern::strategy::query_rules;

namespace {
cistern::sqlite::connection open() {
    cistern::sqlite::connection c(":memory:", cistern::sqlite::options{});
    c.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, created_at TEXT NOT NULL, note TEXT)");
    c.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
              "INSERT INTO orders SELECT i, i % 5000, datetime('2024-01-01', '+' || i || ' minutes'), 'n' FROM n");
    c.execute("CREATE INDEX orders_customer ON orders (customer_id)");
    c.execute("CREATE INDEX orders_created ON orders (created_at)");
    c.execute("ANALYZE");
    return c;
}
struct checked {
    bool fired;
    bool scan;
};
checked check(cistern::sqlite::connection& c, const std::string& rule, const std::string& sql) {
    const auto ctx = qr::sqlite_context(c, sql); // prepared by SQLite: valid SQLite SQL
    BOOST_TEST_MESSAGE(sql << "\n" << ctx.plan);
    const auto f = qr::analyzer().analyze(sql, ctx);
    return {std::any_of(f.begin(), f.end(), [&](auto& x) { return x.rule == rule; }), ctx.plan.find("SCAN orders") != std::string::npos};
}
} // namespace

BOOST_AUTO_TEST_CASE(cast_and_arithmetic_on_an_indexed_column) {
    auto c = open();
    for (auto [rule, sql] : {std::pair<std::string, std::string>{"cast_on_column", "SELECT id FROM orders WHERE CAST(customer_id AS TEXT) = '42'"},
                             {"cast_on_column", "SELECT id FROM orders WHERE CAST(created_at AS TEXT) = ?"},
                             {"arithmetic_on_column", "SELECT id FROM orders WHERE customer_id + 0 = 42"},
                             {"arithmetic_on_column", "SELECT id FROM orders WHERE 42 = customer_id * 1"}}) {
        auto r = check(c, rule, sql);
        BOOST_TEST(r.fired, sql);
        BOOST_TEST(r.scan, sql);
    }
    for (auto [rule, sql] : {std::pair<std::string, std::string>{"cast_on_column", "SELECT id FROM orders WHERE customer_id = CAST('42' AS INTEGER)"},
                             {"arithmetic_on_column", "SELECT id FROM orders WHERE customer_id = 40 + 2"},
                             {"arithmetic_on_column", "SELECT o.id FROM orders o JOIN orders p ON o.customer_id = p.id WHERE p.id = 7"}}) {
        auto r = check(c, rule, sql);
        BOOST_TEST(!r.fired, sql);
        BOOST_TEST(!r.scan, sql);
    }
}

BOOST_AUTO_TEST_CASE(always_true_filters) {
    auto c = open();
    for (const std::string sql : {"DELETE FROM orders WHERE 1=1", "UPDATE orders SET note = 'x' WHERE true",
                                  "SELECT id FROM orders WHERE 'a'='a'", "SELECT id FROM orders WHERE customer_id = ? OR 1=1"}) {
        auto r = check(c, "tautological_filter", sql);
        BOOST_TEST(r.fired, sql);
    }
    auto f = qr::analyzer().analyze("DELETE FROM orders WHERE 1=1", qr::sqlite_context(c, "DELETE FROM orders WHERE 1=1"));
    BOOST_TEST(std::any_of(f.begin(), f.end(), [](auto& x) { return x.rule == "tautological_filter" && x.level == qr::severity::error; }));
    for (const std::string sql : {"DELETE FROM orders WHERE 1=1 AND customer_id = ?", "SELECT id FROM orders WHERE customer_id = 1 + 1"}) {
        auto r = check(c, "tautological_filter", sql);
        BOOST_TEST(!r.fired, sql);
        BOOST_TEST(!r.scan, sql);
    }
    BOOST_TEST(c.query("SELECT count(*) FROM orders").scalar<std::int64_t>() == 20000); // EXPLAIN QUERY PLAN ran nothing
}

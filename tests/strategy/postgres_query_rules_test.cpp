#define BOOST_TEST_MODULE strategy postgres query rules
#include <boost/test/unit_test.hpp>

// The query rules on statements PostgreSQL plans (postgres_context): a cast or arithmetic on
// an indexed column makes the planner scan the table, an always-true WHERE reads or writes
// every row; the same statements written index-friendly give an index scan and no finding.

#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/strategy/query_rules/analyzer.hpp>
#include <cistern/strategy/query_rules/postgres_context.hpp>

#include <support/postgres_session.hpp>

#include <algorithm>
#include <string>

namespace qr = cistern::strategy::query_rules;
using pg_connection = cistern::postgres::connection;

namespace {
pg_connection connect() {
    auto c = cistern::test::fresh_schema("cistern_rules_test");
    c.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, created_at timestamptz NOT NULL, note text)");
    c.execute("INSERT INTO orders SELECT i, i % 5000, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute', 'n' "
              "FROM generate_series(1, 50000) AS i");
    c.execute("CREATE INDEX orders_customer ON orders (customer_id)");
    c.execute("CREATE INDEX orders_created ON orders (created_at)");
    c.execute("ANALYZE orders");
    return c;
}
struct checked {
    bool fired;
    bool seq_scan;
};
checked check(pg_connection& c, const std::string& rule, const std::string& sql) {
    const auto ctx = qr::postgres_context(c, sql); // the statement is valid PostgreSQL: it was planned
    BOOST_TEST_MESSAGE(sql << "\n" << ctx.plan);
    const auto f = qr::analyzer().analyze(sql, ctx);
    return {std::any_of(f.begin(), f.end(), [&](auto& x) { return x.rule == rule; }),
            ctx.plan.find("Seq Scan on orders") != std::string::npos};
}
} // namespace

BOOST_AUTO_TEST_CASE(casts_on_an_indexed_column_are_found_and_cost_a_scan) {
    auto c = connect();
    for (const std::string sql : {"SELECT id FROM orders WHERE created_at::date = '2024-01-02'",
                                  "SELECT id FROM orders WHERE CAST(created_at AS date) = $1",
                                  "SELECT id FROM orders WHERE customer_id::text = '42'"}) {
        auto r = check(c, "cast_on_column", sql);
        BOOST_TEST(r.fired, sql);
        BOOST_TEST(r.seq_scan, sql);
    }
    // The rewrite the finding suggests: a range on the bare column, the constant cast instead.
    for (const std::string sql : {"SELECT id FROM orders WHERE created_at >= '2024-01-02'::timestamptz AND created_at < '2024-01-03'::timestamptz",
                                  "SELECT id FROM orders WHERE customer_id = '42'::int"}) {
        auto r = check(c, "cast_on_column", sql);
        BOOST_TEST(!r.fired, sql);
        BOOST_TEST(!r.seq_scan, sql);
    }
}

BOOST_AUTO_TEST_CASE(arithmetic_on_an_indexed_column_is_found_and_costs_a_scan) {
    auto c = connect();
    for (const std::string sql : {"SELECT id FROM orders WHERE customer_id + 0 = 42",
                                  "SELECT id FROM orders WHERE created_at + interval '1 day' < '2024-01-01 06:00:00+00'"}) {
        auto r = check(c, "arithmetic_on_column", sql);
        BOOST_TEST(r.fired, sql);
        BOOST_TEST(r.seq_scan, sql);
    }
    for (const std::string sql : {"SELECT id FROM orders WHERE customer_id = 40 + 2",
                                  "SELECT id FROM orders WHERE created_at < timestamptz '2024-01-01 06:00:00+00' - interval '1 day'"}) {
        auto r = check(c, "arithmetic_on_column", sql);
        BOOST_TEST(!r.fired, sql);
        BOOST_TEST(!r.seq_scan, sql);
    }
}

BOOST_AUTO_TEST_CASE(always_true_filters_read_or_write_every_row) {
    auto c = connect();
    for (const std::string sql : {"DELETE FROM orders WHERE 1=1", "UPDATE orders SET note = 'x' WHERE true",
                                  "SELECT id FROM orders WHERE 'a'='a'", "SELECT id FROM orders WHERE customer_id = $1 OR 1=1"}) {
        auto r = check(c, "tautological_filter", sql);
        BOOST_TEST(r.fired, sql);
        BOOST_TEST(r.seq_scan, sql); // PostgreSQL folds the condition away and scans everything
    }
    for (const std::string sql : {"DELETE FROM orders WHERE 1=1 AND customer_id = $1", "SELECT id FROM orders WHERE customer_id = 1 + 1"}) {
        auto r = check(c, "tautological_filter", sql);
        BOOST_TEST(!r.fired, sql);
        BOOST_TEST(!r.seq_scan, sql);
    }
    BOOST_TEST(c.query("SELECT count(*) FROM orders").scalar<std::int64_t>() == 50000); // EXPLAIN ran nothing
}

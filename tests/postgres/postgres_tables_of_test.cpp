#define BOOST_TEST_MODULE postgres::connection::tables_of (libpg_query plus the catalog)
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/sql/pg_query.hpp>
#include <cistern/sql/table_aware_connection.hpp>

#include "support/postgres_server.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {
cistern::test::postgres_server& server() {
    static cistern::test::postgres_server s;
    return s;
}

using names = std::vector<std::string>;

names sorted(names v) {
    std::sort(v.begin(), v.end());
    return v;
}

// One schema for every case: tables in public and in app, a quoted mixed-case table,
// views over views, a materialized view, an inheritance child, user functions.
cistern::postgres::connection& db() {
    static cistern::postgres::connection c = [] {
        cistern::postgres::connection c(server().conninfo());
        c.execute_script(R"(
            DROP SCHEMA IF EXISTS app CASCADE;
            CREATE SCHEMA app;
            CREATE TABLE public.a (id int PRIMARY KEY, uid int, x int, k int);
            CREATE TABLE public.b (id int PRIMARY KEY, y text);
            CREATE TABLE public.c (k int);
            CREATE TABLE public.users (id int PRIMARY KEY, name text);
            CREATE TABLE public."Users" (id int PRIMARY KEY, name text);
            CREATE TABLE public.a_child () INHERITS (public.a);
            CREATE TABLE app.orders (id int PRIMARY KEY, user_id int, total numeric, created_at timestamptz);
            CREATE TABLE app.a (id int);
            CREATE VIEW public.v1 AS SELECT o.id, u.name FROM app.orders o JOIN public.users u ON u.id = o.user_id;
            CREATE VIEW public.v2 AS SELECT v1.id, b.y FROM public.v1 JOIN public.b ON b.id = v1.id;
            CREATE VIEW public.v3 AS SELECT * FROM public.v2 WHERE id > 0;
            CREATE VIEW public.v_rand AS SELECT id, random() AS r FROM public.b;
            CREATE VIEW public.v_today AS SELECT id FROM app.orders WHERE created_at > CURRENT_DATE;
            CREATE MATERIALIZED VIEW public.mv AS SELECT user_id, sum(total) AS total FROM app.orders GROUP BY user_id;
            CREATE FUNCTION public.reads_anything(i int) RETURNS int LANGUAGE plpgsql AS $$
                BEGIN RETURN (SELECT count(*) FROM public.users) + i; END $$;
            CREATE FUNCTION public.twice(i int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT i * 2 $$;
            CREATE VIEW public.v_user AS SELECT id, public.reads_anything(id) AS n FROM public.b;
        )");
        return c;
    }();
    return c;
}

cistern::sql::table_access tables(const std::string& sql) { return db().tables_of(sql); }
} // namespace

static_assert(cistern::TableAwareConnection<cistern::postgres::connection>);

BOOST_AUTO_TEST_CASE(backslash_escapes_in_e_strings_hide_no_table) {
    const auto t = tables(R"(SELECT E'\' FROM a' AS s FROM b)");
    BOOST_TEST(t.certain);
    BOOST_TEST((t.source == cistern::sql::table_source::parser));
    BOOST_TEST(t.read == names{"public.b"}, boost::test_tools::per_element());
    BOOST_TEST(t.written.empty());
    BOOST_TEST(!t.refusal().has_value());
}

BOOST_AUTO_TEST_CASE(only_is_a_keyword_not_a_table) {
    const auto t = tables("SELECT * FROM ONLY a WHERE id = 1");
    BOOST_TEST(t.certain);
    BOOST_TEST(t.read == names{"public.a"}, boost::test_tools::per_element());
    const auto p = cistern::sql::pg_parse("SELECT * FROM ONLY a");
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(!p.statements.at(0).read.at(0).inh);
    BOOST_TEST(cistern::sql::pg_parse("SELECT * FROM a").statements.at(0).read.at(0).inh);
}

BOOST_AUTO_TEST_CASE(quoted_names_keep_their_case) {
    BOOST_TEST(tables(R"(SELECT * FROM public."Users")").read == names{"public.Users"}, boost::test_tools::per_element());
    BOOST_TEST(tables("SELECT * FROM Users").read == names{"public.users"}, boost::test_tools::per_element());
    BOOST_TEST(tables(R"(SELECT * FROM "Users" JOIN users USING (id))").read.size() == 2u);
}

BOOST_AUTO_TEST_CASE(views_over_views_expand_to_base_tables) {
    const auto t = tables("SELECT * FROM v3 WHERE id = 4");
    BOOST_TEST(t.certain);
    BOOST_TEST(sorted(t.read) == (names{"app.orders", "public.b", "public.users"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_materialized_view_is_its_own_table) {
    const auto t = tables("SELECT * FROM mv");
    BOOST_TEST(t.certain);
    BOOST_TEST(t.read == names{"public.mv"}, boost::test_tools::per_element());
    const auto r = tables("REFRESH MATERIALIZED VIEW mv");
    BOOST_TEST(r.written == names{"public.mv"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_cte_named_like_a_table_shadows_it_only_inside_its_with) {
    const auto t = tables("WITH users AS (SELECT id FROM b) SELECT * FROM users");
    BOOST_TEST(t.certain);
    BOOST_TEST(t.read == names{"public.b"}, boost::test_tools::per_element());
    // The CTE's scope ends with its WITH: the subquery outside it reads the real table.
    const auto u = tables("SELECT * FROM (WITH users AS (SELECT id FROM b) SELECT * FROM users) s "
                          "JOIN users ON users.id = s.id");
    BOOST_TEST(sorted(u.read) == (names{"public.b", "public.users"}), boost::test_tools::per_element());
    // A non-recursive CTE cannot see itself: `users` inside its own body is the table.
    const auto w = tables("WITH users AS (SELECT * FROM users) SELECT * FROM users");
    BOOST_TEST(w.read == names{"public.users"}, boost::test_tools::per_element());
    BOOST_TEST(cistern::sql::pg_parse("WITH users AS (SELECT 1) SELECT * FROM users").statements.at(0).ctes ==
                   names{"users"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(subqueries_lateral_and_schema_qualified_names) {
    const auto t = tables("SELECT * FROM a WHERE uid IN (SELECT id FROM users WHERE name = 'x') "
                          "AND EXISTS (SELECT 1 FROM app.orders o WHERE o.user_id = a.uid)");
    BOOST_TEST(sorted(t.read) == (names{"app.orders", "public.a", "public.users"}), boost::test_tools::per_element());
    const auto l = tables("SELECT * FROM users u, LATERAL (SELECT * FROM app.orders o WHERE o.user_id = u.id LIMIT 1) x");
    BOOST_TEST(sorted(l.read) == (names{"app.orders", "public.users"}), boost::test_tools::per_element());
    BOOST_TEST(tables("SELECT * FROM app.a").read == names{"app.a"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(names_resolve_through_the_sessions_search_path) {
    cistern::postgres::connection c(server().conninfo());
    BOOST_TEST(c.tables_of("SELECT * FROM a").read == names{"public.a"}, boost::test_tools::per_element());
    c.execute_script("SET search_path = app, public");
    BOOST_TEST(c.tables_of("SELECT * FROM a").read == names{"app.a"}, boost::test_tools::per_element());
    BOOST_TEST(c.tables_of("SELECT * FROM b").read == names{"public.b"}, boost::test_tools::per_element());
    BOOST_TEST(c.tables_of("SELECT * FROM orders").read == names{"app.orders"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(for_update_locks_rows) {
    const auto t = tables("SELECT * FROM a WHERE id = 1 FOR UPDATE");
    BOOST_TEST(t.locks_rows);
    BOOST_TEST(t.read == names{"public.a"}, boost::test_tools::per_element());
    BOOST_REQUIRE(t.refusal().has_value());
    BOOST_TEST(t.refusal()->find("FOR UPDATE") != std::string::npos);
    BOOST_TEST(tables("SELECT * FROM a FOR SHARE").locks_rows);
}

BOOST_AUTO_TEST_CASE(volatile_and_time_dependent_functions_are_not_cacheable) {
    const auto r = tables("SELECT id, random() FROM a");
    BOOST_TEST(r.volatile_result);
    BOOST_TEST(r.reason.find("random") != std::string::npos);
    const auto v = tables("SELECT * FROM v_rand"); // the view calls random()
    BOOST_TEST(v.volatile_result);
    BOOST_TEST(v.reason.find("random") != std::string::npos);
    BOOST_TEST(tables("SELECT * FROM v_today").volatile_result); // CURRENT_DATE inside the view
    BOOST_TEST(tables("SELECT * FROM app.orders WHERE created_at > now() - interval '1 day'").volatile_result);
    BOOST_TEST(tables("SELECT * FROM app.orders WHERE created_at > CURRENT_TIMESTAMP").volatile_result);
    // Immutable and stable pg_catalog built-ins that read no table stay cacheable.
    const auto l = tables("SELECT lower(name), count(*) FROM users GROUP BY 1");
    BOOST_TEST(l.certain);
    BOOST_TEST(!l.volatile_result);
    BOOST_TEST(!l.refusal().has_value());
    BOOST_TEST(!tables("SELECT twice(id) FROM users").refusal().has_value()); // immutable user function
}

BOOST_AUTO_TEST_CASE(a_user_function_that_may_read_anything_is_uncertain) {
    const auto t = tables("SELECT reads_anything(id) FROM a");
    BOOST_TEST(!t.certain);
    BOOST_TEST(t.reason.find("public.reads_anything()") != std::string::npos);
    BOOST_TEST(t.reason.find("plpgsql") != std::string::npos);
    const auto v = tables("SELECT * FROM v_user"); // the view calls it
    BOOST_TEST(!v.certain);
    BOOST_TEST(v.reason.find("public.reads_anything()") != std::string::npos);
    BOOST_TEST(v.reason.find("v_user") != std::string::npos);
    const auto m = tables("SELECT no_such_function(id) FROM a");
    BOOST_TEST(!m.certain);
    BOOST_TEST(m.reason.find("no_such_function") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_parse_error_is_uncertain_with_the_parsers_message) {
    const auto t = tables("SELECT * FROM WHERE id = 1");
    BOOST_TEST(!t.certain);
    BOOST_TEST(t.reason.find("syntax error at or near \"WHERE\"") != std::string::npos);
    BOOST_TEST(t.reason.find("at character 15") != std::string::npos);
    const auto p = cistern::sql::pg_parse("SELECT * FROM WHERE id = 1");
    BOOST_REQUIRE(!p.ok());
    BOOST_TEST(p.error->cursor == 15);
    const auto missing = tables("SELECT * FROM no_such_table");
    BOOST_TEST(!missing.certain);
    BOOST_TEST(missing.reason.find("no_such_table") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(writes_fill_written) {
    auto w = [](const char* sql) { return sorted(tables(sql).written); };
    BOOST_TEST(w("INSERT INTO a (id) SELECT id FROM b") == names{"public.a"}, boost::test_tools::per_element());
    BOOST_TEST(tables("INSERT INTO a (id) SELECT id FROM b").read == names{"public.b"}, boost::test_tools::per_element());
    BOOST_TEST(w("UPDATE users SET name = 'x' FROM b WHERE b.id = users.id") == names{"public.users"},
               boost::test_tools::per_element());
    BOOST_TEST(w("DELETE FROM app.orders USING users WHERE users.id = orders.user_id") == names{"app.orders"},
               boost::test_tools::per_element());
    BOOST_TEST(w("MERGE INTO users u USING b ON u.id = b.id WHEN MATCHED THEN UPDATE SET name = b.y") ==
                   names{"public.users"},
               boost::test_tools::per_element());
    BOOST_TEST(w("TRUNCATE a, ONLY b") == (names{"public.a", "public.b"}), boost::test_tools::per_element());
    BOOST_TEST(w("WITH gone AS (DELETE FROM b RETURNING id) SELECT * FROM gone") == names{"public.b"},
               boost::test_tools::per_element());
    const auto t = tables("UPDATE users SET name = 'x' WHERE id = 1");
    BOOST_TEST(t.certain);
    BOOST_REQUIRE(t.refusal().has_value());
    BOOST_TEST(t.refusal()->find("writes") != std::string::npos);
    // Nothing ran: the tables are unchanged.
    BOOST_TEST(db().query("SELECT count(*) FROM users").scalar<std::int64_t>() == 0);
}

BOOST_AUTO_TEST_CASE(ddl_writes_its_target) {
    auto t = tables("CREATE TABLE fresh (id int)");
    BOOST_TEST(t.certain);
    BOOST_TEST(t.written == names{"public.fresh"}, boost::test_tools::per_element());
    BOOST_TEST(tables("CREATE TABLE app.fresh (id int)").written == names{"app.fresh"}, boost::test_tools::per_element());
    BOOST_TEST(tables("ALTER TABLE users ADD COLUMN email text").written == names{"public.users"},
               boost::test_tools::per_element());
    BOOST_TEST(sorted(tables("DROP TABLE a, app.orders").written) == (names{"app.orders", "public.a"}),
               boost::test_tools::per_element());
    BOOST_TEST(tables("CREATE INDEX ON app.orders (user_id)").written == names{"app.orders"},
               boost::test_tools::per_element());
    BOOST_TEST(tables("DROP VIEW v3").written == names{"public.v3"}, boost::test_tools::per_element());
    BOOST_TEST((cistern::sql::pg_parse("CREATE TABLE x (id int)").statements.at(0).kind == cistern::sql::pg_statement_kind::ddl));
}

BOOST_AUTO_TEST_CASE(a_failed_transaction_is_reported_not_thrown) {
    cistern::postgres::connection c(server().conninfo());
    c.execute_script("BEGIN");
    BOOST_CHECK_THROW(c.execute("SELECT 1/0"), cistern::query_error);
    const auto t = c.tables_of("SELECT * FROM a");
    BOOST_TEST(!t.certain);
    BOOST_TEST(t.reason.find("failed transaction") != std::string::npos);
    c.reset();
    BOOST_TEST(c.tables_of("SELECT * FROM a").certain);
}

BOOST_AUTO_TEST_CASE(the_walk_finds_predicates_joins_and_order_by) {
    using cistern::sql::pg_column;
    const auto p = cistern::sql::pg_parse(
        "WITH recent AS (SELECT * FROM app.orders o JOIN users u ON u.id = o.user_id WHERE o.total > 10) "
        "SELECT * FROM a, b WHERE b.id = a.uid AND a.x::text = '3' AND a.k + 0 = 5 AND 7 < a.id "
        "ORDER BY a.x DESC, b.y");
    BOOST_REQUIRE(p.ok());
    const auto& s = p.statements.at(0);
    auto has_join = [&](pg_column l, pg_column r) {
        return std::any_of(s.joins.begin(), s.joins.end(), [&](const auto& j) {
            return (j.left == l && j.right == r) || (j.left == r && j.right == l);
        });
    };
    BOOST_TEST(has_join({"users", "id"}, {"app.orders", "user_id"})); // ON, right side, inside WITH (names as written)
    BOOST_TEST(has_join({"b", "id"}, {"a", "uid"}));                          // comma join in WHERE
    auto has_pred = [&](pg_column c, std::string op, bool wrapped) {
        return std::any_of(s.predicates.begin(), s.predicates.end(),
                           [&](const auto& q) { return q.column == c && q.op == op && q.wrapped == wrapped; });
    };
    BOOST_TEST(has_pred({"app.orders", "total"}, ">", false));
    BOOST_TEST(has_pred({"a", "x"}, "=", true));
    BOOST_TEST(has_pred({"a", "k"}, "=", true));
    BOOST_TEST(has_pred({"a", "id"}, ">", false)); // 7 < a.id, read from the column's side
    BOOST_REQUIRE(s.order_by.size() == 2u);
    BOOST_TEST(s.order_by[0].column.column == "x");
    BOOST_TEST(s.order_by[0].descending);
    BOOST_TEST(!s.order_by[1].descending);
    BOOST_TEST(s.ctes == names{"recent"}, boost::test_tools::per_element());
}

// Not a speed assertion: prints what one call costs (parse + one catalog round trip) so
// the figure in docs/sql.md can be reproduced: `postgres_tables_of_test --run_test=cost`.
BOOST_AUTO_TEST_CASE(cost) {
    auto median_us = [](const std::string& sql) {
        std::vector<double> us;
        for (int k = 0; k < 2000; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            auto t = db().tables_of(sql);
            const auto t1 = std::chrono::steady_clock::now();
            BOOST_REQUIRE(t.certain);
            us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        }
        std::sort(us.begin(), us.end());
        return us[us.size() / 2];
    };
    const double simple = median_us("SELECT id, name FROM users WHERE id = $1");
    const double deep = median_us("SELECT * FROM v3 WHERE id = $1");
    auto parse_us = [](const std::string& sql) {
        std::vector<double> us;
        for (int k = 0; k < 2000; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            auto p = cistern::sql::pg_parse(sql);
            const auto t1 = std::chrono::steady_clock::now();
            BOOST_REQUIRE(p.ok());
            us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        }
        std::sort(us.begin(), us.end());
        return us[us.size() / 2];
    };
    std::vector<double> trip;
    for (int k = 0; k < 2000; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        (void)db().query("SELECT $1::int", 1);
        trip.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(trip.begin(), trip.end());
    std::printf("tables_of median: simple select %.1f us, 3-view-deep select %.1f us; pg_parse alone %.1f us; "
                "a prepared SELECT $1 round trip %.1f us\n",
                simple, deep, parse_us("SELECT id, name FROM users WHERE id = $1"), trip[trip.size() / 2]);
    BOOST_TEST(simple > 0);
}

#include <boost/test/unit_test.hpp>

#include <cistern/sql/name.hpp>
#include <cistern/sql/scan_tables.hpp>

#include <string>
#include <vector>

namespace sql = cistern::sql;
using sql::dialect;
using names = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(scanner_tables)

BOOST_AUTO_TEST_CASE(the_cases_that_made_the_old_scanner_stale) {
    // E'' backslash escapes: `a` is inside the string.
    BOOST_TEST((sql::scan_tables("SELECT E'\\' FROM a' AS s FROM b", dialect::postgres).read == names{"b"}));
    // FROM ONLY a is the table a, not a table named "only".
    BOOST_TEST((sql::scan_tables("SELECT * FROM ONLY a").read == names{"a"}));
    // Quoted names keep their case; schemas are kept.
    BOOST_TEST((sql::scan_tables("SELECT * FROM public.\"Users\" u JOIN users v ON u.id = v.id", dialect::postgres).read ==
                names{"public.Users", "users"}));
}

BOOST_AUTO_TEST_CASE(from_lists_joins_subqueries_and_lateral) {
    const auto a = sql::scan_tables("select * from main.Users as u, orders o left join \"Items\" i on 1");
    BOOST_TEST((a.read == names{"main.users", "orders", "Items"}));
    BOOST_TEST(!a.refusal());
    BOOST_TEST((sql::scan_tables("SELECT * FROM a, LATERAL (SELECT * FROM b WHERE b.x = a.x) s").read == names{"a", "b"}));
    BOOST_TEST((sql::scan_tables("SELECT * FROM (a JOIN b ON a.id = b.id) JOIN c ON true").read == names{"a", "b", "c"}));
    BOOST_TEST((sql::scan_tables("SELECT * FROM a WHERE x IN (SELECT y FROM b) AND EXISTS (SELECT 1 FROM c)").read ==
                names{"a", "b", "c"}));
    BOOST_TEST((sql::scan_tables("SELECT extract(year FROM d), x IS DISTINCT FROM y FROM t").read == names{"t"}));
}

BOOST_AUTO_TEST_CASE(cte_names_are_not_tables_inside_their_scope_only) {
    BOOST_TEST((sql::scan_tables("WITH recent AS (SELECT * FROM orders) SELECT * FROM recent JOIN users ON 1").read ==
                names{"orders", "users"}));
    // A CTE named like a real table hides it in the main query, not inside its own body.
    BOOST_TEST((sql::scan_tables("WITH users AS (SELECT * FROM users WHERE active) SELECT * FROM users").read ==
                names{"users"}));
    BOOST_TEST((sql::scan_tables("WITH users AS (SELECT * FROM accounts) SELECT * FROM users").read == names{"accounts"}));
    // ... and not outside the parentheses it was defined in.
    BOOST_TEST((sql::scan_tables("SELECT * FROM (WITH orders AS (SELECT 1) SELECT * FROM orders) x, orders").read ==
                names{"orders"}));
}

BOOST_AUTO_TEST_CASE(writes_locks_functions_and_unknowns) {
    auto u = sql::scan_tables("UPDATE accounts SET total = t.s FROM totals t WHERE t.id = accounts.id");
    BOOST_TEST((u.written == names{"accounts"}));
    BOOST_TEST((u.read == names{"totals"}));
    BOOST_TEST(u.refusal().has_value());
    BOOST_TEST((sql::scan_tables("INSERT INTO t (a, b) SELECT a, b FROM s").written == names{"t"}));
    BOOST_TEST((sql::scan_tables("DELETE FROM t USING s WHERE t.id = s.id").written == names{"t"}));
    BOOST_TEST((sql::scan_tables("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE").written == names{"t"}));
    BOOST_TEST((sql::scan_tables("TRUNCATE TABLE a, b").written == names{"a", "b"}));
    BOOST_TEST((sql::scan_tables("DROP TABLE IF EXISTS a, b").written == names{"a", "b"}));
    BOOST_TEST((sql::scan_tables("CREATE INDEX CONCURRENTLY i ON t (a)").written == names{"t"}));
    BOOST_TEST((sql::scan_tables("INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1").written == names{"t"}));
    BOOST_TEST(!sql::scan_tables("INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1").locks_rows);

    auto lock = sql::scan_tables("SELECT * FROM jobs WHERE id = 1 FOR UPDATE SKIP LOCKED");
    BOOST_TEST(lock.locks_rows);
    BOOST_TEST(lock.refusal()->find("FOR UPDATE") != std::string::npos);
    BOOST_TEST(sql::scan_tables("SELECT * FROM jobs FOR NO KEY UPDATE").locks_rows);
    BOOST_TEST(sql::scan_tables("SELECT * FROM jobs FOR SHARE").locks_rows);

    auto fn = sql::scan_tables("SELECT my_report(42) FROM t");
    BOOST_TEST(!fn.certain);
    BOOST_TEST(fn.refusal()->find("my_report") != std::string::npos);
    BOOST_TEST(!sql::scan_tables("SELECT s.f(1) FROM t").certain);
    BOOST_TEST(!sql::scan_tables("SELECT * FROM my_srf(1)").certain);
    BOOST_TEST(sql::scan_tables("SELECT count(*), lower(name), x::numeric(10, 2) FROM t").certain);
    BOOST_TEST(sql::scan_tables("SELECT random() FROM t").volatile_result);
    BOOST_TEST(!sql::scan_tables("SELECT 1").refusal()->empty());
    BOOST_TEST(!sql::scan_tables("SELECT 1; SELECT 2").certain);
    BOOST_TEST(!sql::scan_tables("VACUUM t").certain);
    BOOST_TEST(!sql::scan_tables("SELECT * FROM t WHERE a = 'open").certain);
}

BOOST_AUTO_TEST_CASE(canonical_names_fold_like_the_database) {
    BOOST_TEST(sql::canonical_name("Users") == "users");
    BOOST_TEST(sql::canonical_name("Public.Users") == "public.users");
    BOOST_TEST(sql::canonical_name("public.\"Users\"", dialect::postgres) == "public.Users");
    BOOST_TEST(sql::canonical_name("\"Users\"", dialect::sqlite) == "users");
    BOOST_TEST(sql::canonical_name("[main].[T]", dialect::sqlite) == "main.t");
    BOOST_TEST(sql::unqualified("public.users") == "users");
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE cistern SQLite tables_of
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/sql/table_aware_connection.hpp>

#include "support/temp_dir.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

// sqlite::connection::tables_of on a real SQLite file: what SQLite's statement compiler
// reads and writes, through views, triggers, CTEs, attached and temp databases.

static_assert(cistern::TableAwareConnection<cistern::sqlite::connection>);
static_assert(cistern::detail::check_table_aware_connection<cistern::sqlite::connection>());
struct no_tables_of {
    bool is_open() const { return true; }
    bool ping() { return true; }
    void reset() {}
};
static_assert(cistern::Connection<no_tables_of> && !cistern::TableAwareConnection<no_tables_of>);

namespace {

using strings = std::vector<std::string>;

struct fixture {
    cistern::test::temp_dir dir;
    cistern::sqlite::connection c{dir.file("t.db"), cistern::sqlite::options{}};
    fixture() {
        c.execute_script("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
                         "CREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER, total REAL);"
                         "CREATE TABLE audit(n INTEGER);"
                         "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 5;"
                         "CREATE VIEW big_buyers AS SELECT u.name FROM users u JOIN big_orders b ON b.user_id = u.id;"
                         "CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES (new.id); END;"
                         "ATTACH '" + dir.file("aux.db") + "' AS aux;"
                         "CREATE TABLE aux.\"Users\"(id INTEGER);"
                         "CREATE TEMP TABLE scratch(x);");
    }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(reads_are_base_tables_qualified_and_lower_case, fixture) {
    auto a = c.tables_of("SELECT count(*) FROM USERS");
    BOOST_TEST(a.certain);
    BOOST_TEST((a.source == cistern::sql::table_source::authorizer));
    BOOST_TEST((a.read == strings{"main.users"}));
    BOOST_TEST(!a.refusal());
    // Views over views: the base tables, not the views.
    auto through_views = c.tables_of("SELECT * FROM big_buyers").read;
    std::sort(through_views.begin(), through_views.end());
    BOOST_TEST((through_views == strings{"main.orders", "main.users"}));
    BOOST_TEST((c.tables_of("SELECT count(*) FROM big_orders").read == strings{"main.orders"}));
    // A CTE named like a real table is not that table.
    BOOST_TEST((c.tables_of("WITH users AS (SELECT 1 AS id) SELECT * FROM users").read == strings{}));
    BOOST_TEST((c.tables_of("WITH users AS (SELECT id FROM orders) SELECT * FROM users").read == strings{"main.orders"}));
    // A CTE read for no column is still not a table; a virtual table read for none is uncertain.
    auto rec = c.tables_of("SELECT v.id, (WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 3) "
                           "SELECT count(*) FROM n) FROM users v");
    BOOST_TEST(rec.certain, rec.reason);
    BOOST_TEST((rec.read == strings{"main.users"}));
    BOOST_TEST(!c.tables_of("SELECT count(*) FROM dbstat").certain);
    // Subqueries.
    BOOST_TEST((c.tables_of("SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > ?)").read ==
                strings{"main.users", "main.orders"}));
    // Attached and temp databases; quoted names fold (SQLite compares them case-insensitively).
    BOOST_TEST((c.tables_of("SELECT * FROM aux.\"USERS\"").read == strings{"aux.users"}));
    BOOST_TEST((c.tables_of("SELECT count(*) FROM aux.users").read == strings{"aux.users"}));
    BOOST_TEST((c.tables_of("SELECT count(*) FROM scratch").read == strings{"temp.scratch"}));
    BOOST_TEST((c.tables_of("SELECT * FROM \"Users\"").read == strings{"main.users"}));
}

BOOST_FIXTURE_TEST_CASE(writes_include_what_triggers_write, fixture) {
    auto a = c.tables_of("INSERT INTO orders VALUES (1, 1, 9.0)");
    BOOST_TEST(a.certain);
    BOOST_TEST((a.written == strings{"main.orders", "main.audit"}));
    BOOST_TEST(*a.refusal() == "the statement writes (main.orders)");
    BOOST_TEST((c.tables_of("UPDATE users SET name = 'x' WHERE id = 1").written == strings{"main.users"}));
    BOOST_TEST((c.tables_of("DELETE FROM aux.Users").written == strings{"aux.users"}));
    auto ddl = c.tables_of("DROP VIEW big_orders");
    BOOST_TEST((ddl.written == strings{"main.big_orders", "main.sqlite_master"}));
    BOOST_TEST(c.tables_of("SELECT 1").read.empty()); // never run: the DROP above was only prepared
    BOOST_TEST(c.query("SELECT count(*) FROM big_orders").scalar<int>() == 0);
}

BOOST_FIXTURE_TEST_CASE(volatile_and_uncertain_statements_say_why, fixture) {
    auto r = c.tables_of("SELECT random(), name FROM users");
    BOOST_TEST(r.volatile_result);
    BOOST_TEST(r.refusal()->find("random()") != std::string::npos);
    BOOST_TEST(c.tables_of("SELECT date('now') FROM users").volatile_result);
    BOOST_TEST(c.tables_of("SELECT datetime(?) FROM users").volatile_result);
    BOOST_TEST(c.tables_of("SELECT CURRENT_TIMESTAMP FROM users").volatile_result);
    BOOST_TEST(!c.tables_of("SELECT date('2026-01-01', '+1 day'), lower(name) FROM users").volatile_result);
    auto bad = c.tables_of("SELECT * FROM users FOR UPDATE");
    BOOST_TEST(!bad.certain);
    BOOST_TEST(bad.reason.find("SQLite rejects the statement") != std::string::npos);
    BOOST_TEST(bad.reason.find("syntax error") != std::string::npos);
    BOOST_TEST(c.tables_of("SELECT * FROM nope").reason.find("no such table: nope") != std::string::npos);
    BOOST_TEST(!c.tables_of("SELECT 1; SELECT 2").certain);
    BOOST_TEST(!c.tables_of("PRAGMA user_version").certain);
    BOOST_TEST(!c.tables_of("SELECT * FROM dbstat").certain);
    BOOST_TEST(c.tables_of("SELECT value FROM json_each('[1,2]')").certain);
    // An application-defined function may read anything.
    sqlite3_create_function(c.native().getHandle(), "app_fn", 1, SQLITE_UTF8, nullptr,
                            [](sqlite3_context* ctx, int, sqlite3_value** v) { sqlite3_result_value(ctx, v[0]); }, nullptr,
                            nullptr);
    auto app = c.tables_of("SELECT app_fn(name) FROM users");
    BOOST_TEST(!app.certain);
    BOOST_TEST(app.reason.find("app_fn") != std::string::npos);
    BOOST_TEST(c.tables_of("SELECT abs(id), count(*) FROM users GROUP BY 1").certain);
}

namespace {
int denied_reads = 0;
int deny_audit(void*, int action, const char* a1, const char*, const char*, const char*) {
    if (action == SQLITE_READ && a1 && std::string(a1) == "audit") {
        ++denied_reads;
        return SQLITE_DENY;
    }
    return SQLITE_OK;
}
} // namespace

BOOST_FIXTURE_TEST_CASE(the_connections_own_authorizer_is_asked_and_restored, fixture) {
    c.set_authorizer(&deny_audit);
    auto a = c.tables_of("SELECT * FROM audit");
    BOOST_TEST(!a.certain);
    BOOST_TEST(a.reason.find("prohibited") != std::string::npos);
    BOOST_TEST(c.tables_of("SELECT * FROM users").certain);
    const int before = denied_reads;
    BOOST_CHECK_THROW(c.query("SELECT n FROM audit WHERE n > 0"), cistern::query_error); // still installed
    BOOST_TEST(denied_reads == before + 1);
    c.set_authorizer(nullptr);
    BOOST_TEST(c.query("SELECT count(*) FROM audit").scalar<int>() == 0);
    BOOST_TEST(c.tables_of("SELECT * FROM audit").certain);
}

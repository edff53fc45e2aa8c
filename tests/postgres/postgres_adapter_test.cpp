#define BOOST_TEST_MODULE cistern PostgreSQL adapter
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/detail/quote.hpp>
#include <cistern/adapter/postgres/factory.hpp>

#include "support/postgres_session.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {
constexpr auto& server = cistern::test::shared_postgres_server;

// Tests that stop, restart or reconfigure the throwaway server, or that need its roles'
// passwords, cannot run against CISTERN_TEST_PG_URL: Boost.Test skips them and says why.
boost::test_tools::assertion_result owns_server(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result r(server().can_control());
    r.message() << "skipped: CISTERN_TEST_PG_URL is set, and this test needs the throwaway server "
                   "(it stops, restarts or fills the server, or uses its roles' passwords)";
    return r;
}
} // namespace

static_assert(cistern::Connection<cistern::postgres::connection>);
static_assert(cistern::ConnectionFactory<cistern::postgres::factory>);

BOOST_AUTO_TEST_CASE(connects_from_conninfo_and_url_without_showing_the_password, *boost::unit_test::precondition(owns_server)) {
    cistern::postgres::factory a(server().conninfo());
    cistern::postgres::factory b(server().url());
    auto c = a.create();
    auto d = b.create();
    BOOST_TEST(c.is_open());
    BOOST_TEST(c.ping());
    BOOST_TEST(d.query("SELECT current_user").scalar<std::string>() == cistern::test::postgres_server::app_user);
    BOOST_TEST(a.describe().find(cistern::test::postgres_server::app_password) == std::string::npos);
    BOOST_TEST(b.describe().find(cistern::test::postgres_server::app_password) == std::string::npos);
    BOOST_TEST(a.describe().find("127.0.0.1") != std::string::npos);
    BOOST_TEST(c.query("SELECT current_setting('application_name')").scalar<std::string>() == "cistern");
    BOOST_TEST(c.server_version() >= 150000);
}

BOOST_AUTO_TEST_CASE(typed_values_nulls_and_bytea_round_trip) {
    auto c = cistern::postgres::factory(server().conninfo()).create();
    c.execute_script("DROP TABLE IF EXISTS typed; CREATE TABLE typed(i2 int2, i4 int4, i8 int8, f4 float4, "
                     "f8 float8, b bool, t text, n numeric, by bytea, ts timestamptz)");
    cistern::blob bytes{std::byte{0}, std::byte{0x5c}, std::byte{0xff}};
    BOOST_TEST(c.execute("INSERT INTO typed VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", 2, 4, 8000000000LL, 1.5,
                         2.25, true, "it's", "12.50", bytes, "2026-11-22 10:30:00.25+01") == 1);
    BOOST_TEST(c.execute("INSERT INTO typed VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", std::nullopt,
                         std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                         std::nullopt, std::nullopt, std::nullopt) == 1);
    auto rs = c.query("SELECT * FROM typed ORDER BY i2 NULLS LAST");
    BOOST_REQUIRE(rs.size() == 2u);
    auto r = rs[0];
    BOOST_TEST(r.get<int>("i2") == 2);
    BOOST_TEST(r.get<long>("i4") == 4);
    BOOST_TEST(r.get<long long>("i8") == 8000000000LL);
    BOOST_TEST(r.get<double>("f4") == 1.5);
    BOOST_TEST(r.get<double>("f8") == 2.25);
    BOOST_TEST(r.get<bool>("b"));
    BOOST_TEST(std::holds_alternative<std::int64_t>(r["b"]));
    BOOST_TEST(r.get<std::string>("t") == "it's");
    BOOST_TEST(r.get<std::string>("n") == "12.50");
    BOOST_TEST((r.get<cistern::blob>("by") == bytes));
    using namespace std::chrono;
    BOOST_TEST((r.get<sys_time<microseconds>>("ts") == sys_days{2026y / 11 / 22} + 9h + 30min + 250ms));
    for (std::size_t col = 0; col < rs.column_count(); ++col) BOOST_TEST(rs[1].is_null(col));
}

BOOST_AUTO_TEST_CASE(errors_carry_sqlstate_and_leave_the_connection_usable) {
    auto c = cistern::postgres::factory(server().conninfo()).create();
    c.execute_script("DROP TABLE IF EXISTS uniq; CREATE TABLE uniq(id int PRIMARY KEY)");
    c.execute("INSERT INTO uniq VALUES ($1)", 1);
    try {
        c.execute("INSERT INTO uniq VALUES ($1)", 1);
        BOOST_FAIL("duplicate accepted");
    } catch (const cistern::query_error& e) {
        BOOST_TEST(e.sqlstate() == "23505");
    }
    try {
        c.query("SELEC 1");
        BOOST_FAIL("syntax error accepted");
    } catch (const cistern::query_error& e) {
        BOOST_TEST(e.sqlstate() == "42601");
    }
    try {
        c.query("SELECT * FROM no_such_table");
        BOOST_FAIL("unknown table accepted");
    } catch (const cistern::query_error& e) {
        BOOST_TEST(e.sqlstate() == "42P01");
    }
    BOOST_TEST(c.is_open());
    BOOST_TEST(c.query("SELECT 41 + $1::int", 1).scalar<int>() == 42);
}

BOOST_AUTO_TEST_CASE(connect_errors_are_classified, *boost::unit_test::precondition(owns_server)) {
    try {
        cistern::postgres::factory(server().conninfo_with_password("wrong-password")).create();
        BOOST_FAIL("wrong password accepted");
    } catch (const cistern::connect_error& e) {
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(cistern::connect_failure::authentication));
        BOOST_TEST(e.sqlstate() == "28P01");
        BOOST_TEST(std::string(e.what()).find("wrong-password") == std::string::npos);
    }
    try {
        cistern::postgres::options o;
        o.connect_timeout = 2s;
        cistern::postgres::factory("host=127.0.0.1 port=1 dbname=x user=x password=hunter2", o).create();
        BOOST_FAIL("connected to a closed port");
    } catch (const cistern::connect_error& e) {
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(cistern::connect_failure::unreachable));
        BOOST_TEST(std::string(e.what()).find("hunter2") == std::string::npos);
    }
    try {
        cistern::postgres::factory(server().conninfo() + " dbname=no_such_db").create();
        BOOST_FAIL("connected to a missing database");
    } catch (const cistern::connect_error& e) {
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(cistern::connect_failure::bad_target));
        BOOST_TEST(e.sqlstate() == "3D000");
    }
    BOOST_CHECK_THROW(cistern::postgres::factory("host='unterminated"), cistern::config_error);
}

BOOST_AUTO_TEST_CASE(statement_cache_is_bounded_and_deallocates) {
    cistern::postgres::options o;
    o.statement_cache_size = 2;
    auto c = cistern::postgres::factory(server().conninfo(), o).create();
    auto prepared = [&] { return c.query("SELECT count(*) FROM pg_prepared_statements").scalar<int>(); };
    c.query("SELECT $1::int", 1);
    c.query("SELECT $1::int", 2); // reused
    BOOST_TEST(c.cached_statements() == 1u);
    BOOST_TEST(prepared() == 1);
    c.query("SELECT $1::int + 1", 1);
    c.query("SELECT $1::int + 2", 1); // evicts the first: DEALLOCATE
    BOOST_TEST(c.cached_statements() == 2u);
    BOOST_TEST(prepared() == 2);
    // eviction inside a failed transaction is deferred until it is rolled back
    c.execute_script("BEGIN");
    BOOST_CHECK_THROW(c.query("SELECT 1/0"), cistern::query_error);
    BOOST_CHECK_THROW(c.query("SELECT $1::int + 3", 1), cistern::query_error); // prepare fails: aborted txn
    c.reset();
    BOOST_TEST(!c.in_transaction());
    BOOST_TEST(prepared() == 2);
}

BOOST_AUTO_TEST_CASE(statement_timeout_and_client_side_cancel) {
    cistern::postgres::options server_side;
    server_side.statement_timeout = 200ms;
    auto c = cistern::postgres::factory(server().conninfo(), server_side).create();
    try {
        c.query("SELECT pg_sleep(5)");
        BOOST_FAIL("not cancelled");
    } catch (const cistern::query_error& e) {
        BOOST_TEST(e.sqlstate() == "57014");
    }
    BOOST_TEST(c.query("SELECT 1").scalar<int>() == 1);

    cistern::postgres::options client_side;
    client_side.query_timeout = 200ms;
    auto d = cistern::postgres::factory(server().conninfo(), client_side).create();
    try {
        d.query("SELECT pg_sleep(5)");
        BOOST_FAIL("not cancelled");
    } catch (const cistern::query_error& e) {
        BOOST_TEST(e.sqlstate() == "57014");
    }
    BOOST_TEST(d.is_open());
    BOOST_TEST(d.query("SELECT 2").scalar<int>() == 2);
}

BOOST_AUTO_TEST_CASE(reset_rolls_back_and_can_discard_all) {
    cistern::postgres::options o;
    o.discard_all_on_reset = true;
    auto c = cistern::postgres::factory(server().conninfo(), o).create();
    c.execute_script("CREATE TEMP TABLE scratch(x int); BEGIN; INSERT INTO scratch VALUES (1)");
    BOOST_TEST(c.in_transaction());
    c.reset();
    BOOST_TEST(!c.in_transaction());
    BOOST_TEST(c.query("SELECT to_regclass('pg_temp.scratch') IS NULL").scalar<bool>());
}

BOOST_AUTO_TEST_CASE(bad_options_name_the_field) {
    cistern::postgres::options o;
    o.ping_timeout = 0ms;
    try {
        cistern::postgres::factory(server().conninfo(), o);
        BOOST_FAIL("accepted");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(e.field() == "postgres::options::ping_timeout");
    }
}

BOOST_AUTO_TEST_CASE(identifiers_and_literals_are_quoted_to_mean_exactly_what_was_given) {
    using cistern::postgres::detail::quote_identifier;
    using cistern::postgres::detail::quote_literal;
    auto c = cistern::postgres::factory(server().conninfo()).create();
    PGconn* pg = c.native();
    BOOST_TEST(quote_identifier(pg, "users") == "\"users\"");
    BOOST_TEST(quote_identifier(pg, "say \"hi\"") == "\"say \"\"hi\"\"\"");
    BOOST_TEST(quote_literal(pg, "it's") == "'it''s'");
    c.execute_script("DROP SCHEMA IF EXISTS cistern_quote_test CASCADE; CREATE SCHEMA cistern_quote_test");
    // Embedded quotes, upper case (not folded: "Users" and users are two tables), reserved
    // words, UTF-8, and a name of exactly 63 bytes (the longest PostgreSQL keeps uncut).
    const std::vector<std::string> names{"say \"hi\"", "Users", "users", "select", "table", "t\u00e4ble",
                                         std::string(62, 'n') + "N"};
    for (const auto& n : names) {
        c.execute("CREATE TABLE cistern_quote_test." + quote_identifier(pg, n) + " (v text)");
        c.execute("INSERT INTO cistern_quote_test." + quote_identifier(pg, n) + " VALUES (" + quote_literal(pg, n) + ")");
        BOOST_TEST(c.query("SELECT v FROM cistern_quote_test." + quote_identifier(pg, n)).scalar<std::string>() == n);
        BOOST_TEST(c.query("SELECT count(*) FROM pg_class k JOIN pg_namespace s ON s.oid = k.relnamespace "
                           "WHERE s.nspname = 'cistern_quote_test' AND k.relname = $1", n)
                       .scalar<std::int64_t>() == 1);
    }
    // Literals round-trip as given, backslashes included (PQescapeLiteral writes E'...').
    for (const std::string t : {"it's", "back\\slash \\' both", "", "\u00fcml\u00e4ut", "$1 -- not a comment"})
        BOOST_TEST(c.query("SELECT " + quote_literal(pg, t)).scalar<std::string>() == t);
    // libpq stops at a NUL: such input is refused, not cut short.
    BOOST_CHECK_THROW(quote_identifier(pg, std::string("us\0ers", 6)), cistern::config_error);
    BOOST_CHECK_THROW(quote_literal(pg, std::string("x\0; DROP TABLE users", 21)), cistern::config_error);
    BOOST_CHECK_THROW(quote_identifier(pg, ""), cistern::config_error);
    c.execute("DROP SCHEMA cistern_quote_test CASCADE");
}

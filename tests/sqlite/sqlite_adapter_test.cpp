#define BOOST_TEST_MODULE cistern SQLite adapter
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>

#include "support/temp_dir.hpp"

#include <chrono>
#include <optional>
#include <string>

using cistern::sqlite::factory;

static_assert(cistern::Connection<cistern::sqlite::connection>);
static_assert(cistern::ConnectionFactory<cistern::sqlite::factory>);

BOOST_AUTO_TEST_CASE(urls_and_paths) {
    BOOST_TEST(factory("app.db").path() == "app.db");
    BOOST_TEST(factory("sqlite:app.db").path() == "app.db");
    BOOST_TEST(factory("sqlite:/var/db/app.db").path() == "/var/db/app.db");
    BOOST_TEST(factory("sqlite:///var/db/app.db").path() == "/var/db/app.db");
    BOOST_TEST(factory("sqlite::memory:").path() == ":memory:");
    auto f = factory("sqlite:x.db?busy_timeout=250&journal_mode=DELETE&statement_cache=3&mode=ro");
    BOOST_TEST(f.opts().busy_timeout.count() == 250);
    BOOST_TEST(f.opts().journal_mode == "DELETE");
    BOOST_TEST(f.opts().statement_cache_size == 3u);
    BOOST_TEST(f.opts().read_only);
    BOOST_TEST(f.describe() == "sqlite:x.db");
}

BOOST_AUTO_TEST_CASE(bad_configuration_names_the_field) {
    auto field = [](auto make) -> std::string {
        try {
            make();
        } catch (const cistern::config_error& e) {
            return e.field();
        }
        return "(none)";
    };
    BOOST_TEST(field([] { factory(""); }) == "sqlite::factory target");
    BOOST_TEST(field([] { factory("sqlite:x.db?colour=blue"); }) == "sqlite::factory URL parameter");
    BOOST_TEST(field([] { factory("sqlite:x.db?busy_timeout=soon"); }) == "sqlite::factory URL parameter busy_timeout");
    BOOST_TEST(field([] { factory("sqlite:x.db?mode=write"); }) == "sqlite::factory URL parameter mode");
    BOOST_TEST(field([] { factory("sqlite:x.db?journal_mode=WAL;DROP"); }) == "sqlite::options::journal_mode");
}

BOOST_AUTO_TEST_CASE(values_round_trip_with_nulls_and_blobs) {
    auto c = factory(":memory:").create();
    c.execute_script("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, ts TEXT)");
    cistern::blob bytes{std::byte{0}, std::byte{1}, std::byte{255}};
    BOOST_TEST(c.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", 7, 2.5, "it's", bytes, "2026-11-22 10:30:00.25+01") == 1);
    BOOST_TEST(c.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", std::nullopt, std::optional<double>{}, cistern::null,
                         std::nullopt, std::nullopt) == 1);
    auto rs = c.query("SELECT i, r, s, b, ts FROM t ORDER BY rowid");
    BOOST_REQUIRE(rs.size() == 2u);
    BOOST_TEST(rs.column_count() == 5u);
    BOOST_TEST(rs[0].get<int>("i") == 7);
    BOOST_TEST(rs[0].get<double>(1) == 2.5);
    BOOST_TEST(rs[0].get<std::string>(2) == "it's");
    BOOST_TEST((rs[0].get<cistern::blob>(3) == bytes));
    using namespace std::chrono;
    auto ts = rs[0].get<sys_time<microseconds>>(4);
    BOOST_TEST((ts == sys_days{2026y / 11 / 22} + 9h + 30min + 250ms)); // +01 offset folded to UTC
    for (std::size_t col = 0; col < 5; ++col) BOOST_TEST(rs[1].is_null(col));
    BOOST_TEST(!rs[1].get<std::optional<int>>(0).has_value());
    BOOST_CHECK_THROW(rs[1].get<int>(0), cistern::query_error);
    BOOST_CHECK_THROW(rs[0].get<int>("nope"), cistern::query_error);
    BOOST_CHECK_THROW(rs[0].get<int>(2), cistern::query_error); // "it's" is not an integer
    BOOST_CHECK_THROW(rs[5], cistern::query_error);
}

BOOST_AUTO_TEST_CASE(errors_carry_sqlite_extended_codes) {
    auto c = factory(":memory:").create();
    c.execute_script("CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)");
    c.execute("INSERT INTO u(name) VALUES (?)", "a");
    try {
        c.execute("INSERT INTO u(name) VALUES (?)", "a");
        BOOST_FAIL("duplicate accepted");
    } catch (const cistern::query_error& e) {
        BOOST_TEST(e.code() == SQLITE_CONSTRAINT_UNIQUE);
        BOOST_TEST(std::string(e.what()).find("UNIQUE") != std::string::npos);
    }
    try {
        c.query("SELEC nonsense");
        BOOST_FAIL("syntax error accepted");
    } catch (const cistern::query_error& e) {
        BOOST_TEST(e.code() == SQLITE_ERROR);
    }
    try {
        c.query("SELECT * FROM u WHERE id = ?"); // one parameter, none given
        BOOST_FAIL("missing parameter accepted");
    } catch (const cistern::query_error& e) {
        BOOST_TEST(e.code() == SQLITE_RANGE);
    }
    BOOST_TEST(c.is_open()); // statement errors do not break the connection
    BOOST_TEST(c.ping());
}

BOOST_AUTO_TEST_CASE(statement_cache_is_bounded_and_reuses_statements) {
    cistern::sqlite::options o;
    o.statement_cache_size = 2;
    auto c = factory(":memory:", o).create();
    for (int i = 0; i < 3; ++i) c.query("SELECT ?", i);
    BOOST_TEST(c.statement_cache().size() == 1u);
    BOOST_TEST(c.statement_cache().hits() == 2u);
    c.query("SELECT 1");
    c.query("SELECT 2");
    c.query("SELECT 3");
    BOOST_TEST(c.statement_cache().size() == 2u);
    BOOST_TEST(c.statement_cache().evictions() == 2u);
}

BOOST_AUTO_TEST_CASE(reset_rolls_back_and_file_databases_use_wal) {
    cistern::test::temp_dir dir;
    factory f("sqlite:" + dir.file("w.db"));
    auto a = f.create();
    auto b = f.create();
    BOOST_TEST(a.query("PRAGMA journal_mode").scalar<std::string>() == "wal");
    BOOST_TEST(a.query("PRAGMA busy_timeout").scalar<int>() == 5000);
    a.execute_script("CREATE TABLE t(x INTEGER)");
    a.execute_script("BEGIN");
    a.execute("INSERT INTO t VALUES (1)");
    BOOST_TEST(b.query("SELECT count(*) FROM t").scalar<int>() == 0); // WAL: reader not blocked
    a.reset();
    BOOST_TEST(!a.in_transaction());
    BOOST_TEST(a.query("SELECT count(*) FROM t").scalar<int>() == 0);
}

BOOST_AUTO_TEST_CASE(memory_databases_are_per_connection) {
    factory f(":memory:");
    auto a = f.create();
    auto b = f.create();
    a.execute_script("CREATE TABLE only_in_a(x)");
    BOOST_CHECK_THROW(b.query("SELECT * FROM only_in_a"), cistern::query_error);
}

BOOST_AUTO_TEST_CASE(unopenable_file_is_a_connect_error) {
    cistern::sqlite::options o;
    o.create = false;
    try {
        factory("/nonexistent-dir/x.db", o).create();
        BOOST_FAIL("opened");
    } catch (const cistern::connect_error& e) {
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(cistern::connect_failure::unreachable));
    }
}

BOOST_AUTO_TEST_CASE(moved_from_connection_is_closed) {
    auto a = factory(":memory:").create();
    auto b = std::move(a);
    BOOST_TEST(!a.is_open());
    BOOST_TEST(!a.ping());
    BOOST_TEST(b.is_open());
    BOOST_CHECK_THROW(a.query("SELECT 1"), cistern::query_error);
}

#pragma once
// Test support: the one throwaway PostgreSQL server of a test process (postgres_server.hpp)
// and sessions on it that work in a schema of the test's own, for the tests of the adapter,
// the strategies and the listener.
//
//     constexpr auto& server = cistern::test::shared_postgres_server;
//     auto c = cistern::test::fresh_schema("cistern_my_test"); // empty schema, first on search_path

#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/adapter/postgres/detail/quote.hpp>
#include <cistern/adapter/postgres/factory.hpp>

#include "postgres_server.hpp"

#include <string>

namespace cistern::test {

/// The server of this test process: created on first use (max_connections = 40), stopped
/// and removed at exit; or CISTERN_TEST_PG_URL's server.
inline postgres_server& shared_postgres_server() {
    static postgres_server s;
    return s;
}

/// A new session as the application role, notices below WARNING off (DROP ... CASCADE and
/// IF NOT EXISTS are chatty) and `schema` first on the search_path.
inline postgres::connection session_in(const std::string& schema) {
    auto c = postgres::factory(shared_postgres_server().conninfo()).create();
    c.execute("SET client_min_messages = warning");
    c.execute("SET search_path = " + postgres::detail::quote_identifier(c.native(), schema) + ", public");
    return c;
}

/// session_in(schema) after dropping `schema` with everything in it and creating it empty:
/// every test starts from an empty schema of its own and never touches public.
inline postgres::connection fresh_schema(const std::string& schema) {
    auto c = session_in(schema);
    const std::string q = postgres::detail::quote_identifier(c.native(), schema);
    c.execute("DROP SCHEMA IF EXISTS " + q + " CASCADE");
    c.execute("CREATE SCHEMA " + q);
    return c;
}

} // namespace cistern::test

#pragma once
/// \file
/// PostgreSQL identifier quoting through libpq's PQescapeIdentifier, for the strategies.

#include <cistern/error.hpp>

#include <libpq-fe.h>

#include <concepts>
#include <memory>
#include <string>
#include <string_view>

namespace cistern::strategy::detail {

/// A connection that exposes its libpq handle (cistern::postgres::connection does).
template <class C>
concept postgres_native = requires(C& c) {
    { c.native() } -> std::convertible_to<PGconn*>;
};

/// `name` as a quoted PostgreSQL identifier (PQescapeIdentifier: double quotes, embedded
/// quotes doubled, encoding checked). Throws query_error when libpq refuses it.
inline std::string quote_postgres_identifier(PGconn* conn, std::string_view name) {
    if (name.empty()) throw config_error("identifier", "\"\"", "empty identifier");
    std::unique_ptr<char, decltype(&PQfreemem)> q(PQescapeIdentifier(conn, name.data(), name.size()), &PQfreemem);
    if (!q) throw query_error(std::string("PQescapeIdentifier failed: ") + PQerrorMessage(conn));
    return std::string(q.get());
}

/// `'text'` via PQescapeLiteral.
inline std::string quote_postgres_literal(PGconn* conn, std::string_view text) {
    std::unique_ptr<char, decltype(&PQfreemem)> q(PQescapeLiteral(conn, text.data(), text.size()), &PQfreemem);
    if (!q) throw query_error(std::string("PQescapeLiteral failed: ") + PQerrorMessage(conn));
    return std::string(q.get());
}

} // namespace cistern::strategy::detail

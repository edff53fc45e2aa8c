#pragma once
/// \file
/// detail: PostgreSQL identifier and literal quoting through libpq (PQescapeIdentifier,
/// PQescapeLiteral), the one place the adapter, the strategies and the CLI quote names and
/// text for PostgreSQL.

#include <cistern/error.hpp>

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

namespace cistern::postgres::detail {

/// Throws config_error (naming `what`) when `s` holds a NUL byte: libpq's escaping stops at
/// the first NUL, so the rest would be dropped without a word.
inline void reject_nul(std::string_view what, std::string_view s) {
    if (const auto nul = s.find('\0'); nul != std::string_view::npos)
        throw config_error(std::string(what), std::string(s.substr(0, nul)), "contains a NUL byte");
}

/// `name` as a quoted PostgreSQL identifier: in double quotes, embedded quotes doubled, case
/// and reserved words kept as they are, the connection's client encoding checked. Throws
/// config_error for an empty name or one with a NUL byte, query_error when libpq refuses it
/// (e.g. invalid in the client encoding). Length is not checked here: names a user gives are
/// checked against the 63-byte limit where they are configured.
inline std::string quote_identifier(PGconn* conn, std::string_view name) {
    if (name.empty()) throw config_error("identifier", "\"\"", "empty identifier");
    reject_nul("identifier", name);
    std::unique_ptr<char, decltype(&PQfreemem)> q(PQescapeIdentifier(conn, name.data(), name.size()), &PQfreemem);
    if (!q) throw query_error(std::string("PQescapeIdentifier failed: ") + PQerrorMessage(conn));
    return std::string(q.get());
}

/// `text` as a PostgreSQL string literal (`'it''s'`; ` E'...'` when it holds a backslash).
/// Throws config_error for a NUL byte, query_error when libpq refuses it.
inline std::string quote_literal(PGconn* conn, std::string_view text) {
    reject_nul("literal", text);
    std::unique_ptr<char, decltype(&PQfreemem)> q(PQescapeLiteral(conn, text.data(), text.size()), &PQfreemem);
    if (!q) throw query_error(std::string("PQescapeLiteral failed: ") + PQerrorMessage(conn));
    return std::string(q.get());
}

} // namespace cistern::postgres::detail

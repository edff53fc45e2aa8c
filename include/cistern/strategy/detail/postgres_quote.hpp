#pragma once
/// \file
/// The strategies' names for the PostgreSQL adapter's quoting
/// (cistern/adapter/postgres/detail/quote.hpp holds the one implementation).

#include <cistern/adapter/postgres/detail/quote.hpp>

#include <concepts>
#include <string>
#include <string_view>

namespace cistern::strategy::detail {

/// A connection that exposes its libpq handle (cistern::postgres::connection does).
template <class C>
concept postgres_native = requires(C& c) {
    { c.native() } -> std::convertible_to<PGconn*>;
};

/// postgres::detail::quote_identifier.
inline std::string quote_postgres_identifier(PGconn* conn, std::string_view name) {
    return postgres::detail::quote_identifier(conn, name);
}

/// postgres::detail::quote_literal.
inline std::string quote_postgres_literal(PGconn* conn, std::string_view text) {
    return postgres::detail::quote_literal(conn, text);
}

} // namespace cistern::strategy::detail

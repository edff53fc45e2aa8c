#pragma once
/// \file
/// `cistern::TableAwareConnection`: a Connection that can say which base tables a
/// statement reads and writes, as the database itself understands the statement.

#include <cistern/concepts.hpp>
#include <cistern/sql/table_access.hpp>

#include <concepts>
#include <string_view>

namespace cistern {

/// A Connection that answers "which base tables does this statement read or write".
///
/// Contract:
///  - `c.tables_of(sql)` returns the sql::table_access of `sql` as this connection's
///    database resolves it *now*: views expanded to their base tables (recursively),
///    names resolved through the session's schema search path and qualified
///    ("public.users", "main.users"), quoted identifiers kept exact, CTE names not
///    reported as tables. It never runs the statement and never changes data.
///  - When the answer may miss a table (a function that may read anything, a text the
///    database rejects, ...) it returns `certain == false` with a reason instead of
///    throwing; it throws only when the connection itself fails.
///  - The answer can change with the schema (a view redefined, a table created earlier
///    in the search path); callers that memoise it must drop the memo on DDL.
/// Modelled by sqlite::connection (the statement compiler's authorizer) and
/// postgres::connection (libpg_query plus the catalog). A Connection that does not model
/// it still works with query_cache, which then falls back to sql::scan_tables.
template <class C>
concept TableAwareConnection = Connection<C> && requires(C& c, std::string_view sql) {
    { c.tables_of(sql) } -> std::same_as<sql::table_access>;
};

namespace detail {
template <class C> concept has_tables_of = requires(C& c, std::string_view sql) {
    { c.tables_of(sql) } -> std::same_as<sql::table_access>;
};

/// As check_connection, for TableAwareConnection.
template <class C>
consteval bool check_table_aware_connection() {
    (void)check_connection<C>();
    static_assert(has_tables_of<C>,
                  "cistern::TableAwareConnection: the type needs `sql::table_access tables_of(std::string_view sql)`");
    return TableAwareConnection<C>;
}
} // namespace detail

} // namespace cistern

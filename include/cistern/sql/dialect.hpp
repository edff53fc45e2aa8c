#pragma once
/// \file
/// `cistern::sql::dialect`: which database's lexical rules the SQL front-end applies.

#include <cstdint>

namespace cistern::sql {

/// The lexical rules used to read a statement.
///
///  - `postgres`: E'..' strings with backslash escapes, $tag$..$tag$ dollar quotes, nested
///    block comments, `::` casts, `$n` parameters; `[` is always a subscript; `?`, `@` and
///    backticks are operator characters; `:name` is not a parameter.
///  - `sqlite`: `[ident]` and backtick identifiers, `?`, `?NNN`, `:name`, `@name` and
///    `$name` parameters; block comments do not nest; no dollar quotes or E'' strings.
///  - `generic`: the union (what a monitor sees when it does not know the database):
///    PostgreSQL's strings, quotes, comments and casts, and SQLite's identifiers and
///    parameters.
enum class dialect : std::uint8_t { generic, postgres, sqlite };

} // namespace cistern::sql

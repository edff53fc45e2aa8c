#pragma once
/// \file
/// Quoting by SQLite's rules and SQL string literals, as pure functions. (PostgreSQL
/// identifiers are quoted with PQescapeIdentifier: cistern/adapter/postgres/detail/quote.hpp.)

#include <cistern/error.hpp>

#include <string>
#include <string_view>

namespace cistern::strategy::detail {

/// `"name"` with every `"` doubled: SQLite's (and standard SQL's) quoted identifier.
/// Throws config_error for an empty name or one containing NUL.
inline std::string quote_sqlite_identifier(std::string_view name) {
    if (name.empty()) throw config_error("identifier", "\"\"", "empty identifier");
    if (name.find('\0') != std::string_view::npos)
        throw config_error("identifier", std::string(name.substr(0, name.find('\0'))), "contains a NUL byte");
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

/// `'text'` with every `'` doubled (standard SQL string literal; valid on SQLite and on
/// PostgreSQL with standard_conforming_strings on, the default since 9.1).
inline std::string quote_literal(std::string_view text) {
    if (text.find('\0') != std::string_view::npos)
        throw config_error("literal", std::string(text.substr(0, text.find('\0'))), "contains a NUL byte");
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

} // namespace cistern::strategy::detail

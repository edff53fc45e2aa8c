#pragma once
/// \file
/// `cistern::sql::canonical_name`: a possibly qualified, possibly quoted SQL name as the
/// database stores it, for comparing names the way the database does.

#include <cistern/sql/dialect.hpp>
#include <cistern/sql/lexer.hpp>

#include <string>
#include <string_view>

namespace cistern::sql {

/// `name` read as an SQL name chain (`users`, `Public.Users`, public.\"Users\", `[main].t`)
/// and written back with its parts joined by '.': unquoted parts fold to lower case
/// (PostgreSQL's rule, and SQLite compares ASCII case-insensitively anyway); quoted parts
/// keep their case, except in the sqlite dialect, where they fold too. Text that is not a
/// name chain (spaces, operators) is returned folded to lower case as a whole, so that it
/// still compares consistently. Never throws except std::bad_alloc.
inline std::string canonical_name(std::string_view name, dialect d = dialect::generic) {
    bool complete = true;
    const auto toks = tokenize(name, d == dialect::postgres ? dialect::postgres : dialect::sqlite, &complete);
    std::string out;
    bool want_part = true;
    bool ok = complete && !toks.empty();
    for (const auto& t : toks) {
        if (!ok) break;
        if (want_part && t.kind == token_kind::word) out += t.lower;
        else if (want_part && t.kind == token_kind::quoted_ident) out += d == dialect::sqlite ? detail::lowered(t.lower) : t.lower;
        else if (!want_part && t.kind == token_kind::dot) out += '.';
        else ok = false;
        want_part = !want_part;
    }
    if (!ok || want_part) return detail::lowered(name);
    return out;
}

/// The last part of a canonical name ("public.users" → "users").
inline std::string_view unqualified(std::string_view canonical) noexcept {
    const auto dot = canonical.rfind('.');
    return dot == std::string_view::npos ? canonical : canonical.substr(dot + 1);
}

} // namespace cistern::sql

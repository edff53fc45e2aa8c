#pragma once
/// \file
/// Reading SQLite's catalog and EXPLAIN QUERY PLAN for the index strategies.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/error.hpp>
#include <cistern/sql/dialect.hpp>
#include <cistern/sql/lexer.hpp>
#include <cistern/sql/token.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/value.hpp>

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::strategy::index::detail {

using sql::token_kind;

/// ASCII lower case: SQLite matches identifiers case-insensitively.
inline std::string fold(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

/// An index of the main schema with what decides whether two indexes serve the same lookups.
struct sqlite_index : existing_index {
    /// Per key column "collation:desc" (e.g. "NOCASE:0"): two keys are the same only when
    /// these match too. Expression keys appear in `columns` as their text in parentheses.
    std::vector<std::string> key_options;
    /// Enforces a UNIQUE or PRIMARY KEY constraint of the table (origin "u" or "pk").
    bool constraint = false;
    /// sqlite_schema rowid of the index's entry (0 for automatic indexes, which have none):
    /// lower is older.
    std::int64_t age = 0;
};

/// The key elements of `CREATE INDEX ... ON t (e1, e2, ...)` as written, each normalized
/// (words lower case, one space between tokens) and without its COLLATE/ASC/DESC suffix.
inline std::vector<std::string> sqlite_index_elements(std::string_view create_sql) {
    const auto t = sql::tokenize(create_sql, sql::dialect::sqlite);
    std::vector<std::string> out;
    std::size_t k = 0;
    while (k < t.size() && !(t[k].depth == 0 && t[k].is_word("on"))) ++k;
    while (k < t.size() && t[k].kind != token_kind::lparen) ++k;
    if (k >= t.size()) return out;
    std::string cur;
    bool cut = false;
    for (++k; k < t.size() && !(t[k].kind == token_kind::rparen && t[k].depth == 0); ++k) {
        if (t[k].depth == 1 && t[k].kind == token_kind::comma) {
            out.push_back(cur);
            cur.clear();
            cut = false;
            continue;
        }
        if (t[k].depth == 1 && (t[k].is_word("collate") || t[k].is_word("asc") || t[k].is_word("desc"))) cut = true;
        if (cut) continue;
        if (!cur.empty()) cur += ' ';
        cur += t[k].kind == token_kind::word ? t[k].lower : std::string(t[k].text);
    }
    out.push_back(cur);
    return out;
}

/// `text` with words lower-cased and one space between tokens (literals kept as written),
/// so that two spellings of the same predicate compare equal.
inline std::string sqlite_normalized(std::string_view text) {
    std::string out;
    for (auto& tok : sql::tokenize(text, sql::dialect::sqlite)) {
        if (!out.empty()) out += ' ';
        out += tok.kind == token_kind::word ? tok.lower : std::string(tok.text);
    }
    return out;
}

/// Every index of the main schema with its key columns (an expression as its text in
/// parentheses), collations and orderings, uniqueness, origin and partial predicate. Names
/// are folded to lower case so they compare with statement text.
inline std::vector<sqlite_index> sqlite_indexes(cistern::sqlite::connection& c) {
    std::vector<sqlite_index> out;
    auto list = c.query("SELECT m.tbl_name, il.name, il.\"unique\", il.origin, il.partial, m2.sql, coalesce(m2.rowid, 0) "
                        "FROM sqlite_master m, pragma_index_list(m.name) il "
                        "LEFT JOIN sqlite_master m2 ON m2.type = 'index' AND m2.name = il.name "
                        "WHERE m.type = 'table'");
    for (auto r : list) {
        sqlite_index e;
        e.table = fold(r.get<std::string>(0));
        e.name = r.get<std::string>(1);
        e.unique = r.get<std::int64_t>(2) != 0;
        const auto origin = r.get<std::string>(3);
        e.primary = origin == "pk";
        e.constraint = origin == "pk" || origin == "u";
        e.age = r.get<std::int64_t>(6);
        const std::string sql = r.is_null(5) ? std::string{} : r.get<std::string>(5);
        if (r.get<std::int64_t>(4) != 0 && !sql.empty()) {
            // The predicate is what follows the last top-level WHERE of CREATE INDEX.
            const auto folded = fold(sql);
            const auto w = folded.rfind(" where ");
            e.predicate = sqlite_normalized(w == std::string::npos ? sql : sql.substr(w + 7));
        }
        const auto elements = sql.empty() ? std::vector<std::string>{} : sqlite_index_elements(sql);
        std::array<value, 1> arg{value{e.name}};
        auto cols = c.query("SELECT cid, name, \"desc\", coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno",
                            std::span<const value>(arg));
        std::size_t i = 0;
        for (auto col : cols) {
            if (col.get<std::int64_t>(0) == -2) e.columns.push_back("(" + (i < elements.size() ? elements[i] : std::string("?")) + ")");
            else e.columns.push_back(col.is_null(1) ? std::string("rowid") : fold(col.get<std::string>(1)));
            e.key_options.push_back((col.is_null(3) ? std::string("binary") : fold(col.get<std::string>(3))) + ":" +
                                    std::to_string(col.get<std::int64_t>(2)));
            ++i;
        }
        out.push_back(std::move(e));
    }
    return out;
}

/// The `detail` lines of EXPLAIN QUERY PLAN for `sql`, one per line. Parameters stay
/// unbound (the plan is the generic one SQLite makes before seeing values).
inline std::string explain_query_plan(cistern::sqlite::connection& c, std::string_view sql) {
    try {
        SQLite::Statement st(c.native(), "EXPLAIN QUERY PLAN " + std::string(sql));
        std::string out;
        while (st.executeStep()) {
            out += st.getColumn(3).getString();
            out += '\n';
        }
        return out;
    } catch (const SQLite::Exception& e) {
        throw query_error(std::string("sqlite: EXPLAIN QUERY PLAN failed: ") + e.what(), e.getExtendedErrorCode());
    }
}

/// Size in bytes of a table or index when SQLite has the dbstat virtual table.
inline std::optional<std::int64_t> sqlite_object_size(cistern::sqlite::connection& c, const std::string& name) {
    try {
        std::array<value, 1> arg{value{name}};
        auto rs = c.query("SELECT sum(pgsize) FROM dbstat WHERE name = ?", std::span<const value>(arg));
        if (rs.size() == 1 && !rs[0].is_null(0)) return rs.scalar<std::int64_t>();
    } catch (const query_error&) {
    }
    return std::nullopt;
}

} // namespace cistern::strategy::index::detail

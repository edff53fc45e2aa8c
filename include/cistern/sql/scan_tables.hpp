#pragma once
/// \file
/// `cistern::sql::scan_tables`: the tables a statement reads and writes, found by cistern's
/// lexer and a clause scanner, without asking a database. The fallback for connections
/// that cannot answer themselves (see cistern::TableAwareConnection); it cannot see
/// through views or functions, and says so.

#include <cistern/sql/dialect.hpp>
#include <cistern/sql/lexer.hpp>
#include <cistern/sql/name.hpp>
#include <cistern/sql/table_access.hpp>
#include <cistern/sql/token.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::sql {

namespace detail {

inline bool in_list(std::string_view w, std::initializer_list<std::string_view> l) noexcept {
    return std::find(l.begin(), l.end(), w) != l.end();
}

/// Words that cannot name a table or alias where the scanner expects one.
inline bool scan_reserved(std::string_view w) noexcept {
    return in_list(w, {"select", "with", "values", "where", "group", "order", "limit", "having", "join", "inner",
                       "left", "right", "full", "cross", "natural", "on", "using", "union", "except", "intersect",
                       "window", "offset", "outer", "as", "lateral", "only", "set", "returning", "for", "fetch",
                       "from", "into", "default", "when", "then", "tablesample", "qualify", "do", "conflict", "and",
                       "or", "not", "if", "exists", "table"});
}

/// Functions that read no table and whose result depends only on their arguments (or on
/// the statement's start time): they do not make a statement's tables uncertain.
inline bool scan_safe_function(std::string_view w) noexcept {
    return in_list(w, {"count", "sum", "avg", "min", "max", "coalesce", "nullif", "greatest", "least", "lower",
                       "upper", "length", "char_length", "octet_length", "abs", "round", "floor", "ceil", "ceiling",
                       "trunc", "mod", "power", "sqrt", "substr", "substring", "trim", "ltrim", "rtrim", "btrim",
                       "replace", "concat", "concat_ws", "left", "right", "lpad", "rpad", "position", "strpos",
                       "split_part", "reverse", "initcap", "to_char", "to_date", "to_timestamp", "to_number",
                       "date_trunc", "date_part", "extract", "age", "now", "date", "datetime", "julianday",
                       "strftime", "unixepoch", "ifnull", "iif", "typeof", "instr", "printf", "format", "hex",
                       "quote", "json", "json_extract", "json_object", "json_array", "json_agg", "jsonb_agg",
                       "json_build_object", "jsonb_build_object", "jsonb_extract_path", "json_group_array",
                       "array_agg", "string_agg", "group_concat", "total", "array_length", "unnest",
                       "generate_series", "cardinality", "bool_and", "bool_or", "every", "stddev", "variance",
                       "row_number", "rank", "dense_rank", "lag", "lead", "first_value", "last_value", "ntile",
                       "percent_rank", "cume_dist", "percentile_cont", "percentile_disc", "md5", "encode",
                       "decode", "regexp_replace", "regexp_match", "regexp_matches", "sign", "to_json", "to_jsonb",
                       "jsonb_array_elements", "json_each", "json_array_length", "cast", "overlay", "any", "all",
                       "some", "array", "row", "filter", "over", "within", "exists", "in", "values", "grouping"});
}

/// Functions whose result is not a function of the tables: the result must not be cached.
inline bool scan_volatile_function(std::string_view w) noexcept {
    return in_list(w, {"random", "nextval", "setval", "currval", "lastval", "clock_timestamp", "timeofday",
                       "gen_random_uuid", "uuid_generate_v4", "randomblob", "changes", "total_changes",
                       "last_insert_rowid", "pg_sleep", "txid_current", "random_uuid"});
}

/// Words that may be followed by '(' without being a function call.
inline bool scan_not_a_call(std::string_view w) noexcept {
    return in_list(w, {"in", "exists", "values", "any", "all", "some", "as", "over", "filter", "within", "using",
                       "on", "conflict", "cast", "array", "row", "and", "or", "not", "when", "then", "else",
                       "select", "from", "join", "where", "by", "set", "returning", "lateral", "into", "case",
                       "is", "like", "between", "with", "recursive", "materialized", "window", "partition",
                       "range", "list", "hash", "check", "unique", "key", "references", "primary", "foreign",
                       "default", "collate", "ordinality", "distinct", "union", "except", "intersect", "limit",
                       "offset", "having", "group", "order", "if", "table", "index", "view", "include",
                       "constraint", "returns", "language", "escape", "do", "update", "insert", "delete",
                       "tablesample", "repeatable", "zone", "interval", "varchar", "char", "character", "numeric",
                       "decimal", "timestamp", "time", "bit", "varying", "precision", "float", "only"});
}

} // namespace detail

/// The tables `statement` reads and writes, as written in it (see table_access for the
/// spelling of names; unqualified names stay unqualified: the scanner cannot resolve a
/// search path). Found after FROM (lists, nested joins, LATERAL, ONLY, subqueries), JOIN,
/// USING, UPDATE, INSERT/REPLACE/MERGE INTO, DELETE FROM, TRUNCATE and the targets of
/// CREATE/ALTER/DROP/REFRESH; names defined by WITH are not tables inside their scope.
///
/// Uncertain (certain == false, with the reason) when: the text does not read to its
/// end, it holds more than one statement, a function other than well-known built-ins is
/// called (it may read any table), a function is used as a table in FROM, or the kind of
/// statement is one the scanner does not read. A view is reported under its own name (the
/// scanner cannot expand it). SELECT ... FOR UPDATE/SHARE sets locks_rows; random(),
/// nextval() and the like set volatile_result. Never throws except std::bad_alloc.
inline table_access scan_tables(std::string_view statement, dialect d = dialect::generic) {
    using detail::in_list;
    table_access r;
    r.source = table_source::scanner;
    bool complete = true;
    const std::vector<token> t = tokenize(statement, d, &complete);
    const std::size_t n = t.size();
    if (!complete) r.uncertain("the statement text ends inside a literal, quoted name or comment");
    if (n == 0) {
        r.uncertain("the statement is empty");
        return r;
    }
    for (std::size_t k = 0; k + 1 < n; ++k)
        if (t[k].kind == token_kind::semicolon && t[k].depth == 0) {
            r.uncertain("the text holds more than one statement");
            break;
        }

    // The end of the parenthesised group around each token (n for depth 0).
    std::vector<std::size_t> group_end(n, n), group_begin(n, 0);
    {
        std::vector<std::size_t> open;
        for (std::size_t k = 0; k < n; ++k) {
            if (t[k].kind == token_kind::rparen && !open.empty()) {
                const std::size_t o = open.back();
                open.pop_back();
                for (std::size_t m = o + 1; m < k; ++m)
                    if (group_end[m] == n) {
                        group_end[m] = k;
                        group_begin[m] = o;
                    }
            }
            if (t[k].kind == token_kind::lparen) open.push_back(k);
        }
    }
    auto word = [&](std::size_t k, std::string_view w) { return k < n && t[k].is_word(w); };
    auto matching = [&](std::size_t open) {
        for (std::size_t k = open + 1; k < n; ++k)
            if (t[k].kind == token_kind::rparen && t[k].depth == t[open].depth) return k;
        return n;
    };
    auto part = [&](const token& x) {
        return x.kind == token_kind::quoted_ident && d == dialect::sqlite ? detail::lowered(x.lower) : x.lower;
    };
    std::vector<bool> consumed(n, false); // names already read as tables, aliases, column lists

    // WITH lists: the names they define and where each is visible.
    struct cte {
        std::string name;
        std::size_t visible_from, visible_to;
    };
    std::vector<cte> ctes;
    for (std::size_t w = 0; w < n; ++w) {
        if (!t[w].is_word("with")) continue;
        std::size_t k = w + 1;
        const bool recursive = word(k, "recursive");
        if (recursive) ++k;
        std::vector<cte> here;
        while (k < n && t[k].is_name() && !(t[k].kind == token_kind::word && detail::scan_reserved(t[k].lower))) {
            const std::size_t name_at = k++;
            if (k < n && t[k].kind == token_kind::lparen) {
                const std::size_t e = matching(k);
                for (std::size_t m = k; m <= e && m < n; ++m) consumed[m] = true;
                k = e + 1;
            }
            if (!word(k, "as")) break;
            ++k;
            if (word(k, "not")) ++k;
            if (word(k, "materialized")) ++k;
            if (k >= n || t[k].kind != token_kind::lparen) break;
            const std::size_t body_end = matching(k);
            consumed[name_at] = true;
            here.push_back(cte{part(t[name_at]), recursive ? w : body_end, group_end[w]});
            k = body_end + 1;
            if (k < n && t[k].kind == token_kind::comma) ++k;
            else break;
        }
        ctes.insert(ctes.end(), here.begin(), here.end());
    }
    auto is_cte = [&](const std::string& name, std::size_t at) {
        for (auto& c : ctes)
            if (c.name == name && at >= c.visible_from && at < c.visible_to) return true;
        return false;
    };

    // Reads [schema.]name at k; returns one past it, or k when there is no name.
    auto read_name = [&](std::size_t k, std::string& name, bool& qualified) {
        name.clear();
        qualified = false;
        std::size_t j = k;
        while (j < n && t[j].is_name()) {
            if (t[j].kind == token_kind::word && detail::scan_reserved(t[j].lower)) break;
            if (!name.empty()) {
                name += '.';
                qualified = true;
            }
            name += part(t[j]);
            consumed[j] = true;
            ++j;
            if (j + 1 < n && t[j].kind == token_kind::dot && t[j + 1].is_name()) {
                ++j;
                continue;
            }
            break;
        }
        return name.empty() ? k : j;
    };
    // A table reference at k (after FROM, JOIN, a comma of a FROM list, ...): added to
    // `list` unless it names a CTE; returns one past the reference and its alias. In FROM
    // (`from_clause`) a '(' after the name makes it a function; after INTO, UPDATE, ON it
    // opens a column list.
    auto table_ref = [&](std::size_t k, std::vector<std::string>& list, bool from_clause = true) {
        std::size_t e = k;
        std::string name;
        bool qualified = false;
        for (;;) {
            while (word(k, "lateral") || word(k, "only")) ++k;
            if (k < n && t[k].kind == token_kind::lparen) {
                if (word(k + 1, "select") || word(k + 1, "with") || word(k + 1, "values") || word(k + 1, "table")) {
                    e = matching(k) + 1; // a subquery: its own FROM is scanned where it is
                    break;
                }
                ++k; // a nested join group
                continue;
            }
            e = read_name(k, name, qualified);
            if (e == k) return k;
            break;
        }
        if (!name.empty() && from_clause && e < n && t[e].kind == token_kind::lparen) {
            if (!detail::scan_safe_function(unqualified(name)))
                r.uncertain("the function " + name + " in FROM may read any table");
            return e;
        }
        if (!name.empty() && (qualified || !is_cte(name, k))) table_access::add(list, name);
        std::size_t j = e;
        if (j < n && t[j].is_op("*")) ++j; // FROM parent * (inheritance, PostgreSQL)
        if (!from_clause && !name.empty() && j < n && t[j].kind == token_kind::lparen) { // INSERT INTO t (columns)
            const std::size_t m = matching(j);
            for (std::size_t q = j; q <= m && q < n; ++q) consumed[q] = true;
            return m + 1;
        }
        if (word(j, "as")) ++j;
        if (j < n && t[j].is_name() && !(t[j].kind == token_kind::word && detail::scan_reserved(t[j].lower))) {
            consumed[j] = true;
            ++j;
            if (j < n && t[j].kind == token_kind::lparen) { // alias column list
                const std::size_t m = matching(j);
                for (std::size_t q = j; q <= m && q < n; ++q) consumed[q] = true;
                j = m + 1;
            }
        }
        return j;
    };
    auto ref_list = [&](std::size_t k, std::vector<std::string>& list, bool from_clause = true) {
        for (;;) {
            k = table_ref(k, list, from_clause);
            while (k < n && t[k].kind == token_kind::rparen) ++k; // end of a nested join group
            if (k < n && t[k].kind == token_kind::comma) ++k;
            else return k;
        }
    };

    // The statement's kind: its first depth-0 statement keyword (after a WITH list).
    std::string kind;
    for (std::size_t k = 0; k < n && kind.empty(); ++k)
        if (t[k].depth == 0 && t[k].kind == token_kind::word && !consumed[k] &&
            !in_list(t[k].lower, {"with", "recursive", "as", "not", "materialized"}))
            kind = t[k].lower;
    static constexpr std::string_view reads[] = {"select", "values", "table"};
    static constexpr std::string_view writes[] = {"insert", "update", "delete", "merge", "replace", "upsert",
                                                  "truncate", "create", "alter", "drop", "refresh"};
    const bool known = std::find(std::begin(reads), std::end(reads), kind) != std::end(reads) ||
                       std::find(std::begin(writes), std::end(writes), kind) != std::end(writes);
    if (!known) r.uncertain("the scanner does not read " + (kind.empty() ? std::string("this statement") : kind) + " statements");

    // Whether a SELECT/DELETE/UPDATE/INSERT/VALUES word opens the group that holds k, before k.
    auto query_group = [&](std::size_t k) {
        for (std::size_t j = (t[k].depth == 0 ? 0 : group_begin[k] + 1); j < k; ++j)
            if (t[j].depth == t[k].depth &&
                (t[j].is_word("select") || t[j].is_word("delete") || t[j].is_word("update")))
                return true;
        return false;
    };

    for (std::size_t k = 0; k < n; ++k) {
        const token& x = t[k];
        if (x.kind != token_kind::word) continue;
        const std::string& w = x.lower;
        if (w == "from") {
            if (k > 0 && t[k - 1].is_word("distinct")) continue;         // IS DISTINCT FROM
            if (!query_group(k)) continue;                                // EXTRACT(x FROM y), TRIM(.. FROM ..)
            bool after_delete = k > 0 && t[k - 1].is_word("delete");
            ref_list(k + 1, after_delete ? r.written : r.read);
        } else if (w == "join") {
            table_ref(k + 1, r.read);
        } else if (w == "using" && k + 1 < n && t[k + 1].kind != token_kind::lparen) {
            ref_list(k + 1, r.read); // DELETE ... USING, MERGE ... USING
        } else if (w == "into") {
            table_ref(k + 1, r.written, false);
        } else if (w == "update") {
            if (k > 0 && (t[k - 1].is_word("for") || t[k - 1].is_word("key") || t[k - 1].is_word("do"))) {
                if (!t[k - 1].is_word("do")) r.locks_rows = true;
                continue;
            }
            if (k > 0 && t[k - 1].is_word("on")) continue; // ON UPDATE CASCADE
            table_ref(k + 1, r.written, false);
        } else if (w == "share" && k > 0 && (t[k - 1].is_word("for") || t[k - 1].is_word("key"))) {
            r.locks_rows = true;
        } else if (w == "truncate") {
            std::size_t j = k + 1;
            if (word(j, "table")) ++j;
            ref_list(j, r.written);
        } else if (w == "table" && k == 0) {
            table_ref(k + 1, r.read); // TABLE t (PostgreSQL)
        } else if ((w == "table" || w == "view") && k > 0 && t[k].depth == 0 && in_list(kind, {"create", "alter", "drop", "refresh"})) {
            std::size_t j = k + 1;
            while (word(j, "if") || word(j, "not") || word(j, "exists") || word(j, "only") || word(j, "concurrently")) ++j;
            ref_list(j, r.written, false);
        } else if (w == "on" && t[k].depth == 0 && kind == "create") { // CREATE INDEX ... ON t
            table_ref(k + 1, r.written, false);
        } else if (k + 1 < n && t[k + 1].kind == token_kind::lparen && !consumed[k] && !detail::scan_not_a_call(w)) {
            if (k > 0 && t[k - 1].is_op("::")) continue; // a type modifier: x::numeric(10, 2)
            if (detail::scan_volatile_function(w)) {
                if (!r.volatile_result && !r.locks_rows) r.reason = "the result depends on " + w + "(), a volatile function";
                r.volatile_result = true;
            } else if (!detail::scan_safe_function(w)) {
                r.uncertain("the function " + w + "() may read any table");
            }
        }
    }
    if (r.locks_rows) r.reason = "the statement locks rows (FOR UPDATE / FOR SHARE): its result is never cached";
    if (known && kind != "select" && kind != "values" && kind != "table" && r.written.empty())
        r.uncertain("the scanner found no table this " + kind + " writes");
    return r;
}

} // namespace cistern::sql

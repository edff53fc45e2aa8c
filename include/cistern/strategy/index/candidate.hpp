#pragma once
/// \file
/// Index candidates from statement text (database-neutral): equality columns first, then
/// range and ORDER BY columns; single- and two-column candidates. Also the shared test
/// "is this candidate already covered by the leading columns of an existing index?".

#include <cistern/sql/fingerprint.hpp>
#include <cistern/sql/statement_view.hpp>
#include <cistern/sql/token.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::strategy::index {

/// A proposed index, before any database has judged it.
struct candidate {
    std::string table;                ///< unquoted, as written in the statement (last part if qualified)
    std::vector<std::string> columns; ///< unquoted, in index order
    std::string why;                  ///< e.g. "equality on customer_id, then ORDER BY created_at"

    friend bool operator==(const candidate& a, const candidate& b) { return a.table == b.table && a.columns == b.columns; }
};

/// An index that exists, as the advisors read it from the catalog.
struct existing_index {
    /// The index's name (unquoted).
    std::string name;
    /// The table it indexes (unquoted).
    std::string table;
    std::vector<std::string> columns; ///< key columns; expressions appear as their text
    /// True for a unique index (it enforces a constraint: never proposed for dropping).
    bool unique = false;
    /// True for the primary key's index (never proposed for dropping).
    bool primary = false;
    std::string method = "btree";     ///< access method (PostgreSQL); "btree" on SQLite
    std::string predicate;            ///< partial-index WHERE text, "" for a full index
};

/// The name of an existing full index on the same table whose leading columns are the
/// candidate's columns (so it already serves the candidate), if there is one.
inline std::optional<std::string> covered_by(const candidate& c, const std::vector<existing_index>& existing) {
    for (auto& e : existing) {
        if (e.table != c.table || !e.predicate.empty() || e.method != "btree") continue;
        if (e.columns.size() >= c.columns.size() && std::equal(c.columns.begin(), c.columns.end(), e.columns.begin()))
            return e.name;
    }
    return std::nullopt;
}

/// `<table>_<col>_<col>_idx` made of the names' letters, digits and underscores, at most 60
/// bytes (PostgreSQL truncates names at 63), with a hash suffix when shortened or altered.
inline std::string candidate_index_name(const candidate& c) {
    std::string raw = c.table;
    for (auto& col : c.columns) raw += "_" + col;
    std::string name;
    bool altered = false;
    for (char ch : raw) {
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
        name += ok ? ch : '_';
        altered = altered || !ok;
    }
    if (altered || name.size() > 48) {
        name = name.substr(0, 40) + "_" + sql::fingerprint_id(sql::detail::fnv1a(raw)).substr(0, 8);
    }
    return name + "_idx";
}

namespace detail {

using sql::c_from;
using sql::c_order;
using sql::c_where;
using sql::statement_view;
using sql::token;
using sql::token_kind;

/// Name as the database stores it: quoted identifiers keep their case, bare words fold to
/// lower case (PostgreSQL's rule; SQLite is case-insensitive, so lower case is safe too).
inline std::string ident_name(const token& t) { return t.lower; }

struct column_use {
    std::vector<std::string> eq, range, order;
};

} // namespace detail

/// Candidates for one statement (SELECT, UPDATE or DELETE). Only conditions joined by AND
/// at the top of WHERE (and JOIN ... ON) count; a top-level OR yields no WHERE candidates.
inline std::vector<candidate> candidates_for(std::string_view sql) {
    using namespace detail;
    const statement_view s(sql);
    const auto& t = s.tokens;
    std::vector<candidate> out;
    if (s.scopes.empty()) return out;
    const auto& sc = s.scopes.front();

    // Tables and aliases. UPDATE t / DELETE FROM t / FROM a [AS] x JOIN b y ON ...
    std::map<std::string, std::string> alias; // alias or table name -> table
    std::vector<std::string> tables;
    auto read_table = [&](std::size_t k, std::size_t end) {
        std::string table;
        while (k < end && t[k].is_name()) {
            table = ident_name(t[k]);
            if (k + 1 < end && t[k + 1].kind == token_kind::dot) {
                k += 2;
                continue;
            }
            ++k;
            break;
        }
        if (table.empty()) return k;
        tables.push_back(table);
        alias[table] = table;
        if (k < end && t[k].is_word("as")) ++k;
        if (k < end && s.is_identifier(k) && !t[k].is_word("join") && !t[k].is_word("set")) {
            alias[ident_name(t[k])] = table;
            ++k;
        }
        return k;
    };
    std::size_t from_b = t.size(), from_e = t.size();
    if (s.kind == "update") {
        std::size_t k = 0;
        while (k < t.size() && !t[k].is_word("update")) ++k;
        read_table(k + 1, t.size());
    }
    if (sc.has(c_from)) {
        auto r = sc.range(c_from, t);
        from_b = r.first;
        from_e = r.second;
        bool expect = true;
        for (std::size_t k = from_b; k < from_e; ++k) {
            if (t[k].depth != 0) continue;
            if (expect && t[k].is_name()) {
                k = read_table(k, from_e) - 1;
                expect = false;
            } else if (t[k].kind == token_kind::comma || t[k].is_word("join")) {
                expect = true;
            }
        }
    }
    if (tables.empty()) return out;

    auto column_at = [&](std::size_t k, std::size_t end) -> std::optional<std::pair<std::string, std::string>> {
        // [qualifier .] column -> (table, column)
        if (k >= end || !s.is_identifier(k)) return std::nullopt;
        if (k + 2 < end && t[k + 1].kind == token_kind::dot && s.is_identifier(k + 2)) {
            auto it = alias.find(ident_name(t[k]));
            if (it == alias.end()) return std::nullopt;
            return std::pair{it->second, ident_name(t[k + 2])};
        }
        if (k + 1 < end && (t[k + 1].kind == token_kind::lparen || t[k + 1].kind == token_kind::dot)) return std::nullopt;
        if (tables.size() != 1) return std::nullopt;
        return std::pair{tables.front(), ident_name(t[k])};
    };
    auto col_len = [&](std::size_t k) -> std::size_t { return k + 1 < t.size() && t[k + 1].kind == token_kind::dot ? 3 : 1; };

    std::map<std::string, column_use> use;
    auto add = [](std::vector<std::string>& v, const std::string& c) {
        if (std::find(v.begin(), v.end(), c) == v.end()) v.push_back(c);
    };
    // Conjuncts of [b, e) at depth 0; a depth-0 OR disqualifies the range.
    auto scan_conditions = [&](std::size_t b, std::size_t e) {
        for (std::size_t k = b; k < e; ++k)
            if (t[k].depth == 0 && t[k].is_word("or")) return;
        for (std::size_t k = b; k < e; ++k) {
            if (t[k].depth != 0) continue;
            auto col = column_at(k, e);
            if (!col) continue;
            const std::size_t after = k + col_len(k);
            if (after >= e) continue;
            const token& op = t[after];
            // Skip a column that is the right-hand side of a comparison; handled from its left.
            if (k > b && (t[k - 1].kind == token_kind::op)) {
                if (t[k - 1].text == "=" && k >= 2) {
                    // col = col (join): the right-hand column is an equality column of its table.
                    add(use[col->first].eq, col->second);
                }
                continue;
            }
            if (op.is_op("=") || op.is_op("==") || op.is_word("in") || (op.is_word("is") && after + 1 < e && t[after + 1].is_word("null"))) {
                add(use[col->first].eq, col->second);
            } else if (op.is_op("<") || op.is_op(">") || op.is_op("<=") || op.is_op(">=") || op.is_word("between") ||
                       (op.is_word("like") && after + 1 < e && t[after + 1].kind == token_kind::string &&
                        !t[after + 1].lower.empty() && t[after + 1].lower[0] != '%' && t[after + 1].lower[0] != '_')) {
                add(use[col->first].range, col->second);
            }
            k = after;
        }
    };
    if (sc.has(c_where)) {
        auto [b, e] = sc.range(c_where, t);
        scan_conditions(b, e);
    }
    // JOIN ... ON conditions
    for (std::size_t k = from_b; k < from_e; ++k) {
        if (t[k].depth != 0 || !t[k].is_word("on")) continue;
        std::size_t e = k + 1;
        while (e < from_e && !(t[e].depth == 0 && (t[e].is_word("join") || t[e].is_word("left") ||
                                                   t[e].is_word("inner") || t[e].is_word("right") ||
                                                   t[e].kind == token_kind::comma)))
            ++e;
        scan_conditions(k + 1, e);
        k = e - 1;
    }
    if (sc.has(c_order)) {
        auto [b, e] = sc.range(c_order, t);
        for (std::size_t k = b; k < e; ++k) {
            if (t[k].depth != 0) continue;
            auto col = column_at(k, e);
            if (!col) break; // expressions end the usable prefix
            add(use[col->first].order, col->second);
            k += col_len(k) - 1;
            while (k + 1 < e && (t[k + 1].is_word("asc") || t[k + 1].is_word("desc") || t[k + 1].is_word("nulls") ||
                                 t[k + 1].is_word("first") || t[k + 1].is_word("last")))
                ++k;
            if (k + 1 < e && t[k + 1].kind == token_kind::comma) ++k;
            else break;
        }
    }

    auto push = [&](const std::string& table, std::vector<std::string> cols, std::string why) {
        candidate c{table, std::move(cols), std::move(why)};
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
    };
    for (auto& [table, u] : use) {
        for (auto& e : u.eq) push(table, {e}, "equality on " + e);
        for (std::size_t i = 0; i < u.eq.size(); ++i)
            for (std::size_t j = 0; j < u.eq.size(); ++j)
                if (i != j) push(table, {u.eq[i], u.eq[j]}, "equality on " + u.eq[i] + " and " + u.eq[j]);
        for (auto& e : u.eq)
            for (auto& r : u.range)
                if (r != e) push(table, {e, r}, "equality on " + e + ", then range on " + r);
        for (auto& e : u.eq)
            if (!u.order.empty() && u.order.front() != e)
                push(table, {e, u.order.front()}, "equality on " + e + ", then ORDER BY " + u.order.front());
        for (auto& r : u.range) push(table, {r}, "range on " + r);
        if (!u.order.empty()) push(table, {u.order.front()}, "ORDER BY " + u.order.front());
    }
    return out;
}

} // namespace cistern::strategy::index

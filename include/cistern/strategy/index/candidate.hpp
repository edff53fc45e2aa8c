#pragma once
/// \file
/// Index candidates from statement text (database-neutral): which columns each table's
/// conditions use (column_uses_of), and the candidate indexes made of them (candidates_for):
/// equality columns first, then range and ORDER BY columns; single- and two-column
/// candidates, bounded per statement. Also the shared test "is this candidate already
/// covered by the leading columns of an existing index?".

#include <cistern/sql/dialect.hpp>
#include <cistern/sql/fingerprint.hpp>
#include <cistern/sql/statement_view.hpp>
#include <cistern/sql/token.hpp>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
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
/// `Index` is existing_index or a type derived from it.
template <class Index>
std::optional<std::string> covered_by(const candidate& c, const std::vector<Index>& existing) {
    for (auto& e : existing) {
        if (e.table != c.table || !e.predicate.empty() || e.method != "btree") continue;
        if (e.columns.size() >= c.columns.size() && std::equal(c.columns.begin(), c.columns.end(), e.columns.begin()))
            return e.name;
    }
    return std::nullopt;
}

/// Why an existing index already serves candidate `c`, or nullopt: an existing full B-tree
/// index on the table whose leading columns are the candidate's columns (covered_by), or one
/// that leads with the candidate's first column (a second index leading with the same column
/// is not proposed; the existing one serves that column's lookups). `Index` as for covered_by.
template <class Index>
std::optional<std::string> served_by_existing(const candidate& c, const std::vector<Index>& existing) {
    std::string cols;
    for (auto& col : c.columns) cols += (cols.empty() ? "" : ", ") + col;
    if (auto cover = covered_by(c, existing))
        return "not proposing " + c.table + "(" + cols + "): index " + *cover + " already leads with these columns";
    for (auto& e : existing) {
        if (e.table != c.table || !e.predicate.empty() || e.method != "btree" || e.columns.empty()) continue;
        if (e.columns.front() == c.columns.front())
            return "not proposing " + c.table + "(" + cols + "): index " + e.name + " already leads with " + c.columns.front();
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

/// How the columns of one table are used by a statement's conditions, each list in order
/// of first appearance, without repeats.
struct column_use {
    std::vector<std::string> eq;    ///< `col = x`, `x = col`, `col IN (...)`, `col IS NULL`, join equalities
    std::vector<std::string> range; ///< `<`, `>`, `<=`, `>=` (either side), BETWEEN, anchored LIKE
    std::vector<std::string> order; ///< the usable leading ORDER BY columns (plain columns only)

    /// True when `column` appears in any of the lists.
    bool uses(const std::string& column) const {
        return std::find(eq.begin(), eq.end(), column) != eq.end() ||
               std::find(range.begin(), range.end(), column) != range.end() ||
               std::find(order.begin(), order.end(), column) != order.end();
    }
};

/// Bounds on candidate generation for one statement. The work is O(n log n) in the number of
/// conditions plus O(max_columns²) per table, whatever the statement.
struct candidate_limits {
    /// At most this many candidates per statement (the most promising first).
    std::size_t max_candidates = 24;
    /// Of each table's equality (and, separately, range) columns, only the `max_columns`
    /// best ranked are combined into candidates (see candidates_for's `rank`).
    std::size_t max_columns = 8;
};

/// Ranks a column for candidate order: higher is more selective (e.g. the number of
/// distinct values). Columns with equal rank keep their order of appearance.
using column_rank = std::function<double(const std::string& table, const std::string& column)>;

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

/// Column uses per table, with O(log n) membership tests.
class use_collector {
public:
    /// Records `column` of `table` in the list `kind` (0 eq, 1 range, 2 order).
    void add(const std::string& table, const std::string& column, int kind) {
        if (!seen_.insert({table, column, kind}).second) return;
        auto it = uses_.find(table);
        if (it == uses_.end()) {
            order_.push_back(table);
            it = uses_.emplace(table, column_use{}).first;
        }
        (kind == 0 ? it->second.eq : kind == 1 ? it->second.range : it->second.order).push_back(column);
    }
    /// Tables in order of first use, with their column uses.
    std::vector<std::pair<std::string, column_use>> take() {
        std::vector<std::pair<std::string, column_use>> out;
        for (auto& t : order_) out.emplace_back(t, std::move(uses_[t]));
        return out;
    }

private:
    std::set<std::tuple<std::string, std::string, int>> seen_;
    std::map<std::string, column_use> uses_;
    std::vector<std::string> order_;
};

/// Reads one statement (and, recursively, its parenthesized subqueries and WITH queries).
inline void collect_uses(std::string_view sql, sql::dialect d, use_collector& out, int nesting = 0) {
    const statement_view s(sql, d);
    const auto& t = s.tokens;
    if (t.empty() || nesting > 32) return;
    auto text_between = [&](std::size_t open, std::size_t close) -> std::string_view {
        if (open + 1 >= close || close > t.size()) return {};
        const char* b = t[open + 1].text.data();
        const char* e = close < t.size() ? t[close].text.data() : s.text.data() + s.text.size();
        return std::string_view(b, static_cast<std::size_t>(e - b));
    };
    // Every parenthesized SELECT/WITH at any depth is a query of its own (subquery, derived
    // table, WITH query): read it with its own aliases. Only the outermost ones here; the
    // recursion reaches deeper ones.
    std::set<std::string> cte_names;
    for (std::size_t k = 0; k + 1 < t.size(); ++k) {
        if (t[k].kind != token_kind::lparen) continue;
        if (t[k + 1].is_word("select") || t[k + 1].is_word("with") || t[k + 1].is_word("values")) {
            const auto close = s.matching(k);
            collect_uses(text_between(k, close), d, out, nesting + 1);
            k = close < t.size() ? close : k;
        }
    }
    // WITH names: `WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (...) [, ...]`.
    if (t[0].is_word("with")) {
        std::size_t k = 1;
        if (k < t.size() && t[k].is_word("recursive")) ++k;
        while (k < t.size() && t[k].is_name()) {
            cte_names.insert(ident_name(t[k]));
            ++k;
            if (k < t.size() && t[k].kind == token_kind::lparen) k = s.matching(k) + 1;
            while (k < t.size() && t[k].kind != token_kind::lparen) ++k; // AS [NOT] [MATERIALIZED]
            if (k >= t.size()) break;
            k = s.matching(k) + 1;
            if (k < t.size() && t[k].kind == token_kind::comma) ++k;
            else break;
        }
    }
    // The query blocks at depth 0 (split on UNION/INTERSECT/EXCEPT), each with its aliases.
    for (const auto& sc : s.scopes) {
        std::map<std::string, std::string> alias; // alias or table name -> table ("" = not a table)
        std::vector<std::string> tables;          // base tables of this block, in order
        std::size_t items = 0;                    // FROM items of any kind (tables, WITH queries, subqueries, functions)
        auto register_table = [&](const std::string& table, std::optional<std::string> as) {
            const bool cte = cte_names.count(table) != 0;
            if (!cte) tables.push_back(table);
            alias[table] = cte ? std::string{} : table;
            if (as) alias[*as] = cte ? std::string{} : table;
        };
        // [schema .] table [AS] [alias]; returns the index after it.
        auto read_table = [&](std::size_t k, std::size_t end) {
            ++items;
            if (k < end && (t[k].is_word("only") || t[k].is_word("lateral"))) ++k;
            if (k < end && t[k].kind == token_kind::lparen) { // derived table: read above
                k = s.matching(k) + 1;
                if (k < end && t[k].is_word("as")) ++k;
                if (k < end && s.is_identifier(k)) {
                    alias[ident_name(t[k])] = std::string{};
                    ++k;
                }
                if (k < end && t[k].kind == token_kind::lparen) k = s.matching(k) + 1; // column aliases
                return k;
            }
            std::string table;
            while (k < end && (s.is_identifier(k) || t[k].kind == token_kind::quoted_ident)) {
                table = ident_name(t[k]);
                if (k + 1 < end && t[k + 1].kind == token_kind::dot) {
                    k += 2;
                    continue;
                }
                ++k;
                break;
            }
            if (table.empty()) return k;
            if (k < end && t[k].kind == token_kind::lparen) { // a set-returning function, not a table
                k = s.matching(k) + 1;
                if (k < end && t[k].is_word("as")) ++k;
                if (k < end && s.is_identifier(k)) alias[ident_name(t[k++])] = std::string{};
                return k;
            }
            std::optional<std::string> as;
            if (k < end && t[k].is_word("as")) ++k;
            if (k < end && s.is_identifier(k) && !t[k].is_word("join") && !t[k].is_word("set") && !t[k].is_word("natural") &&
                !t[k].is_word("cross") && !t[k].is_word("full") && !t[k].is_word("using")) {
                as = ident_name(t[k]);
                ++k;
            }
            register_table(table, as);
            return k;
        };
        std::size_t from_b = sc.end, from_e = sc.end;
        for (std::size_t k = sc.begin; k < sc.end; ++k) {
            if (t[k].depth != 0) continue;
            if (t[k].is_word("update")) {
                read_table(k + 1, sc.end);
                break;
            }
            if (t[k].is_word("select") || t[k].is_word("delete") || t[k].is_word("insert")) break;
        }
        // Where each JOIN's ON/USING starts and which table it joins.
        std::vector<std::pair<std::size_t, std::size_t>> on_ranges;
        if (sc.has(c_from)) {
            auto r = sc.range(c_from, t);
            from_b = r.first;
            from_e = r.second;
            bool expect = true;
            for (std::size_t k = from_b; k < from_e; ++k) {
                if (t[k].depth != 0) continue;
                if (expect && (t[k].is_name() || t[k].kind == token_kind::lparen)) {
                    if (t[k].is_word("natural") || t[k].is_word("cross") || t[k].is_word("inner") || t[k].is_word("left") ||
                        t[k].is_word("right") || t[k].is_word("full") || t[k].is_word("outer"))
                        continue;
                    k = read_table(k, from_e) - 1;
                    expect = false;
                } else if (t[k].kind == token_kind::comma || t[k].is_word("join")) {
                    expect = true;
                } else if (t[k].is_word("on")) {
                    std::size_t e = k + 1;
                    while (e < from_e && !(t[e].depth == 0 && (t[e].is_word("join") || t[e].is_word("left") || t[e].is_word("inner") ||
                                                               t[e].is_word("right") || t[e].is_word("full") || t[e].is_word("cross") ||
                                                               t[e].is_word("natural") || t[e].kind == token_kind::comma)))
                        ++e;
                    on_ranges.emplace_back(k + 1, e);
                    k = e - 1;
                } else if (t[k].is_word("using") && k + 1 < from_e && t[k + 1].kind == token_kind::lparen && tables.size() >= 2) {
                    // JOIN b USING (x): equality on x in the joined table and the one before it.
                    const auto close = s.matching(k + 1);
                    for (std::size_t j = k + 2; j < close && j < from_e; ++j)
                        if (s.is_identifier(j) || t[j].kind == token_kind::quoted_ident) {
                            out.add(tables[tables.size() - 1], ident_name(t[j]), 0);
                            out.add(tables[tables.size() - 2], ident_name(t[j]), 0);
                        }
                    k = close;
                }
            }
        }
        if (tables.empty()) continue;

        // [qualifier .] column spanning exactly [k, end) -> (table, column).
        auto column_ref = [&](std::size_t k, std::size_t end) -> std::optional<std::pair<std::string, std::string>> {
            if (k >= end || !(s.is_identifier(k) || t[k].kind == token_kind::quoted_ident)) return std::nullopt;
            if (end == k + 3 && t[k + 1].kind == token_kind::dot &&
                (s.is_identifier(k + 2) || t[k + 2].kind == token_kind::quoted_ident)) {
                auto it = alias.find(ident_name(t[k]));
                if (it == alias.end() || it->second.empty()) return std::nullopt;
                return std::pair{it->second, ident_name(t[k + 2])};
            }
            if (end != k + 1 || tables.size() != 1 || items != 1) return std::nullopt; // unqualified: only with one FROM item
            return std::pair{tables.front(), ident_name(t[k])};
        };
        // Conjuncts of [b, e) at depth `at`; an OR at that depth disqualifies the range.
        std::function<void(std::size_t, std::size_t, int)> conditions;
        // One conjunct [b, e) at depth `at`: `lhs op rhs`, either side may be the column.
        auto conjunct = [&](std::size_t b, std::size_t e, int at) {
            if (b >= e || t[b].is_word("not")) return;
            if (t[b].kind == token_kind::lparen && s.matching(b) == e - 1 && b + 1 < e - 1 && !t[b + 1].is_word("select")) {
                conditions(b + 1, e - 1, at + 1); // (a = 1 AND b = 2)
                return;
            }
            std::size_t op = b;
            while (op < e && !(t[op].depth == at && (t[op].kind == token_kind::op || t[op].is_word("in") || t[op].is_word("is") ||
                                                   t[op].is_word("between") || t[op].is_word("like") || t[op].is_word("not") ||
                                                   t[op].is_word("ilike") || t[op].is_word("glob"))))
                ++op;
            if (op >= e || op == b) return;
            // `a.b` has a dot token, never an op: the first op is the comparison.
            const auto left = column_ref(b, op);
            const token& o = t[op];
            auto rhs_is_range_literal = [&] {
                return op + 1 < e && t[op + 1].kind == token_kind::string && !t[op + 1].lower.empty() &&
                       t[op + 1].lower[0] != '%' && t[op + 1].lower[0] != '_';
            };
            const bool cmp = o.is_op("<") || o.is_op(">") || o.is_op("<=") || o.is_op(">=");
            if (left) {
                if (o.is_op("=") || o.is_op("==") || o.is_word("in") ||
                    (o.is_word("is") && op + 1 < e && t[op + 1].is_word("null")))
                    out.add(left->first, left->second, 0);
                else if (cmp || o.is_word("between") || (o.is_word("like") && rhs_is_range_literal()) ||
                         (o.is_word("glob") && rhs_is_range_literal()))
                    out.add(left->first, left->second, 1);
            }
            if (o.kind != token_kind::op) return;
            const auto right = column_ref(op + 1, e);
            if (!right) return;
            if (o.is_op("=") || o.is_op("==")) out.add(right->first, right->second, 0);
            else if (cmp) out.add(right->first, right->second, 1);
        };
        conditions = [&](std::size_t b, std::size_t e, int at) {
            for (std::size_t k = b; k < e; ++k)
                if (t[k].depth == at && t[k].is_word("or")) return;
            std::size_t start = b;
            bool between = false;
            for (std::size_t k = b; k <= e; ++k) {
                if (k < e && t[k].depth != at) continue;
                if (k < e && t[k].is_word("between")) between = true;
                if (k == e || t[k].is_word("and")) {
                    if (k < e && between) {
                        between = false; // BETWEEN x AND y
                        continue;
                    }
                    conjunct(start, k, at);
                    start = k + 1;
                }
            }
        };
        if (sc.has(c_where)) {
            auto [b, e] = sc.range(c_where, t);
            conditions(b, e, 0);
        }
        for (auto [b, e] : on_ranges) conditions(b, e, 0);
        if (sc.has(c_order)) {
            auto [b, e] = sc.range(c_order, t);
            std::size_t k = b;
            while (k < e) {
                std::size_t end = k;
                while (end < e && !(t[end].depth == 0 && (t[end].kind == token_kind::comma || t[end].is_word("asc") ||
                                                          t[end].is_word("desc") || t[end].is_word("nulls"))))
                    ++end;
                auto col = column_ref(k, end);
                if (!col) break; // expressions end the usable prefix
                out.add(col->first, col->second, 2);
                while (end < e && t[end].kind != token_kind::comma) ++end;
                k = end + 1;
            }
        }
    }
}

} // namespace detail

/// The columns each base table's conditions use in `sql` (SELECT, UPDATE or DELETE, WITH
/// queries and subqueries included), tables in order of first use. Only conditions joined by
/// AND at the top of WHERE and JOIN ... ON count (a top-level OR yields none for that clause);
/// a comparison counts whichever side the column is on (`t.a = 5`, `5 = t.a`,
/// `ON g.id = t.genre_id`). Names of WITH queries are not tables. Linear in the statement's
/// length (times its nesting depth).
inline std::vector<std::pair<std::string, column_use>> column_uses_of(std::string_view sql, sql::dialect d = sql::dialect::generic) {
    detail::use_collector out;
    detail::collect_uses(sql, d, out);
    return out.take();
}

/// Candidate indexes for the uses `uses` (column_uses_of): per table, single equality columns,
/// equality + range, equality + ORDER BY, pairs of equality columns (both orders), single
/// range columns and the leading ORDER BY column, in that order of preference; columns ranked
/// by `rank` (most selective first, when given) and cut to `limits.max_columns`; at most
/// `limits.max_candidates` in all, preferred kinds first across tables.
inline std::vector<candidate> candidates_from(const std::vector<std::pair<std::string, column_use>>& uses,
                                              const candidate_limits& limits = {}, const column_rank& rank = {}) {
    struct ranked {
        int level;
        std::size_t order;
        candidate c;
    };
    std::vector<ranked> all;
    std::size_t seq = 0;
    for (auto& [table, u] : uses) {
        auto best = [&](const std::vector<std::string>& cols) {
            std::vector<std::string> v = cols;
            if (rank) {
                std::vector<std::pair<double, std::size_t>> key;
                key.reserve(v.size());
                for (std::size_t i = 0; i < v.size(); ++i) key.emplace_back(-rank(table, v[i]), i);
                std::stable_sort(key.begin(), key.end());
                std::vector<std::string> sorted;
                for (auto& [r, i] : key) sorted.push_back(v[i]);
                v = std::move(sorted);
            }
            if (v.size() > limits.max_columns) v.resize(limits.max_columns);
            return v;
        };
        const auto eq = best(u.eq);
        const auto range = best(u.range);
        auto add = [&](int level, std::vector<std::string> cols, std::string why) {
            all.push_back({level, seq++, candidate{table, std::move(cols), std::move(why)}});
        };
        for (auto& e : eq) add(0, {e}, "equality on " + e);
        for (auto& e : eq)
            for (auto& r : range)
                if (r != e) add(1, {e, r}, "equality on " + e + ", then range on " + r);
        for (auto& e : eq)
            if (!u.order.empty() && u.order.front() != e) add(1, {e, u.order.front()}, "equality on " + e + ", then ORDER BY " + u.order.front());
        for (std::size_t i = 0; i < eq.size(); ++i)
            for (std::size_t j = i + 1; j < eq.size(); ++j) {
                add(2, {eq[i], eq[j]}, "equality on " + eq[i] + " and " + eq[j]);
                add(3, {eq[j], eq[i]}, "equality on " + eq[j] + " and " + eq[i]);
            }
        for (auto& r : range) add(2, {r}, "range on " + r);
        if (!u.order.empty()) add(2, {u.order.front()}, "ORDER BY " + u.order.front());
    }
    std::stable_sort(all.begin(), all.end(), [](const ranked& a, const ranked& b) { return a.level < b.level; });
    std::vector<candidate> out;
    std::set<std::pair<std::string, std::vector<std::string>>> seen;
    for (auto& r : all) {
        if (out.size() >= limits.max_candidates) break;
        if (seen.insert({r.c.table, r.c.columns}).second) out.push_back(std::move(r.c));
    }
    return out;
}

/// Candidates for one statement: candidates_from(column_uses_of(sql, d), limits, rank).
inline std::vector<candidate> candidates_for(std::string_view sql, const candidate_limits& limits = {}, const column_rank& rank = {},
                                             sql::dialect d = sql::dialect::generic) {
    return candidates_from(column_uses_of(sql, d), limits, rank);
}

} // namespace cistern::strategy::index

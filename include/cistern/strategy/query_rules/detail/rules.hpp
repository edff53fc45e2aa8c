#pragma once
/// \file
/// The statement-level query rules. Each is a function over a statement_view that appends
/// findings; analyzer runs them in order.

#include <cistern/sql/statement_view.hpp>
#include <cistern/sql/token.hpp>
#include <cistern/strategy/query_rules/context.hpp>
#include <cistern/strategy/query_rules/finding.hpp>
#include <cistern/strategy/query_rules/options.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::strategy::query_rules::detail {

using sql::c_count_;
using sql::c_fetch;
using sql::c_for;
using sql::c_from;
using sql::c_group;
using sql::c_having;
using sql::c_limit;
using sql::c_offset;
using sql::c_order;
using sql::c_returning;
using sql::c_select;
using sql::c_set;
using sql::c_values;
using sql::c_where;
using sql::clause;
using sql::npos;
using sql::scope;
using sql::statement_view;
using sql::token;
using sql::token_kind;

/// Everything a rule gets.
struct rule_input {
    const statement_view& s;
    const statement_context& ctx;
    const rule_options& opt;
    std::vector<finding>& out;

    void report(std::string rule, severity level, std::string message, std::string suggestion) const {
        out.push_back(finding{std::move(rule), level, s.fingerprint, s.normalized, std::move(message),
                              std::move(suggestion)});
    }
    const std::vector<token>& t() const noexcept { return s.tokens; }
};

using rule_fn = void (*)(const rule_input&);

inline bool is_comparison(const token& t) noexcept {
    if (t.kind == token_kind::op)
        return t.text == "=" || t.text == "==" || t.text == "<" || t.text == ">" || t.text == "<=" ||
               t.text == ">=" || t.text == "<>" || t.text == "!=";
    return t.is_word("like") || t.is_word("ilike") || t.is_word("between") || t.is_word("in") ||
           t.is_word("is") || t.is_word("glob");
}

inline bool is_aggregate(const token& t) noexcept {
    static constexpr std::string_view names[] = {"count", "sum", "avg", "min", "max", "total", "group_concat",
                                                 "string_agg", "array_agg", "bool_and", "bool_or", "every",
                                                 "json_agg", "jsonb_agg", "stddev", "variance"};
    if (t.kind != token_kind::word) return false;
    for (auto n : names)
        if (t.lower == n) return true;
    return false;
}

inline std::optional<std::int64_t> as_integer(const token& t) {
    if (t.kind != token_kind::number) return std::nullopt;
    std::int64_t v = 0;
    auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (r.ec != std::errc{}) return std::nullopt;
    return v;
}

/// Name of the single table a block reads (`FROM x` / `FROM s.x` / `FROM x AS a`), if exactly one.
inline std::optional<std::string> single_table(const statement_view& s, const scope& sc) {
    auto [b, e] = sc.range(c_from, s.tokens);
    if (b >= e) return std::nullopt;
    std::string name;
    std::size_t k = b;
    while (k < e && s.tokens[k].is_name()) {
        name = s.tokens[k].lower;
        if (s.tokens[k].kind == token_kind::word) name = std::string(s.tokens[k].text);
        if (k + 1 < e && s.tokens[k + 1].kind == token_kind::dot) {
            k += 2;
            continue;
        }
        ++k;
        break;
    }
    if (name.empty()) return std::nullopt;
    for (std::size_t j = k; j < e; ++j) {
        const token& x = s.tokens[j];
        if (x.depth != 0) continue;
        if (x.kind == token_kind::comma || x.is_word("join")) return std::nullopt;
    }
    return name;
}

// 1
inline void select_star(const rule_input& in) {
    for (const auto& sc : in.s.scopes) {
        if (!sc.has(c_select)) continue;
        auto [b, e] = sc.range(c_select, in.t());
        for (std::size_t k = b; k < e; ++k) {
            const token& x = in.t()[k];
            if (x.depth != 0 || !x.is_op("*")) continue;
            const bool product = k > b && (in.t()[k - 1].kind == token_kind::number ||
                                           in.t()[k - 1].kind == token_kind::rparen ||
                                           (in.t()[k - 1].is_name() && in.s.is_identifier(k - 1)));
            if (product) continue;
            in.report("select_star", severity::warning, "SELECT * reads every column",
                      "name the columns you use: fewer bytes, covering indexes become possible, "
                      "and the query survives schema changes");
            return;
        }
    }
}

// 2, 3
inline void write_without_where(const rule_input& in, std::string_view kind, const char* rule) {
    if (in.s.kind != kind) return;
    for (const auto& sc : in.s.scopes)
        if (sc.has(c_where)) return;
    in.report(rule, severity::error, std::string(kind == "update" ? "UPDATE" : "DELETE") + " without WHERE touches every row",
              "add a WHERE clause; if every row is really meant, say so with an explicit always-true "
              "condition or use TRUNCATE for a delete");
}
inline void update_without_where(const rule_input& in) { write_without_where(in, "update", "update_without_where"); }
inline void delete_without_where(const rule_input& in) { write_without_where(in, "delete", "delete_without_where"); }

// 4
inline void leading_wildcard_like(const rule_input& in) {
    const auto& t = in.t();
    for (std::size_t k = 0; k + 1 < t.size(); ++k) {
        if (!(t[k].is_word("like") || t[k].is_word("ilike") || t[k].is_op("~~"))) continue;
        const token& p = t[k + 1];
        if (p.kind == token_kind::string && !p.lower.empty() && (p.lower[0] == '%' || p.lower[0] == '_')) {
            in.report("leading_wildcard_like", severity::warning,
                      "LIKE pattern '" + p.lower + "' starts with a wildcard: no B-tree index can serve it",
                      "anchor the pattern at the start, or use a trigram index (PostgreSQL pg_trgm) / "
                      "full-text search (SQLite FTS5)");
            return;
        }
    }
}

// 5
inline void function_on_column(const rule_input& in) {
    const auto& t = in.t();
    // CAST(col AS t) is cast_on_column's.
    static constexpr std::string_view not_functions[] = {"in", "exists", "any", "all", "some", "array", "values",
                                                         "select", "row", "not", "and", "or", "where", "cast"};
    for (const auto& sc : in.s.scopes) {
        auto [b, e] = sc.range(c_where, t);
        for (std::size_t k = b; k + 1 < e; ++k) {
            if (t[k].kind != token_kind::word || t[k + 1].kind != token_kind::lparen) continue;
            bool skip = false;
            for (auto nf : not_functions)
                if (t[k].lower == nf) skip = true;
            if (skip) continue;
            const std::size_t close = in.s.matching(k + 1);
            bool column = false;
            for (std::size_t a = k + 2; a < close; ++a) {
                if (!in.s.is_identifier(a)) continue;
                if (a + 1 < close && t[a + 1].kind == token_kind::lparen) continue; // nested function name
                column = true;
                break;
            }
            if (!column) continue;
            const bool compared = (close + 1 < t.size() && is_comparison(t[close + 1])) ||
                                  (k > 0 && is_comparison(t[k - 1]) && !t[k - 1].is_word("in"));
            if (!compared) continue;
            std::string call(t[k].text);
            in.report("function_on_column", severity::warning,
                      "WHERE applies " + call + "() to a column: an index on the bare column cannot be used",
                      "compare the bare column (e.g. a range instead of date(col) = ?), or create an "
                      "expression index on " + call + "(...)");
            return;
        }
    }
}

// 6
inline void or_across_columns(const rule_input& in) {
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        auto [b, e] = sc.range(c_where, t);
        std::set<std::size_t> done;
        for (std::size_t k = b; k < e; ++k) {
            if (!t[k].is_word("or")) continue;
            const int d = t[k].depth;
            std::size_t gb = k;
            while (gb > b && t[gb - 1].depth >= d) --gb; // the group's '(' has depth d - 1
            if (!done.insert(gb).second) continue;
            std::size_t ge = k;
            while (ge < e && t[ge].depth >= d) ++ge;
            // Column of each OR operand: the first identifier at depth d followed by a comparison.
            std::set<std::string> columns;
            bool segment_has = false;
            for (std::size_t j = gb; j < ge; ++j) {
                if (t[j].depth == d && t[j].is_word("or")) {
                    segment_has = false;
                    continue;
                }
                if (segment_has || t[j].depth != d || !in.s.is_identifier(j)) continue;
                if (j + 1 < ge && t[j + 1].kind == token_kind::dot) continue; // qualifier
                if (j + 1 < ge && t[j + 1].kind == token_kind::lparen) {
                    // f(col) <op> ...: the operand's column is the first one inside the call.
                    const std::size_t close = in.s.matching(j + 1);
                    if (close + 1 < ge && is_comparison(t[close + 1]))
                        for (std::size_t a = j + 2; a < close; ++a)
                            if (in.s.is_identifier(a) && !(a + 1 < close && (t[a + 1].kind == token_kind::lparen ||
                                                                             t[a + 1].kind == token_kind::dot))) {
                                columns.insert(t[a].lower);
                                segment_has = true;
                                break;
                            }
                    j = close;
                    continue;
                }
                if (j + 1 < ge && is_comparison(t[j + 1])) {
                    columns.insert(t[j].lower);
                    segment_has = true;
                }
            }
            if (columns.size() >= 2) {
                std::string list;
                for (auto& c : columns) list += (list.empty() ? "" : ", ") + c;
                in.report("or_across_columns", severity::warning,
                          "OR across different columns (" + list + ") usually defeats a single index",
                          "rewrite as UNION ALL of one query per column (each can use its own index), or "
                          "rely on a bitmap OR with an index per column (PostgreSQL)");
                return;
            }
        }
    }
}

// 7
inline void not_in_subquery(const rule_input& in) {
    const auto& t = in.t();
    for (std::size_t k = 0; k + 3 < t.size(); ++k) {
        if (t[k].is_word("not") && t[k + 1].is_word("in") && t[k + 2].kind == token_kind::lparen &&
            (t[k + 3].is_word("select") || t[k + 3].is_word("with"))) {
            in.report("not_in_subquery", severity::warning,
                      "NOT IN (subquery) returns no rows when the subquery yields a NULL, and plans poorly",
                      "use NOT EXISTS (SELECT 1 FROM ... WHERE ...) or a LEFT JOIN ... IS NULL anti-join");
            return;
        }
    }
}

// 8
inline void large_offset(const rule_input& in) {
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        std::optional<std::int64_t> off;
        if (sc.has(c_offset) && sc.at[c_offset] + 1 < t.size()) off = as_integer(t[sc.at[c_offset] + 1]);
        if (!off && sc.has(c_limit)) {
            // MySQL / SQLite form: LIMIT <offset>, <count>
            auto [b, e] = sc.range(c_limit, t);
            if (b + 2 < e && t[b + 1].kind == token_kind::comma) off = as_integer(t[b]);
        }
        if (off && *off >= in.opt.large_offset) {
            in.report("large_offset", severity::warning,
                      "OFFSET " + std::to_string(*off) + " makes the database read and discard that many rows",
                      "paginate by key (WHERE id > last_seen ORDER BY id LIMIT n) instead of OFFSET");
            return;
        }
    }
}

// 9
inline void order_by_random(const rule_input& in) {
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        auto [b, e] = sc.range(c_order, t);
        for (std::size_t k = b; k + 1 < e; ++k)
            if ((t[k].is_word("random") || t[k].is_word("rand") || t[k].is_word("newid")) &&
                t[k + 1].kind == token_kind::lparen) {
                in.report("order_by_random", severity::warning,
                          "ORDER BY " + std::string(t[k].text) + "() sorts the whole result to pick a few rows",
                          "pick random keys in the application, use TABLESAMPLE (PostgreSQL), or select by "
                          "a random id range");
                return;
            }
    }
}

// 10
inline void implicit_cross_join(const rule_input& in) {
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        auto [b, e] = sc.range(c_from, t);
        for (std::size_t k = b; k < e; ++k) {
            if (t[k].depth != 0 || t[k].kind != token_kind::comma) continue;
            const bool where = sc.has(c_where);
            in.report("implicit_cross_join", where ? severity::info : severity::error,
                      where ? "comma join in FROM: the join condition hides in WHERE"
                            : "comma join in FROM without any WHERE: a cartesian product",
                      "write explicit JOIN ... ON so a missing join condition cannot go unnoticed");
            return;
        }
    }
}

/// Parses a plan line's estimated rows ("rows=1234") if present.
inline std::optional<std::int64_t> plan_rows(std::string_view line) {
    auto p = line.find("rows=");
    if (p == std::string_view::npos) return std::nullopt;
    std::int64_t v = 0;
    auto r = std::from_chars(line.data() + p + 5, line.data() + line.size(), v);
    if (r.ec != std::errc{}) return std::nullopt;
    return v;
}

/// A relation name at the start of `rest`, unquoting "..." when present.
inline std::string plan_name(std::string_view rest) {
    if (!rest.empty() && rest[0] == '"') {
        std::string name;
        for (std::size_t i = 1; i < rest.size(); ++i) {
            if (rest[i] == '"') {
                if (i + 1 < rest.size() && rest[i + 1] == '"') {
                    name += '"';
                    ++i;
                    continue;
                }
                break;
            }
            name += rest[i];
        }
        return name;
    }
    std::size_t e = 0;
    while (e < rest.size() && rest[e] != ' ' && rest[e] != '(') ++e;
    return std::string(rest.substr(0, e));
}

// 11
inline void seq_scan_large_table(const rule_input& in) {
    std::string_view plan = in.ctx.plan;
    while (!plan.empty()) {
        auto nl = plan.find('\n');
        std::string_view line = plan.substr(0, nl);
        plan = nl == std::string_view::npos ? std::string_view{} : plan.substr(nl + 1);
        std::string table;
        std::optional<std::int64_t> rows;
        if (auto p = line.find("Seq Scan on "); p != std::string_view::npos) {
            table = plan_name(line.substr(p + 12));
            rows = plan_rows(line);
        } else {
            // SQLite: "SCAN t" or "SCAN TABLE t" (not "... USING INDEX").
            auto l = line;
            while (!l.empty() && (l.front() == ' ' || l.front() == '|' || l.front() == '-' || l.front() == '`')) l.remove_prefix(1);
            if (!l.starts_with("SCAN ") || l.find(" USING ") != std::string_view::npos) continue;
            l.remove_prefix(5);
            if (l.starts_with("TABLE ")) l.remove_prefix(6);
            table = plan_name(l);
        }
        if (table.empty()) continue;
        // Known table size beats the planner estimate of rows returned.
        auto known = in.ctx.rows_of(table);
        auto dot = table.rfind('.');
        if (!known && dot != std::string::npos) known = in.ctx.rows_of(std::string_view(table).substr(dot + 1));
        const std::int64_t n = known ? *known : rows.value_or(0);
        if (n >= in.opt.large_table_rows) {
            in.report("seq_scan_large_table", severity::warning,
                      "full scan of " + table + " (" + std::to_string(n) + " rows)",
                      "index the columns the WHERE clause filters on (see index advice), or add a filter");
            return;
        }
    }
}

// 12
inline void count_star_without_filter(const rule_input& in) {
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        if (!sc.has(c_select) || sc.has(c_where) || sc.has(c_group)) continue;
        auto [b, e] = sc.range(c_select, t);
        if (!(e - b == 4 && t[b].is_word("count") && t[b + 1].kind == token_kind::lparen &&
              (t[b + 2].is_op("*") || t[b + 2].text == "1") && t[b + 3].kind == token_kind::rparen))
            continue;
        auto table = single_table(in.s, sc);
        if (!table) continue;
        auto rows = in.ctx.rows_of(*table);
        if (rows && *rows < in.opt.large_table_rows) continue;
        in.report("count_star_without_filter", rows ? severity::warning : severity::info,
                  "COUNT(*) over all of " + *table +
                      (rows ? " (" + std::to_string(*rows) + " rows)" : std::string(" (size unknown)")) +
                      " reads the whole table (or a whole index)",
                  "use an estimate (pg_class.reltuples / sqlite_stat1) or keep a counter table");
        return;
    }
}

// 14 (13 is request-level, in analyzer)
inline void unbounded_read(const rule_input& in) {
    if (in.s.kind != "select") return;
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        if (!sc.has(c_select) || !sc.has(c_from) || sc.has(c_where) || sc.has(c_limit) || sc.has(c_fetch) ||
            sc.has(c_group))
            continue;
        auto [b, e] = sc.range(c_select, t);
        bool aggregate = false;
        for (std::size_t k = b; k + 1 < e; ++k)
            if (t[k].depth == 0 && is_aggregate(t[k]) && t[k + 1].kind == token_kind::lparen) aggregate = true;
        if (aggregate) continue;
        if (auto table = single_table(in.s, sc)) {
            auto rows = in.ctx.rows_of(*table);
            if (rows && *rows < in.opt.large_table_rows) continue;
        }
        in.report("unbounded_read", severity::warning,
                  "SELECT without WHERE or LIMIT returns the whole table, however large it grows",
                  "add a LIMIT (and paginate by key) or a filter");
        return;
    }
}

// 15
inline void long_in_list(const rule_input& in) {
    const auto& t = in.t();
    for (std::size_t k = 0; k + 1 < t.size(); ++k) {
        if (!t[k].is_word("in") || t[k + 1].kind != token_kind::lparen) continue;
        const std::size_t close = in.s.matching(k + 1);
        std::int64_t items = 0;
        bool literals = true;
        for (std::size_t j = k + 2; j < close; ++j) {
            if (t[j].is_literal()) ++items;
            else if (t[j].kind != token_kind::comma) literals = false;
        }
        if (literals && items > in.opt.long_in_list) {
            in.report("long_in_list", severity::warning,
                      "IN list of " + std::to_string(items) + " values: a new statement text per list size "
                      "and a long parse",
                      "pass one array parameter (= ANY($1) on PostgreSQL) or join a temporary table");
            return;
        }
    }
}

// 16
inline void having_without_aggregate(const rule_input& in) {
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        if (!sc.has(c_having)) continue;
        auto [b, e] = sc.range(c_having, t);
        bool aggregate = false;
        for (std::size_t k = b; k + 1 < e; ++k)
            if (is_aggregate(t[k]) && t[k + 1].kind == token_kind::lparen) aggregate = true;
        if (!aggregate) {
            in.report("having_without_aggregate", severity::warning,
                      "HAVING without an aggregate filters after grouping what WHERE could filter before",
                      "move the condition into WHERE");
            return;
        }
    }
}

// 17
inline void union_without_all(const rule_input& in) {
    const auto& t = in.t();
    for (std::size_t k = 0; k + 1 < t.size(); ++k)
        if (t[k].is_word("union") && !t[k + 1].is_word("all")) {
            in.report("union_without_all", severity::info,
                      "UNION removes duplicates with a sort or hash over the whole result",
                      "use UNION ALL when the branches cannot overlap or duplicates do not matter");
            return;
        }
}

// 18
inline void insert_without_columns(const rule_input& in) {
    if (in.s.kind != "insert") return;
    const auto& t = in.t();
    std::size_t k = 0;
    while (k < t.size() && !t[k].is_word("into")) ++k;
    if (++k >= t.size()) return;
    while (k < t.size() && t[k].is_name()) {
        ++k;
        if (k < t.size() && t[k].kind == token_kind::dot) ++k;
        else break;
    }
    if (k < t.size() && t[k].is_word("as")) k += 2; // PostgreSQL alias
    if (k < t.size() && (t[k].is_word("values") || t[k].is_word("select"))) {
        in.report("insert_without_columns", severity::warning,
                  "INSERT without a column list depends on the table's column order",
                  "name the columns: INSERT INTO t (a, b) VALUES (...)");
    }
}

// 19
inline void null_comparison(const rule_input& in) {
    const auto& t = in.t();
    for (std::size_t k = 0; k < t.size(); ++k) {
        if (!(t[k].is_op("=") || t[k].is_op("<>") || t[k].is_op("!=") || t[k].is_op("=="))) continue;
        const bool null_next = k + 1 < t.size() && t[k + 1].is_word("null");
        const bool null_prev = k > 0 && t[k - 1].is_word("null");
        if (!null_next && !null_prev) continue;
        // Assignment (SET a = NULL) is fine: find the clause this operator belongs to.
        std::string owner;
        for (std::size_t j = k; j-- > 0;) {
            if (t[j].depth < t[k].depth) break;
            if (t[j].depth != t[k].depth) continue;
            if (t[j].kind == token_kind::comma) {
                owner = ",";
                break;
            }
            if (t[j].is_word("set") || t[j].is_word("where") || t[j].is_word("having") || t[j].is_word("on") ||
                t[j].is_word("when") || t[j].is_word("and") || t[j].is_word("or") || t[j].is_word("select") ||
                t[j].is_word("not")) {
                owner = t[j].lower;
                break;
            }
        }
        if (owner == "where" || owner == "having" || owner == "on" || owner == "when" || owner == "and" ||
            owner == "or" || owner == "not" || (owner.empty() && t[k].depth > 0)) {
            in.report("null_comparison", severity::error,
                      "comparison with NULL using " + std::string(t[k].text) + " is never true",
                      "use IS NULL / IS NOT NULL (or IS [NOT] DISTINCT FROM)");
            return;
        }
    }
}

// 20, 21, 22: casts, arithmetic and always-true filters. They read the conditions of every
// WHERE (subqueries included) as operands around comparison operators.

/// True for the arithmetic operators + - * / %.
inline bool is_arithmetic(const token& t) noexcept {
    return t.kind == token_kind::op && (t.text == "+" || t.text == "-" || t.text == "*" || t.text == "/" || t.text == "%");
}

/// Words that end an operand of a comparison (besides the comparison operators).
inline bool ends_operand(const token& t) noexcept {
    if (t.kind == token_kind::comma || t.kind == token_kind::semicolon) return true;
    if (t.kind != token_kind::word) return false;
    static constexpr std::string_view words[] = {"where", "and", "or", "not", "on", "when", "then", "else", "end",
                                                 "having", "set", "select", "case", "from", "order", "group", "limit",
                                                 "offset", "returning", "union", "intersect", "except", "exists",
                                                 "using", "join", "as", "for", "window", "fetch", "escape"};
    for (auto w : words)
        if (t.lower == w) return true;
    return false;
}

/// True when token `i` names a column: an identifier that is not a function name, a
/// qualifier, an alias or type after AS, or a type name after `::`.
inline bool is_column_ref(const statement_view& s, std::size_t i) {
    const auto& t = s.tokens;
    if (!s.is_identifier(i)) return false;
    if (i + 1 < t.size() && (t[i + 1].kind == token_kind::lparen || t[i + 1].kind == token_kind::dot)) return false;
    // `x::double precision`, `x::character varying`: up to three type words after `::`.
    for (std::size_t j = i, words = 0; j > 0 && words < 3; --j, ++words) {
        if (t[j - 1].is_op("::") || t[j - 1].is_word("as")) return false;
        if (t[j - 1].kind != token_kind::word || ends_operand(t[j - 1]) || is_comparison(t[j - 1])) break;
    }
    return true;
}

/// [begin, end) of the operand left of the comparison at `k`, within [b, k).
inline std::size_t operand_begin(const std::vector<token>& t, std::size_t b, std::size_t k) {
    const int d = t[k].depth;
    std::size_t j = k;
    while (j > b) {
        const token& x = t[j - 1];
        if (x.depth < d || (x.depth == d && (ends_operand(x) || is_comparison(x)))) break;
        --j;
    }
    return j;
}
/// One past the operand right of the comparison at `k`, within (k, e).
inline std::size_t operand_end(const std::vector<token>& t, std::size_t k, std::size_t e) {
    const int d = t[k].depth;
    std::size_t j = k + 1;
    while (j < e) {
        const token& x = t[j];
        if (x.depth < d || (x.depth == d && (ends_operand(x) || is_comparison(x)))) break;
        ++j;
    }
    return j;
}

inline bool has_column(const statement_view& s, std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i)
        if (is_column_ref(s, i)) return true;
    return false;
}
/// An arithmetic operator at the operand's own depth (not inside a call), not a leading sign.
inline bool has_arithmetic(const std::vector<token>& t, std::size_t b, std::size_t e) {
    if (b >= e) return false;
    const int d = t[b].depth;
    for (std::size_t i = b; i < e; ++i)
        if (t[i].depth == d && is_arithmetic(t[i]) && !(i == b && (t[i].is_op("-") || t[i].is_op("+")))) return true;
    return false;
}

/// The column reference (`col` or `a.col`) ending at `i`, as written.
inline std::string column_text(const std::vector<token>& t, std::size_t i) {
    std::string name(t[i].text);
    if (i >= 2 && t[i - 1].kind == token_kind::dot) name = std::string(t[i - 2].text) + "." + name;
    return name;
}

// 20
inline void cast_on_column(const rule_input& in) {
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        auto [b, e] = sc.range(c_where, t);
        for (std::size_t k = b; k < e; ++k) {
            std::string what;
            if (t[k].is_op("::") && k > b && is_column_ref(in.s, k - 1)) {
                // col::type <op> ... or ... <op> col::type (the type may be several tokens).
                std::size_t start = k - 1;
                if (start >= b + 2 && t[start - 1].kind == token_kind::dot) start -= 2;
                std::size_t after = k + 1;
                while (after < e && t[after].depth >= t[k].depth &&
                       (t[after].depth > t[k].depth || t[after].kind == token_kind::lparen || t[after].kind == token_kind::rparen ||
                        t[after].is_op("::") || t[after].is_op("[") || t[after].is_op("]") ||
                        (t[after].kind == token_kind::word && !ends_operand(t[after]) && !is_comparison(t[after]))))
                    ++after;
                const bool compared = (after < e && is_comparison(t[after])) || (start > b && is_comparison(t[start - 1]));
                if (compared) what = column_text(t, k - 1) + "::" + std::string(t[k + 1 < e ? k + 1 : k].text);
            } else if (t[k].is_word("cast") && k + 1 < e && t[k + 1].kind == token_kind::lparen) {
                const std::size_t close = in.s.matching(k + 1);
                std::size_t as = k + 2;
                while (as < close && !(t[as].is_word("as") && t[as].depth == t[k + 1].depth + 1)) ++as;
                bool column = false;
                for (std::size_t a = k + 2; a < as; ++a) column = column || is_column_ref(in.s, a);
                const bool compared = (close + 1 < t.size() && is_comparison(t[close + 1])) || (k > b && is_comparison(t[k - 1]));
                if (column && compared) {
                    what = "CAST(";
                    for (std::size_t a = k + 2; a < as; ++a) what += std::string(t[a].text);
                    what += " AS ...)";
                }
            }
            if (what.empty()) continue;
            in.report("cast_on_column", severity::warning,
                      "WHERE compares " + what + ": a cast on the column hides it from an index on the bare column",
                      "cast the other side instead (col = CAST(? AS coltype)), compare a range (col >= ? AND col < ?) "
                      "for a ::date, or index the expression");
            return;
        }
    }
}

// 21
inline void arithmetic_on_column(const rule_input& in) {
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        auto [b, e] = sc.range(c_where, t);
        for (std::size_t k = b; k < e; ++k) {
            if (!is_comparison(t[k]) || t[k].is_word("is") || t[k].is_word("in")) continue;
            const std::size_t lb = operand_begin(t, b, k), re = operand_end(t, k, e);
            const bool left = has_arithmetic(t, lb, k) && has_column(in.s, lb, k);
            const bool right = has_arithmetic(t, k + 1, re) && has_column(in.s, k + 1, re);
            // Only when the other side is free of columns: `a.x = b.y + 1` can still use a.x's index.
            if (!((left && !has_column(in.s, k + 1, re)) || (right && !has_column(in.s, lb, k)))) continue;
            std::string expr;
            for (std::size_t i = left ? lb : k + 1; i < (left ? k : re); ++i) expr += (expr.empty() ? "" : " ") + std::string(t[i].text);
            in.report("arithmetic_on_column", severity::warning,
                      "WHERE compares the expression " + expr + ": arithmetic on a column hides it from its index",
                      "move the arithmetic to the constant side (col + 1 = ? becomes col = ? - 1), or index the expression");
            return;
        }
    }
}

/// True when t[b, e) is a condition that holds for every row: TRUE, a nonzero number,
/// NOT FALSE, `lit = lit` with the same literal (=, ==, >=, <=, IS), a parenthesized
/// always-true condition, an AND of always-true ones, or an OR with one always-true operand.
inline bool always_true(const statement_view& s, std::size_t b, std::size_t e) {
    const auto& t = s.tokens;
    if (b >= e) return false;
    const int d = t[b].depth;
    // The operands of `word` (OR, AND) at depth d; a BETWEEN's own AND does not split.
    auto operands = [&](std::string_view word) {
        std::vector<std::pair<std::size_t, std::size_t>> out;
        std::size_t from = b;
        bool between = false;
        for (std::size_t i = b; i < e; ++i) {
            if (t[i].depth != d) continue;
            if (t[i].is_word("between")) between = true;
            if (!t[i].is_word(word)) continue;
            if (word == "and" && between) {
                between = false;
                continue;
            }
            out.emplace_back(from, i);
            from = i + 1;
        }
        out.emplace_back(from, e);
        return out;
    };
    if (auto ors = operands("or"); ors.size() > 1) {
        for (auto [ob, oe] : ors)
            if (always_true(s, ob, oe)) return true;
        return false;
    }
    if (auto ands = operands("and"); ands.size() > 1) {
        for (auto [ab, ae] : ands)
            if (!always_true(s, ab, ae)) return false;
        return true;
    }
    if (t[b].kind == token_kind::lparen && s.matching(b) == e - 1) return always_true(s, b + 1, e - 1);
    if (e - b == 1)
        return t[b].is_word("true") || (t[b].kind == token_kind::number && t[b].text.find_first_not_of("0.") != std::string_view::npos);
    if (e - b == 2 && t[b].is_word("not")) return t[b + 1].is_word("false");
    if (e - b == 3 && (t[b].kind == token_kind::number || t[b].kind == token_kind::string) && t[b + 2].kind == t[b].kind &&
        t[b].text == t[b + 2].text && t[b].prefix == t[b + 2].prefix)
        return t[b + 1].is_op("=") || t[b + 1].is_op("==") || t[b + 1].is_op(">=") || t[b + 1].is_op("<=") || t[b + 1].is_word("is");
    return false;
}

// 22
inline void tautological_filter(const rule_input& in) {
    const auto& t = in.t();
    for (const auto& sc : in.s.scopes) {
        if (!sc.has(c_where)) continue;
        auto [b, e] = sc.range(c_where, t);
        if (!always_true(in.s, b, e)) continue;
        std::string cond;
        for (std::size_t i = b; i < e && cond.size() < 60; ++i) cond += (cond.empty() ? "" : " ") + std::string(t[i].text);
        const bool write = in.s.kind == "update" || in.s.kind == "delete";
        in.report("tautological_filter", write ? severity::error : severity::warning,
                  "WHERE " + cond + " is true for every row: " +
                      (write ? std::string(in.s.kind == "update" ? "the UPDATE" : "the DELETE") + " touches the whole table"
                             : std::string("the filter selects nothing out")),
                  write ? "write the real condition; if every row is meant, say so without a WHERE (or TRUNCATE)"
                        : "drop the always-true condition (an `OR 1=1` is also the mark of SQL injection: bind parameters)");
        return;
    }
}

} // namespace cistern::strategy::query_rules::detail

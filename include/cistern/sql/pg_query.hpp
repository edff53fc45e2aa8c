#pragma once
/// \file
/// `cistern::sql::pg_parse`, `pg_fingerprint`, `pg_normalize`: PostgreSQL's own grammar
/// (libpg_query, part of the postgres component) and a walk over its parse tree that says,
/// per statement, what it is, which relations it reads and writes, which CTE names it
/// defines, which functions it calls, whether it locks rows, and which columns its
/// predicates, joins and ORDER BY use.

#include <cistern/sql/detail/json_tree.hpp>

#include <pg_query.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::sql {

/// What libpg_query said about a text it could not read.
struct pg_parse_error {
    std::string message; ///< the parser's message ("syntax error at or near \"FROM\"")
    int cursor = 0;      ///< 1-based character position of the error in the text (0: unknown)
};

/// What kind of statement a parsed statement is.
enum class pg_statement_kind { select, insert, update, delete_, merge, truncate, ddl, other };

/// A relation named in a statement, as written (after the parser's case folding: unquoted
/// names lower-cased, quoted ones exact).
struct pg_relation {
    std::string schema; ///< "" when the name is not qualified
    std::string name;   ///< the relation's name
    bool inh = true;    ///< false for `ONLY name` (the table without its inheritance children)
    std::string alias;  ///< the alias given in FROM, "" when none
    /// `schema.name`, or `name` when unqualified.
    std::string qualified() const { return schema.empty() ? name : schema + "." + name; }
    friend bool operator==(const pg_relation&, const pg_relation&) = default;
};

/// A column reference, with the relation it belongs to where the statement says it.
struct pg_column {
    std::string table;  ///< pg_relation::qualified() of its relation, "" when not known
    std::string column; ///< the column's name
    friend bool operator==(const pg_column&, const pg_column&) = default;
};

/// One condition on a column in WHERE / ON / a MERGE join: `column op <not-a-column>`.
struct pg_predicate {
    pg_column column; ///< the column compared
    std::string op; ///< "=", "<", ">=", "<>", "IN", "LIKE", "ILIKE", "BETWEEN", "IS NULL", "IS NOT NULL", "= ANY", ...
    /// True when the column is wrapped (a cast `col::date`, arithmetic `col + 0`, a function
    /// call): a plain index on the column cannot serve the condition.
    bool wrapped = false;
    friend bool operator==(const pg_predicate&, const pg_predicate&) = default;
};

/// A join condition between two columns (`a.x = b.y` in ON, USING, a comma join's WHERE,
/// or a MERGE's ON), whichever side each is written on.
struct pg_join {
    pg_column left;  ///< the column written first
    pg_column right; ///< the column written second
    std::string op;  ///< the operator ("=" for USING)
    friend bool operator==(const pg_join&, const pg_join&) = default;
};

/// One column of ORDER BY.
struct pg_order {
    pg_column column;        ///< the column sorted on
    bool descending = false; ///< DESC
    friend bool operator==(const pg_order&, const pg_order&) = default;
};

/// One statement as libpg_query parsed it.
struct pg_statement {
    pg_statement_kind kind = pg_statement_kind::other; ///< what the statement is
    std::string node;                  ///< libpg_query's node name ("SelectStmt", "CreateStmt", ...)
    std::vector<pg_relation> read;     ///< relations read (CTE names excluded, in scope)
    std::vector<pg_relation> written;  ///< INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM targets, DDL targets
    std::vector<std::string> ctes;     ///< CTE names the statement defines (any nesting level)
    std::vector<std::string> functions;///< functions called, as written ("lower", "app.f")
    /// SQL value functions that read the clock or the session (CURRENT_TIMESTAMP,
    /// CURRENT_DATE, LOCALTIME, CURRENT_USER, SESSION_USER, ...), upper case.
    std::vector<std::string> session_values;
    std::vector<std::string> locking;  ///< "FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE", "FOR KEY SHARE"
    std::vector<pg_predicate> predicates; ///< AND-ed column conditions of every WHERE / ON (any block)
    std::vector<pg_join> joins;           ///< column-to-column conditions (ON, USING, comma joins, MERGE ON)
    std::vector<pg_order> order_by;       ///< ORDER BY columns (any block)
    /// True when the statement locks rows (a SELECT ... FOR UPDATE / FOR SHARE anywhere in it).
    bool locks_rows() const noexcept { return !locking.empty(); }
};

/// The statements of one text, or why the parser rejected it.
struct pg_parse_result {
    std::vector<pg_statement> statements; ///< one per statement of the text, in order
    std::optional<pg_parse_error> error; ///< set when the text is not valid PostgreSQL
    /// True when the text parsed.
    bool ok() const noexcept { return !error; }
};

/// libpg_query's fingerprint of a statement (the same for statements that differ only in
/// literal values, parameter numbers, spacing, case and comments), or its error.
struct pg_fingerprint_result {
    std::uint64_t value = 0;             ///< the fingerprint (0 on error)
    std::string hex;                     ///< 16 lower-case hex digits
    std::optional<pg_parse_error> error; ///< set when the text is not valid PostgreSQL
    /// True when the text parsed.
    bool ok() const noexcept { return !error; }
};

/// The text with literals replaced by `$n` (libpg_query's normalization), or its error.
struct pg_normalize_result {
    std::string text;                    ///< the normalized text ("" on error)
    std::optional<pg_parse_error> error; ///< set when the text is not valid PostgreSQL
    /// True when the text parsed.
    bool ok() const noexcept { return !error; }
};

namespace detail {

inline pg_parse_error pg_error_of(const PgQueryError* e) {
    return pg_parse_error{e->message ? std::string(e->message) : std::string("unknown parser error"), e->cursorpos};
}

/// The node of a Node wrapper `{"Type": {...}}`: its type name and body, or {"", nullptr}.
inline std::pair<std::string_view, const json_node*> pg_node(const json_node& v) noexcept {
    if (v.is_object() && v.members.size() == 1) {
        const auto& [k, body] = v.members.front();
        if (!k.empty() && k[0] >= 'A' && k[0] <= 'Z') return {k, &body};
    }
    return {{}, nullptr};
}

/// The strings of a list of String nodes (`funcname`, `names`, ColumnRef `fields`), or an
/// empty vector when one of them is not a String (`*`).
inline std::vector<std::string> pg_strings(const json_node& list) {
    std::vector<std::string> out;
    for (const auto& item : list.items) {
        auto [type, body] = pg_node(item);
        if (type != "String") return {};
        out.emplace_back((*body)["sval"].str());
    }
    return out;
}

inline pg_relation pg_relation_of(const json_node& rv) {
    pg_relation r;
    r.schema = std::string(rv["schemaname"].str());
    r.name = std::string(rv["relname"].str());
    r.inh = rv["inh"].truthy();
    r.alias = std::string(rv["alias"]["aliasname"].str());
    return r;
}

inline bool pg_is_ddl(std::string_view node) noexcept {
    for (std::string_view p : {"Create", "Alter", "Drop", "Rename", "Comment", "Grant", "Refresh"})
        if (node.starts_with(p)) return true;
    for (std::string_view n : {"IndexStmt", "ViewStmt", "RuleStmt", "CompositeTypeStmt", "DefineStmt", "ReindexStmt",
                               "SecLabelStmt", "ClusterStmt"})
        if (node == n) return true;
    return false;
}

/// Walks one statement's tree, filling a pg_statement.
class pg_walker {
public:
    explicit pg_walker(pg_statement& out) noexcept : out_(out) {}

    void statement(const json_node& stmt) {
        auto [type, body] = pg_node(stmt);
        out_.node = std::string(type);
        if (type == "SelectStmt") out_.kind = pg_statement_kind::select;
        else if (type == "InsertStmt") out_.kind = pg_statement_kind::insert;
        else if (type == "UpdateStmt") out_.kind = pg_statement_kind::update;
        else if (type == "DeleteStmt") out_.kind = pg_statement_kind::delete_;
        else if (type == "MergeStmt") out_.kind = pg_statement_kind::merge;
        else if (type == "TruncateStmt") out_.kind = pg_statement_kind::truncate;
        else if (pg_is_ddl(type)) out_.kind = pg_statement_kind::ddl;
        walk(stmt);
    }

private:
    struct block {                         // one query block's FROM names, for column qualifiers
        std::vector<pg_relation> relations;
    };

    void walk(const json_node& v) {
        if (v.is_array()) {
            for (const auto& i : v.items) walk(i);
            return;
        }
        if (!v.is_object()) return;
        auto [type, body] = pg_node(v);
        if (!body) {
            for (const auto& [k, m] : v.members) walk(m);
            return;
        }
        typed(type, *body);
    }

    void walk_except(const json_node& body, std::initializer_list<std::string_view> skip) {
        for (const auto& [k, m] : body.members)
            if (std::find(skip.begin(), skip.end(), k) == skip.end()) walk(m);
    }

    bool is_cte(const pg_relation& r) const noexcept {
        if (!r.schema.empty()) return false;
        for (auto it = ctes_.rbegin(); it != ctes_.rend(); ++it)
            if (std::find(it->begin(), it->end(), r.name) != it->end()) return true;
        return false;
    }

    static void add(std::vector<pg_relation>& list, pg_relation r) {
        auto same = [&](const pg_relation& x) { return x.schema == r.schema && x.name == r.name && x.inh == r.inh; };
        if (std::none_of(list.begin(), list.end(), same)) list.push_back(std::move(r));
    }

    void typed(std::string_view type, const json_node& body) {
        if (type == "RangeVar") {
            pg_relation r = pg_relation_of(body);
            if (!is_cte(r)) {
                if (!blocks_.empty()) blocks_.back().relations.push_back(r);
                add(out_.read, std::move(r));
            }
            return;
        }
        if (type == "SelectStmt" || type == "InsertStmt" || type == "UpdateStmt" || type == "DeleteStmt" ||
            type == "MergeStmt") {
            query(type, body);
            return;
        }
        if (type == "TruncateStmt") {
            for (const auto& item : body["relations"].items)
                if (auto [t, rv] = pg_node(item); t == "RangeVar") add(out_.written, pg_relation_of(*rv));
            return;
        }
        if (type == "CopyStmt") {
            if (body["relation"].is_object()) add(body["is_from"].truthy() ? out_.written : out_.read, pg_relation_of(body["relation"]));
            walk_except(body, {"relation"});
            return;
        }
        if (type == "DropStmt") {
            const auto what = body["removeType"].str();
            if (what == "OBJECT_TABLE" || what == "OBJECT_VIEW" || what == "OBJECT_MATVIEW" ||
                what == "OBJECT_FOREIGN_TABLE" || what == "OBJECT_SEQUENCE") {
                for (const auto& obj : body["objects"].items) {
                    auto [t, list] = pg_node(obj);
                    if (t != "List") continue;
                    auto names = pg_strings((*list)["items"]);
                    if (names.empty()) continue;
                    pg_relation r;
                    r.name = names.back();
                    if (names.size() >= 2) r.schema = names[names.size() - 2];
                    add(out_.written, std::move(r));
                }
            }
            return;
        }
        if (pg_is_ddl(type)) {
            for (std::string_view field : {"relation", "view"})
                if (body[field].is_object() && body[field].has("relname")) add(out_.written, pg_relation_of(body[field]));
            if (type == "CreateTableAsStmt" && body["into"]["rel"].is_object())
                add(out_.written, pg_relation_of(body["into"]["rel"]));
            walk_except(body, {"relation", "view", "into"});
            return;
        }
        if (type == "JoinExpr") {
            walk(body["larg"]);
            walk(body["rarg"]);
            if (body["usingClause"].is_array()) {
                const std::string l = side_name(body["larg"]), r = side_name(body["rarg"]);
                for (const auto& col : pg_strings(body["usingClause"])) out_.joins.push_back({{l, col}, {r, col}, "="});
            }
            conditions(body["quals"]);
            walk(body["quals"]);
            return;
        }
        if (type == "FuncCall") {
            auto names = pg_strings(body["funcname"]);
            std::string name;
            for (const auto& n : names) name += (name.empty() ? "" : ".") + n;
            if (!name.empty() && std::find(out_.functions.begin(), out_.functions.end(), name) == out_.functions.end())
                out_.functions.push_back(std::move(name));
            walk_except(body, {"funcname"});
            return;
        }
        if (type == "SQLValueFunction") {
            std::string op(body["op"].str());
            if (op.starts_with("SVFOP_")) op.erase(0, 6);
            if (std::find(out_.session_values.begin(), out_.session_values.end(), op) == out_.session_values.end())
                out_.session_values.push_back(std::move(op));
            return;
        }
        if (type == "LockingClause") {
            const auto s = body["strength"].str();
            std::string l = s == "LCS_FORUPDATE"         ? "FOR UPDATE"
                            : s == "LCS_FORNOKEYUPDATE" ? "FOR NO KEY UPDATE"
                            : s == "LCS_FORSHARE"       ? "FOR SHARE"
                            : s == "LCS_FORKEYSHARE"    ? "FOR KEY SHARE"
                                                        : std::string(s);
            if (std::find(out_.locking.begin(), out_.locking.end(), l) == out_.locking.end()) out_.locking.push_back(std::move(l));
            return;
        }
        walk(body);
    }

    /// The relation a join side names (alias or name) when it is a plain relation, else "".
    std::string side_name(const json_node& side) const {
        auto [t, rv] = pg_node(side);
        if (t != "RangeVar") return {};
        pg_relation r = pg_relation_of(*rv);
        return is_cte(r) ? std::string() : r.qualified();
    }

    /// A SELECT / INSERT / UPDATE / DELETE / MERGE block: its WITH scope, its target, its
    /// FROM names for column qualifiers, its conditions and ORDER BY.
    void query(std::string_view, const json_node& body) {
        const json_node& with = body["withClause"];
        const bool has_with = with.is_object();
        if (has_with) {
            ctes_.emplace_back();
            const bool recursive = with["recursive"].truthy();
            if (recursive)
                for (const auto& c : with["ctes"].items)
                    if (auto [t, cte] = pg_node(c); t == "CommonTableExpr") ctes_.back().emplace_back((*cte)["ctename"].str());
            for (const auto& c : with["ctes"].items) {
                auto [t, cte] = pg_node(c);
                if (t != "CommonTableExpr") continue;
                std::string name((*cte)["ctename"].str());
                if (std::find(out_.ctes.begin(), out_.ctes.end(), name) == out_.ctes.end()) out_.ctes.push_back(name);
                walk((*cte)["ctequery"]); // a non-recursive CTE sees only the CTEs before it
                if (!recursive) ctes_.back().push_back(std::move(name));
            }
        }
        blocks_.emplace_back();
        if (body["relation"].is_object()) { // the target of INSERT/UPDATE/DELETE/MERGE: never a CTE
            pg_relation target = pg_relation_of(body["relation"]);
            blocks_.back().relations.push_back(target);
            add(out_.written, std::move(target));
        }
        // FROM first, so that the block's names are known when its conditions are read.
        for (std::string_view from : {"fromClause", "usingClause", "sourceRelation"}) walk(body[from]);
        conditions(body["whereClause"]);
        conditions(body["joinCondition"]);
        for (const auto& s : body["sortClause"].items) {
            auto [t, sort] = pg_node(s);
            if (t != "SortBy") continue;
            if (auto c = column_of((*sort)["node"])) out_.order_by.push_back({*c, (*sort)["sortby_dir"].str() == "SORTBY_DESC"});
        }
        walk_except(body, {"withClause", "relation", "fromClause", "usingClause", "sourceRelation", "larg", "rarg"});
        blocks_.pop_back();
        // The arms of UNION / INTERSECT / EXCEPT are bare SelectStmt structs (no Node
        // wrapper), each a block of its own inside this one's WITH.
        for (std::string_view arm : {"larg", "rarg"})
            if (body[arm].is_object()) query("SelectStmt", body[arm]);
        if (has_with) ctes_.pop_back();
    }

    /// The column a ColumnRef names, its relation resolved through the enclosing blocks'
    /// FROM names (alias, name, or schema.name); nullopt for anything else.
    std::optional<pg_column> column_of(const json_node& expr) const {
        auto [t, ref] = pg_node(expr);
        if (t != "ColumnRef") return std::nullopt;
        auto f = pg_strings((*ref)["fields"]);
        if (f.empty()) return std::nullopt;
        pg_column c;
        c.column = f.back();
        if (f.size() == 1) {
            for (auto b = blocks_.rbegin(); b != blocks_.rend(); ++b) {
                if (b->relations.size() == 1) {
                    c.table = b->relations.front().qualified();
                    break;
                }
                if (!b->relations.empty()) break; // several: which one is not known without the catalog
            }
            return c;
        }
        const std::string qual = f[f.size() - 2];
        const std::string schema = f.size() >= 3 ? f[f.size() - 3] : std::string();
        for (auto b = blocks_.rbegin(); b != blocks_.rend(); ++b)
            for (const auto& r : b->relations) {
                const bool hit = schema.empty() ? (r.alias.empty() ? r.name == qual : r.alias == qual)
                                                : (r.alias.empty() && r.name == qual && r.schema == schema);
                if (hit) {
                    c.table = r.qualified();
                    return c;
                }
            }
        c.table = schema.empty() ? qual : schema + "." + qual;
        return c;
    }

    /// The column under a cast, arithmetic or a function call, if exactly one is there.
    std::optional<pg_column> wrapped_column(const json_node& expr) const {
        auto [t, body] = pg_node(expr);
        if (t == "TypeCast") {
            if (auto c = column_of((*body)["arg"])) return c;
            return wrapped_column((*body)["arg"]);
        }
        if (t == "A_Expr" && (*body)["kind"].str() == "AEXPR_OP") {
            auto l = column_of((*body)["lexpr"]);
            auto r = column_of((*body)["rexpr"]);
            if (l && !r) return l;
            if (r && !l) return r;
        }
        if (t == "FuncCall" && (*body)["args"].items.size() >= 1) {
            for (const auto& a : (*body)["args"].items)
                if (auto c = column_of(a)) return c;
        }
        return std::nullopt;
    }

    static std::string flipped(std::string_view op) {
        if (op == "<") return ">";
        if (op == ">") return "<";
        if (op == "<=") return ">=";
        if (op == ">=") return "<=";
        return std::string(op);
    }

    void predicate(const json_node& col_side, std::string op) {
        if (auto c = column_of(col_side)) out_.predicates.push_back({*c, std::move(op), false});
        else if (auto w = wrapped_column(col_side)) out_.predicates.push_back({*w, std::move(op), true});
    }

    /// Conditions of WHERE / ON: AND-ed comparisons of a column with a non-column value are
    /// predicates; comparisons of two columns of different relations are joins.
    void conditions(const json_node& expr) {
        auto [t, body] = pg_node(expr);
        if (!body) return;
        const json_node& b = *body;
        if (t == "BoolExpr") {
            if (b["boolop"].str() == "AND_EXPR")
                for (const auto& a : b["args"].items) conditions(a);
            return;
        }
        if (t == "NullTest") {
            predicate(b["arg"], b["nulltesttype"].str() == "IS_NOT_NULL" ? "IS NOT NULL" : "IS NULL");
            return;
        }
        if (t != "A_Expr") return;
        const auto kind = b["kind"].str();
        auto names = pg_strings(b["name"]);
        const std::string op = names.empty() ? std::string() : names.back();
        const json_node& l = b["lexpr"];
        const json_node& r = b["rexpr"];
        if (kind == "AEXPR_OP") {
            auto lc = column_of(l), rc = column_of(r);
            if (lc && rc) {
                if (lc->table != rc->table || lc->table.empty()) out_.joins.push_back({*lc, *rc, op});
                return;
            }
            if (lc || (!rc && wrapped_column(l))) predicate(l, op);
            else if (rc || wrapped_column(r)) predicate(r, flipped(op));
            return;
        }
        if (kind == "AEXPR_IN") predicate(l, op == "<>" ? "NOT IN" : "IN");
        else if (kind == "AEXPR_LIKE") predicate(l, op == "!~~" ? "NOT LIKE" : "LIKE");
        else if (kind == "AEXPR_ILIKE") predicate(l, op == "!~~*" ? "NOT ILIKE" : "ILIKE");
        else if (kind == "AEXPR_BETWEEN" || kind == "AEXPR_BETWEEN_SYM") predicate(l, "BETWEEN");
        else if (kind == "AEXPR_OP_ANY") predicate(l, op + " ANY");
        else if (kind == "AEXPR_OP_ALL") predicate(l, op + " ALL");
    }

    pg_statement& out_;
    std::vector<std::vector<std::string>> ctes_; // CTE names in scope, innermost last
    std::vector<block> blocks_;                  // enclosing query blocks, innermost last
};

} // namespace detail

namespace detail {
/// Calls libpg_query's `call` on `sql`, always frees its result with `release`, and fills an
/// `Out` with the parser's error or with `fill(result, out)`.
template <class Out, class R, class Fill>
Out pg_call(R (*call)(const char*), void (*release)(R), std::string_view sql, Fill fill) {
    Out out;
    const std::string text(sql);
    struct guard {
        R r;
        void (*release)(R);
        ~guard() { release(r); }
    } g{call(text.c_str()), release};
    if (g.r.error) out.error = pg_error_of(g.r.error);
    else fill(g.r, out);
    return out;
}
} // namespace detail

/// Parses `sql` (one or more `;`-separated statements) with PostgreSQL's grammar and walks
/// each statement. Never throws except std::bad_alloc (a parse error is in `error`).
/// Thread-safe (libpg_query keeps its memory per thread). Nothing is sent to a server.
inline pg_parse_result pg_parse(std::string_view sql) {
    return detail::pg_call<pg_parse_result>(pg_query_parse, pg_query_free_parse_result, sql,
                                            [](const PgQueryParseResult& r, pg_parse_result& out) {
        const detail::json_node tree = detail::parse_json(r.parse_tree ? r.parse_tree : "{}");
        for (const auto& s : tree["stmts"].items) {
            pg_statement st;
            detail::pg_walker(st).statement(s["stmt"]);
            out.statements.push_back(std::move(st));
        }
    });
}

/// libpg_query's fingerprint of `sql` (what pganalyze groups statements by).
inline pg_fingerprint_result pg_fingerprint(std::string_view sql) {
    return detail::pg_call<pg_fingerprint_result>(pg_query_fingerprint, pg_query_free_fingerprint_result, sql,
                                                  [](const PgQueryFingerprintResult& r, pg_fingerprint_result& out) {
        out.value = r.fingerprint;
        out.hex = r.fingerprint_str ? r.fingerprint_str : "";
    });
}

/// `sql` with every literal replaced by `$n` (libpg_query's normalization, as
/// pg_stat_statements shows statements).
inline pg_normalize_result pg_normalize(std::string_view sql) {
    return detail::pg_call<pg_normalize_result>(pg_query_normalize, pg_query_free_normalize_result, sql,
                                                [](const PgQueryNormalizeResult& r, pg_normalize_result& out) {
        out.text = r.normalized_query ? r.normalized_query : "";
    });
}

} // namespace cistern::sql

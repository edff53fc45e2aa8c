#pragma once
/// \file
/// Internals of postgres::connection::tables_of: what to ask the catalog about a parsed
/// statement (one round trip), and how to turn the answer into a sql::table_access.

#include <cistern/row_set.hpp>
#include <cistern/sql/pg_query.hpp>
#include <cistern/sql/table_access.hpp>
#include <cistern/value.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::postgres::detail {

/// `"name"` with embedded quotes doubled: an identifier PostgreSQL reads exactly.
inline std::string quote_ident(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

/// A text[] literal (`{"a","b"}`) for `$n::text[]`.
inline std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t k = 0; k < items.size(); ++k) {
        if (k) out += ',';
        out += '"';
        for (char c : items[k]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + '}';
}

/// One round trip: resolves each relation name ($1, quoted) through the session's
/// search_path (to_regclass), expands views to what their rewrite rules depend on
/// (pg_depend, recursively), looks up each function name ($2 schema or '', $3 name: every
/// overload on the search path, or in the named schema) and every function or operator
/// function a view's rewrite rule calls (read from its stored tree: pg_depend records no
/// dependency on built-ins), and reports current_schema() (where an unqualified CREATE
/// puts its relation).
/// Rows: (what, key, schema, name, kind, language): 'r' a relation reached from key
/// (kind = relkind; ordered by depth, the key's own relation first), 'u' an unresolved key,
/// 'f' a function (kind = provolatile), 't' a view whose rule reads the clock or the
/// session (CURRENT_TIMESTAMP & co), 's' the current schema (in key).
inline constexpr std::string_view catalog_query = R"SQL(WITH RECURSIVE
rel_in AS (SELECT n, to_regclass(n) AS oid FROM unnest($1::text[]) AS n),
walk(root, oid, depth) AS (
  SELECT r.n, r.oid, 0 FROM rel_in r WHERE r.oid IS NOT NULL
  UNION
  SELECT w.root, d.refobjid, w.depth + 1
    FROM walk w
    JOIN pg_class v ON v.oid = w.oid AND v.relkind = 'v'
    JOIN pg_rewrite rw ON rw.ev_class = v.oid
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                    AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid
   WHERE w.depth < 64),
views AS MATERIALIZED (  -- the rewrite rules of the views reached, nothing else
  SELECT DISTINCT w.root, rw.oid, rw.ev_action::text AS tree
    FROM walk w
    JOIN pg_class v ON v.oid = w.oid AND v.relkind = 'v'
    JOIN pg_rewrite rw ON rw.ev_class = v.oid),
fn AS (
  SELECT CASE WHEN u.s = '' THEN u.f ELSE u.s || '.' || u.f END AS label, p.oid
    FROM unnest($2::text[], $3::text[]) AS u(s, f)
    JOIN pg_proc p ON p.proname = u.f
    JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE CASE WHEN u.s = '' THEN n.nspname = ANY (current_schemas(true)) ELSE n.nspname = u.s END
  UNION
  SELECT 'view ' || vw.root, m[1]::oid
    FROM views vw CROSS JOIN LATERAL regexp_matches(vw.tree, ':(?:op)?funcid (\d+)', 'g') AS m),
clock AS (
  SELECT DISTINCT 'view ' || vw.root AS label FROM views vw WHERE vw.tree LIKE '%{SQLVALUEFUNCTION %')
SELECT 'r', w.root, n.nspname::text, c.relname::text, c.relkind::text, '', w.depth
  FROM walk w JOIN pg_class c ON c.oid = w.oid JOIN pg_namespace n ON n.oid = c.relnamespace
UNION ALL
SELECT 'u', r.n, '', '', '', '', 0 FROM rel_in r WHERE r.oid IS NULL
UNION ALL
SELECT 'f', fn.label, n.nspname::text, p.proname::text, p.provolatile::text, l.lanname::text, 0
  FROM fn JOIN pg_proc p ON p.oid = fn.oid JOIN pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_language l ON l.oid = p.prolang
UNION ALL
SELECT 't', clock.label, '', '', '', '', 0 FROM clock
UNION ALL
SELECT 's', coalesce(current_schema()::text, ''), '', '', '', '', 0
ORDER BY 7)SQL";

/// Stable pg_catalog functions whose result depends on the clock, the session or the
/// catalog rather than on their arguments: never cacheable.
inline bool session_dependent_builtin(std::string_view name) noexcept {
    static constexpr std::array<std::string_view, 16> names{
        "now", "statement_timestamp", "transaction_timestamp", "current_setting", "current_schema",
        "current_schemas", "current_database", "current_user", "session_user", "current_query",
        "inet_client_addr", "inet_client_port", "inet_server_addr", "inet_server_port", "format_type", "version"};
    if (std::find(names.begin(), names.end(), name) != names.end()) return true;
    // pg_* (system information, sizes, statistics, definitions), has_*_privilege,
    // to_reg* (catalog look-ups), obj/col/shobj_description.
    return name.starts_with("pg_") || name.starts_with("has_") || name.starts_with("to_reg") ||
           name.ends_with("_description");
}

/// The statement's relations and functions to ask about, and the answer's assembly.
struct table_question {
    struct use {
        std::string key;           // the quoted name sent to to_regclass
        sql::pg_relation relation; // as written
        bool write = false;
        bool ddl = false;          // a DDL target: reported itself, not expanded, may not exist yet
    };
    std::vector<use> uses;
    std::vector<std::string> fn_schema, fn_name, fn_label;
    std::vector<std::string> session_values;
    std::vector<std::string> locking;
    std::vector<std::string> problems; // uncertain before asking (three-part names)

    /// True when the catalog has to be asked at all.
    bool needs_catalog() const noexcept { return !uses.empty() || !fn_name.empty(); }

    explicit table_question(const sql::pg_parse_result& parsed) {
        for (const auto& st : parsed.statements) {
            auto add = [&](const sql::pg_relation& r, bool write) {
                use u;
                u.key = r.schema.empty() ? quote_ident(r.name) : quote_ident(r.schema) + "." + quote_ident(r.name);
                u.relation = r;
                u.write = write;
                u.ddl = write && st.kind == sql::pg_statement_kind::ddl;
                uses.push_back(std::move(u));
            };
            for (const auto& r : st.read) add(r, false);
            for (const auto& r : st.written) add(r, true);
            for (const auto& f : st.functions) {
                const auto dot = f.rfind('.');
                if (dot != std::string::npos && f.find('.') != dot) {
                    problems.push_back("the function " + f + "() names another database");
                    continue;
                }
                fn_schema.push_back(dot == std::string::npos ? std::string() : f.substr(0, dot));
                fn_name.push_back(dot == std::string::npos ? f : f.substr(dot + 1));
                fn_label.push_back(f);
            }
            for (const auto& v : st.session_values)
                if (std::find(session_values.begin(), session_values.end(), v) == session_values.end())
                    session_values.push_back(v);
            for (const auto& l : st.locking)
                if (std::find(locking.begin(), locking.end(), l) == locking.end()) locking.push_back(l);
        }
    }

    /// The parameters of catalog_query.
    std::array<value, 3> parameters() const {
        std::vector<std::string> keys;
        for (const auto& u : uses)
            if (std::find(keys.begin(), keys.end(), u.key) == keys.end()) keys.push_back(u.key);
        return {value(text_array(keys)), value(text_array(fn_schema)), value(text_array(fn_name))};
    }

    /// Assembles the answer from catalog_query's rows (or from nothing when
    /// needs_catalog() is false: `rows` is then null).
    sql::table_access answer(const row_set* rows) const {
        sql::table_access a;
        a.source = sql::table_source::parser;
        auto flag_volatile = [&](std::string why) {
            if (a.reason.empty()) a.reason = std::move(why);
            a.volatile_result = true;
        };
        for (const auto& p : problems) a.uncertain(p);
        if (!locking.empty()) {
            a.locks_rows = true;
            if (a.reason.empty()) a.reason = "the statement locks rows (" + locking.front() + ")";
        }
        for (const auto& v : session_values)
            flag_volatile("the result depends on the " +
                          std::string(v.find("USER") != std::string::npos || v.find("ROLE") != std::string::npos ||
                                              v.find("CATALOG") != std::string::npos || v.find("SCHEMA") != std::string::npos
                                          ? "session"
                                          : "time") +
                          " (" + v + ")");
        struct rel_row {
            std::string schema, name, kind;
        };
        std::map<std::string, std::vector<rel_row>> reached; // key -> relations reached (depth 0 first)
        std::vector<std::string> unresolved;
        std::map<std::string, std::vector<rel_row>> functions; // label -> (schema, name, provolatile) + language
        std::map<std::string, std::vector<std::string>> languages;
        std::string current_schema;
        if (rows) {
            for (const auto& row : *rows) {
                const std::string what = row.get<std::string>(0), key = row.get<std::string>(1);
                if (what == "r") reached[key].push_back({row.get<std::string>(2), row.get<std::string>(3), row.get<std::string>(4)});
                else if (what == "u") unresolved.push_back(key);
                else if (what == "f") {
                    functions[key].push_back({row.get<std::string>(2), row.get<std::string>(3), row.get<std::string>(4)});
                    languages[key].push_back(row.get<std::string>(5));
                } else if (what == "t") {
                    flag_volatile("the result depends on the time or the session (the " + key +
                                  " uses CURRENT_TIMESTAMP, CURRENT_USER or the like)");
                } else if (what == "s") current_schema = key;
            }
        }
        for (const auto& u : uses) {
            auto& list = u.write ? a.written : a.read;
            const bool missing = std::find(unresolved.begin(), unresolved.end(), u.key) != unresolved.end() ||
                                 !reached.count(u.key);
            if (missing) {
                if (u.ddl) { // CREATE of a relation that does not exist yet
                    const std::string schema = u.relation.schema.empty() ? current_schema : u.relation.schema;
                    sql::table_access::add(list, schema.empty() ? u.relation.name : schema + "." + u.relation.name);
                } else {
                    a.uncertain("relation \"" + u.relation.qualified() + "\" does not exist in the search path");
                    sql::table_access::add(list, u.relation.qualified());
                }
                continue;
            }
            for (const auto& r : reached.at(u.key)) {
                if (u.ddl) { // the DDL's own target, as named
                    sql::table_access::add(list, r.schema + "." + r.name);
                    break;
                }
                if (r.kind != "v") sql::table_access::add(list, r.schema + "." + r.name);
            }
        }
        for (std::size_t k = 0; k < fn_label.size(); ++k)
            if (!functions.count(fn_label[k]))
                a.uncertain("function " + fn_label[k] + "() was not found in the search path");
        for (const auto& [label, procs] : functions) {
            const bool from_view = label.starts_with("view ");
            for (std::size_t k = 0; k < procs.size(); ++k) {
                const auto& p = procs[k];
                const std::string name = p.schema + "." + p.name + "()";
                const std::string where = from_view ? " (called by the " + label + ")" : "";
                const bool builtin = p.schema == "pg_catalog";
                if (!builtin && p.kind != "i")
                    a.uncertain("function " + name + where + " (language " + languages.at(label)[k] + ", " +
                                (p.kind == "v" ? "volatile" : "stable") + ") may read any table");
                if (p.kind == "v") flag_volatile("the result depends on the volatile function " + name + where);
                else if (p.kind == "s" && builtin && session_dependent_builtin(p.name))
                    flag_volatile("the result depends on the time, the session or the catalog (" + name + where + ")");
            }
        }
        return a;
    }
};

} // namespace cistern::postgres::detail

#pragma once
/// \file
/// `cistern::sqlite::detail::find_tables`: the base tables one statement reads and writes,
/// as SQLite's statement compiler sees them (an authorizer installed for one prepare; the
/// statement never runs). Used by sqlite::connection::tables_of.

#include <cistern/sql/dialect.hpp>
#include <cistern/sql/lexer.hpp>
#include <cistern/sql/table_access.hpp>
#include <cistern/sql/token.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::sqlite {

/// An SQLite authorizer callback (see sqlite3_set_authorizer).
using authorizer_fn = int (*)(void*, int, const char*, const char*, const char*, const char*);

namespace detail {

/// What the authorizer saw during one prepare.
struct seen_access {
    struct read {
        std::string db;   ///< "" when SQLite did not say (a table read for no column: count(*))
        std::string name; ///< as SQLite passed it (lower-cased later)
    };
    std::vector<read> reads;
    std::vector<std::string> written; ///< "db.name", lower case
    std::vector<std::string> functions;
    std::string uncertain; ///< first reason the answer may miss a table
    bool schema_change = false;
    authorizer_fn chained = nullptr; ///< the connection's own authorizer, asked after recording
    void* chained_data = nullptr;
    std::exception_ptr failure; ///< an exception caught inside the callback (never thrown through C)
};

inline std::string lower_ascii(std::string_view s) { return sql::detail::lowered(s); }

inline bool schema_table(std::string_view lower_name) noexcept {
    return lower_name == "sqlite_master" || lower_name == "sqlite_schema" || lower_name == "sqlite_temp_master" ||
           lower_name == "sqlite_temp_schema";
}

inline int record_access(void* data, int action, const char* a1, const char* a2, const char* db, const char* ctx) noexcept {
    auto* s = static_cast<seen_access*>(data);
    try {
        auto str = [](const char* p) { return std::string(p ? p : ""); };
        auto qualified = [&](const char* d, const char* n) { return lower_ascii(str(d).empty() ? "main" : str(d)) + "." + lower_ascii(str(n)); };
        auto note = [&](std::string why) {
            if (s->uncertain.empty()) s->uncertain = std::move(why);
        };
        switch (action) {
        case SQLITE_READ: s->reads.push_back({str(db), str(a1)}); break;
        case SQLITE_INSERT:
        case SQLITE_DELETE:
        case SQLITE_UPDATE:
            // SQLite's own schema writes (a CREATE, or an eponymous virtual table being
            // set up) are reported through the DDL codes below instead.
            if (!schema_table(lower_ascii(str(a1)))) sql::table_access::add(s->written, qualified(db, a1));
            break;
        case SQLITE_FUNCTION: s->functions.push_back(lower_ascii(str(a2))); break;
        case SQLITE_PRAGMA: note("PRAGMA " + lower_ascii(str(a1)) + " is not a query of tables"); break;
        case SQLITE_ATTACH:
        case SQLITE_DETACH:
            s->schema_change = true;
            note("ATTACH / DETACH changes which tables names resolve to");
            break;
        case SQLITE_ALTER_TABLE: // a1: database, a2: table
            s->schema_change = true;
            sql::table_access::add(s->written, qualified(a1, a2));
            break;
        case SQLITE_CREATE_INDEX:
        case SQLITE_CREATE_TEMP_INDEX:
        case SQLITE_CREATE_TRIGGER:
        case SQLITE_CREATE_TEMP_TRIGGER:
        case SQLITE_DROP_INDEX:
        case SQLITE_DROP_TEMP_INDEX:
        case SQLITE_DROP_TRIGGER:
        case SQLITE_DROP_TEMP_TRIGGER: // a1: the index or trigger, a2: its table
            s->schema_change = true;
            sql::table_access::add(s->written, qualified(db, a2));
            break;
        case SQLITE_CREATE_TABLE:
        case SQLITE_CREATE_TEMP_TABLE:
        case SQLITE_CREATE_VIEW:
        case SQLITE_CREATE_TEMP_VIEW:
        case SQLITE_DROP_TABLE:
        case SQLITE_DROP_TEMP_TABLE:
        case SQLITE_DROP_VIEW:
        case SQLITE_DROP_TEMP_VIEW:
        case SQLITE_CREATE_VTABLE:
        case SQLITE_DROP_VTABLE:
            s->schema_change = true;
            sql::table_access::add(s->written, qualified(db, a1));
            break;
        default: break; // SELECT, TRANSACTION, SAVEPOINT, RECURSIVE, ANALYZE, REINDEX: no table of data
        }
        (void)ctx;
        return s->chained ? s->chained(s->chained_data, action, a1, a2, db, ctx) : SQLITE_OK;
    } catch (...) {
        if (!s->failure) s->failure = std::current_exception();
        return SQLITE_DENY;
    }
}

/// One row-less query on `db` (without any authorizer change): calls `row(stmt)` per row.
/// Returns false when SQLite cannot prepare or run it.
template <class Bind, class Row>
bool small_query(sqlite3* db, const std::string& sql, Bind&& bind, Row&& row) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr) != SQLITE_OK) {
        sqlite3_finalize(st);
        return false;
    }
    struct finalizer {
        sqlite3_stmt* st;
        ~finalizer() { sqlite3_finalize(st); }
    } f{st};
    bind(st);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
    return rc == SQLITE_DONE;
}

inline std::string column_text(sqlite3_stmt* st, int i) {
    const auto* p = sqlite3_column_text(st, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(st, i))) : std::string();
}

inline std::string quoted_ident(std::string_view name) {
    std::string q = "\"";
    for (char c : name) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + '"';
}

/// Date and time functions whose result is the current time when called with no argument,
/// the text 'now' or a bound parameter (which may hold 'now').
inline bool time_function(std::string_view f) noexcept {
    return f == "date" || f == "time" || f == "datetime" || f == "julianday" || f == "unixepoch" ||
           f == "strftime" || f == "timediff";
}

/// True when `sql` calls a date/time function with no argument, with 'now' or with a
/// parameter among its arguments.
inline bool reads_the_clock(std::string_view sql) {
    const auto t = sql::tokenize(sql, sql::dialect::sqlite);
    for (std::size_t k = 0; k + 1 < t.size(); ++k) {
        if (t[k].kind != sql::token_kind::word || !time_function(t[k].lower) || t[k + 1].kind != sql::token_kind::lparen)
            continue;
        if (k + 2 < t.size() && t[k + 2].kind == sql::token_kind::rparen) return true;
        for (std::size_t j = k + 2; j < t.size() && t[j].depth > t[k + 1].depth; ++j)
            if (t[j].kind == sql::token_kind::parameter ||
                (t[j].kind == sql::token_kind::string && lower_ascii(t[j].lower) == "now"))
                return true;
    }
    return false;
}

/// True when `sql` defines a WITH name `name` (lower case): `name AS (` or `name (cols) AS (`.
inline bool defines_cte(std::string_view sql, const std::string& name) {
    const auto t = sql::tokenize(sql, sql::dialect::sqlite);
    bool with = false;
    for (std::size_t k = 0; k + 1 < t.size(); ++k) {
        if (t[k].is_word("with")) with = true;
        if (!with || !t[k].is_name()) continue;
        const std::string n = t[k].kind == sql::token_kind::quoted_ident ? lower_ascii(t[k].lower) : t[k].lower;
        if (n == name && (t[k + 1].is_word("as") || t[k + 1].kind == sql::token_kind::lparen)) return true;
    }
    return false;
}

/// Functions whose result is not a function of the tables read.
inline bool volatile_function(std::string_view f) noexcept {
    return f == "random" || f == "randomblob" || f == "changes" || f == "total_changes" || f == "last_insert_rowid" ||
           f == "current_timestamp" || f == "current_date" || f == "current_time";
}

/// The databases of `db` in the order SQLite resolves an unqualified name: temp, main,
/// then attached ones in attach order.
inline std::vector<std::string> resolution_order(sqlite3* db) {
    std::vector<std::string> names;
    small_query(db, "PRAGMA database_list", [](sqlite3_stmt*) {}, [&](sqlite3_stmt* st) { names.push_back(column_text(st, 1)); });
    std::vector<std::string> order;
    if (std::find(names.begin(), names.end(), "temp") != names.end()) order.push_back("temp");
    for (auto& n : names)
        if (n != "temp") order.push_back(n);
    return order;
}

/// What `name` is in database `schema`: "table", "view", "virtual" or "" (absent).
inline std::string object_kind(sqlite3* db, const std::string& schema, const std::string& name) {
    if (schema_table(lower_ascii(name))) return "table";
    std::string kind;
    small_query(
        db, "SELECT type, sql FROM " + quoted_ident(schema) + ".sqlite_master WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE",
        [&](sqlite3_stmt* st) { sqlite3_bind_text(st, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT); },
        [&](sqlite3_stmt* st) {
            kind = column_text(st, 0);
            if (kind == "table" && lower_ascii(column_text(st, 1)).rfind("create virtual table", 0) == 0) kind = "virtual";
        });
    return kind;
}

/// The table_access of `sql` on `db`: prepares it (never steps it) with an authorizer that
/// records what the compiler reads, writes and calls, then restores `previous` (the
/// connection's own authorizer, also asked during the prepare, or none).
inline sql::table_access find_tables(sqlite3* db, std::string_view sql, authorizer_fn previous, void* previous_data) {
    sql::table_access r;
    r.source = sql::table_source::authorizer;
    seen_access seen;
    seen.chained = previous;
    seen.chained_data = previous_data;
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    int rc;
    std::string error;
    {
        struct restore {
            sqlite3* db;
            authorizer_fn fn;
            void* data;
            ~restore() { sqlite3_set_authorizer(db, fn, data); }
        } guard{db, previous, previous_data};
        sqlite3_set_authorizer(db, &record_access, &seen);
        rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &st, &tail);
        if (rc != SQLITE_OK) error = sqlite3_errmsg(db);
        sqlite3_finalize(st);
    }
    if (seen.failure) std::rethrow_exception(seen.failure);
    if (rc != SQLITE_OK) {
        r.uncertain("SQLite rejects the statement: " + error);
        return r;
    }
    if (st == nullptr) {
        r.uncertain("the statement is empty");
        return r;
    }
    if (tail != nullptr) {
        const std::string_view rest = sql.substr(static_cast<std::size_t>(tail - sql.data()));
        for (const auto& t : sql::tokenize(rest, sql::dialect::sqlite))
            if (t.kind != sql::token_kind::semicolon) {
                r.uncertain("the text holds more than one statement");
                break;
            }
    }
    if (!seen.uncertain.empty()) r.uncertain(seen.uncertain);
    r.written = std::move(seen.written);
    if (seen.schema_change) sql::table_access::add(r.written, "main.sqlite_master"); // the schema itself

    // Reads: qualify, drop views (SQLite reports their base tables too) and virtual tables
    // that hold no stored rows.
    std::vector<std::string> order;
    for (const auto& rd : seen.reads) {
        std::vector<std::string> where;
        if (!rd.db.empty()) {
            where.push_back(rd.db);
        } else { // the first database that has the name, as SQLite resolves it
            if (order.empty()) order = resolution_order(db);
            for (const auto& d : order)
                if (!object_kind(db, d, rd.name).empty()) {
                    where.push_back(d);
                    break;
                }
            if (where.empty()) {
                // SQLite names a CTE read for no column (count(*) FROM cte) like a table:
                // not one. Anything else unknown is an eponymous virtual table.
                if (defines_cte(sql, lower_ascii(rd.name))) continue;
                where.push_back("main");
            }
        }
        for (const auto& d : where) {
            const std::string kind = object_kind(db, d, rd.name);
            const std::string name = lower_ascii(d) + "." + lower_ascii(rd.name);
            if (kind == "view") continue;
            if (kind.empty()) {
                const std::string bare = lower_ascii(rd.name);
                if (bare == "json_each" || bare == "json_tree") continue; // a function of its arguments
                r.uncertain("the virtual table " + bare + " holds no stored rows (its result may change without a write)");
                continue;
            }
            sql::table_access::add(r.read, name);
        }
    }

    // Functions: volatile ones, the clock, and the application's own.
    std::vector<std::string> app_functions;
    bool listed = false;
    for (const auto& f : seen.functions) {
        if (volatile_function(f) || (time_function(f) && reads_the_clock(sql))) {
            if (!r.volatile_result && !r.locks_rows) r.reason = "the result depends on " + f + "(), a volatile function";
            r.volatile_result = true;
            continue;
        }
        if (f == "load_extension") {
            r.uncertain("load_extension() changes the connection");
            continue;
        }
        if (!listed) {
            listed = true;
            if (!small_query(db, "SELECT DISTINCT name FROM pragma_function_list WHERE builtin = 0", [](sqlite3_stmt*) {},
                             [&](sqlite3_stmt* s) { app_functions.push_back(lower_ascii(column_text(s, 0))); }))
                app_functions.push_back("*"); // this SQLite cannot list its functions
        }
        if (std::find(app_functions.begin(), app_functions.end(), "*") != app_functions.end())
            r.uncertain("this SQLite cannot say whether " + f + "() is built in (PRAGMA function_list unavailable)");
        else if (std::find(app_functions.begin(), app_functions.end(), f) != app_functions.end())
            r.uncertain("the application-defined function " + f + "() may read any table");
    }
    return r;
}

} // namespace detail
} // namespace cistern::sqlite

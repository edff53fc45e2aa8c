#pragma once
/// \file
/// `cistern::query_summary`: the operation, the single collection and a short summary of
/// a statement fingerprint, for OpenTelemetry's `db.operation.name`,
/// `db.collection.name` and `db.query.summary`.

#include <cistern/sql/lexer.hpp>

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cistern {

/// What a statement does, read from its fingerprint (so never from a literal value).
struct query_summary {
    /// The statement's own operation in upper case (`SELECT`, `INSERT`, `UPDATE`,
    /// `DELETE`, `CREATE`, `BEGIN`, ...): the first operation keyword outside
    /// parentheses, after any `WITH` list. Several statements: `BATCH <op>` when all
    /// have the same operation, else `BATCH`. "" when none is recognized.
    std::string operation;
    /// The one table the statement reads or writes; "" when it names none or several
    /// (OpenTelemetry sets `db.collection.name` only for a single collection).
    std::string collection;
    /// Operations and the tables they name, in the order they appear, each table once
    /// per operation (`SELECT orders users`, `INSERT events SELECT staging`), at most
    /// 255 bytes (cut at a word). "" when no operation is recognized.
    std::string summary;
};

namespace detail {

inline std::string qs_upper(std::string_view w) {
    std::string s(w);
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

struct qs_token {
    enum kind_t : unsigned char { word, name, open, close, comma, semicolon, other } kind;
    std::string text; ///< words upper-cased; quoted names without their quotes
    std::string raw;  ///< as written (quoted names without their quotes)
};

/// Appends a word or quoted name, joining `schema.table` pieces into one token.
inline void qs_push_name(std::vector<qs_token>& out, qs_token t) {
    if (!out.empty() && (out.back().kind == qs_token::word || out.back().kind == qs_token::name) &&
        (out.back().raw.ends_with('.') || t.raw.starts_with('.'))) {
        out.back().text += t.text;
        out.back().raw += t.raw;
        return;
    }
    out.push_back(std::move(t));
}

/// Tokens of a fingerprint, from sql::tokenize (the one lexer): words, "quoted" / `quoted`
/// names (`schema.table` joined into one), ( ) , ; and the rest. String literals become one
/// `other` token (a fingerprint has none, but a caller may pass raw text: a literal never
/// reaches the summary).
inline std::vector<qs_token> qs_tokens(std::string_view s) {
    std::vector<qs_token> out;
    for (const sql::token& t : sql::tokenize(s)) {
        switch (t.kind) {
        case sql::token_kind::word:
        case sql::token_kind::number:
            qs_push_name(out, {qs_token::word, qs_upper(t.text), std::string(t.text)});
            break;
        case sql::token_kind::quoted_ident:
            qs_push_name(out, {qs_token::name, t.lower, t.lower});
            break;
        case sql::token_kind::dot:
            if (!out.empty() && (out.back().kind == qs_token::word || out.back().kind == qs_token::name)) {
                out.back().text += '.';
                out.back().raw += '.';
            } else {
                out.push_back({qs_token::other, ".", "."});
            }
            break;
        case sql::token_kind::string: out.push_back({qs_token::other, "?", "?"}); break;
        case sql::token_kind::lparen: out.push_back({qs_token::open, "(", "("}); break;
        case sql::token_kind::rparen: out.push_back({qs_token::close, ")", ")"}); break;
        case sql::token_kind::comma: out.push_back({qs_token::comma, ",", ","}); break;
        case sql::token_kind::semicolon: out.push_back({qs_token::semicolon, ";", ";"}); break;
        case sql::token_kind::parameter:
        case sql::token_kind::op: out.push_back({qs_token::other, std::string(t.text), std::string(t.text)}); break;
        }
    }
    return out;
}

/// Keywords that begin a statement (or a parenthesized one).
inline bool qs_is_operation(std::string_view w) noexcept {
    constexpr std::string_view ops[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT",
                                        "CREATE", "ALTER", "DROP", "TRUNCATE", "BEGIN", "START", "COMMIT", "END",
                                        "ROLLBACK", "SAVEPOINT", "RELEASE", "VACUUM", "ANALYZE", "EXPLAIN", "PRAGMA",
                                        "SET", "SHOW", "COPY", "CALL", "GRANT", "REVOKE", "LOCK", "VALUES", "ATTACH",
                                        "DETACH", "REINDEX", "LISTEN", "NOTIFY", "DO", "TABLE", "WITH", "PREPARE",
                                        "EXECUTE", "DEALLOCATE", "DISCARD", "RESET", "CLUSTER", "REFRESH", "COMMENT"};
    for (auto o : ops) if (o == w) return true;
    return false;
}

/// Words that may stand between a table-naming keyword and the table.
inline bool qs_table_modifier(std::string_view w) noexcept {
    return w == "IF" || w == "NOT" || w == "EXISTS" || w == "ONLY" || w == "OR" || w == "IGNORE" || w == "TABLE" ||
           w == "LATERAL" || w == "TEMP" || w == "TEMPORARY" || w == "UNLOGGED";
}

/// Keywords that end a FROM list.
inline bool qs_ends_from_list(std::string_view w) noexcept {
    return w == "WHERE" || w == "GROUP" || w == "ORDER" || w == "HAVING" || w == "LIMIT" || w == "OFFSET" ||
           w == "SET" || w == "VALUES" || w == "ON" || w == "RETURNING" || w == "UNION" || w == "EXCEPT" ||
           w == "INTERSECT" || w == "WINDOW" || w == "FOR" || w == "USING";
}

} // namespace detail

/// Summarizes a statement fingerprint (cistern::fingerprint()'s text). Cheap enough for
/// the first sight of a statement, not meant for every execution. The fingerprint
/// "(other)" (statements past the monitor's max_fingerprints) summarizes to
/// {"", "", "(other)"}. Never throws except std::bad_alloc.
inline query_summary summarize_query(std::string_view fingerprint) {
    using detail::qs_token;
    query_summary q;
    if (fingerprint == "(other)") {
        q.summary = "(other)";
        return q;
    }
    const std::vector<qs_token> toks = detail::qs_tokens(fingerprint);
    std::vector<std::string> parts;          // the summary's words
    std::vector<std::string> tables;         // distinct tables, in order
    std::vector<std::string> ctes;           // WITH names: not tables
    std::vector<std::string> here;           // tables of the current operation
    std::vector<std::string> statement_ops;  // each statement's own operation
    std::string main_op;                     // the current statement's operation
    int depth = 0, from_depth = -1, with_depth = -1;
    bool start = true, expect_table = false, cte_next = false;
    bool table_follows = false; // expect_table came from INTO or TABLE: `t (columns)` is a table

    auto add_op = [&](const std::string& op) {
        if (parts.empty() || parts.back() != op || !here.empty()) parts.push_back(op); // SELECT (SELECT t): once
        here.clear();
    };
    auto add_table = [&](const std::string& t) {
        for (const auto& c : ctes) if (c == t) return;
        bool listed = false;
        for (const auto& c : here) listed = listed || c == t;
        if (!listed) {
            here.push_back(t);
            parts.push_back(t);
        }
        for (const auto& c : tables) if (c == t) return;
        tables.push_back(t);
    };
    auto operation = [&](const std::string& w) {
        if (depth == 0 && main_op.empty()) main_op = w;
        add_op(w);
        expect_table = w == "UPDATE" || w == "TABLE" || w == "TRUNCATE";
        table_follows = false;
        from_depth = -1;
    };

    for (std::size_t i = 0; i < toks.size(); ++i) {
        const qs_token& t = toks[i];
        switch (t.kind) {
        case qs_token::open:
            ++depth;
            start = true;
            expect_table = false;
            continue;
        case qs_token::close:
            if (depth > 0) --depth;
            if (depth < from_depth) from_depth = -1;
            start = expect_table = false;
            continue;
        case qs_token::semicolon:
            if (!main_op.empty()) statement_ops.push_back(main_op);
            main_op.clear();
            depth = 0;
            from_depth = with_depth = -1;
            start = true;
            expect_table = cte_next = false;
            continue;
        case qs_token::comma:
            start = false;
            expect_table = from_depth == depth;
            cte_next = with_depth == depth;
            continue;
        case qs_token::other:
            start = expect_table = cte_next = false;
            continue;
        case qs_token::word:
        case qs_token::name:
            break;
        }
        const bool word = t.kind == qs_token::word;
        const std::string& w = t.text;
        const bool next_open = i + 1 < toks.size() && toks[i + 1].kind == qs_token::open;
        if (word && start && detail::qs_is_operation(w)) {
            start = false;
            if (w == "WITH") {
                with_depth = depth;
                cte_next = true;
            } else {
                operation(w);
            }
            continue;
        }
        start = false;
        if (cte_next) {
            if (word && w == "RECURSIVE") continue;
            ctes.push_back(word ? t.raw : t.text);
            cte_next = false;
            continue;
        }
        if (word && with_depth == depth && detail::qs_is_operation(w) && w != "WITH") { // the statement after WITH
            with_depth = -1;
            operation(w);
            continue;
        }
        if (word && w == "SELECT") { // a set operation's or INSERT's SELECT
            add_op(w);
            expect_table = false;
            from_depth = -1;
            continue;
        }
        if (expect_table) {
            if (word && detail::qs_table_modifier(w)) continue;
            if (!(word && detail::qs_ends_from_list(w)) && (!next_open || table_follows)) // not f(...)
                add_table(word ? t.raw : t.text);
            expect_table = false;
            if (!(word && detail::qs_ends_from_list(w))) continue;
        }
        if (!word) continue;
        if (w == "FROM" || w == "JOIN" || w == "INTO" || w == "TABLE" || (w == "USING" && from_depth < 0)) {
            expect_table = true;
            table_follows = w == "INTO" || w == "TABLE";
            if (w == "FROM") from_depth = depth;
            else if (w != "JOIN") from_depth = -1;
            continue;
        }
        if (from_depth == depth && detail::qs_ends_from_list(w)) from_depth = -1;
    }
    if (!main_op.empty()) statement_ops.push_back(main_op);

    if (statement_ops.size() == 1) {
        q.operation = statement_ops.front();
    } else if (statement_ops.size() > 1) {
        bool same = true;
        for (const auto& o : statement_ops) same = same && o == statement_ops.front();
        q.operation = same ? "BATCH " + statement_ops.front() : "BATCH";
    }
    if (tables.size() == 1) q.collection = tables.front();
    if (!statement_ops.empty()) {
        for (const auto& p : parts) {
            const std::size_t extra = q.summary.empty() ? p.size() : p.size() + 1;
            if (q.summary.size() + extra > 255) break;
            if (!q.summary.empty()) q.summary += ' ';
            q.summary += p;
        }
    }
    return q;
}

} // namespace cistern

#pragma once
/// \file
/// `cistern::sql::tokenize`: the one SQL lexer of cistern. Everything that reads SQL text
/// without asking a database (fingerprints, the statement view of the query rules and the
/// index advisors, the scanner-based table finder) reads the tokens made here.

#include <cistern/sql/dialect.hpp>
#include <cistern/sql/token.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::sql {

namespace detail {

inline bool ident_start(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
inline bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
inline bool ident_char(char c) noexcept { return ident_start(c) || digit(c) || c == '$'; }
inline bool space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
inline bool hex_digit(char c) noexcept { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline char to_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
inline char to_upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
inline std::string lowered(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = to_lower(c);
    return r;
}

/// PostgreSQL's operator characters (scan.l `op_chars`), less those a dialect reads otherwise.
inline bool op_char(char c, dialect d) noexcept {
    switch (c) {
    case '+': case '-': case '*': case '/': case '<': case '>': case '=': case '~': case '!':
    case '#': case '%': case '^': case '&': case '|': return true;
    case '@': case '?': case '`': return d == dialect::postgres;
    default: return false;
    }
}

} // namespace detail

/// Splits `sql` into tokens read with the rules of `d` (comments and whitespace dropped).
/// Never throws on malformed input (only std::bad_alloc): an unterminated literal, quoted
/// name or comment runs to the end of the text, and `*complete` (when given) is set to
/// false. Linear in the length of `sql`. The tokens view `sql`, which must outlive them.
///
/// Operators follow PostgreSQL's rule: a run of operator characters is one operator,
/// except that a trailing `+` or `-` is split off unless the run contains one of
/// `~ ! @ # % ^ & | ` ?` (so `a=-1` is `a`, `=`, `-`, `1`).
inline std::vector<token> tokenize(std::string_view sql, dialect d = dialect::generic, bool* complete = nullptr) {
    using namespace detail;
    std::vector<token> out;
    out.reserve(sql.size() / 4 + 4);
    if (complete) *complete = true;
    auto incomplete = [&] {
        if (complete) *complete = false;
    };
    const bool pg = d == dialect::postgres;
    const bool lite = d == dialect::sqlite;
    const std::size_t n = sql.size();
    std::size_t i = 0;
    int depth = 0;
    auto push = [&](token_kind k, std::size_t b, std::size_t e, std::string low, char prefix = 0) {
        out.push_back(token{k, sql.substr(b, e - b), std::move(low), depth, prefix});
    };
    // A literal delimited by `q` from `start` (after the opening quote); a doubled `q` is one
    // `q`; with `backslash`, \x is x. Returns one past the closing quote and the content.
    auto quoted = [&](std::size_t start, char q, bool backslash) {
        std::string content;
        std::size_t j = start;
        while (j < n) {
            const char ch = sql[j];
            if (backslash && ch == '\\' && j + 1 < n) {
                content += sql[j + 1];
                j += 2;
                continue;
            }
            if (ch == q) {
                if (j + 1 < n && sql[j + 1] == q) {
                    content += q;
                    j += 2;
                    continue;
                }
                return std::pair{j + 1, std::move(content)};
            }
            content += ch;
            ++j;
        }
        incomplete();
        return std::pair{n, std::move(content)};
    };
    while (i < n) {
        const char c = sql[i];
        if (space(c)) {
            ++i;
            continue;
        }
        if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n') ++i;
            continue;
        }
        if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            int nest = 1;
            i += 2;
            while (i < n && nest > 0) {
                if (!lite && sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
                    ++nest;
                    i += 2;
                } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
                    --nest;
                    i += 2;
                } else {
                    ++i;
                }
            }
            if (nest > 0) incomplete();
            continue;
        }
        const std::size_t b = i;
        // Prefixed string literals: E'..' (backslash escapes), X'..', B'..', N'..', U&'..'.
        if (i + 1 < n && sql[i + 1] == '\'') {
            const char up = to_upper(c);
            const bool prefix = up == 'X' || (!lite && (up == 'E' || up == 'B' || up == 'N'));
            if (prefix) {
                auto [e, content] = quoted(i + 2, '\'', up == 'E');
                i = e;
                push(token_kind::string, b, i, std::move(content), up);
                continue;
            }
        }
        if (!lite && (c == 'u' || c == 'U') && i + 2 < n && sql[i + 1] == '&' && sql[i + 2] == '\'') {
            auto [e, content] = quoted(i + 3, '\'', false);
            i = e;
            push(token_kind::string, b, i, std::move(content), 'U');
            continue;
        }
        if (c == '\'') {
            auto [e, content] = quoted(i + 1, '\'', false);
            i = e;
            push(token_kind::string, b, i, std::move(content));
            continue;
        }
        if (c == '"' || (c == '`' && !pg)) {
            auto [e, content] = quoted(i + 1, c, false);
            i = e;
            push(token_kind::quoted_ident, b, i, std::move(content));
            continue;
        }
        if (c == '[' && !pg) {
            // [name] is a quoted identifier (SQLite, SQL Server) unless it subscripts something.
            static constexpr std::string_view before_name[] = {
                "from", "join", "into", "update", "table", "select", "where", "and", "or", "on", "by", "as",
                "set", "index", "exists", "not", "in", "values", "distinct", "returning", "having", "when",
                "then", "else", "view", "trigger", "drop", "if"};
            bool keyword_before = false;
            if (!out.empty() && out.back().kind == token_kind::word)
                for (auto k : before_name) keyword_before = keyword_before || out.back().lower == k;
            const bool subscript = !out.empty() && !keyword_before &&
                                   (out.back().is_name() || out.back().kind == token_kind::rparen ||
                                    out.back().is_op("]"));
            if (!subscript) {
                std::size_t e = sql.find(']', i + 1);
                if (e == std::string_view::npos) {
                    incomplete();
                    push(token_kind::quoted_ident, b, n, std::string(sql.substr(i + 1)));
                    i = n;
                } else {
                    push(token_kind::quoted_ident, b, e + 1, std::string(sql.substr(i + 1, e - i - 1)));
                    i = e + 1;
                }
                continue;
            }
        }
        if (c == '$') {
            if (!lite && i + 1 < n && digit(sql[i + 1])) { // $1
                ++i;
                while (i < n && digit(sql[i])) ++i;
                push(token_kind::parameter, b, i, std::string(sql.substr(b, i - b)));
                continue;
            }
            if (!lite) { // dollar quoting: $tag$ ... $tag$ (the tag may be empty, never starts with a digit)
                std::size_t j = i + 1;
                if (j < n && ident_start(sql[j]))
                    while (j < n && ident_char(sql[j]) && sql[j] != '$') ++j;
                if (j < n && sql[j] == '$') {
                    const std::string_view tag = sql.substr(i, j - i + 1);
                    const std::size_t body = j + 1;
                    const std::size_t e = sql.find(tag, body);
                    if (e == std::string_view::npos) incomplete();
                    const std::size_t content_end = e == std::string_view::npos ? n : e;
                    const std::size_t end = e == std::string_view::npos ? n : e + tag.size();
                    push(token_kind::string, b, end, std::string(sql.substr(body, content_end - body)), '$');
                    i = end;
                    continue;
                }
            }
            if (!pg && i + 1 < n && ident_char(sql[i + 1])) { // SQLite's $name parameter
                ++i;
                while (i < n && ident_char(sql[i]) && sql[i] != '$') ++i;
                push(token_kind::parameter, b, i, std::string(sql.substr(b, i - b)));
                continue;
            }
            ++i;
            push(token_kind::op, b, i, "$");
            continue;
        }
        if (c == '?' && !pg) {
            ++i;
            while (i < n && digit(sql[i])) ++i; // ?NNN
            push(token_kind::parameter, b, i, std::string(sql.substr(b, i - b)));
            continue;
        }
        if (c == ':' && i + 1 < n && sql[i + 1] == ':') {
            i += 2;
            push(token_kind::op, b, i, "::");
            continue;
        }
        if (!pg && (c == ':' || c == '@') && i + 1 < n && ident_start(sql[i + 1])) {
            ++i;
            while (i < n && ident_char(sql[i])) ++i;
            push(token_kind::parameter, b, i, std::string(sql.substr(b, i - b)));
            continue;
        }
        if (digit(c) || (c == '.' && i + 1 < n && digit(sql[i + 1]))) {
            if (c == '0' && i + 1 < n && (sql[i + 1] == 'x' || sql[i + 1] == 'X') && i + 2 < n && hex_digit(sql[i + 2])) {
                i += 2;
                while (i < n && (hex_digit(sql[i]) || sql[i] == '_')) ++i;
            } else {
                while (i < n && (digit(sql[i]) || sql[i] == '_')) ++i;
                if (i < n && sql[i] == '.' && !(i + 1 < n && sql[i + 1] == '.')) {
                    ++i;
                    while (i < n && (digit(sql[i]) || sql[i] == '_')) ++i;
                }
                if (i < n && (sql[i] == 'e' || sql[i] == 'E')) {
                    std::size_t j = i + 1;
                    if (j < n && (sql[j] == '+' || sql[j] == '-')) ++j;
                    if (j < n && digit(sql[j])) {
                        i = j;
                        while (i < n && digit(sql[i])) ++i;
                    }
                }
            }
            push(token_kind::number, b, i, std::string(sql.substr(b, i - b)));
            continue;
        }
        if (ident_start(c)) {
            while (i < n && ident_char(sql[i])) ++i;
            push(token_kind::word, b, i, lowered(sql.substr(b, i - b)));
            continue;
        }
        switch (c) {
        case '(':
            push(token_kind::lparen, b, b + 1, "(");
            ++depth;
            ++i;
            continue;
        case ')':
            if (depth > 0) --depth;
            push(token_kind::rparen, b, b + 1, ")");
            ++i;
            continue;
        case ',': push(token_kind::comma, b, b + 1, ","); ++i; continue;
        case ';': push(token_kind::semicolon, b, b + 1, ";"); ++i; continue;
        case '.': push(token_kind::dot, b, b + 1, "."); ++i; continue;
        default: break;
        }
        if (op_char(c, d)) {
            std::size_t e = i;
            bool special = false;
            while (e < n && op_char(sql[e], d) && !(sql[e] == '-' && e + 1 < n && sql[e + 1] == '-') &&
                   !(sql[e] == '/' && e + 1 < n && sql[e + 1] == '*')) {
                const char o = sql[e];
                special = special || o == '~' || o == '!' || o == '@' || o == '#' || o == '%' || o == '^' ||
                          o == '&' || o == '|' || o == '`' || o == '?';
                ++e;
            }
            if (!special)
                while (e - i > 1 && (sql[e - 1] == '+' || sql[e - 1] == '-')) --e;
            push(token_kind::op, b, e, std::string(sql.substr(b, e - b)));
            i = e;
            continue;
        }
        // Anything else ([ ] subscripts, a lone ':', '{', '\\', ...) is a one-character operator.
        push(token_kind::op, b, b + 1, std::string(1, c));
        ++i;
    }
    return out;
}

} // namespace cistern::sql

#pragma once
/// \file
/// A small SQL tokenizer for the strategies (query rules, fingerprints). It knows string
/// literals ('..', E'..', X'..', $tag$..$tag$), quoted identifiers ("..", `..`, [..]),
/// comments (-- and nested /* */), numbers, parameters (?, ?NNN, $1, :name, @name) and
/// operators. It is not a parser: rules work on the token stream and its paren depth.

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::strategy::detail {

enum class token_kind {
    word,          ///< keyword or bare identifier; `lower` holds it lower-cased
    quoted_ident,  ///< "x", `x` or [x]; `lower` holds the unquoted name (case kept)
    string,        ///< string or blob literal
    number,        ///< numeric literal
    parameter,     ///< ?, ?1, $1, :name, @name
    op,            ///< operator: = <> != <= >= < > + - * / || :: and the like
    lparen,
    rparen,
    comma,
    semicolon,
    dot
};

struct token {
    token_kind kind;
    std::string_view text; ///< the token as written in the statement
    std::string lower;     ///< words: lower-cased; quoted identifiers: the name; strings: the content
    int depth = 0;         ///< parenthesis depth at the token (a '(' has the outer depth)

    bool is_word(std::string_view w) const noexcept { return kind == token_kind::word && lower == w; }
    bool is_op(std::string_view o) const noexcept { return kind == token_kind::op && text == o; }
    /// True for a bare or quoted identifier-like token (keywords included for bare words).
    bool is_name() const noexcept { return kind == token_kind::word || kind == token_kind::quoted_ident; }
    bool is_literal() const noexcept {
        return kind == token_kind::string || kind == token_kind::number || kind == token_kind::parameter;
    }
};

namespace lexer_detail {
inline bool ident_start(char c) noexcept {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
inline bool ident_char(char c) noexcept {
    return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}
inline bool digit(char c) noexcept { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
inline std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}
} // namespace lexer_detail

/// Splits `sql` into tokens (comments and whitespace dropped). Never throws on malformed
/// input: an unterminated literal or comment runs to the end of the text.
inline std::vector<token> tokenize(std::string_view sql) {
    using namespace lexer_detail;
    std::vector<token> out;
    const std::size_t n = sql.size();
    std::size_t i = 0;
    int depth = 0;
    auto push = [&](token_kind k, std::size_t b, std::size_t e, std::string low) {
        out.push_back(token{k, sql.substr(b, e - b), std::move(low), depth});
    };
    // Reads a literal delimited by `q` where a doubled `q` is an escaped one.
    auto quoted = [&](std::size_t start, char q, bool backslash) {
        std::string content;
        std::size_t j = start;
        while (j < n) {
            if (backslash && sql[j] == '\\' && j + 1 < n) {
                content += sql[j + 1];
                j += 2;
                continue;
            }
            if (sql[j] == q) {
                if (j + 1 < n && sql[j + 1] == q) {
                    content += q;
                    j += 2;
                    continue;
                }
                return std::pair{j + 1, content};
            }
            content += sql[j++];
        }
        return std::pair{n, content};
    };
    while (i < n) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
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
                if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
                    ++nest;
                    i += 2;
                } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
                    --nest;
                    i += 2;
                } else {
                    ++i;
                }
            }
            continue;
        }
        const std::size_t b = i;
        // Prefixed string literals: E'..' (backslash escapes), X'..', B'..', N'..', U&'..'.
        if ((c == 'e' || c == 'E' || c == 'x' || c == 'X' || c == 'b' || c == 'B' || c == 'n' || c == 'N') &&
            i + 1 < n && sql[i + 1] == '\'') {
            auto [e, content] = quoted(i + 2, '\'', c == 'e' || c == 'E');
            i = e;
            push(token_kind::string, b, i, std::move(content));
            continue;
        }
        if (c == '\'') {
            auto [e, content] = quoted(i + 1, '\'', false);
            i = e;
            push(token_kind::string, b, i, std::move(content));
            continue;
        }
        if (c == '"' || c == '`') {
            auto [e, content] = quoted(i + 1, c, false);
            i = e;
            push(token_kind::quoted_ident, b, i, std::move(content));
            continue;
        }
        if (c == '[') {
            // [name] is a quoted identifier (SQLite, SQL Server) unless it subscripts something.
            static constexpr std::string_view before_name[] = {
                "from", "join", "into", "update", "table", "select", "where", "and", "or", "on", "by", "as",
                "set", "index", "exists", "not", "in", "values", "distinct", "returning", "having", "when",
                "then", "else", "view", "trigger", "drop", "if"};
            bool keyword_before = false;
            if (!out.empty() && out.back().kind == token_kind::word)
                for (auto k : before_name) keyword_before = keyword_before || out.back().lower == k;
            const bool subscript = !out.empty() && !keyword_before &&
                                   (out.back().is_name() || out.back().kind == token_kind::rparen);
            if (!subscript) {
                std::size_t e = sql.find(']', i + 1);
                if (e == std::string_view::npos) e = n - 1;
                push(token_kind::quoted_ident, b, e + 1, std::string(sql.substr(i + 1, e - i - 1)));
                i = e + 1;
                continue;
            }
        }
        if (c == '$') {
            if (i + 1 < n && digit(sql[i + 1])) {
                ++i;
                while (i < n && digit(sql[i])) ++i;
                push(token_kind::parameter, b, i, std::string(sql.substr(b, i - b)));
                continue;
            }
            // Dollar quoting: $tag$ ... $tag$ (tag may be empty).
            std::size_t j = i + 1;
            while (j < n && ident_char(sql[j]) && sql[j] != '$') ++j;
            if (j < n && sql[j] == '$') {
                const std::string_view tag = sql.substr(i, j - i + 1);
                const std::size_t body = j + 1;
                std::size_t e = sql.find(tag, body);
                const std::size_t end = e == std::string_view::npos ? n : e + tag.size();
                push(token_kind::string, b, end,
                     std::string(sql.substr(body, (e == std::string_view::npos ? n : e) - body)));
                i = end;
                continue;
            }
            // SQLite's $name parameter.
            ++i;
            while (i < n && ident_char(sql[i])) ++i;
            push(token_kind::parameter, b, i, std::string(sql.substr(b, i - b)));
            continue;
        }
        if (c == '?') {
            ++i;
            while (i < n && digit(sql[i])) ++i;
            push(token_kind::parameter, b, i, std::string(sql.substr(b, i - b)));
            continue;
        }
        if ((c == ':' || c == '@') && i + 1 < n && ident_start(sql[i + 1]) &&
            !(c == ':' && i > 0 && sql[i - 1] == ':')) {
            ++i;
            while (i < n && ident_char(sql[i])) ++i;
            push(token_kind::parameter, b, i, std::string(sql.substr(b, i - b)));
            continue;
        }
        if (digit(c) || (c == '.' && i + 1 < n && digit(sql[i + 1]))) {
            while (i < n && (digit(sql[i]) || sql[i] == '.')) ++i;
            if (i < n && (sql[i] == 'e' || sql[i] == 'E')) {
                std::size_t j = i + 1;
                if (j < n && (sql[j] == '+' || sql[j] == '-')) ++j;
                if (j < n && digit(sql[j])) {
                    i = j;
                    while (i < n && digit(sql[i])) ++i;
                }
            }
            push(token_kind::number, b, i, std::string(sql.substr(b, i - b)));
            continue;
        }
        if (ident_start(c)) {
            while (i < n && ident_char(sql[i])) ++i;
            push(token_kind::word, b, i, lower(sql.substr(b, i - b)));
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
        // Operators: the two-character ones we care about, else one character.
        static constexpr std::string_view two[] = {"<=", ">=", "<>", "!=", "||", "::", "->", "==", "~~", "!~"};
        std::size_t len = 1;
        for (auto t : two)
            if (sql.substr(i, 2) == t) len = 2;
        if (len == 2 && sql.substr(i, 3) == "->>") len = 3;
        push(token_kind::op, b, b + len, std::string(sql.substr(b, len)));
        i += len;
    }
    return out;
}

} // namespace cistern::strategy::detail

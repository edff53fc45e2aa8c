#pragma once
/// \file
/// Statement fingerprints: one text per statement shape, so that `WHERE id = 7` and
/// `where id=8` are counted as one statement.

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace cistern {

/// The result of fingerprinting one statement.
struct statement_fingerprint {
    std::string text;             ///< normalized text, literals and parameters as `?`
    std::uint64_t hash = 0;       ///< 64-bit hash of `text`
    std::size_t parameters = 0;   ///< placeholders in the original text ($1, ?, :name)
};

namespace detail {

inline bool fp_ident_start(char c) noexcept {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
inline bool fp_ident_char(char c) noexcept {
    return fp_ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}
inline bool fp_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// SQL keywords written in upper case in a fingerprint; other bare words are lower-cased.
inline bool fp_is_keyword(std::string_view upper) noexcept {
    static constexpr std::array<std::string_view, 96> words{
        "ALL", "ALTER", "AND", "ANY", "AS", "ASC", "BEGIN", "BETWEEN", "BY", "CASE", "CAST", "COMMIT",
        "CONFLICT", "CREATE", "CROSS", "DEFAULT", "DELETE", "DESC", "DISTINCT", "DO", "DROP", "ELSE",
        "END", "ESCAPE", "EXCEPT", "EXISTS", "EXPLAIN", "FALSE", "FETCH", "FIRST", "FOR", "FROM", "FULL",
        "GROUP", "HAVING", "IF", "ILIKE", "IN", "INDEX", "INNER", "INSERT", "INTERSECT", "INTO", "IS",
        "JOIN", "KEY", "LAST", "LEFT", "LIKE", "LIMIT", "LOCK", "NATURAL", "NOT", "NOTHING", "NULL",
        "NULLS", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVER", "PARTITION", "PRIMARY", "RELEASE",
        "REPLACE", "RETURNING", "RIGHT", "ROLLBACK", "ROW", "ROWS", "SAVEPOINT", "SELECT", "SET",
        "SHARE", "SKIP", "TABLE", "THEN", "TO", "TRANSACTION", "TRUE", "TRUNCATE", "UNION", "UNIQUE",
        "UPDATE", "USING", "VALUES", "VIEW", "WHEN", "WHERE", "WINDOW", "WITH", "ANALYZE", "VACUUM",
        "NOWAIT", "RECURSIVE"};
    for (auto w : words) if (w == upper) return true;
    return false;
}

enum class fp_kind : std::uint8_t { word, keyword, quoted, value, punct };
struct fp_token {
    fp_kind kind;
    std::string text;
};

/// 64-bit FNV-1a.
inline std::uint64_t fp_hash(std::string_view s) noexcept {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) { h ^= c; h *= 1099511628211ull; }
    return h;
}

} // namespace detail

/// Fingerprints one SQL statement (or several; separators are kept):
///  - comments (`-- ...`, nested `/* ... */`) are dropped, whitespace collapses;
///  - string literals ('...' with '' escapes, E'..', X'..', N'..', B'..'), dollar-quoted
///    strings ($tag$...$tag$), numbers (integer, decimal, exponent, hex; a leading minus
///    where it cannot be a binary operator), TRUE/FALSE stay keywords) become `?`;
///  - placeholders `$1`, `?`, `:name` become `?` and are counted in `parameters`;
///  - keywords are upper-cased, other unquoted words lower-cased, "quoted" names kept;
///  - `IN (?, ?, ...)` collapses to `IN (?)`, and `VALUES (?, ?), (?, ?)` to `VALUES (?, ?)`.
/// Never throws except std::bad_alloc. Linear in the length of `sql`.
inline statement_fingerprint fingerprint(std::string_view sql) {
    using detail::fp_kind;
    std::vector<detail::fp_token> toks;
    std::size_t params = 0;
    const std::size_t n = sql.size();
    auto prev_is_operand = [&]() {
        if (toks.empty()) return false;
        const auto& t = toks.back();
        if (t.kind == fp_kind::word || t.kind == fp_kind::quoted || t.kind == fp_kind::value) return true;
        if (t.kind == fp_kind::keyword) return t.text == "NULL" || t.text == "TRUE" || t.text == "FALSE" || t.text == "END";
        return t.text == ")" || t.text == "]";
    };
    auto push_value = [&]() {
        toks.push_back({fp_kind::value, "?"});
    };
    std::size_t i = 0;
    while (i < n) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
        if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n') ++i;
            continue;
        }
        if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            int depth = 0;
            while (i < n) {
                if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') { ++depth; i += 2; }
                else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') { i += 2; if (--depth == 0) break; }
                else ++i;
            }
            continue;
        }
        // string literal, optionally prefixed by E/X/N/B
        const bool prefixed = (c == 'E' || c == 'e' || c == 'X' || c == 'x' || c == 'N' || c == 'n' || c == 'B' || c == 'b') &&
                              i + 1 < n && sql[i + 1] == '\'';
        if (c == '\'' || prefixed) {
            const bool backslash = (c == 'E' || c == 'e');
            i += prefixed ? 2 : 1;
            while (i < n) {
                if (backslash && sql[i] == '\\') { i += 2; continue; }
                if (sql[i] == '\'') {
                    if (i + 1 < n && sql[i + 1] == '\'') { i += 2; continue; }
                    ++i;
                    break;
                }
                ++i;
            }
            push_value();
            continue;
        }
        if (c == '"' || c == '`' || c == '[') {
            const char close = c == '[' ? ']' : c;
            if (c == '[' && !toks.empty() && prev_is_operand()) { // array subscript, not a name
                toks.push_back({fp_kind::punct, "["});
                ++i;
                continue;
            }
            const std::size_t start = i++;
            while (i < n) {
                if (sql[i] == close) {
                    if (close != ']' && i + 1 < n && sql[i + 1] == close) { i += 2; continue; }
                    ++i;
                    break;
                }
                ++i;
            }
            toks.push_back({fp_kind::quoted, std::string(sql.substr(start, i - start))});
            continue;
        }
        if (c == '$') {
            if (i + 1 < n && detail::fp_digit(sql[i + 1])) { // $1
                i += 1;
                while (i < n && detail::fp_digit(sql[i])) ++i;
                ++params;
                push_value();
                continue;
            }
            // dollar quote $tag$ ... $tag$
            std::size_t j = i + 1;
            while (j < n && (detail::fp_ident_char(sql[j]) && sql[j] != '$')) ++j;
            if (j < n && sql[j] == '$') {
                const std::string_view tag = sql.substr(i, j - i + 1);
                const auto end = sql.find(tag, j + 1);
                i = end == std::string_view::npos ? n : end + tag.size();
                push_value();
                continue;
            }
            toks.push_back({fp_kind::punct, "$"});
            ++i;
            continue;
        }
        if (c == '?') {
            ++i;
            while (i < n && detail::fp_digit(sql[i])) ++i; // ?NNN (SQLite)
            ++params;
            push_value();
            continue;
        }
        if ((c == ':' || c == '@') && i + 1 < n && detail::fp_ident_start(sql[i + 1]) &&
            !(i > 0 && sql[i - 1] == ':')) {
            i += 1;
            while (i < n && detail::fp_ident_char(sql[i])) ++i;
            ++params;
            push_value();
            continue;
        }
        const bool starts_number = detail::fp_digit(c) || (c == '.' && i + 1 < n && detail::fp_digit(sql[i + 1]));
        const bool negative = (c == '-' || c == '+') && i + 1 < n &&
                              (detail::fp_digit(sql[i + 1]) || (sql[i + 1] == '.' && i + 2 < n && detail::fp_digit(sql[i + 2]))) &&
                              !prev_is_operand();
        if (starts_number || negative) {
            if (negative) ++i;
            if (sql[i] == '0' && i + 1 < n && (sql[i + 1] == 'x' || sql[i + 1] == 'X')) {
                i += 2;
                while (i < n && std::isxdigit(static_cast<unsigned char>(sql[i]))) ++i;
            } else {
                while (i < n && (detail::fp_digit(sql[i]) || sql[i] == '_')) ++i;
                if (i < n && sql[i] == '.') { ++i; while (i < n && detail::fp_digit(sql[i])) ++i; }
                if (i < n && (sql[i] == 'e' || sql[i] == 'E')) {
                    std::size_t j = i + 1;
                    if (j < n && (sql[j] == '+' || sql[j] == '-')) ++j;
                    if (j < n && detail::fp_digit(sql[j])) {
                        i = j;
                        while (i < n && detail::fp_digit(sql[i])) ++i;
                    }
                }
            }
            push_value();
            continue;
        }
        if (detail::fp_ident_start(c)) {
            const std::size_t start = i;
            while (i < n && detail::fp_ident_char(sql[i])) ++i;
            std::string w(sql.substr(start, i - start));
            std::string up = w;
            for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            if (detail::fp_is_keyword(up)) {
                toks.push_back({fp_kind::keyword, std::move(up)});
            } else {
                for (auto& ch : w) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                toks.push_back({fp_kind::word, std::move(w)});
            }
            continue;
        }
        // operators: group runs of operator characters (<=, <>, ||, ::, ->>)
        static constexpr std::string_view op_chars = "<>=!|&+-*/%^~#:@";
        if (op_chars.find(c) != std::string_view::npos) {
            const std::size_t start = i;
            while (i < n && op_chars.find(sql[i]) != std::string_view::npos &&
                   !(sql[i] == '-' && i + 1 < n && sql[i + 1] == '-') &&
                   !(sql[i] == '/' && i + 1 < n && sql[i + 1] == '*'))
                ++i;
            toks.push_back({fp_kind::punct, std::string(sql.substr(start, i - start))});
            continue;
        }
        toks.push_back({fp_kind::punct, std::string(1, c)});
        ++i;
    }

    // Collapse IN (?, ?, ...) and repeated VALUES tuples.
    std::vector<detail::fp_token> out;
    out.reserve(toks.size());
    auto is = [](const detail::fp_token& t, std::string_view s) { return t.text == s; };
    // parses "( ? , ? ... )" starting at k; returns one past ')' and the number of items, or 0
    auto value_tuple = [&](std::size_t k, std::size_t& items) -> std::size_t {
        if (k >= toks.size() || !is(toks[k], "(")) return 0;
        items = 0;
        ++k;
        while (k < toks.size()) {
            if (toks[k].kind != fp_kind::value) return 0;
            ++items;
            ++k;
            if (k < toks.size() && is(toks[k], ",")) { ++k; continue; }
            if (k < toks.size() && is(toks[k], ")")) return k + 1;
            return 0;
        }
        return 0;
    };
    for (std::size_t k = 0; k < toks.size(); ++k) {
        out.push_back(toks[k]);
        if (toks[k].kind == fp_kind::keyword && toks[k].text == "IN") {
            std::size_t items = 0;
            if (const auto end = value_tuple(k + 1, items); end) {
                out.push_back({fp_kind::punct, "("});
                out.push_back({fp_kind::value, "?"});
                out.push_back({fp_kind::punct, ")"});
                k = end - 1;
            }
        } else if (toks[k].kind == fp_kind::keyword && toks[k].text == "VALUES") {
            std::size_t items = 0;
            auto end = value_tuple(k + 1, items);
            if (end) {
                for (std::size_t m = k + 1; m < end; ++m) out.push_back(toks[m]);
                std::size_t next_items = 0;
                while (end < toks.size() && is(toks[end], ",")) {
                    const auto e2 = value_tuple(end + 1, next_items);
                    if (!e2 || next_items != items) break;
                    end = e2;
                }
                k = end - 1;
            }
        }
    }

    // Render: one space between tokens, none after '(' '[' '.', none before ')' ']' ',' '.' ';',
    // and none between a name and the '(' of a call.
    statement_fingerprint fp;
    fp.parameters = params;
    fp.text.reserve(sql.size());
    for (std::size_t k = 0; k < out.size(); ++k) {
        const auto& t = out[k];
        if (k > 0) {
            const auto& p = out[k - 1];
            const bool glue_after = p.text == "(" || p.text == "[" || p.text == "." || p.text == "::";
            const bool glue_before = t.text == ")" || t.text == "]" || t.text == "," || t.text == "." ||
                                     t.text == ";" || t.text == "::" ||
                                     ((t.text == "(" || t.text == "[") && (p.kind == fp_kind::word || p.kind == fp_kind::quoted));
            if (!glue_after && !glue_before) fp.text += ' ';
        }
        fp.text += t.text;
    }
    fp.hash = detail::fp_hash(fp.text);
    return fp;
}

} // namespace cistern

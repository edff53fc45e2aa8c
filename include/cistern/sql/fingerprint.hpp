#pragma once
/// \file
/// `cistern::sql::fingerprint_of`: one text per statement shape, so that `WHERE id = 7`
/// and `where id=8` are counted, advised and reported as one statement.

#include <cistern/sql/dialect.hpp>
#include <cistern/sql/lexer.hpp>
#include <cistern/sql/token.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::sql {

/// One statement shape: literals and parameters removed, stable across case, spacing and
/// comments.
struct fingerprint {
    std::string normalized;     ///< normalized text, literals and parameters as `?`
    std::uint64_t hash = 0;     ///< 64-bit FNV-1a hash of `normalized`
    std::size_t parameters = 0; ///< placeholders in the original text ($1, ?, :name)
    /// False when the text could not be read to its end (an unterminated string, quoted
    /// name or comment): `normalized` is then still free of literals (the open literal is
    /// one `?`), but may not be a statement a database accepts.
    bool exact = true;
};

namespace detail {

/// SQL keywords written in upper case in a fingerprint; other bare words are lower-cased.
inline std::string_view fp_keyword(std::string_view lower) noexcept {
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
    if (lower.size() > 11) return {};
    char up[12];
    for (std::size_t k = 0; k < lower.size(); ++k) up[k] = to_upper(lower[k]);
    const std::string_view u(up, lower.size());
    for (auto w : words)
        if (w == u) return w;
    return {};
}

/// Type names that may prefix a string to make a typed literal (`timestamp '2026-01-01'`).
/// The second words of multi-word names are matched by fp_type_words().
inline bool fp_type_name(std::string_view w) noexcept {
    static constexpr std::string_view types[] = {
        "date", "time", "timestamp", "timestamptz", "timetz", "interval", "int", "int2", "int4", "int8",
        "integer", "bigint", "smallint", "numeric", "decimal", "real", "float", "float4", "float8", "double",
        "bool", "boolean", "text", "varchar", "char", "character", "bit", "json", "jsonb", "uuid", "inet",
        "cidr", "macaddr", "bytea", "money", "xml", "point", "tsquery", "tsvector", "regclass", "oid", "name"};
    for (auto t : types)
        if (t == w) return true;
    return false;
}

/// Number of tokens from `k` that spell one type name (`double precision`, `timestamp
/// with time zone`, `character varying`, `bit varying`, or one word).
inline std::size_t fp_type_words(const std::vector<token>& t, std::size_t k) noexcept {
    auto w = [&](std::size_t at, std::string_view s) { return at < t.size() && t[at].is_word(s); };
    if (w(k, "double") && w(k + 1, "precision")) return 2;
    if ((w(k, "character") || w(k, "bit")) && w(k + 1, "varying")) return 2;
    if ((w(k, "timestamp") || w(k, "time")) && (w(k + 1, "with") || w(k + 1, "without")) && w(k + 2, "time") &&
        w(k + 3, "zone"))
        return 4;
    if (w(k, "double")) return 0; // "double" alone is not a type
    return 1;
}

enum class fp_kind : std::uint8_t { word, keyword, quoted, value, punct };
struct fp_token {
    fp_kind kind;
    std::string_view text; // views the token's text, its lower-cased name, or a static string
};

/// 64-bit FNV-1a.
inline std::uint64_t fnv1a(std::string_view s) noexcept {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

} // namespace detail

/// The 16 lower-case hex digits of `hash` (how reports and findings name a fingerprint).
inline std::string fingerprint_id(std::uint64_t hash) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(16, '0');
    for (int k = 15; k >= 0; --k, hash >>= 4) s[static_cast<std::size_t>(k)] = digits[hash & 0xf];
    return s;
}

/// Fingerprints one SQL statement (or several; separators are kept), read with `d`'s rules:
///  - comments are dropped, whitespace collapses;
///  - string literals, numbers (a leading sign where it cannot be a binary operator),
///    parameters (`$1`, `?`, `:name`, counted in `parameters`) become `?`; TRUE, FALSE and
///    NULL stay keywords;
///  - a typed literal (`timestamp '...'`, `date '...'`, `interval '...'`, `timestamp with
///    time zone '...'`) becomes `CAST(? AS type)`, which every database accepts with a
///    placeholder (`timestamp ?` is no statement at all);
///  - keywords are upper-cased, other unquoted words lower-cased, "quoted" names kept;
///  - `IN (?, ?, ...)` collapses to `IN (?)`, and `VALUES (?, ?), (?, ?)` to `VALUES (?, ?)`.
/// Never throws except std::bad_alloc. Linear in the length of `statement`.
inline fingerprint fingerprint_of(std::string_view statement, dialect d = dialect::generic) {
    using detail::fp_kind;
    using detail::fp_token;
    fingerprint fp;
    const std::vector<token> toks = tokenize(statement, d, &fp.exact);
    std::vector<fp_token> seq;
    seq.reserve(toks.size() + 8);
    auto prev_is_operand = [&]() {
        if (seq.empty()) return false;
        const auto& t = seq.back();
        if (t.kind == fp_kind::word || t.kind == fp_kind::quoted || t.kind == fp_kind::value) return true;
        if (t.kind == fp_kind::keyword) return t.text == "NULL" || t.text == "TRUE" || t.text == "FALSE" || t.text == "END";
        return t.text == ")" || t.text == "]";
    };
    for (std::size_t k = 0; k < toks.size(); ++k) {
        const token& t = toks[k];
        switch (t.kind) {
        case token_kind::string:
        case token_kind::number: seq.push_back({fp_kind::value, "?"}); break;
        case token_kind::parameter:
            ++fp.parameters;
            seq.push_back({fp_kind::value, "?"});
            break;
        case token_kind::quoted_ident: seq.push_back({fp_kind::quoted, t.text}); break;
        case token_kind::word: {
            if (detail::fp_type_name(t.lower) && !(k > 0 && toks[k - 1].kind == token_kind::dot)) {
                const std::size_t words = detail::fp_type_words(toks, k);
                if (words > 0 && k + words < toks.size() && toks[k + words].kind == token_kind::string &&
                    toks[k + words].prefix == 0) {
                    seq.push_back({fp_kind::keyword, "CAST"});
                    seq.push_back({fp_kind::punct, "("});
                    seq.push_back({fp_kind::value, "?"});
                    seq.push_back({fp_kind::keyword, "AS"});
                    for (std::size_t w = 0; w < words; ++w) seq.push_back({fp_kind::word, toks[k + w].lower});
                    seq.push_back({fp_kind::punct, ")"});
                    k += words; // the string
                    break;
                }
            }
            if (auto kw = detail::fp_keyword(t.lower); !kw.empty()) seq.push_back({fp_kind::keyword, kw});
            else seq.push_back({fp_kind::word, t.lower});
            break;
        }
        case token_kind::op:
            // A sign in front of a number, where no operand precedes it, is part of the number.
            if ((t.text == "-" || t.text == "+") && k + 1 < toks.size() && toks[k + 1].kind == token_kind::number &&
                toks[k + 1].text.data() == t.text.data() + 1 && !prev_is_operand()) {
                seq.push_back({fp_kind::value, "?"});
                ++k;
                break;
            }
            seq.push_back({fp_kind::punct, t.text});
            break;
        default: seq.push_back({fp_kind::punct, t.text}); break;
        }
    }

    // Collapse IN (?, ?, ...) and repeated VALUES tuples.
    std::vector<fp_token> out;
    out.reserve(seq.size());
    // parses "( ? , ? ... )" starting at k; returns one past ')' and the number of items, or 0
    auto value_tuple = [&](std::size_t k, std::size_t& items) -> std::size_t {
        if (k >= seq.size() || seq[k].text != "(") return 0;
        items = 0;
        ++k;
        while (k < seq.size()) {
            if (seq[k].kind != fp_kind::value) return 0;
            ++items;
            ++k;
            if (k < seq.size() && seq[k].text == ",") {
                ++k;
                continue;
            }
            if (k < seq.size() && seq[k].text == ")") return k + 1;
            return 0;
        }
        return 0;
    };
    for (std::size_t k = 0; k < seq.size(); ++k) {
        out.push_back(seq[k]);
        if (seq[k].kind == fp_kind::keyword && seq[k].text == "IN") {
            std::size_t items = 0;
            if (const auto end = value_tuple(k + 1, items); end) {
                out.push_back({fp_kind::punct, "("});
                out.push_back({fp_kind::value, "?"});
                out.push_back({fp_kind::punct, ")"});
                k = end - 1;
            }
        } else if (seq[k].kind == fp_kind::keyword && seq[k].text == "VALUES") {
            std::size_t items = 0;
            auto end = value_tuple(k + 1, items);
            if (end) {
                for (std::size_t m = k + 1; m < end; ++m) out.push_back(seq[m]);
                std::size_t next_items = 0;
                while (end < seq.size() && seq[end].text == ",") {
                    const auto e2 = value_tuple(end + 1, next_items);
                    if (!e2 || next_items != items) break;
                    end = e2;
                }
                k = end - 1;
            }
        }
    }

    // Render: one space between tokens, none after '(' '[' '.' '::', none before ')' ']' ','
    // '.' ';' '::', and none between a name and the '(' of a call.
    fp.normalized.reserve(statement.size());
    for (std::size_t k = 0; k < out.size(); ++k) {
        const auto& t = out[k];
        if (k > 0) {
            const auto& p = out[k - 1];
            const bool glue_after = p.text == "(" || p.text == "[" || p.text == "." || p.text == "::";
            const bool glue_before = t.text == ")" || t.text == "]" || t.text == "," || t.text == "." ||
                                     t.text == ";" || t.text == "::" ||
                                     ((t.text == "(" || t.text == "[") &&
                                      (p.kind == fp_kind::word || p.kind == fp_kind::quoted ||
                                       (p.kind == fp_kind::keyword && p.text == "CAST")));
            if (!glue_after && !glue_before) fp.normalized += ' ';
        }
        fp.normalized += t.text;
    }
    fp.hash = detail::fnv1a(fp.normalized);
    return fp;
}

} // namespace cistern::sql

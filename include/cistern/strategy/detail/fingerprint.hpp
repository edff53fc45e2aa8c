#pragma once
/// \file
/// Statement fingerprints for the strategies: literals and parameters become `?`, IN and
/// VALUES lists collapse, keywords are lower-cased and whitespace and comments vanish, so
/// `SELECT * FROM t WHERE id = 1` and `select *  from t where id=2 -- x` fingerprint alike.
/// (A private copy: the monitor's fingerprint header did not exist when this was written.)

#include <cistern/strategy/detail/sql_lexer.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::strategy::detail {

/// The normalized text of a token stream (see file comment).
inline std::string normalize(const std::vector<token>& toks) {
    std::string out;
    auto emit = [&](std::string_view s, bool glue_left = false) {
        if (!out.empty() && !glue_left && out.back() != '(' && out.back() != '.') out += ' ';
        out += s;
    };
    for (std::size_t i = 0; i < toks.size(); ++i) {
        const token& t = toks[i];
        // A parenthesised list of literals only ("IN (1, 2, 3)", "VALUES (?, ?)") collapses to (...).
        if (t.kind == token_kind::lparen) {
            std::size_t j = i + 1;
            bool only_literals = j < toks.size() && toks[j].kind != token_kind::rparen;
            while (j < toks.size() && toks[j].kind != token_kind::rparen) {
                const bool ok = toks[j].is_literal() || toks[j].kind == token_kind::comma ||
                                (toks[j].kind == token_kind::op && (toks[j].text == "-" || toks[j].text == "+"));
                if (!ok) {
                    only_literals = false;
                    break;
                }
                ++j;
            }
            if (only_literals && j < toks.size()) {
                emit("(...)");
                i = j;
                // Repeated VALUES tuples: "(...), (...)" collapse to one.
                while (i + 1 < toks.size() && toks[i + 1].kind == token_kind::comma && i + 2 < toks.size() &&
                       toks[i + 2].kind == token_kind::lparen) {
                    std::size_t k = i + 3;
                    bool lit = true;
                    while (k < toks.size() && toks[k].kind != token_kind::rparen) {
                        if (!(toks[k].is_literal() || toks[k].kind == token_kind::comma || toks[k].kind == token_kind::op)) {
                            lit = false;
                            break;
                        }
                        ++k;
                    }
                    if (!lit || k >= toks.size()) break;
                    i = k;
                }
                continue;
            }
            emit("(");
            continue;
        }
        switch (t.kind) {
        case token_kind::string:
        case token_kind::number:
        case token_kind::parameter: emit("?"); break;
        case token_kind::word: emit(t.lower); break;
        case token_kind::quoted_ident: emit(t.text); break;
        case token_kind::rparen: emit(")", true); break;
        case token_kind::comma: emit(",", true); break;
        case token_kind::dot: emit(".", true); break;
        case token_kind::semicolon: break;
        default: emit(t.text); break;
        }
    }
    return out;
}

/// FNV-1a 64-bit hash of the normalized text, as 16 hex digits.
inline std::string fingerprint_id(std::string_view normalized) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : normalized) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return std::string(buf, 16);
}

/// Normalized text of `sql`.
inline std::string normalize(std::string_view sql) { return normalize(tokenize(sql)); }

} // namespace cistern::strategy::detail

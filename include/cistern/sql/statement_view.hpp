#pragma once
/// \file
/// `cistern::sql::statement_view`: the shape of one statement as the query rules and the
/// index advisors see it: its tokens, its kind, its fingerprint, and the clause positions
/// of each top-level query block (split on UNION/INTERSECT/EXCEPT). Made from the one
/// lexer (sql/lexer.hpp); no database is asked.

#include <cistern/sql/dialect.hpp>
#include <cistern/sql/fingerprint.hpp>
#include <cistern/sql/lexer.hpp>
#include <cistern/sql/token.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::sql {

/// "No such clause" in scope::at.
inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

/// Clause keywords, in the order they appear in a query block.
enum clause : std::size_t { c_select, c_from, c_where, c_group, c_having, c_order, c_limit, c_offset, c_fetch,
                            c_for, c_set, c_values, c_returning, c_count_ };

/// One query block at depth 0: [begin, end) in the token vector, with clause positions
/// (index of the clause keyword, or npos).
struct scope {
    std::size_t begin = 0;                 ///< index of the block's first token
    std::size_t end = 0;                   ///< one past its last token
    std::array<std::size_t, c_count_> at{}; ///< per clause: index of its keyword, or npos

    /// The block has clause `c`.
    bool has(clause c) const noexcept { return at[c] != npos; }
    /// Tokens of clause `c`, from after its keyword(s) to the next clause keyword.
    std::pair<std::size_t, std::size_t> range(clause c, const std::vector<token>& t) const noexcept {
        if (at[c] == npos) return {end, end};
        std::size_t b = at[c] + 1;
        if ((c == c_group || c == c_order) && b < end && t[b].is_word("by")) ++b;
        std::size_t e = end;
        for (std::size_t k = 0; k < c_count_; ++k)
            if (at[k] != npos && at[k] > at[c] && at[k] < e) e = at[k];
        return {b, e};
    }
};

/// A tokenized statement with its kind ("select", "insert", "update", "delete", ...).
/// Owns a copy of the text, so the tokens stay valid as long as the view.
struct statement_view {
    std::string text;          ///< the statement as given
    std::vector<token> tokens; ///< tokens of `text`
    std::string kind;          ///< first depth-0 statement keyword, lower case ("" if none)
    std::vector<scope> scopes; ///< top-level query blocks
    std::string normalized;    ///< sql::fingerprint_of(text).normalized
    std::string fingerprint;   ///< sql::fingerprint_id of its hash (16 hex digits)

    /// Reads `sql` with the rules of `d`.
    explicit statement_view(std::string_view sql, dialect d = dialect::generic) : text(sql), tokens(tokenize(text, d)) {
        auto fp = fingerprint_of(text, d);
        normalized = std::move(fp.normalized);
        fingerprint = fingerprint_id(fp.hash);
        for (auto& t : tokens) {
            if (t.depth != 0 || t.kind != token_kind::word) continue;
            if (t.lower == "select" || t.lower == "insert" || t.lower == "update" || t.lower == "delete" ||
                t.lower == "values" || t.lower == "merge" || t.lower == "create" || t.lower == "alter" ||
                t.lower == "drop" || t.lower == "truncate" || t.lower == "explain" || t.lower == "pragma") {
                kind = t.lower;
                break;
            }
        }
        split_scopes();
    }
    statement_view(const statement_view&) = delete; // the tokens view `text`
    statement_view& operator=(const statement_view&) = delete;

    /// True when `i` is a name token that refers to a column or table (not a keyword).
    bool is_identifier(std::size_t i) const noexcept {
        const token& t = tokens[i];
        if (t.kind == token_kind::quoted_ident) return true;
        if (t.kind != token_kind::word) return false;
        static constexpr std::string_view keywords[] = {
            "select", "from", "where", "and", "or", "not", "in", "is", "null", "like", "ilike", "between",
            "exists", "as", "on", "join", "left", "right", "inner", "outer", "full", "cross", "group", "by",
            "order", "having", "limit", "offset", "union", "all", "distinct", "case", "when", "then", "else",
            "end", "true", "false", "asc", "desc", "interval", "date", "timestamp", "time", "any", "some",
            "current_date", "current_timestamp", "current_time", "localtime", "localtimestamp", "cast",
            "escape", "collate", "similar", "glob", "regexp", "match", "using", "natural", "with", "values",
            "set", "into", "update", "delete", "insert", "returning", "fetch", "for", "nulls", "first", "last",
            "array", "row", "year", "month", "day", "hour", "minute", "second", "epoch", "dow", "isnull",
            "notnull", "default", "lateral", "only", "recursive", "window", "over", "partition", "filter"};
        return std::find(std::begin(keywords), std::end(keywords), t.lower) == std::end(keywords);
    }

    /// Index of the ')' matching the '(' at `open` (or tokens.size()).
    std::size_t matching(std::size_t open) const noexcept {
        const int d = tokens[open].depth;
        for (std::size_t k = open + 1; k < tokens.size(); ++k)
            if (tokens[k].kind == token_kind::rparen && tokens[k].depth == d) return k;
        return tokens.size();
    }

private:
    void split_scopes() {
        scope cur;
        cur.at.fill(npos);
        auto close = [&](std::size_t end) {
            cur.end = end;
            if (cur.has(c_select) || cur.has(c_set) || cur.has(c_values) || cur.has(c_from) || cur.has(c_where))
                scopes.push_back(cur);
            cur = scope{};
            cur.at.fill(npos);
            cur.begin = end;
        };
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            const token& t = tokens[i];
            if (t.depth != 0) continue;
            if (t.kind == token_kind::semicolon) {
                close(i);
                cur.begin = i + 1;
                continue;
            }
            if (t.kind != token_kind::word) continue;
            const std::string& w = t.lower;
            if (w == "union" || w == "intersect" || w == "except") {
                close(i);
                continue;
            }
            auto mark = [&](clause c) {
                if (cur.at[c] == npos) cur.at[c] = i;
            };
            const bool next_by = i + 1 < tokens.size() && tokens[i + 1].is_word("by");
            if (w == "select") {
                // INSERT ... SELECT: the select starts a new block only when one is already open.
                if (cur.has(c_select)) close(i);
                mark(c_select);
            } else if (w == "from") {
                // DELETE FROM / EXTRACT(x FROM y) (depth>0, skipped) / IS DISTINCT FROM.
                if (i > 0 && tokens[i - 1].is_word("distinct")) continue;
                mark(c_from);
            } else if (w == "where") mark(c_where);
            else if (w == "group" && next_by) mark(c_group);
            else if (w == "having") mark(c_having);
            else if (w == "order" && next_by) mark(c_order);
            else if (w == "limit") mark(c_limit);
            else if (w == "offset") mark(c_offset);
            else if (w == "fetch") mark(c_fetch);
            else if (w == "for" && cur.has(c_select)) mark(c_for);
            else if (w == "set") mark(c_set);
            else if (w == "values") mark(c_values);
            else if (w == "returning") mark(c_returning);
        }
        close(tokens.size());
    }
};

} // namespace cistern::sql

#pragma once
/// \file
/// detail::tables_read: the tables a plain SELECT statement reads, found after FROM and
/// JOIN, for the query cache's invalidation tags.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::detail {

/// Lower-cased, unqualified table names after FROM / JOIN (and after commas of a FROM
/// list) in `sql`, without duplicates; subqueries in parentheses are scanned too.
/// Returns nothing when the statement is not a plain SELECT (it must start with SELECT
/// or WITH, and contain no INSERT/UPDATE/DELETE/REPLACE), or when no table is found.
inline std::optional<std::vector<std::string>> tables_read(std::string_view sql) {
    struct token {
        std::string text; // lower-cased; quotes removed from identifiers
        bool ident;
    };
    std::vector<token> toks;
    for (std::size_t i = 0; i < sql.size();) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            while (i < sql.size() && sql[i] != '\n') ++i;
        } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
            const auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
        } else if (c == '\'') { // string literal
            ++i;
            while (i < sql.size() && !(sql[i] == '\'' && (i + 1 >= sql.size() || sql[i + 1] != '\''))) i += sql[i] == '\'' ? 2 : 1;
            ++i;
            toks.push_back({"'", false});
        } else if (c == '"' || c == '`' || c == '[') {
            const char close = c == '[' ? ']' : c;
            const auto end = sql.find(close, i + 1);
            std::string s(sql.substr(i + 1, end == std::string_view::npos ? std::string_view::npos : end - i - 1));
            std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
            toks.push_back({s, true});
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t j = i;
            while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_' || sql[j] == '$')) ++j;
            std::string s(sql.substr(i, j - i));
            std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
            toks.push_back({s, true});
            i = j;
        } else {
            toks.push_back({std::string(1, c), false});
            ++i;
        }
    }
    if (toks.empty() || !(toks[0].text == "select" || toks[0].text == "with")) return std::nullopt;
    for (const auto& t : toks)
        if (t.ident && (t.text == "insert" || t.text == "update" || t.text == "delete" || t.text == "replace"))
            return std::nullopt;
    static constexpr std::string_view stop[] = {"where", "group", "order", "limit", "having", "join", "inner", "left",
                                                "right", "full", "cross", "natural", "on", "using", "union", "except",
                                                "intersect", "window", "offset", "outer", "as", "lateral"};
    auto is_stop = [&](const std::string& s) { return std::find(std::begin(stop), std::end(stop), s) != std::end(stop); };
    std::vector<std::string> out;
    auto add = [&](std::size_t& k) { // reads [schema.]name at k
        if (k >= toks.size() || !toks[k].ident || toks[k].text == "select" || is_stop(toks[k].text)) return false;
        std::string name = toks[k].text;
        while (k + 2 < toks.size() && toks[k + 1].text == "." && toks[k + 2].ident) {
            name = toks[k + 2].text;
            k += 2;
        }
        ++k;
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
        return true;
    };
    for (std::size_t k = 0; k < toks.size(); ++k) {
        if (!toks[k].ident) continue;
        if (toks[k].text == "join") {
            std::size_t j = k + 1;
            add(j);
        } else if (toks[k].text == "from") {
            std::size_t j = k + 1;
            while (add(j)) {
                // optional alias: [AS] name
                if (j < toks.size() && toks[j].text == "as") ++j;
                if (j < toks.size() && toks[j].ident && !is_stop(toks[j].text)) ++j;
                if (j < toks.size() && toks[j].text == ",") ++j;
                else break;
            }
        }
    }
    // Names of common table expressions are not tables.
    if (toks[0].text == "with") {
        for (std::size_t k = 0; k + 2 < toks.size(); ++k)
            if (toks[k].ident && toks[k + 1].text == "as" && toks[k + 2].text == "(")
                out.erase(std::remove(out.begin(), out.end(), toks[k].text), out.end());
    }
    if (out.empty()) return std::nullopt;
    return out;
}

} // namespace cistern::detail

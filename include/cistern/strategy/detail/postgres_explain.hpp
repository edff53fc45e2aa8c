#pragma once
/// \file
/// EXPLAIN helpers for the PostgreSQL strategies: plan text and estimated total cost, with
/// parameterized statements ($1, $2, ...) explained as their generic plan.

#include <cistern/error.hpp>
#include <cistern/sql/dialect.hpp>
#include <cistern/sql/lexer.hpp>
#include <cistern/sql/token.hpp>

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

namespace cistern::strategy::detail {

/// Highest $n parameter number in `sql` (0 when none).
inline int postgres_parameter_count(std::string_view sql) {
    int n = 0;
    for (auto& t : cistern::sql::tokenize(sql, cistern::sql::dialect::postgres)) {
        if (t.kind != cistern::sql::token_kind::parameter || t.text.size() < 2 || t.text[0] != '$') continue;
        int v = 0;
        std::from_chars(t.text.data() + 1, t.text.data() + t.text.size(), v);
        if (v > n) n = v;
    }
    return n;
}

/// The EXPLAIN text of `sql` (one line per plan line). `options` goes inside EXPLAIN (...),
/// e.g. "COSTS ON". A statement with $n parameters is PREPAREd and explained with
/// plan_cache_mode = force_generic_plan and NULL arguments, which yields the generic plan;
/// the prepared statement is deallocated and the setting reset before returning.
template <class C>
std::string postgres_explain(C& c, std::string_view sql, std::string_view options = "") {
    const std::string head = options.empty() ? "EXPLAIN " : "EXPLAIN (" + std::string(options) + ") ";
    auto collect = [&](const std::string& stmt) {
        std::string out;
        for (auto r : c.query(stmt)) {
            out += r.template get<std::string>(0);
            out += '\n';
        }
        return out;
    };
    const int params = postgres_parameter_count(sql);
    if (params == 0) return collect(head + std::string(sql));
    c.execute("PREPARE cistern_explain AS " + std::string(sql));
    std::string out;
    try {
        c.execute("SET plan_cache_mode = force_generic_plan");
        std::string args;
        for (int i = 0; i < params; ++i) args += i ? ", NULL" : "NULL";
        out = collect(head + "EXECUTE cistern_explain(" + args + ")");
    } catch (...) {
        try {
            c.execute("DEALLOCATE cistern_explain");
            c.execute("RESET plan_cache_mode");
        } catch (...) {
        }
        throw;
    }
    c.execute("DEALLOCATE cistern_explain");
    c.execute("RESET plan_cache_mode");
    return out;
}

/// Estimated total cost of the top plan node ("cost=a..b" on the first line: b).
inline double postgres_plan_cost(std::string_view plan) {
    auto p = plan.find("cost=");
    if (p == std::string_view::npos) throw query_error("EXPLAIN output has no cost: " + std::string(plan.substr(0, 200)));
    auto dots = plan.find("..", p);
    if (dots == std::string_view::npos) throw query_error("EXPLAIN output has no cost range");
    return std::strtod(std::string(plan.substr(dots + 2, 32)).c_str(), nullptr);
}

} // namespace cistern::strategy::detail

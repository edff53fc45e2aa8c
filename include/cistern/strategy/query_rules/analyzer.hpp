#pragma once
/// \file
/// `cistern::strategy::query_rules::analyzer`: runs the query rules over statements.

#include <cistern/sql/fingerprint.hpp>
#include <cistern/sql/statement_view.hpp>
#include <cistern/strategy/query_rules/context.hpp>
#include <cistern/strategy/query_rules/detail/rules.hpp>
#include <cistern/strategy/query_rules/finding.hpp>
#include <cistern/strategy/query_rules/options.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::strategy::query_rules {

/// Description of one rule.
struct rule_info {
    /// The rule's name as it appears in finding::rule (e.g. "select_star").
    std::string_view name;
    /// One line saying what the rule flags.
    std::string_view what;
};

/// Runs the query rules. Stateless apart from its options: safe to share between threads.
///
/// Statement rules (analyze()): select_star, update_without_where, delete_without_where,
/// leading_wildcard_like, function_on_column, or_across_columns, not_in_subquery,
/// large_offset, order_by_random, implicit_cross_join, seq_scan_large_table (needs a plan
/// in the context), count_star_without_filter, unbounded_read, long_in_list,
/// having_without_aggregate, union_without_all, insert_without_columns, null_comparison,
/// cast_on_column, arithmetic_on_column, tautological_filter.
/// Request rule (analyze_request()): n_plus_one.
class analyzer {
public:
    /// Throws config_error when an option is invalid or names an unknown rule.
    explicit analyzer(rule_options opts = {}) : opts_(std::move(opts)) {
        opts_.validate();
        for (auto& d : opts_.disabled) {
            bool known = d == "n_plus_one";
            for (auto& r : table()) known = known || r.info.name == d;
            if (!known) throw config_error("rule_options::disabled", d, "no rule has this name");
        }
    }

    /// Findings for one statement. `ctx` adds the plan and table sizes the plan-aware rules use.
    std::vector<finding> analyze(std::string_view sql, const statement_context& ctx = {}) const {
        const cistern::sql::statement_view view(sql);
        std::vector<finding> out;
        const detail::rule_input in{view, ctx, opts_, out};
        for (auto& r : table())
            if (!opts_.disabled.contains(r.info.name)) r.fn(in);
        return out;
    }

    /// Findings for the statements one request (or transaction) ran, in order: the
    /// n_plus_one rule fires for every fingerprint seen at least n_plus_one_repeats times.
    std::vector<finding> analyze_request(std::span<const std::string> statements) const {
        std::vector<finding> out;
        if (opts_.disabled.contains("n_plus_one")) return out;
        std::map<std::string, std::pair<std::int64_t, std::string>> seen; // id -> (count, normalized)
        std::vector<std::string> order;
        for (auto& sql : statements) {
            auto fp = cistern::sql::fingerprint_of(sql);
            auto id = cistern::sql::fingerprint_id(fp.hash);
            auto [it, fresh] = seen.try_emplace(id, 0, std::move(fp.normalized));
            if (fresh) order.push_back(id);
            ++it->second.first;
        }
        for (auto& id : order) {
            auto& [count, normalized] = seen[id];
            if (count < opts_.n_plus_one_repeats) continue;
            out.push_back(finding{"n_plus_one", severity::warning, id, normalized,
                                  "the same statement ran " + std::to_string(count) + " times in one request",
                                  "fetch the rows in one statement (JOIN, or WHERE key IN / = ANY(array)) "
                                  "instead of one statement per parent row"});
        }
        return out;
    }

    /// Every rule with a one-line description (statement rules and n_plus_one).
    static std::vector<rule_info> rule_names() {
        std::vector<rule_info> v;
        for (auto& r : table()) v.push_back(r.info);
        v.push_back({"n_plus_one", "same fingerprint repeated N times in one request"});
        return v;
    }

    /// The options the analyzer was constructed with.
    const rule_options& options() const noexcept { return opts_; }

private:
    struct entry {
        rule_info info;
        detail::rule_fn fn;
    };
    static const std::array<entry, 21>& table() {
        static const std::array<entry, 21> t{{
            {{"select_star", "SELECT * in the select list"}, &detail::select_star},
            {{"update_without_where", "UPDATE without WHERE"}, &detail::update_without_where},
            {{"delete_without_where", "DELETE without WHERE"}, &detail::delete_without_where},
            {{"leading_wildcard_like", "LIKE pattern starting with % or _"}, &detail::leading_wildcard_like},
            {{"function_on_column", "function applied to a column in WHERE"}, &detail::function_on_column},
            {{"or_across_columns", "OR between conditions on different columns"}, &detail::or_across_columns},
            {{"not_in_subquery", "NOT IN (SELECT ...)"}, &detail::not_in_subquery},
            {{"large_offset", "OFFSET above rule_options::large_offset"}, &detail::large_offset},
            {{"order_by_random", "ORDER BY RANDOM()"}, &detail::order_by_random},
            {{"implicit_cross_join", "comma join in FROM"}, &detail::implicit_cross_join},
            {{"seq_scan_large_table", "plan scans a large table sequentially"}, &detail::seq_scan_large_table},
            {{"count_star_without_filter", "COUNT(*) over a whole large table"}, &detail::count_star_without_filter},
            {{"unbounded_read", "SELECT without WHERE or LIMIT"}, &detail::unbounded_read},
            {{"long_in_list", "IN list longer than rule_options::long_in_list"}, &detail::long_in_list},
            {{"having_without_aggregate", "HAVING with no aggregate"}, &detail::having_without_aggregate},
            {{"union_without_all", "UNION where UNION ALL may do"}, &detail::union_without_all},
            {{"insert_without_columns", "INSERT without a column list"}, &detail::insert_without_columns},
            {{"null_comparison", "= NULL / <> NULL"}, &detail::null_comparison},
            {{"cast_on_column", "cast on a column compared in WHERE (col::date = ?)"}, &detail::cast_on_column},
            {{"arithmetic_on_column", "arithmetic on a column compared with a constant in WHERE (col + 0 = ?)"},
             &detail::arithmetic_on_column},
            {{"tautological_filter", "WHERE that is true for every row (1=1, TRUE, OR 'a'='a')"}, &detail::tautological_filter},
        }};
        return t;
    }

    rule_options opts_;
};

} // namespace cistern::strategy::query_rules

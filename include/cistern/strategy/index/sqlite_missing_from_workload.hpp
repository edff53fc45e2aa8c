#pragma once
/// \file
/// `cistern::strategy::index::sqlite_missing_from_workload`: index advice for SQLite from a
/// workload. Each candidate (see candidates_from) is created once inside a SAVEPOINT, the
/// EXPLAIN QUERY PLAN of every statement it may serve is compared (a SCAN that becomes a
/// SEARCH, or a temporary B-tree for ORDER BY that disappears), and the savepoint is rolled
/// back; the indexes to propose are chosen across the whole workload.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/quote.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/strategy/index/detail/sqlite_catalog.hpp>
#include <cistern/strategy/index/detail/workload_selection.hpp>
#include <cistern/strategy/index/thresholds.hpp>
#include <cistern/strategy/index/workload.hpp>

#include <algorithm>
#include <concepts>
#include <ranges>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::strategy::index {

/// Options of sqlite_missing_from_workload.
struct sqlite_missing_options {
    /// Which statements and tables are considered (names compare folded to lower case), and
    /// the candidate bounds.
    advice_thresholds thresholds;
};

/// Finds the indexes a SQLite workload lacks, chosen across the whole workload (one index
/// serving several statements wins over several serving one each). Never proposes an index
/// whose columns are the leading columns of an existing one. Changes nothing: every trial
/// runs in a SAVEPOINT that is rolled back, inside the caller's transaction or not.
class sqlite_missing_from_workload {
public:
    /// `workload`: the statements to serve (as the monitor recorded them, or a list). Throws
    /// config_error when the thresholds cannot work.
    explicit sqlite_missing_from_workload(std::vector<workload_statement> workload, sqlite_missing_options o = {})
        : workload_(std::move(workload)), o_(std::move(o)) {
        o_.thresholds.validate("sqlite_missing_options");
        for (auto* l : {&o_.thresholds.include_tables, &o_.thresholds.exclude_tables})
            for (auto& t : *l) t = detail::fold(t);
    }
    /// The same for statements given as plain text (e.g. a std::vector<std::string>; each
    /// counts as run once). A range of anything else is rejected by a static_assert.
    template <std::ranges::input_range R>
        requires(!std::convertible_to<const R&, std::string> && !std::convertible_to<const R&, std::vector<workload_statement>>)
    explicit sqlite_missing_from_workload(const R& workload, sqlite_missing_options o = {})
        : sqlite_missing_from_workload(as_workload(workload), std::move(o)) {}

    /// The indexes that would let the workload's statements use an index where they scan
    /// today, as create recommendations with the statements each serves, plus notes for
    /// statements it could not check. Changes nothing (every trial is a rolled-back
    /// SAVEPOINT; the caller's open transaction and its work stay as they were). Throws
    /// query_error when reading the schema fails.
    index::advice advise(cistern::sqlite::connection& c) const {
        index::advice out;
        const auto existing = detail::sqlite_indexes(c);
        const std::size_t n = workload_.size();
        std::vector<std::string> before(n);
        std::vector<plan_measure> base(n);
        std::vector<double> zero(n, 0), weight(n, 0);
        detail::workload_uses uses(n);
        std::vector<std::size_t> live;
        for (std::size_t s = 0; s < n; ++s) {
            const auto& w = workload_[s];
            if (auto why = o_.thresholds.skip_reason(w)) {
                out.notes.push_back("not analysed (" + *why + "): " + w.sql);
                continue;
            }
            try {
                before[s] = detail::explain_query_plan(c, w.sql);
            } catch (const query_error& e) {
                out.notes.push_back("not analysed (EXPLAIN QUERY PLAN failed): " + w.sql + ": " + e.what());
                continue;
            }
            base[s] = measure(before[s], "");
            if (base[s].scans == 0 && base[s].temp_sorts == 0) continue;
            weight[s] = static_cast<double>(w.calls);
            for (auto& [table, u] : column_uses_of(w.sql, sql::dialect::sqlite)) {
                column_use f;
                for (auto* l : {&u.eq, &u.range, &u.order})
                    for (auto& col : *l) (l == &u.eq ? f.eq : l == &u.range ? f.range : f.order).push_back(detail::fold(col));
                uses[s].emplace_back(detail::fold(table), std::move(f));
            }
            live.push_back(s);
        }
        const auto pool = detail::gather_candidates(live, uses, o_.thresholds, {}, existing, out.notes, [](const std::string&) { return true; });
        const auto& cands = pool.kept();
        // Each candidate, created once, against every statement that uses its leading column;
        // the score (scans and sorts removed, search terms) is the negated "cost".
        std::vector<detail::trial_result> trials;
        std::map<std::pair<std::size_t, std::size_t>, std::string> after;
        std::vector<std::size_t> width;
        for (std::size_t i = 0; i < cands.size(); ++i) {
            const auto& cand = cands[i];
            width.push_back(cand.columns.size());
            const auto stmts = detail::statements_using(cand, live, uses);
            if (stmts.empty()) continue;
            std::vector<std::string> plans;
            try {
                plans = with_index(c, cand, stmts);
            } catch (const query_error& e) {
                out.notes.push_back("candidate " + cand.table + "(" + join(cand.columns) + ") not tried: " + e.what());
                continue;
            }
            for (std::size_t k = 0; k < stmts.size(); ++k) {
                const auto s = stmts[k];
                const auto m = measure(plans[k], trial_name);
                if (!m.uses_trial) continue;
                // A scan turned into a search weighs 10, a sort removed 5, each search term 1.
                const int score = 10 * std::max(0, base[s].scans - m.scans) + 5 * std::max(0, base[s].temp_sorts - m.temp_sorts) +
                                  m.search_terms;
                if (score < 5) continue;
                trials.push_back({i, s, -static_cast<double>(score)});
                after[{i, s}] = plans[k];
            }
        }
        // A statement counts for a further index only when it removes another scan or sort:
        // a search on one more column alone does not justify a second index.
        const auto chosen = detail::select_for_workload(zero, weight, width, trials,
                                                        [](double, double current, double with) { return with <= current - 5; });
        for (auto& pick : chosen) {
            const auto& cand = cands[pick.cand];
            recommendation r;
            r.what = recommendation::action::create;
            r.table = cand.table;
            r.columns = cand.columns;
            r.index_name = candidate_index_name(cand);
            r.sql = create_sql(cand, r.index_name);
            const auto first = pick.stmts.front();
            r.plan_before = before[first];
            r.plan_after = after[{pick.cand, first}];
            for (auto at = r.plan_after.find(trial_name); at != std::string::npos; at = r.plan_after.find(trial_name))
                r.plan_after.replace(at, std::string_view(trial_name).size(), r.index_name);
            for (auto s : pick.stmts) r.statements.push_back(workload_[s].sql);
            r.reason = pool.why(pick.cand, first) + ": EXPLAIN QUERY PLAN goes from '" + first_line(r.plan_before) + "' to '" + first_line(r.plan_after) +
                       "' for " + std::to_string(pick.stmts.size()) + " statement(s)";
            out.items.push_back(std::move(r));
        }
        out.notes.push_back("SQLite keeps no index usage statistics: unused-index advice is not available on SQLite");
        return out;
    }

    /// The statements the advisor was given.
    const std::vector<workload_statement>& workload() const noexcept { return workload_; }

private:
    static constexpr const char* trial_name = "cistern_candidate_index";

    struct plan_measure {
        int scans = 0;
        int temp_sorts = 0;
        int search_terms = 0;
        bool uses_trial = false;
    };

    static plan_measure measure(const std::string& plan, std::string_view trial) {
        plan_measure m;
        std::size_t pos = 0;
        while (pos < plan.size()) {
            auto nl = plan.find('\n', pos);
            std::string_view line(plan.data() + pos, (nl == std::string::npos ? plan.size() : nl) - pos);
            pos = nl == std::string::npos ? plan.size() : nl + 1;
            if (line.starts_with("SCAN ") && !line.starts_with("SCAN CONSTANT")) ++m.scans;
            if (line.find("TEMP B-TREE FOR ORDER BY") != std::string_view::npos) ++m.temp_sorts;
            if (!trial.empty() && line.find(std::string("INDEX ") + std::string(trial)) != std::string_view::npos) {
                m.uses_trial = true;
                if (line.starts_with("SEARCH "))
                    for (char ch : line) m.search_terms += ch == '?';
            }
        }
        return m;
    }

    static std::string first_line(const std::string& plan) {
        std::string out;
        std::size_t pos = 0;
        while (pos < plan.size()) {
            auto nl = plan.find('\n', pos);
            auto line = plan.substr(pos, (nl == std::string::npos ? plan.size() : nl) - pos);
            pos = nl == std::string::npos ? plan.size() : nl + 1;
            if (line.starts_with("SCAN ") || line.starts_with("SEARCH ") || line.find("TEMP B-TREE") != std::string::npos)
                out += (out.empty() ? "" : "; ") + line;
        }
        return out;
    }

    static std::string join(const std::vector<std::string>& v) {
        std::string s;
        for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s;
    }

    static std::string create_sql(const candidate& c, const std::string& name) {
        using cistern::strategy::detail::quote_sqlite_identifier;
        std::string cols;
        for (auto& col : c.columns) cols += (cols.empty() ? "" : ", ") + quote_sqlite_identifier(col);
        return "CREATE INDEX " + quote_sqlite_identifier(name) + " ON " + quote_sqlite_identifier(c.table) + " (" + cols + ")";
    }

    /// EXPLAIN QUERY PLAN of each statement `stmts` with the candidate created inside a
    /// savepoint that is rolled back before returning (also when something fails). A
    /// statement that fails to plan with it gets an empty plan.
    std::vector<std::string> with_index(cistern::sqlite::connection& c, const candidate& cand, const std::vector<std::size_t>& stmts) const {
        c.execute("SAVEPOINT cistern_index_advice");
        auto undo = [&] {
            c.execute("ROLLBACK TO cistern_index_advice");
            c.execute("RELEASE cistern_index_advice");
        };
        std::vector<std::string> plans;
        try {
            c.execute(create_sql(cand, trial_name));
            for (auto s : stmts) {
                try {
                    plans.push_back(detail::explain_query_plan(c, workload_[s].sql));
                } catch (const query_error&) {
                    plans.emplace_back();
                }
            }
            undo();
            return plans;
        } catch (...) {
            try {
                undo();
            } catch (...) {
            }
            throw;
        }
    }

    std::vector<workload_statement> workload_;
    sqlite_missing_options o_;
};

} // namespace cistern::strategy::index

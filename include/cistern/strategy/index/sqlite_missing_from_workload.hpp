#pragma once
/// \file
/// `cistern::strategy::index::sqlite_missing_from_workload`: index advice for SQLite from a
/// workload. Each candidate (see candidates_for) is created inside a SAVEPOINT, the
/// statement's EXPLAIN QUERY PLAN is compared (a SCAN that becomes a SEARCH, or a temporary
/// B-tree for ORDER BY that disappears), and the savepoint is rolled back.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/quote.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/strategy/index/detail/pick_merging.hpp>
#include <cistern/strategy/index/detail/sqlite_catalog.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::strategy::index {

/// Finds the indexes a SQLite workload lacks. Never proposes an index whose columns are the
/// leading columns of an existing one. Changes nothing: every trial is rolled back.
class sqlite_missing_from_workload {
public:
    /// `workload`: the statements to serve (as the monitor recorded them, or a list).
    explicit sqlite_missing_from_workload(std::vector<std::string> workload) : workload_(std::move(workload)) {}

    /// The indexes that would let the workload's statements use an index where they scan
    /// today, as create recommendations, with notes for statements it could not check.
    /// Changes nothing (every trial is rolled back). Throws query_error when reading the
    /// schema fails.
    index::advice advise(cistern::sqlite::connection& c) const {
        index::advice out;
        const auto existing = detail::sqlite_indexes(c);
        struct chosen {
            candidate cand;
            std::vector<std::size_t> stmts;
            std::string before, after;
        };
        std::vector<chosen> picks;
        for (std::size_t s = 0; s < workload_.size(); ++s) {
            const auto& sql = workload_[s];
            std::string before;
            try {
                before = detail::explain_query_plan(c, sql);
            } catch (const query_error& e) {
                out.notes.push_back("not analysed (EXPLAIN QUERY PLAN failed): " + sql + ": " + e.what());
                continue;
            }
            const auto base = measure(before, "");
            if (base.scans == 0 && base.temp_sorts == 0) continue;
            int best_score = 0;
            std::optional<chosen> best;
            for (auto cand : candidates_for(sql)) {
                cand.table = detail::fold(cand.table);
                for (auto& col : cand.columns) col = detail::fold(col);
                if (auto cover = covered_by(cand, existing)) {
                    out.notes.push_back("not proposing " + cand.table + "(" + join(cand.columns) + "): index " +
                                        *cover + " already leads with these columns");
                    continue;
                }
                const auto after = with_index(c, cand, sql);
                const auto m = measure(after, trial_name);
                if (!m.uses_trial) continue;
                const int score = 2 * m.search_terms + (m.scans < base.scans ? 2 : 0) + (m.temp_sorts < base.temp_sorts ? 1 : 0);
                if (score == 0) continue;
                if (score > best_score || (score == best_score && best && cand.columns.size() < best->cand.columns.size())) {
                    best_score = score;
                    best = chosen{cand, {s}, before, after};
                }
            }
            if (!best) continue;
            cistern::strategy::detail::add_pick(picks, std::move(*best), s);
        }
        // A pick whose columns lead a longer pick on the same table is dropped when the longer
        // one also turns its statements' scans into searches.
        const std::vector<bool> dropped = cistern::strategy::detail::drop_led_picks(picks, [&](const candidate& longer, std::size_t s) {
            return measure(with_index(c, longer, workload_[s]), trial_name).uses_trial;
        });
        for (std::size_t i = 0; i < picks.size(); ++i) {
            if (dropped[i]) continue;
            auto& p = picks[i];
            recommendation r;
            r.what = recommendation::action::create;
            r.table = p.cand.table;
            r.columns = p.cand.columns;
            r.index_name = candidate_index_name(p.cand);
            r.sql = create_sql(p.cand, r.index_name);
            r.plan_before = p.before;
            r.plan_after = p.after;
            for (auto at = r.plan_after.find(trial_name); at != std::string::npos; at = r.plan_after.find(trial_name))
                r.plan_after.replace(at, std::string_view(trial_name).size(), r.index_name);
            for (auto s : p.stmts) r.statements.push_back(workload_[s]);
            r.reason = p.cand.why + ": EXPLAIN QUERY PLAN goes from '" + first_line(p.before) + "' to '" +
                       first_line(r.plan_after) + "' for " + std::to_string(p.stmts.size()) + " statement(s)";
            out.items.push_back(std::move(r));
        }
        out.notes.push_back("SQLite keeps no index usage statistics: unused-index advice is not available on SQLite");
        return out;
    }

    /// The statements the advisor was given.
    const std::vector<std::string>& workload() const noexcept { return workload_; }

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

    /// EXPLAIN QUERY PLAN of `sql` with the candidate created inside a savepoint that is
    /// rolled back before returning (also when EXPLAIN fails).
    static std::string with_index(cistern::sqlite::connection& c, const candidate& cand, const std::string& sql) {
        c.execute("SAVEPOINT cistern_index_advice");
        try {
            c.execute(create_sql(cand, trial_name));
            auto plan = detail::explain_query_plan(c, sql);
            c.execute("ROLLBACK TO cistern_index_advice");
            c.execute("RELEASE cistern_index_advice");
            return plan;
        } catch (...) {
            try {
                c.execute("ROLLBACK TO cistern_index_advice");
                c.execute("RELEASE cistern_index_advice");
            } catch (...) {
            }
            throw;
        }
    }

    std::vector<std::string> workload_;
};

} // namespace cistern::strategy::index

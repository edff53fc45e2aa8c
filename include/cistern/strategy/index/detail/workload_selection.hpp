#pragma once
/// \file
/// Choosing indexes across a whole workload: a greedy set cover over measured
/// (candidate, statement) costs, shared by the missing-index advisors.

#include <cistern/strategy/index/candidate.hpp>
#include <cistern/strategy/index/thresholds.hpp>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cistern::strategy::index::detail {

/// The candidates of a whole workload, each once, with why each statement that proposed it
/// did (the same index may be "equality on a" for one statement and "ORDER BY a" for another).
class candidate_pool {
public:
    /// Records `c`, proposed by statement `stmt`. Returns true the first time `c` (table and
    /// columns) is seen: the caller then decides whether to keep() it.
    bool offer(const candidate& c, std::size_t stmt) {
        auto [it, fresh] = index_.try_emplace({c.table, c.columns}, rejected);
        if (fresh) {
            pending_ = c;
            pending_stmt_ = stmt;
        } else if (it->second != rejected) {
            whys_[it->second].emplace(stmt, c.why);
        }
        return fresh;
    }
    /// Keeps the candidate offer() just saw for the first time.
    void keep() {
        index_[{pending_.table, pending_.columns}] = kept_.size();
        whys_.push_back({{pending_stmt_, pending_.why}});
        kept_.push_back(pending_);
    }
    /// The kept candidates, in the order they were kept.
    const std::vector<candidate>& kept() const noexcept { return kept_; }
    /// Why candidate `i` serves statement `stmt`: as that statement proposed it, else as the
    /// first statement that did.
    const std::string& why(std::size_t i, std::size_t stmt) const {
        auto it = whys_[i].find(stmt);
        return it != whys_[i].end() ? it->second : kept_[i].why;
    }

private:
    static constexpr std::size_t rejected = static_cast<std::size_t>(-1);
    std::map<std::pair<std::string, std::vector<std::string>>, std::size_t> index_;
    std::vector<std::map<std::size_t, std::string>> whys_;
    std::vector<candidate> kept_;
    candidate pending_;
    std::size_t pending_stmt_ = 0;
};

/// Column uses of each workload statement (column_uses_of), by statement index.
using workload_uses = std::vector<std::vector<std::pair<std::string, column_use>>>;

/// The candidates of the statements `live` (each once), skipping tables that `allow(table)`
/// refuses or the thresholds exclude, and those an existing index already serves (the
/// reason goes to `notes`). `Index` as for served_by_existing.
template <class Index, class Allow>
candidate_pool gather_candidates(const std::vector<std::size_t>& live, const workload_uses& uses, const advice_thresholds& t,
                                 const column_rank& rank, const std::vector<Index>& existing, std::vector<std::string>& notes,
                                 Allow&& allow) {
    candidate_pool pool;
    for (auto s : live)
        for (auto& cand : candidates_from(uses[s], t.limits, rank)) {
            if (!pool.offer(cand, s) || !allow(cand.table) || !t.table_wanted(cand.table)) continue;
            if (auto why = served_by_existing(cand, existing)) {
                notes.push_back(*why);
                continue;
            }
            pool.keep();
        }
    return pool;
}

/// The statements of `live` that use candidate `c`'s leading column on its table: those
/// whose plan the candidate may change, so the only ones it is tried against.
inline std::vector<std::size_t> statements_using(const candidate& c, const std::vector<std::size_t>& live, const workload_uses& uses) {
    std::vector<std::size_t> out;
    for (auto s : live)
        for (auto& [table, u] : uses[s])
            if (table == c.table && u.uses(c.columns.front())) {
                out.push_back(s);
                break;
            }
    return out;
}

/// One measurement: statement `stmt`'s estimated cost with candidate `cand` in place.
struct trial_result {
    std::size_t cand = 0; ///< index into the candidate list
    std::size_t stmt = 0; ///< index into the workload
    double cost = 0;      ///< estimated cost with the candidate (lower is better)
};

/// A chosen candidate, the statements it serves best among the chosen ones, and the
/// weighted cost it saves them: sum over `stmts` of weight * (base - cost).
struct selected_index {
    std::size_t cand = 0;           ///< index into the candidate list
    std::vector<std::size_t> stmts; ///< the statements it serves, in workload order
    double saved = 0;               ///< weighted estimated cost saved
    double before = 0;              ///< summed base cost of `stmts` (unweighted)
    double after = 0;               ///< summed cost of `stmts` with this index (unweighted)
};

/// Greedy choice over the whole workload: repeatedly takes the candidate that saves the
/// most weighted cost over what the candidates already chosen achieve (ties: fewer columns),
/// counting a statement only where `accept(base_cost, current_cost, cost_with)` holds; a statement moves
/// to a later pick that serves it better, and a pick left serving nothing is dropped. So one
/// index that serves several statements wins over several that each serve one, and a second
/// index leading with the same column is only added when it is itself worth it. The cost of
/// a statement with several chosen indexes is taken as the lowest single-index cost.
/// `base[s]`: cost without any candidate; `weight[s]`: e.g. calls; `width[c]`: the number of
/// columns of candidate c. Result ordered by `saved`, largest first. O(candidates * trials).
template <class Accept>
std::vector<selected_index> select_for_workload(const std::vector<double>& base, const std::vector<double>& weight,
                                                const std::vector<std::size_t>& width, const std::vector<trial_result>& trials,
                                                Accept&& accept) {
    const std::size_t none = static_cast<std::size_t>(-1);
    std::vector<std::vector<const trial_result*>> by_cand(width.size());
    for (auto& t : trials) by_cand[t.cand].push_back(&t);
    std::vector<double> current = base;
    std::vector<std::size_t> owner(base.size(), none);
    std::vector<bool> taken(width.size(), false);
    for (;;) {
        std::size_t best = none;
        double best_gain = 0;
        for (std::size_t c = 0; c < by_cand.size(); ++c) {
            if (taken[c]) continue;
            double gain = 0;
            for (auto* t : by_cand[c])
                if (accept(base[t->stmt], current[t->stmt], t->cost)) gain += weight[t->stmt] * (current[t->stmt] - t->cost);
            if (gain <= 0) continue;
            const double tol = 1e-9 * (best_gain > 1 ? best_gain : 1);
            if (best == none || gain > best_gain + tol || (gain > best_gain - tol && width[c] < width[best])) {
                best = c;
                best_gain = gain;
            }
        }
        if (best == none) break;
        taken[best] = true;
        for (auto* t : by_cand[best])
            if (accept(base[t->stmt], current[t->stmt], t->cost)) {
                current[t->stmt] = t->cost;
                owner[t->stmt] = best;
            }
    }
    std::vector<selected_index> out;
    for (std::size_t c = 0; c < width.size(); ++c) {
        if (!taken[c]) continue;
        selected_index s;
        s.cand = c;
        for (std::size_t st = 0; st < base.size(); ++st)
            if (owner[st] == c) {
                s.stmts.push_back(st);
                s.saved += weight[st] * (base[st] - current[st]);
                s.before += base[st];
                s.after += current[st];
            }
        if (!s.stmts.empty()) out.push_back(std::move(s));
    }
    std::stable_sort(out.begin(), out.end(), [](const selected_index& a, const selected_index& b) { return a.saved > b.saved; });
    return out;
}

} // namespace cistern::strategy::index::detail

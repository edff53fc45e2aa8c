#pragma once
/// \file
/// Bookkeeping shared by the missing-index advisors: one pick per candidate index with
/// the statements it serves, and dropping a pick that a longer pick on the same table
/// (same leading columns) serves as well.

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace cistern::strategy::detail {

/// Adds `best` (a pick serving statement `stmt`) to `picks`, or files `stmt` under the
/// pick of the same candidate. A pick has members `cand` (comparable with ==) and
/// `stmts` (a vector of statement indices).
template <class Pick>
void add_pick(std::vector<Pick>& picks, Pick&& best, std::size_t stmt) {
    auto same = std::find_if(picks.begin(), picks.end(), [&](const Pick& p) { return p.cand == best.cand; });
    if (same != picks.end()) same->stmts.push_back(stmt);
    else picks.push_back(std::move(best));
}

/// Marks which picks to drop: a pick whose columns lead a longer pick on the same table
/// goes when `serves(longer_candidate, stmt)` holds for each of its statements, and its
/// statements move to the longer pick. Returns one flag per pick.
template <class Pick, class Serves>
std::vector<bool> drop_led_picks(std::vector<Pick>& picks, Serves&& serves) {
    std::vector<bool> dropped(picks.size(), false);
    for (std::size_t a = 0; a < picks.size(); ++a)
        for (std::size_t b = 0; b < picks.size(); ++b) {
            if (a == b || dropped[b] || picks[a].cand.table != picks[b].cand.table) continue;
            const auto& ca = picks[a].cand.columns;
            const auto& cb = picks[b].cand.columns;
            if (ca.size() >= cb.size() || !std::equal(ca.begin(), ca.end(), cb.begin())) continue;
            bool all = true;
            for (auto s : picks[a].stmts) all = all && serves(picks[b].cand, s);
            if (all) {
                dropped[a] = true;
                for (auto s : picks[a].stmts) picks[b].stmts.push_back(s);
                break;
            }
        }
    return dropped;
}

} // namespace cistern::strategy::detail

#pragma once
/// \file
/// `cistern::strategy::index::advice`: the result of an IndexStrategy.

#include <cistern/strategy/index/recommendation.hpp>
#include <cistern/strategy/plan.hpp>

#include <string>
#include <vector>

namespace cistern::strategy::index {

/// Recommendations plus notes (what could not be checked and why).
struct advice {
    /// The recommendations, in the order the advisor found them.
    std::vector<recommendation> items;
    /// What could not be checked and why (e.g. statistics just reset, a statement that failed
    /// to plan); shown to the user, never applied.
    std::vector<std::string> notes;

    /// True when there is no recommendation (notes do not count).
    bool empty() const noexcept { return items.empty(); }

    /// A plan with one statement per recommendation (its reason attached) and the notes as
    /// alerts. Statements containing CONCURRENTLY run outside a transaction, as PostgreSQL
    /// requires.
    strategy::plan to_plan() const {
        strategy::plan p;
        for (auto& r : items) {
            if (r.sql.find(" CONCURRENTLY ") != std::string::npos) p.add_outside_transaction(r.sql, r.reason);
            else p.add(r.sql, r.reason);
        }
        for (auto& n : notes) p.alert(n);
        return p;
    }
};

} // namespace cistern::strategy::index

#pragma once
/// \file
/// `cistern::strategy::index::advice`: the result of an IndexStrategy.

#include <cistern/strategy/index/recommendation.hpp>
#include <cistern/strategy/plan.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace cistern::strategy::index {

/// Recommendations plus notes (what could not be checked and why).
struct advice {
    /// The recommendations, in the order the advisor found them.
    std::vector<recommendation> items;
    /// Indexes the advisor looked at and keeps on purpose, each with why (e.g. unused but it
    /// enforces a primary key or serves a foreign key's checks): shown, never applied.
    std::vector<recommendation> kept;
    /// What could not be checked and why (e.g. statistics just reset, a statement that failed
    /// to plan); shown to the user, never applied.
    std::vector<std::string> notes;

    /// True when there is no recommendation (notes do not count).
    bool empty() const noexcept { return items.empty(); }

    /// A plan with the statements of each recommendation (its `steps`, or its `sql`; the
    /// reason attached), the notes and the kept indexes as alerts. Statements containing
    /// CONCURRENTLY run outside a transaction, as PostgreSQL requires.
    strategy::plan to_plan() const {
        strategy::plan p;
        auto add = [&](const std::string& sql, const std::string& reason) {
            if (sql.find(" CONCURRENTLY ") != std::string::npos) p.add_outside_transaction(sql, reason);
            else p.add(sql, reason);
        };
        for (auto& r : items) {
            if (r.steps.empty()) add(r.sql, r.reason);
            for (std::size_t i = 0; i < r.steps.size(); ++i)
                add(r.steps[i], r.reason + " (step " + std::to_string(i + 1) + " of " + std::to_string(r.steps.size()) + ")");
        }
        for (auto& n : notes) p.alert(n);
        for (auto& k : kept) p.alert("keep " + k.index_name + " on " + k.table + ": " + k.reason);
        return p;
    }
};

} // namespace cistern::strategy::index

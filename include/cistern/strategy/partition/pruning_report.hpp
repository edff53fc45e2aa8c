#pragma once
/// \file
/// `cistern::strategy::partition::pruning_report`: does a query read only the partitions it needs?

#include <string>
#include <vector>

namespace cistern::strategy::partition {

/// What EXPLAIN says about partition pruning for one statement.
struct pruning_report {
    std::vector<std::string> scanned; ///< partitions the plan reads
    int partitions = 0;               ///< partitions the table has
    int subplans_removed = 0;         ///< pruned at execution time ("Subplans Removed: N")
    std::string plan;                 ///< the EXPLAIN text

    /// True when the plan reads fewer partitions than exist, or prunes at run time.
    bool pruned() const noexcept {
        return subplans_removed > 0 || static_cast<int>(scanned.size()) < partitions;
    }
};

} // namespace cistern::strategy::partition

#pragma once
/// \file
/// `cistern::strategy::index::advice_thresholds`: which workload statements and tables the
/// missing-index advisors consider, and how much candidate work each statement may cost.

#include <cistern/error.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/strategy/index/workload.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cistern::strategy::index {

/// Thresholds shared by postgres_missing_from_workload and sqlite_missing_from_workload.
/// A statement below min_calls or min_total_time is skipped with a note; a candidate on a
/// table that include_tables does not list (when it lists any) or that exclude_tables lists
/// is never tried. Table names compare as the advisor sees them (unquoted, unqualified;
/// lower case for SQLite).
struct advice_thresholds {
    /// Skip statements run fewer times than this (statements given as plain text count 1).
    std::uint64_t min_calls = 1;
    /// Skip statements whose summed time is below this (0: keep all; statements given as
    /// plain text have unknown time, 0, so set this only for a monitor's workload).
    std::chrono::nanoseconds min_total_time{0};
    /// Only these tables (empty: every table).
    std::vector<std::string> include_tables;
    /// Never these tables.
    std::vector<std::string> exclude_tables;
    /// Bounds on candidates per statement (see candidate_limits).
    candidate_limits limits;

    /// Throws config_error naming `owner`'s field when a value cannot work: min_calls 0,
    /// a negative min_total_time, max_candidates or max_columns 0, an empty table name, or a
    /// table both included and excluded.
    void validate(const std::string& owner) const {
        if (min_calls == 0) throw config_error(owner + "::thresholds.min_calls", "0", "must be at least 1");
        if (min_total_time.count() < 0)
            throw config_error(owner + "::thresholds.min_total_time", std::to_string(min_total_time.count()) + "ns", "must not be negative");
        if (limits.max_candidates == 0) throw config_error(owner + "::thresholds.limits.max_candidates", "0", "must be at least 1");
        if (limits.max_columns == 0) throw config_error(owner + "::thresholds.limits.max_columns", "0", "must be at least 1");
        for (auto* list : {&include_tables, &exclude_tables})
            for (auto& t : *list)
                if (t.empty())
                    throw config_error(owner + (list == &include_tables ? "::thresholds.include_tables" : "::thresholds.exclude_tables"),
                                       "\"\"", "table names must not be empty");
        for (auto& t : include_tables)
            if (std::find(exclude_tables.begin(), exclude_tables.end(), t) != exclude_tables.end())
                throw config_error(owner + "::thresholds.include_tables", t, "the table is also in exclude_tables");
    }

    /// True when candidates on `table` may be proposed.
    bool table_wanted(const std::string& table) const {
        if (std::find(exclude_tables.begin(), exclude_tables.end(), table) != exclude_tables.end()) return false;
        return include_tables.empty() || std::find(include_tables.begin(), include_tables.end(), table) != include_tables.end();
    }

    /// Why `s` is below the thresholds, or nullopt when it is considered.
    std::optional<std::string> skip_reason(const workload_statement& s) const {
        if (s.calls < min_calls)
            return "run " + std::to_string(s.calls) + " time(s), fewer than min_calls " + std::to_string(min_calls);
        if (s.total < min_total_time)
            return "total time " + std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(s.total).count()) +
                   " us, below min_total_time " +
                   std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(min_total_time).count()) + " us";
        return std::nullopt;
    }
};

} // namespace cistern::strategy::index

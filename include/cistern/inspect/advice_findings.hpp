#pragma once
/// \file
/// `cistern::inspect::advice_findings`: index advice (duplicate, unused, missing) as a
/// check result, so the index advisors of cistern::strategy::index join a health report.

#include <cistern/inspect/check_result.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/value.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cistern::inspect {

/// One recommendation of an advisor, flattened for a table.
struct index_advice_row {
    std::string action;  ///< "create" or "drop"
    ///@{
    /// Copied from the recommendation: `table` the table it concerns, `index` the index
    /// (for a drop, the existing one; for a create, the proposed name, unquoted),
    /// `column_list` the indexed columns joined with ", ", `sql` the statement that applies
    /// it, `reason` what was observed.
    std::string table, index, column_list, sql, reason;
    ///@}
    ///@{
    /// PostgreSQL total plan cost without / with the index, when the advisor measured it
    /// (empty otherwise, e.g. for SQLite or for drop advice).
    std::optional<double> cost_before, cost_after;
    ///@}
    /// Table column names: action, index, table, columns, reason (sql and costs are not shown).
    static std::vector<std::string> columns() { return {"action", "index", "table", "columns", "reason"}; }
    /// This row's cells in columns() order.
    std::vector<value> cells() const { return {action, index, table, column_list, reason}; }
};

/// The advice's recommendations as rows and one finding each of `severity` under `rule`
/// ("duplicate_index", "unused_index", "missing_index"), the statement being the
/// recommendation; the advice's notes become notes.
inline check_result<index_advice_row> advice_findings(const strategy::index::advice& a, std::string rule,
                                                      health_status severity = health_status::degraded) {
    check_result<index_advice_row> r;
    for (auto& i : a.items) {
        index_advice_row row;
        row.action = i.what == strategy::index::recommendation::action::create ? "create" : "drop";
        row.table = i.table;
        row.index = i.index_name;
        for (auto& c : i.columns) row.column_list += (row.column_list.empty() ? "" : ", ") + c;
        row.sql = i.sql;
        row.reason = i.reason;
        row.cost_before = i.cost_before;
        row.cost_after = i.cost_after;
        const std::string subject = (row.action == "drop" ? "index " + i.index_name + " on " : "table ") + i.table;
        r.add(severity, rule, i.reason.rfind(subject, 0) == 0 ? i.reason : subject + ": " + i.reason,
              i.sql);
        r.rows.push_back(std::move(row));
    }
    r.notes = a.notes;
    return r;
}

} // namespace cistern::inspect

#pragma once
/// \file
/// `cistern::inspect::sqlite_index_advice`: index advice for SQLite: missing indexes for
/// given statements (EXPLAIN QUERY PLAN with each candidate inside a rolled-back
/// savepoint) and duplicate indexes. SQLite keeps neither statement statistics nor index
/// usage counts, so there is no workload of its own and no unused-index advice.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/error.hpp>
#include <cistern/inspect/index_advice.hpp>
#include <cistern/strategy/index/sqlite_duplicate.hpp>
#include <cistern/strategy/index/sqlite_missing_from_workload.hpp>

#include <string>
#include <vector>

namespace cistern::inspect {

/// The advice for `c` given the statements of `workload` (a file, or what a cistern
/// monitor recorded: strategy::index::workload_from). A failing advisor becomes a note.
inline index_advice_report sqlite_index_advice(sqlite::connection& c, std::vector<std::string> workload, const index_advice_options& a = {}) {
    index_advice_report r;
    r.workload = std::move(workload);
    auto guarded = [&](const char* what, auto&& f) { return detail::guarded_advice(r.notes, what, a, f); };
    if (!r.workload.empty()) {
        r.workload_source = "the workload file";
        r.missing = guarded("missing-index", [&] { return strategy::index::sqlite_missing_from_workload(r.workload).advise(c); });
    } else {
        r.notes.push_back("SQLite keeps no statement statistics: give the statements to serve with --workload FILE for "
                          "missing-index advice");
    }
    r.duplicate = guarded("duplicate-index", [&] { return strategy::index::sqlite_duplicate().advise(c); });
    if (r.missing.notes.empty() && r.workload.empty())
        r.notes.push_back("SQLite keeps no index usage counts: unused-index advice is not available");
    return r;
}

} // namespace cistern::inspect

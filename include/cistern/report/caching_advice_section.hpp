#pragma once
/// \file
/// `cistern::report::caching_advice_section`: the caching advice of
/// cistern::inspect::caching_advice as a report section (text, JSON and HTML alike), the
/// one form `cistern optimize cache`, `cistern report` and the dashboard show.

#include <cistern/inspect/caching_advice.hpp>
#include <cistern/report/document.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace cistern::report {

/// The section `caching_advice`: one row per statement in rank order with the columns of
/// inspect::caching_advice_row::columns() plus `reason_code` (inspect::to_string of the
/// reason: "recommended", "tables_change_too_often", ...), `tables` (the tables it reads,
/// comma-separated) and `write_rate_s` (writes per second to them; null when unknown);
/// the advice's notes as notes. No findings: advice is not health, so the section is
/// always healthy.
inline section caching_advice_section(const inspect::check_result<inspect::caching_advice_row>& r,
                                      std::string title = "caching advice: statements worth caching, TTL, memory") {
    section s;
    s.id = "caching_advice";
    s.title = std::move(title);
    s.state = inspect::to_string(r.state);
    s.notes = r.notes;
    table t;
    t.columns = inspect::caching_advice_row::columns();
    for (const char* c : {"reason_code", "tables", "write_rate_s"}) t.columns.emplace_back(c);
    for (const auto& row : r.rows) {
        auto cells = row.cells();
        std::string tables;
        for (const auto& x : row.tables) tables += (tables.empty() ? "" : ", ") + x;
        cells.emplace_back(std::string(inspect::to_string(row.reason)));
        cells.emplace_back(std::move(tables));
        cells.emplace_back(row.write_rate < 0.0 ? value(null_t{}) : value(row.write_rate));
        t.rows.push_back(std::move(cells));
    }
    s.data = std::move(t);
    return s;
}

} // namespace cistern::report

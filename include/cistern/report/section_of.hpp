#pragma once
/// \file
/// `cistern::report::section_of`: an inspection's check_result as a report section.

#include <cistern/inspect/check_result.hpp>
#include <cistern/report/document.hpp>

#include <concepts>
#include <string>
#include <vector>

namespace cistern::report {

/// A row type a section can tabulate: `Row::columns()` names the columns and
/// `row.cells()` returns one cistern::value per column.
template <class Row>
concept tabular_row = requires(const Row& r) {
    { Row::columns() } -> std::convertible_to<std::vector<std::string>>;
    { r.cells() } -> std::convertible_to<std::vector<value>>;
};

/// The section for `r`: its status, state, findings, notes and (when `with_table`) its
/// rows as a table.
template <tabular_row Row>
section section_of(std::string id, std::string title, const inspect::check_result<Row>& r, bool with_table = true) {
    section s;
    s.id = std::move(id);
    s.title = std::move(title);
    s.status = r.status();
    s.state = inspect::to_string(r.state);
    s.findings = r.findings;
    s.notes = r.notes;
    if (with_table) {
        table t;
        t.columns = Row::columns();
        for (auto& row : r.rows) t.rows.push_back(row.cells());
        s.data = std::move(t);
    }
    return s;
}

} // namespace cistern::report

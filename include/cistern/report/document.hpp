#pragma once
/// \file
/// `cistern::report::document`: the report model. Collectors fill it; renderers (text,
/// JSON, later HTML) only read it and never query anything.

#include <cistern/monitor/health.hpp>
#include <cistern/value.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cistern::report {

/// A rectangular table: column names and rows of cells (numbers stay numbers).
struct table {
    /// Column names, in display order.
    std::vector<std::string> columns;
    /// One vector of cells per row, in columns order (a renderer stops at the shorter of a row
    /// and columns).
    std::vector<std::vector<value>> rows;
};

/// One check, listing or figure group.
struct section {
    std::string id;        ///< stable machine name ("connections", "slow_queries", ...)
    std::string title;     ///< human title
    health_status status = health_status::healthy; ///< worst finding
    std::string state = "ok"; ///< inspect::availability name: ok, not_installed, not_readable, ...
    /// What is wrong, each with a severity, rule, reason and recommendation; empty when healthy.
    std::vector<health_finding> findings;
    /// The rows the check read; empty when the section was built without a table.
    std::optional<table> data;
    /// What the data covers and what could not be seen (e.g. a missing privilege).
    std::vector<std::string> notes;
};

/// One run of a command. `status` is the worst section's.
struct document {
    int schema_version = 1;     ///< bumped only when a field changes meaning or disappears
    std::string command;        ///< "health", "monitor slow-queries", ...
    std::string target;         ///< the database, password never included
    std::string generated_at;   ///< UTC, ISO 8601
    /// Worst status of all sections, kept up to date by add(); healthy for no sections.
    health_status status = health_status::healthy;
    /// The sections in the order they were added.
    std::vector<section> sections;

    /// Appends a section and raises the status to its status.
    section& add(section s) {
        if (s.status > status) status = s.status;
        sections.push_back(std::move(s));
        return sections.back();
    }
};

/// The operator's word for a status: "ok", "warning", "critical".
inline const char* level_name(health_status s) noexcept {
    switch (s) {
    case health_status::healthy: return "ok";
    case health_status::degraded: return "warning";
    case health_status::unhealthy: return "critical";
    }
    return "unknown";
}

/// Exit code for cron and CI: 0 healthy, 1 degraded (warning), 2 unhealthy (critical).
constexpr int exit_code(health_status s) noexcept { return static_cast<int>(s); }

} // namespace cistern::report

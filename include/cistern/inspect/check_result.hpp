#pragma once
/// \file
/// `cistern::inspect::check_result<Row>`: what every inspection returns — whether the data
/// could be read at all, the rows it read, the findings (severity, reason, recommendation)
/// and notes saying what the numbers cover or what could not be seen.

#include <cistern/monitor/health.hpp>

#include <string>
#include <vector>

namespace cistern::inspect {

/// Whether a check could read what it needs. Anything but `ok` comes with a note saying
/// what is missing and what to do about it.
enum class availability {
    ok,            ///< read completely
    not_installed, ///< the extension or view does not exist (e.g. pg_stat_statements)
    not_preloaded, ///< installed but the library is not in shared_preload_libraries
    not_readable,  ///< exists but this role may not read it (privilege missing)
    timed_out,     ///< statement_timeout cancelled the check
    failed         ///< any other error (the note carries the SQLSTATE and message)
};

/// Stable lower-case name of an availability ("ok", "not_installed", ...).
inline const char* to_string(availability a) noexcept {
    switch (a) {
    case availability::ok: return "ok";
    case availability::not_installed: return "not_installed";
    case availability::not_preloaded: return "not_preloaded";
    case availability::not_readable: return "not_readable";
    case availability::timed_out: return "timed_out";
    case availability::failed: return "failed";
    }
    return "unknown";
}

/// The result of one check: rows (typed, one struct per check family), findings and notes.
/// `status()` is the worst finding's severity; a check that could not run is `degraded`
/// only when it added a finding saying so (missing privileges are notes, not failures).
template <class Row>
struct check_result {
    availability state = availability::ok; ///< whether the data could be read
    std::vector<Row> rows;                 ///< what was read (possibly partial)
    std::vector<health_finding> findings;  ///< what is wrong, with numbers and a next step
    std::vector<std::string> notes;        ///< what the rows cover, what could not be seen

    /// The worst finding's severity (healthy when there is none).
    health_status status() const noexcept {
        health_status s = health_status::healthy;
        for (auto& f : findings)
            if (f.severity > s) s = f.severity;
        return s;
    }
    /// Adds a finding.
    void add(health_status severity, std::string rule, std::string reason, std::string recommendation) {
        findings.push_back({severity, std::move(rule), std::move(reason), std::move(recommendation)});
    }
};

} // namespace cistern::inspect

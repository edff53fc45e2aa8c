#pragma once
/// \file
/// `cistern::report::plan_section`: a strategy::plan (what a command would change, or
/// changed) as a report section: one row per statement with its reason, the alerts as
/// findings, and a note saying whether it was a dry run, applied, or had nothing to do.

#include <cistern/report/document.hpp>
#include <cistern/strategy/plan.hpp>

#include <cstddef>
#include <string>

namespace cistern::report {

/// Whether the plan's statements ran.
enum class plan_outcome {
    dry_run, ///< shown only (no --apply)
    applied  ///< every statement ran
};

/// The section for `p`: columns `sql`, `reason`, `outside_transaction`, `status`
/// ("planned" or "applied"); each alert a finding of `alert_severity` under rule
/// `alert_rule`; a note "nothing to do" for a plan without statements, else "dry run: ..."
/// or "applied N statement(s)".
inline section plan_section(std::string id, std::string title, const strategy::plan& p, plan_outcome outcome,
                            std::string alert_rule = "plan_alert", health_status alert_severity = health_status::degraded) {
    section s;
    s.id = std::move(id);
    s.title = std::move(title);
    table t;
    t.columns = {"sql", "reason", "outside_transaction", "status"};
    for (auto& st : p.statements())
        t.rows.push_back({st.sql, st.reason, std::string(st.transactional ? "no" : "yes"),
                          std::string(outcome == plan_outcome::applied ? "applied" : "planned")});
    for (auto& a : p.alerts()) {
        s.findings.push_back({alert_severity, alert_rule, a, "no statement of the plan does this: act on it yourself"});
        if (alert_severity > s.status) s.status = alert_severity;
    }
    if (p.empty()) s.notes.push_back("nothing to do");
    else if (outcome == plan_outcome::dry_run)
        s.notes.push_back("dry run: nothing was changed; add --apply to run these " + std::to_string(p.size()) + " statement(s)");
    else
        s.notes.push_back("applied " + std::to_string(p.size()) + " statement(s)");
    if (!t.rows.empty()) s.data = std::move(t);
    return s;
}

} // namespace cistern::report

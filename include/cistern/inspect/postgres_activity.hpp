#pragma once
/// \file
/// `cistern::inspect::postgres_activity`: running, idle-in-transaction and blocked sessions
/// (pg_stat_activity with pg_blocking_pids), with long-running, idle-in-transaction and
/// lock-wait findings.

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/monitor/fingerprint.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cistern::inspect {

/// One client session other than the inspecting one.
struct session {
    /// Backend process ID of the session.
    std::int64_t pid = 0;
    ///@{
    /// Role name (usename), application_name and database name (datname) of the session;
    /// each empty when NULL (e.g. for background workers).
    std::string user, application, database, state; ///< state: active, idle, idle in transaction, ...
    ///@}
    double query_seconds = 0;  ///< since the current (or last) statement started
    double state_seconds = 0;  ///< since the state last changed (idle in transaction: how long idle)
    double xact_seconds = 0;   ///< since the open transaction began (0: none)
    std::string wait_event;    ///< "Lock:transactionid", ... ; empty when not waiting
    std::vector<std::int64_t> blocked_by; ///< pids holding the locks this one waits for
    std::string query;         ///< fingerprint of the statement (literals as ?); empty when not readable
    bool readable = true;      ///< false: another role's session and no pg_read_all_stats

    /// Table column names: pid, user, database, state, query_s, state_s, wait, blocked_by, query.
    static std::vector<std::string> columns() {
        return {"pid", "user", "database", "state", "query_s", "state_s", "wait", "blocked_by", "query"};
    }
    /// This row's cells in columns() order: blocked_by as comma-separated pids, and query
    /// replaced by "<insufficient privilege>" when the session is not readable.
    std::vector<value> cells() const {
        std::string b;
        for (auto p : blocked_by) b += (b.empty() ? "" : ",") + std::to_string(p);
        return {pid, user, database, state, query_seconds, state_seconds, wait_event, b,
                readable ? query : std::string("<insufficient privilege>")};
    }
};

namespace detail {
inline std::vector<std::int64_t> parse_pid_list(const std::string& s) {
    std::vector<std::int64_t> out;
    std::int64_t v = 0;
    bool any = false;
    for (char ch : s) {
        if (ch >= '0' && ch <= '9') {
            v = v * 10 + (ch - '0');
            any = true;
        } else if (any) {
            out.push_back(v);
            v = 0;
            any = false;
        }
    }
    if (any) out.push_back(v);
    return out;
}
} // namespace detail

/// Every client session but the caller's, longest-running first. Findings: active
/// statements past options::long_query_*, sessions idle in a transaction past
/// options::idle_in_transaction_*, and every session waiting for a lock, naming the
/// blocking pid and its statement. Other roles' sessions are counted in a note, with the
/// grant (pg_read_all_stats) that shows them.
template <class C>
check_result<session> postgres_activity(C& c, const options& o = {}) {
    check_result<session> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "activity", [&] {
        auto rs = c.query(std::string_view(
            "SELECT pid::int8, coalesce(usename, ''), coalesce(application_name, ''), coalesce(datname, ''),"
            " coalesce(state, ''),"
            " coalesce(extract(epoch FROM clock_timestamp() - query_start), 0)::float8,"
            " coalesce(extract(epoch FROM clock_timestamp() - state_change), 0)::float8,"
            " coalesce(extract(epoch FROM clock_timestamp() - xact_start), 0)::float8,"
            " CASE WHEN wait_event_type IS NULL THEN '' ELSE wait_event_type || ':' || coalesce(wait_event, '') END,"
            " array_to_string(pg_blocking_pids(pid), ','), coalesce(query, ''),"
            " (query IS NOT NULL AND query <> '<insufficient privilege>')"
            " FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
            " ORDER BY query_start NULLS LAST"));
        for (auto row : rs) {
            session s;
            s.pid = row.template get<std::int64_t>(0);
            s.user = row.template get<std::string>(1);
            s.application = row.template get<std::string>(2);
            s.database = row.template get<std::string>(3);
            s.state = row.template get<std::string>(4);
            s.query_seconds = row.template get<double>(5);
            s.state_seconds = row.template get<double>(6);
            s.xact_seconds = row.template get<double>(7);
            s.wait_event = row.template get<std::string>(8);
            s.blocked_by = detail::parse_pid_list(row.template get<std::string>(9));
            s.readable = row.template get<bool>(11);
            if (s.readable) s.query = fingerprint(row.template get<std::string>(10)).text;
            r.rows.push_back(std::move(s));
        }
    });
    std::size_t hidden = 0;
    for (auto& s : r.rows) {
        if (!s.readable) ++hidden;
        const std::string who = "pid " + std::to_string(s.pid) + " (" + s.user + (s.application.empty() ? "" : ", " + s.application) + ")";
        if (s.state == "active" && s.query_seconds >= static_cast<double>(o.long_query_warning.count())) {
            r.add(s.query_seconds >= static_cast<double>(o.long_query_critical.count()) ? health_status::unhealthy
                                                                                      : health_status::degraded,
                  "long_running_query",
                  who + " has run one statement for " + detail::seconds_text(s.query_seconds) +
                      (s.readable ? ": " + s.query : std::string()),
                  "EXPLAIN it, add the missing index or a statement_timeout; `cistern monitor activity --cancel " +
                      std::to_string(s.pid) + " --apply` stops it");
        }
        if (s.state.rfind("idle in transaction", 0) == 0 &&
            s.state_seconds >= static_cast<double>(o.idle_in_transaction_warning.count())) {
            r.add(s.state_seconds >= static_cast<double>(o.idle_in_transaction_critical.count()) ? health_status::unhealthy
                                                                                               : health_status::degraded,
                  "idle_in_transaction",
                  who + " is " + s.state + " for " + detail::seconds_text(s.state_seconds) +
                      " (holds its locks and its snapshot: blocks vacuum)" + (s.readable ? "; last: " + s.query : std::string()),
                  "commit or roll back in the application; set idle_in_transaction_session_timeout; "
                  "`cistern monitor activity --terminate " + std::to_string(s.pid) + " --apply` ends it");
        }
        if (!s.blocked_by.empty()) {
            std::string blockers;
            for (auto b : s.blocked_by) {
                std::string q;
                for (auto& t : r.rows)
                    if (t.pid == b && t.readable) q = t.query;
                blockers += (blockers.empty() ? "" : "; ") + ("pid " + std::to_string(b)) + (q.empty() ? "" : " (" + q + ")");
            }
            r.add(health_status::degraded, "blocked_query",
                  who + " has waited " + detail::seconds_text(s.query_seconds) + " for a lock held by " + blockers,
                  "end the blocker's transaction (commit, or `cistern monitor activity --cancel PID --apply`); keep "
                  "transactions that take locks short");
        }
    }
    if (hidden)
        r.notes.push_back(std::to_string(hidden) + " session(s) of other roles show no statement: grant pg_read_all_stats "
                          "(or pg_monitor) to this role to see them");
    return r;
}

} // namespace cistern::inspect

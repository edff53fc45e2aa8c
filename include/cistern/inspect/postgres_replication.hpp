#pragma once
/// \file
/// `cistern::inspect::postgres_replication`: lag of the replicas of a primary, or of this
/// server when it is a replica.

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cistern::inspect {

/// One replica's lag (or this server's, when it is one: name "(this replica)").
struct replica_lag {
    ///@{
    /// `name`: application_name, "@" and the client address ("local" for a socket), or "(this replica)";
    /// `state`: pg_stat_replication.state ("streaming", "catchup", ...; empty when NULL),
    /// always "streaming" for this replica's own row.
    std::string name, state;
    ///@}
    double lag_seconds = 0;   ///< replay lag
    std::int64_t lag_bytes = 0; ///< WAL not yet replayed (primary side only)
    /// Table column names: replica, state, lag_s, lag_bytes.
    static std::vector<std::string> columns() { return {"replica", "state", "lag_s", "lag_bytes"}; }
    /// This row's cells in columns() order.
    std::vector<value> cells() const { return {name, state, lag_seconds, lag_bytes}; }
};

/// Rows from pg_stat_replication on a primary (none when no replica is attached: a note
/// says so), or one row from pg_last_xact_replay_timestamp() on a replica. Findings at
/// options::replication_lag_warning / _critical.
template <class C>
check_result<replica_lag> postgres_replication(C& c, const options& o = {}) {
    check_result<replica_lag> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "replication", [&] {
        const bool replica = c.query(std::string_view("SELECT pg_is_in_recovery()")).template scalar<bool>();
        if (replica) {
            auto rs = c.query(std::string_view(
                "SELECT coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)::float8"));
            r.rows.push_back({"(this replica)", "streaming", rs[0].template get<double>(0), 0});
            return;
        }
        for (auto row : c.query(std::string_view(
                 "SELECT coalesce(application_name, '') || '@' || coalesce(host(client_addr), 'local'), coalesce(state, ''),"
                 " coalesce(extract(epoch FROM replay_lag), 0)::float8,"
                 " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::int8 FROM pg_stat_replication")))
            r.rows.push_back({row.template get<std::string>(0), row.template get<std::string>(1), row.template get<double>(2), row.template get<std::int64_t>(3)});
        if (r.rows.empty()) r.notes.push_back("no replicas are attached to this server");
    });
    for (auto& l : r.rows)
        if (l.lag_seconds >= static_cast<double>(o.replication_lag_warning.count()))
            r.add(l.lag_seconds >= static_cast<double>(o.replication_lag_critical.count()) ? health_status::unhealthy
                                                                                         : health_status::degraded,
                  "replication_lag", l.name + " lags " + detail::seconds_text(l.lag_seconds) + " (" + std::to_string(l.lag_bytes) + " bytes of WAL)",
                  "check the replica's I/O and network; long queries on a replica with hot_standby_feedback also delay replay");
    return r;
}

} // namespace cistern::inspect

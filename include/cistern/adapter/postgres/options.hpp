#pragma once
/// \file
/// Options of the PostgreSQL adapter.

#include <cistern/error.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace cistern::postgres {

/// How PostgreSQL connections are opened and used. Values given in the connection
/// string or URL itself (e.g. `?connect_timeout=3`) take precedence where libpq has the
/// same parameter.
struct options {
    /// Bound on one whole connection attempt (TCP connect, TLS, startup, authentication,
    /// over every host the target lists), enforced by the adapter with a monotonic clock
    /// whatever the server or the network does (also on a black-holed address that never
    /// answers a SYN); past it create() throws connect_error with
    /// connect_failure::timed_out. Also passed to libpq as connect_timeout. Not bounded:
    /// a host name's DNS lookup (libpq resolves names synchronously). 0: wait forever.
    std::chrono::seconds connect_timeout{5};
    /// application_name reported in pg_stat_activity.
    std::string application_name = "cistern";
    /// Server-side `SET statement_timeout` on every connection. 0: the server's default.
    std::chrono::milliseconds statement_timeout{0};
    /// Client-side limit on one statement, from sending it to its last result, whatever
    /// the server does: past it the call throws query_error (SQLSTATE 57014,
    /// query_failure::timed_out) at once and a cancel request (PQcancel) is sent from a
    /// background thread. The next use of the connection (reset() when a lease comes
    /// back, or the next statement) waits up to cancel_wait for the server to finish the
    /// cancelled statement; if it does not, the connection is broken (is_open() false) and
    /// a pool discards it. 0: no client-side limit.
    std::chrono::milliseconds query_timeout{0};
    /// Limit on ping()'s round trip. A ping that does not answer in time returns false
    /// and leaves the connection broken (is_open() false): it is never used again.
    std::chrono::milliseconds ping_timeout{2000};
    /// After a client-side timeout (query_timeout), how long the next use of the
    /// connection waits for the cancelled statement to end before giving the connection up.
    std::chrono::milliseconds cancel_wait{100};
    /// TCP keepalives (libpq `keepalives`), so that a peer that vanished without a reset
    /// is detected on an idle connection. Each setting below is added to the connection
    /// only where the target does not set that libpq parameter itself. Unix-domain
    /// sockets ignore them.
    bool keepalives = true;
    /// libpq `keepalives_idle`: idle time before the first probe. 0: the system default.
    std::chrono::seconds keepalives_idle{30};
    /// libpq `keepalives_interval`: time between unanswered probes. 0: the system default.
    std::chrono::seconds keepalives_interval{10};
    /// libpq `keepalives_count`: unanswered probes before the connection is dead.
    /// 0: the system default.
    int keepalives_count = 3;
    /// libpq `tcp_user_timeout`: how long sent data may stay unacknowledged before the
    /// kernel drops the connection (Linux). 0: the system default.
    std::chrono::milliseconds tcp_user_timeout{30000};
    /// Prepared statements kept per connection (LRU; an evicted one is DEALLOCATEd).
    /// Statements with parameters are prepared; 0 disables the cache.
    std::size_t statement_cache_size = 64;
    /// reset() also runs DISCARD ALL (drops temporary tables, session settings and
    /// prepared statements). Costs one round trip per returned lease.
    bool discard_all_on_reset = false;

    /// Throws config_error naming the first invalid field and its value (e.g. a negative
    /// timeout). Called by the factory's and the connection's constructors.
    void validate() const {
        if (connect_timeout.count() < 0)
            throw config_error("postgres::options::connect_timeout", std::to_string(connect_timeout.count()) + "s",
                               "must not be negative");
        if (statement_timeout.count() < 0)
            throw config_error("postgres::options::statement_timeout", std::to_string(statement_timeout.count()) + "ms",
                               "must not be negative");
        if (query_timeout.count() < 0)
            throw config_error("postgres::options::query_timeout", std::to_string(query_timeout.count()) + "ms",
                               "must not be negative");
        if (cancel_wait.count() < 0)
            throw config_error("postgres::options::cancel_wait", std::to_string(cancel_wait.count()) + "ms",
                               "must not be negative");
        if (keepalives_idle.count() < 0)
            throw config_error("postgres::options::keepalives_idle", std::to_string(keepalives_idle.count()) + "s",
                               "must not be negative");
        if (keepalives_interval.count() < 0)
            throw config_error("postgres::options::keepalives_interval",
                               std::to_string(keepalives_interval.count()) + "s", "must not be negative");
        if (keepalives_count < 0)
            throw config_error("postgres::options::keepalives_count", std::to_string(keepalives_count),
                               "must not be negative");
        if (tcp_user_timeout.count() < 0)
            throw config_error("postgres::options::tcp_user_timeout", std::to_string(tcp_user_timeout.count()) + "ms",
                               "must not be negative");
        if (ping_timeout.count() <= 0)
            throw config_error("postgres::options::ping_timeout", std::to_string(ping_timeout.count()) + "ms",
                               "must be positive");
        for (char c : application_name)
            if (c == '\'' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
                throw config_error("postgres::options::application_name", application_name,
                                   "must not contain quotes, backslashes or control characters");
    }
};

} // namespace cistern::postgres

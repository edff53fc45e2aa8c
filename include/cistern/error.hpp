#pragma once
/// \file
/// The exception hierarchy of cistern. Every exception thrown by the library derives
/// from cistern::error. Messages never contain connection strings or passwords.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace cistern {

/// Root of every exception cistern throws.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A runtime option or a template argument combination is invalid.
/// `field()` names the offending option, `value()` is the rejected value as text.
class config_error : public error {
public:
    /// The message is "cistern: invalid configuration: <field> = <value>: <why>". `value`
    /// must already be redacted if it could hold a secret (callers pass "(redacted)").
    config_error(std::string field, std::string value, const std::string& why)
        : error("cistern: invalid configuration: " + field + " = " + value + ": " + why),
          field_(std::move(field)), value_(std::move(value)) {}

    /// Name of the option, e.g. "pool_options::max_size".
    const std::string& field() const noexcept { return field_; }
    /// The rejected value, formatted as text.
    const std::string& value() const noexcept { return value_; }

private:
    std::string field_;
    std::string value_;
};

/// A cache's bulk loader (cache::get_or_load_all) returned no value for a key that a
/// concurrent get_or_load of that key was waiting for: that caller gets this instead of a
/// value, and nothing is stored (the next miss loads again).
class not_loaded : public error {
public:
    using error::error;
};

/// Why a connection attempt failed, as far as the backend lets us tell.
enum class connect_failure {
    unknown,              ///< anything not classified below
    unreachable,          ///< no server answered (refused, timed out, no such file, DNS)
    authentication,       ///< the server rejected the credentials
    too_many_connections, ///< the server refused: connection slots exhausted
    bad_target,           ///< the target itself is wrong (no such database, bad URL)
    timed_out             ///< no answer within the connect timeout (hung server, black-holed network)
};

/// Text form of a connect_failure ("unreachable", "authentication", ...).
inline const char* to_string(connect_failure f) noexcept {
    switch (f) {
    case connect_failure::unreachable: return "unreachable";
    case connect_failure::authentication: return "authentication";
    case connect_failure::too_many_connections: return "too_many_connections";
    case connect_failure::bad_target: return "bad_target";
    case connect_failure::timed_out: return "timed_out";
    case connect_failure::unknown: break;
    }
    return "unknown";
}

/// A connection could not be opened. Carries the backend's own message (with any
/// password redacted), the failure class and, for PostgreSQL, the SQLSTATE.
class connect_error : public error {
public:
    /// `backend_message` must be password-free (the adapters scrub it); what() is
    /// "cistern: connect failed (<kind>): <backend_message>".
    explicit connect_error(const std::string& backend_message,
                           connect_failure kind = connect_failure::unknown,
                           std::string sqlstate = {})
        : error("cistern: connect failed (" + std::string(to_string(kind)) + "): " + backend_message),
          backend_message_(backend_message), kind_(kind), sqlstate_(std::move(sqlstate)) {}

    /// The backend's own message, password redacted.
    const std::string& backend_message() const noexcept { return backend_message_; }
    /// The failure class, for deciding whether a retry can help.
    connect_failure kind() const noexcept { return kind_; }
    /// Five-character SQLSTATE when the backend reported one, else empty.
    const std::string& sqlstate() const noexcept { return sqlstate_; }

private:
    std::string backend_message_;
    connect_failure kind_;
    std::string sqlstate_;
};

/// Why an acquire() gave up.
enum class timeout_reason {
    exhausted,     ///< every connection stayed in use until the deadline
    unreachable,   ///< the pool could not open connections (see last_connect_error)
    circuit_open,  ///< too many consecutive connect failures: failing fast during the cool-down
    too_many_waiters, ///< max_waiters callers were already waiting: failed at once
    rejected,        ///< the server refused the connection (authentication, no such
                     ///< database): waiting callers fail at once, see last_connect_error
    unresponsive,    ///< the server did not answer in time: connection attempts or the
                     ///< validation of a borrowed connection timed out (hung server, black hole)
    server_full      ///< the server refused new connections: too many connections (SQLSTATE
                     ///< 53300); it is alive, and the pool recovers as soon as a slot frees
};

/// Number of timeout_reason values (for per-reason counters).
inline constexpr std::size_t timeout_reason_count = 7;

/// A short English phrase for the reason ("pool exhausted", "database unreachable", ...),
/// used in pool_timeout's message; "unknown" outside the enum. Never allocates.
inline const char* to_string(timeout_reason r) noexcept {
    switch (r) {
    case timeout_reason::exhausted: return "pool exhausted";
    case timeout_reason::unreachable: return "database unreachable";
    case timeout_reason::circuit_open: return "circuit breaker open";
    case timeout_reason::too_many_waiters: return "too many waiters";
    case timeout_reason::rejected: return "connection rejected by the server";
    case timeout_reason::unresponsive: return "database unresponsive";
    case timeout_reason::server_full: return "database full (too many connections)";
    }
    return "unknown";
}

/// acquire() could not obtain a connection in time.
class pool_timeout : public error {
public:
    /// what() says the reason, `detail` (if not empty) and the last connect error's message.
    pool_timeout(timeout_reason reason, std::optional<connect_error> last_connect_error,
                 const std::string& detail)
        : error(make_message(reason, last_connect_error, detail)), reason_(reason),
          last_connect_error_(std::move(last_connect_error)) {}

    /// Why the acquire gave up.
    timeout_reason reason() const noexcept { return reason_; }
    /// True when the pool was full of connections that stayed busy.
    bool exhausted() const noexcept { return reason_ == timeout_reason::exhausted; }
    /// The most recent connect failure, if connection attempts have been failing.
    const std::optional<connect_error>& last_connect_error() const noexcept { return last_connect_error_; }

private:
    static std::string make_message(timeout_reason r, const std::optional<connect_error>& e,
                                    const std::string& detail) {
        std::string m = "cistern: acquire failed: ";
        m += to_string(r);
        if (!detail.empty()) m += " (" + detail + ")";
        if (e) m += "; last connect error: " + e->backend_message();
        return m;
    }

    timeout_reason reason_;
    std::optional<connect_error> last_connect_error_;
};

/// What kind of failure a query_error reports.
enum class query_failure {
    statement,      ///< the server rejected or aborted the statement; the session is fine
    timed_out,      ///< the client-side timeout (query_timeout) passed; the statement was
                    ///< cancelled (or the connection given up, if the cancel got no answer)
    connection_lost ///< the connection broke while the statement ran or before it was sent:
                    ///< it may or may not have been executed; retry only idempotent statements
};

/// A statement failed. `code()` is the backend's numeric code (SQLite's extended
/// result code; 0 for PostgreSQL), `sqlstate()` the SQLSTATE where the backend has one,
/// `failure()` whether the statement, the client-side timeout or the connection failed.
class query_error : public error {
public:
    /// what() is "cistern: query failed: <message>"; `message` must not contain a password.
    /// `failure` says whether the statement failed, timed out or lost its connection.
    explicit query_error(const std::string& message, int code = 0, std::string sqlstate = {},
                         query_failure failure = query_failure::statement)
        : error("cistern: query failed: " + message), code_(code), sqlstate_(std::move(sqlstate)),
          failure_(failure) {}

    /// The backend's numeric code: SQLite's extended result code; 0 for PostgreSQL.
    int code() const noexcept { return code_; }
    /// Five-character SQLSTATE when the backend reported one, else empty.
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    /// The class of failure (see query_failure).
    query_failure failure() const noexcept { return failure_; }
    /// True when the connection was lost: the caller may retry an idempotent statement on
    /// another connection (the statement may have run).
    bool connection_lost() const noexcept { return failure_ == query_failure::connection_lost; }
    /// True when the client-side timeout passed.
    bool timed_out() const noexcept { return failure_ == query_failure::timed_out; }

private:
    int code_;
    std::string sqlstate_;
    query_failure failure_;
};

/// The pool was closed: waiting callers are released with this, new acquires fail with it.
class pool_closed : public error {
public:
    pool_closed() : error("cistern: the pool is closed") {}
};

} // namespace cistern

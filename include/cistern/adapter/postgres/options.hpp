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
    /// libpq's connect_timeout (whole seconds, at least 2 per libpq). 0: wait forever.
    std::chrono::seconds connect_timeout{5};
    /// application_name reported in pg_stat_activity.
    std::string application_name = "cistern";
    /// Server-side `SET statement_timeout` on every connection. 0: the server's default.
    std::chrono::milliseconds statement_timeout{0};
    /// Client-side limit on one statement: past it the adapter sends a cancel request
    /// (PQcancel), waits for the server to stop, and throws query_error with SQLSTATE
    /// 57014. 0: no client-side limit.
    std::chrono::milliseconds query_timeout{0};
    /// Limit on ping()'s round trip.
    std::chrono::milliseconds ping_timeout{2000};
    /// Prepared statements kept per connection (LRU; an evicted one is DEALLOCATEd).
    /// Statements with parameters are prepared; 0 disables the cache.
    std::size_t statement_cache_size = 64;
    /// reset() also runs DISCARD ALL (drops temporary tables, session settings and
    /// prepared statements). Costs one round trip per returned lease.
    bool discard_all_on_reset = false;

    /// Throws config_error naming the field and its value when a field is out of range
    /// (e.g. a negative timeout). Called by the factory's and the connection's constructors.
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

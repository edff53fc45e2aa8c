#pragma once
/// \file
/// `cistern::http::dashboard_options`: where a dashboard listens and how it guards itself.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <cistern/error.hpp>

namespace cistern::http {

/// Configuration of a cistern::http::dashboard. An aggregate; bad values make the
/// dashboard's constructor throw config_error naming the field and the value.
struct dashboard_options {
    /// Address to listen on: loopback unless the operator widens it.
    std::string bind_address = "127.0.0.1";
    /// TCP port; 0: any free port (see dashboard::port()).
    std::uint16_t port = 0;
    /// Bearer token that POST /api/performance actions must present. Unset (or empty):
    /// every action is refused (403). Never logged or rendered.
    std::optional<std::string> action_token;
    /// Largest request body accepted (413 above it), 1 .. 1 MiB.
    std::size_t max_request_bytes = 16 * 1024;
    /// Requests per second over all routes (a token bucket of `request_burst`); 429 above.
    double requests_per_second = 50.0;
    std::size_t request_burst = 100; ///< requests the bucket lets through at once
    /// Actions per second (POST), a separate, smaller bucket of `action_burst`.
    double actions_per_second = 1.0;
    std::size_t action_burst = 5;    ///< actions the bucket lets through at once
    /// How often the watched pool's and cache's statistics are handed to the monitor
    /// (observe_pool / observe_cache); at least 10 ms.
    std::chrono::milliseconds sample_interval = std::chrono::seconds(1);
    /// Readiness probe: how long it waits for a connection of the watched pool.
    std::chrono::milliseconds probe_timeout = std::chrono::seconds(1);
    /// How often the live page refreshes from the JSON API, at least 1 s.
    std::chrono::milliseconds refresh_interval = std::chrono::seconds(5);
    /// Shown in the page's title.
    std::string title = "cistern";

    /// Throws config_error for the first invalid field (the token's value is never quoted).
    void validate() const {
        if (bind_address.empty()) throw config_error("dashboard_options::bind_address", "\"\"", "must not be empty");
        if (max_request_bytes == 0 || max_request_bytes > 1024 * 1024)
            throw config_error("dashboard_options::max_request_bytes", std::to_string(max_request_bytes),
                               "must be in [1, 1048576]");
        if (!(requests_per_second > 0.0))
            throw config_error("dashboard_options::requests_per_second", std::to_string(requests_per_second),
                               "must be positive");
        if (request_burst == 0) throw config_error("dashboard_options::request_burst", "0", "must be at least 1");
        if (!(actions_per_second > 0.0))
            throw config_error("dashboard_options::actions_per_second", std::to_string(actions_per_second),
                               "must be positive");
        if (action_burst == 0) throw config_error("dashboard_options::action_burst", "0", "must be at least 1");
        if (sample_interval < std::chrono::milliseconds(10))
            throw config_error("dashboard_options::sample_interval", std::to_string(sample_interval.count()) + "ms",
                               "must be at least 10ms");
        if (probe_timeout < std::chrono::milliseconds::zero())
            throw config_error("dashboard_options::probe_timeout", std::to_string(probe_timeout.count()) + "ms",
                               "must not be negative");
        if (refresh_interval < std::chrono::seconds(1))
            throw config_error("dashboard_options::refresh_interval", std::to_string(refresh_interval.count()) + "ms",
                               "must be at least 1000ms");
    }
};

} // namespace cistern::http

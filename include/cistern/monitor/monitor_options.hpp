#pragma once
/// \file
/// What a monitor records and when it alerts.

#include <chrono>
#include <cstddef>
#include <string>

#include <cistern/error.hpp>

namespace cistern {

/// Thresholds of the health rules (see health.hpp and docs/monitor.md).
struct health_options {
    std::chrono::nanoseconds acquire_wait_p99_warning = std::chrono::milliseconds(100); ///< p99 acquire wait above: degraded
    double error_rate_warning = 0.01;   ///< statement errors / calls above: degraded
    double error_rate_critical = 0.10;  ///< above: unhealthy
    double cache_hit_ratio_warning = 0.80; ///< below (with enough requests): degraded
    std::uint64_t min_calls = 100;      ///< rates are judged only after this many calls/requests
    std::size_t top_statements = 3;     ///< slow statements named in a recommendation
};

/// Options of a monitor. Aggregate; checked by validate(), which throws config_error
/// naming the field and value.
struct monitor_options {
    std::chrono::nanoseconds slow_warning = std::chrono::seconds(1);  ///< a statement this slow is logged as a warning
    std::chrono::nanoseconds slow_critical = std::chrono::seconds(5); ///< ... and as critical from here
    std::size_t window_size = 1000;          ///< statements kept in the rolling window
    std::size_t max_fingerprints = 200;      ///< distinct fingerprints tracked (then "(other)"); ~250 KiB each
    std::size_t max_statement_texts = 4096;  ///< distinct statement texts cached for the lock-free lookup
    std::size_t slow_log_capacity = 1000;    ///< slow statements waiting for the next push
    std::size_t leak_reports_kept = 10;      ///< most recent leak reports kept for health()
    std::chrono::milliseconds push_interval = std::chrono::seconds(10); ///< background push period; 0: no background pushes
    std::chrono::milliseconds sample_interval = std::chrono::seconds(1); ///< how often a watched pool is sampled
    double utilization_warning = 0.80;       ///< pool in_use / max_size at or above: warning ...
    double utilization_critical = 0.95;      ///< ... critical ...
    std::chrono::nanoseconds utilization_sustain = std::chrono::seconds(30); ///< ... once sustained this long (over >= 2 samples)
    std::string db_system_name = "other_sql"; ///< OpenTelemetry db.system.name: "sqlite", "postgresql", ...
    std::string pool_name = "default";       ///< db.client.connection.pool.name
    health_options health{};

    /// Throws config_error when an option is out of range.
    void validate() const {
        using std::to_string;
        if (slow_warning.count() <= 0)
            throw config_error("monitor_options::slow_warning", to_string(slow_warning.count()) + "ns", "must be positive");
        if (slow_critical < slow_warning)
            throw config_error("monitor_options::slow_critical", to_string(slow_critical.count()) + "ns",
                               "must be at least slow_warning");
        if (window_size == 0) throw config_error("monitor_options::window_size", "0", "must be at least 1");
        if (max_fingerprints == 0) throw config_error("monitor_options::max_fingerprints", "0", "must be at least 1");
        if (max_statement_texts == 0) throw config_error("monitor_options::max_statement_texts", "0", "must be at least 1");
        if (slow_log_capacity == 0) throw config_error("monitor_options::slow_log_capacity", "0", "must be at least 1");
        if (push_interval.count() < 0)
            throw config_error("monitor_options::push_interval", to_string(push_interval.count()) + "ms", "must not be negative");
        if (sample_interval.count() <= 0)
            throw config_error("monitor_options::sample_interval", to_string(sample_interval.count()) + "ms", "must be positive");
        if (!(utilization_warning > 0.0 && utilization_warning <= 1.0))
            throw config_error("monitor_options::utilization_warning", to_string(utilization_warning), "must be in (0, 1]");
        if (!(utilization_critical >= utilization_warning && utilization_critical <= 1.0))
            throw config_error("monitor_options::utilization_critical", to_string(utilization_critical),
                               "must be in [utilization_warning, 1]");
        if (utilization_sustain.count() < 0)
            throw config_error("monitor_options::utilization_sustain", to_string(utilization_sustain.count()) + "ns",
                               "must not be negative");
        if (db_system_name.empty()) throw config_error("monitor_options::db_system_name", "\"\"", "must not be empty");
        if (!(health.error_rate_warning >= 0.0 && health.error_rate_critical >= health.error_rate_warning))
            throw config_error("monitor_options::health.error_rate_critical", to_string(health.error_rate_critical),
                               "must be at least error_rate_warning");
    }
};

} // namespace cistern

#pragma once
/// \file
/// `cistern::monitor_options`: thresholds, capacities and the push interval of a monitor.

#include <chrono>
#include <cstddef>
#include <string>

#include <cistern/error.hpp>

namespace cistern {

/// Configuration of a cistern::monitor. An aggregate; bad values make the monitor's
/// constructor throw config_error naming the field and the value.
struct monitor_options {
    /// `db_system_name` of the exported metrics (OpenTelemetry db.system.name: "sqlite",
    /// "postgresql", ...). Empty (the default): the system `monitored<C>` connections
    /// name (monitor::observe_db_system()), or "other_sql" until one does.
    std::string db_system;
    /// Statements at least this slow are logged as warnings (default 1 s).
    std::chrono::nanoseconds slow_warning = std::chrono::seconds(1);
    /// Statements at least this slow are logged as critical (default 5 s; >= slow_warning).
    std::chrono::nanoseconds slow_critical = std::chrono::seconds(5);
    /// Statements kept in the rolling window (default 1000, >= 1).
    std::size_t window = 1000;
    /// Distinct fingerprints tracked; further shapes are counted under "(other)".
    std::size_t max_fingerprints = 200;
    /// Distinct statement texts remembered for the lock-free lookup.
    std::size_t max_texts = 4096;
    /// Slow statements waiting for the next flush (older ones are dropped and counted).
    std::size_t slow_log_capacity = 1000;
    /// Background push interval; zero: no background thread, push with flush().
    std::chrono::milliseconds push_interval{0};
    /// Push one last snapshot when the monitor is destroyed, unless nothing was recorded
    /// or observed since the last flush.
    bool flush_on_shutdown = true;
    /// Pool utilization (in_use / max_size) that raises a warning / critical alert when
    /// every sample stays at or above it for `utilization_period`.
    double utilization_warning = 0.80;
    /// Pool utilization that raises a critical alert (see utilization_warning).
    double utilization_critical = 0.95;
    /// How long every sample must stay at or above a threshold before an alert is raised.
    std::chrono::nanoseconds utilization_period = std::chrono::seconds(30);
    /// Health: p99 acquire wait at or above this is degraded.
    std::chrono::nanoseconds acquire_wait_warning = std::chrono::milliseconds(100);
    /// Health: error ratio over the rolling window (with at least `error_rate_min_statements`
    /// statements) at or above these is degraded / unhealthy.
    double error_rate_warning = 0.05;
    /// Health: the error ratio at or above which the status is unhealthy (see error_rate_warning).
    double error_rate_critical = 0.25;
    /// Health: the error-rate rules apply only once the window holds this many statements.
    std::size_t error_rate_min_statements = 20;
    /// Health: cache hit ratio below this (after `cache_min_requests`) is degraded.
    double cache_hit_ratio_warning = 0.80;
    /// Health: the hit-ratio rule applies only after this many cache requests.
    std::uint64_t cache_min_requests = 100;
    /// How many statements reports and health findings name.
    std::size_t top_statements = 5;
    /// Length of one history interval (default 10 s; zero: no history; not negative).
    std::chrono::milliseconds history_interval = std::chrono::seconds(10);
    /// Intervals kept (default 360: one hour of 10 s intervals), 1 .. 1 000 000. Memory is
    /// fixed at about 4.8 KiB per interval.
    std::size_t history_length = 360;
    /// Per-statement trend points kept (the newest intervals of the history; at most
    /// history_length are used; 0: none): a statement's sparkline. Memory: 16 bytes a
    /// point per statement (max_fingerprints + 1 statements at most), allocated when an
    /// interval closes, never on the recording path.
    std::size_t statement_trend_length = 60;
    /// Close each interval on a background thread at its end. False: intervals close
    /// only when tick_history() is called (tests, or an application with its own timer).
    bool history_ticker = true;

    /// Throws config_error for the first invalid field.
    void validate() const {
        using namespace std::chrono;
        auto ns = [](nanoseconds d) { return std::to_string(d.count()) + "ns"; };
        if (slow_warning <= nanoseconds::zero())
            throw config_error("monitor_options::slow_warning", ns(slow_warning), "must be positive");
        if (slow_critical < slow_warning)
            throw config_error("monitor_options::slow_critical", ns(slow_critical), "must be >= slow_warning");
        if (window == 0) throw config_error("monitor_options::window", "0", "must be at least 1");
        if (max_fingerprints == 0) throw config_error("monitor_options::max_fingerprints", "0", "must be at least 1");
        if (max_texts == 0) throw config_error("monitor_options::max_texts", "0", "must be at least 1");
        if (slow_log_capacity == 0) throw config_error("monitor_options::slow_log_capacity", "0", "must be at least 1");
        if (push_interval < milliseconds::zero())
            throw config_error("monitor_options::push_interval", std::to_string(push_interval.count()) + "ms",
                               "must not be negative");
        if (!(utilization_warning > 0.0 && utilization_warning <= 1.0))
            throw config_error("monitor_options::utilization_warning", std::to_string(utilization_warning),
                               "must be in (0, 1]");
        if (!(utilization_critical >= utilization_warning && utilization_critical <= 1.0))
            throw config_error("monitor_options::utilization_critical", std::to_string(utilization_critical),
                               "must be in [utilization_warning, 1]");
        if (utilization_period < nanoseconds::zero())
            throw config_error("monitor_options::utilization_period", ns(utilization_period), "must not be negative");
        if (!(error_rate_warning > 0.0 && error_rate_warning <= 1.0))
            throw config_error("monitor_options::error_rate_warning", std::to_string(error_rate_warning),
                               "must be in (0, 1]");
        if (!(error_rate_critical >= error_rate_warning && error_rate_critical <= 1.0))
            throw config_error("monitor_options::error_rate_critical", std::to_string(error_rate_critical),
                               "must be in [error_rate_warning, 1]");
        if (history_interval < milliseconds::zero())
            throw config_error("monitor_options::history_interval", std::to_string(history_interval.count()) + "ms",
                               "must not be negative (zero: no history)");
        if (history_interval > milliseconds::zero() && (history_length == 0 || history_length > 1'000'000))
            throw config_error("monitor_options::history_length", std::to_string(history_length),
                               "must be in [1, 1000000]");
        if (!(cache_hit_ratio_warning >= 0.0 && cache_hit_ratio_warning <= 1.0))
            throw config_error("monitor_options::cache_hit_ratio_warning", std::to_string(cache_hit_ratio_warning),
                               "must be in [0, 1]");
    }
};

} // namespace cistern

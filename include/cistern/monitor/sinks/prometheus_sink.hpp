#pragma once
/// \file
/// A sink that renders snapshots in the Prometheus text exposition format (0.0.4).

#include <chrono>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

#include <cistern/monitor/detail/text_format.hpp>
#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// Renders every snapshot as Prometheus text and keeps the latest (text(), for an HTTP
/// endpoint), optionally also writing it to a stream. Copies share the latest text, so
/// keep a copy before moving the sink into a monitor.
///
/// Names follow OpenTelemetry's database semantic conventions translated by
/// Prometheus' rules (dots to underscores, unit suffix, `_total` on counters):
///  - `db_client_operation_duration_seconds` histogram, labels `db_system_name` and
///    `db_query_text` (the fingerprint, never parameter values);
///  - `db_client_operation_errors_total`, `db_client_returned_rows_total`,
///    `cistern_slow_statements_total{level}`;
///  - pool metrics in the spirit of HikariCP's (label `db_client_connection_pool_name`):
///    `db_client_connections_usage{state="idle|used"}`, `db_client_connections_max`,
///    `db_client_connections_idle_min`, `db_client_connections_pending_requests`,
///    `db_client_connections_timeouts_total`, `db_client_connections_create_failures_total`,
///    `db_client_connections_leaks_total`, `db_client_connections_closed_total{reason}`,
///    `db_client_connections_utilization_ratio`, and the histograms
///    `db_client_connections_wait_time_seconds`, `db_client_connections_use_time_seconds`,
///    `db_client_connections_create_time_seconds`;
///  - cache: `cistern_cache_requests_total{result="hit|miss"}`, `cistern_cache_loads_total`,
///    `cistern_cache_evictions_total`;
///  - `cistern_monitor_health_status` (0 healthy, 1 degraded, 2 unhealthy),
///    `cistern_monitor_sink_failures_total`.
class prometheus_sink {
public:
    /// `pool_name`: value of the pool label. `os`: also write each rendering there (may be null).
    explicit prometheus_sink(std::string pool_name = "default", std::ostream* os = nullptr)
        : state_(std::make_shared<state>()), pool_name_(std::move(pool_name)), os_(os) {}

    /// MetricSink::publish: renders `s` in the Prometheus text format, writes it to the stream
    /// given at construction (if any) and keeps it for text(). May throw std::bad_alloc.
    void publish(const monitor_snapshot& s) {
        auto text = render(s, pool_name_);
        if (os_) {
            *os_ << text;
            os_->flush();
        }
        std::lock_guard lk(state_->mu);
        state_->text = std::move(text);
    }

    /// The latest rendering ("" before the first snapshot). Thread-safe.
    std::string text() const {
        std::lock_guard lk(state_->mu);
        return state_->text;
    }

    /// Renders one snapshot.
    static std::string render(const monitor_snapshot& s, std::string_view pool_name = "default") {
        std::string o;
        o.reserve(4096 + s.statements.size() * 2048);
        const std::string sys = "db_system_name=\"" + detail::prom_label_escape(s.db_system) + "\"";
        auto head = [&](std::string_view name, std::string_view type, std::string_view help) {
            o += "# HELP ";
            o += name;
            o += ' ';
            o += help;
            o += "\n# TYPE ";
            o += name;
            o += ' ';
            o += type;
            o += '\n';
        };
        auto sample = [&](std::string_view name, const std::string& labels, const std::string& value) {
            o += name;
            if (!labels.empty()) {
                o += '{';
                o += labels;
                o += '}';
            }
            o += ' ';
            o += value;
            o += '\n';
        };
        auto histogram_samples = [&](std::string_view name, const std::string& labels, const latency_summary& l) {
            const std::string bucket = std::string(name) + "_bucket";
            for (std::size_t i = 0; i < latency_bucket_bounds.size(); ++i)
                sample(bucket, labels + ",le=\"" + detail::format_number(latency_bucket_bounds[i]) + "\"",
                       std::to_string(l.buckets[i]));
            sample(bucket, labels + ",le=\"+Inf\"", std::to_string(l.count));
            sample(std::string(name) + "_sum", labels, detail::format_seconds(l.sum));
            sample(std::string(name) + "_count", labels, std::to_string(l.count));
        };
        auto num = [](auto v) { return std::to_string(v); };

        if (!s.statements.empty()) {
            auto labels = [&](const statement_summary& st) {
                return sys + ",db_query_text=\"" + detail::prom_label_escape(st.fingerprint) + "\"";
            };
            head("db_client_operation_duration_seconds", "histogram",
                 "Duration of database client operations, by statement fingerprint.");
            for (const auto& st : s.statements) histogram_samples("db_client_operation_duration_seconds", labels(st), st.latency);
            head("db_client_operation_errors_total", "counter", "Database client operations that failed.");
            for (const auto& st : s.statements) sample("db_client_operation_errors_total", labels(st), num(st.errors));
            head("db_client_returned_rows_total", "counter", "Rows returned or affected by database client operations.");
            for (const auto& st : s.statements) sample("db_client_returned_rows_total", labels(st), num(st.rows));
        }
        head("cistern_slow_statements_total", "counter", "Statements at or above the slow-query thresholds.");
        sample("cistern_slow_statements_total", sys + ",level=\"warning\"", num(s.slow_warnings));
        sample("cistern_slow_statements_total", sys + ",level=\"critical\"", num(s.slow_criticals));

        const auto& p = s.pool;
        if (p.observed || p.acquire_wait.count || p.usage.count || p.creation.count || p.connect_failures ||
            p.timeouts) {
            const std::string pl = "db_client_connection_pool_name=\"" + detail::prom_label_escape(pool_name) + "\"";
            head("db_client_connections_usage", "gauge", "Connections in each state (HikariCP: active, idle).");
            sample("db_client_connections_usage", pl + ",state=\"idle\"", num(p.stats.idle));
            sample("db_client_connections_usage", pl + ",state=\"used\"", num(p.stats.in_use));
            head("db_client_connections_max", "gauge", "Most connections the pool may open (max_size).");
            sample("db_client_connections_max", pl, num(p.stats.max_size));
            head("db_client_connections_idle_min", "gauge", "Idle connections the pool keeps (min_idle).");
            sample("db_client_connections_idle_min", pl, num(p.stats.min_idle));
            head("db_client_connections_pending_requests", "gauge", "Callers waiting for a connection.");
            sample("db_client_connections_pending_requests", pl, num(p.stats.waiting));
            head("db_client_connections_utilization_ratio", "gauge", "Connections in use over max_size.");
            sample("db_client_connections_utilization_ratio", pl, detail::format_number(p.stats.utilization()));
            head("db_client_connections_timeouts_total", "counter", "Acquires that timed out.");
            sample("db_client_connections_timeouts_total", pl, num(p.timeouts));
            head("db_client_connections_create_failures_total", "counter", "Connection attempts that failed.");
            sample("db_client_connections_create_failures_total", pl, num(p.connect_failures));
            head("db_client_connections_leaks_total", "counter", "Leases held beyond the leak detection threshold.");
            sample("db_client_connections_leaks_total", pl, num(p.leaks));
            head("db_client_connections_closed_total", "counter", "Connections closed, by reason.");
            for (std::size_t i = 0; i < close_reason_count; ++i)
                sample("db_client_connections_closed_total",
                       pl + ",reason=\"" + to_string(static_cast<close_reason>(i)) + "\"", num(p.closes[i]));
            head("db_client_connections_wait_time_seconds", "histogram", "Time to obtain a connection from the pool.");
            histogram_samples("db_client_connections_wait_time_seconds", pl, p.acquire_wait);
            head("db_client_connections_use_time_seconds", "histogram", "Time between borrowing and returning a connection.");
            histogram_samples("db_client_connections_use_time_seconds", pl, p.usage);
            head("db_client_connections_create_time_seconds", "histogram", "Time to create a connection.");
            histogram_samples("db_client_connections_create_time_seconds", pl, p.creation);
        }
        if (s.cache) {
            head("cistern_cache_requests_total", "counter", "Cache lookups, by result.");
            sample("cistern_cache_requests_total", "result=\"hit\"", num(s.cache->hits));
            sample("cistern_cache_requests_total", "result=\"miss\"", num(s.cache->misses));
            head("cistern_cache_loads_total", "counter", "Values loaded into the cache.");
            sample("cistern_cache_loads_total", "", num(s.cache->loads));
            head("cistern_cache_evictions_total", "counter", "Entries evicted from the cache.");
            sample("cistern_cache_evictions_total", "", num(s.cache->evictions));
        }
        head("cistern_monitor_health_status", "gauge", "Health: 0 healthy, 1 degraded, 2 unhealthy.");
        sample("cistern_monitor_health_status", "", num(static_cast<int>(s.health.status)));
        head("cistern_monitor_sink_failures_total", "counter", "Snapshot publishes that threw.");
        sample("cistern_monitor_sink_failures_total", "", num(s.sink_failures));
        return o;
    }

private:
    struct state {
        std::mutex mu;
        std::string text;
    };
    std::shared_ptr<state> state_;
    std::string pool_name_;
    std::ostream* os_;
};

} // namespace cistern

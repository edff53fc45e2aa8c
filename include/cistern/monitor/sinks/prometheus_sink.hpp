#pragma once
/// \file
/// A sink that renders snapshots in the Prometheus text exposition format (0.0.4).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <cistern/monitor/detail/text_format.hpp>
#include <cistern/monitor/sinks/prometheus_options.hpp>
#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// Renders every snapshot as Prometheus text and keeps the latest (text(), for an HTTP
/// endpoint), optionally also writing it to a stream. Copies share the latest text, so
/// keep a copy before moving the sink into a monitor.
///
/// Names follow OpenTelemetry's database client semantic conventions translated by
/// Prometheus' rules (dots to underscores, the unit as a suffix, `_total` on counters,
/// `{...}` annotation units dropped); what OpenTelemetry does not define is prefixed
/// `cistern_`. Each figure has one name. docs/monitor.md lists every metric with its type,
/// labels and meaning:
///  - `db_client_operation_duration_seconds` histogram, labels `db_system_name`,
///    `db_operation_name`, `db_collection_name` (a single table only),
///    `db_query_summary`, `db_query_text` (opt-in, capped: prometheus_options), and
///    `error_type="_OTHER"` on the series of failed executions (the monitor knows that a
///    statement failed, not why). A label whose value is unknown is left out.
///    Statements with the same labels share one series (figures added).
///  - `cistern_db_client_operation_rows_total` (same labels, no error_type),
///    `cistern_slow_statements_total{level}`, `cistern_slow_log_dropped_total`;
///  - pool, labelled `db_client_connection_pool_name`:
///    `db_client_connection_count{db_client_connection_state="idle|used"}`,
///    `db_client_connection_idle_max`, `db_client_connection_idle_min`,
///    `db_client_connection_max`, `db_client_connection_pending_requests`,
///    `db_client_connection_timeouts_total`, the histograms
///    `db_client_connection_create_time_seconds`, `db_client_connection_wait_time_seconds`,
///    `db_client_connection_use_time_seconds`, and `cistern_pool_connection_create_failures_total`,
///    `cistern_pool_connection_leaks_total`, `cistern_pool_connection_closed_total{reason}`,
///    `cistern_pool_connection_pending_creates`, `cistern_pool_utilization_ratio`,
///    `cistern_pool_utilization_level`;
///  - cache: `cistern_cache_requests_total{result="hit|miss"}`, `cistern_cache_loads_total`,
///    `cistern_cache_evictions_total`;
///  - `cistern_partition_default_rows{parent, partition}` once observe_default_partitions()
///    was called;
///  - `cistern_monitor_health_status` (0 healthy, 1 degraded, 2 unhealthy),
///    `cistern_monitor_sink_failures_total`.
class prometheus_sink {
public:
    /// `pool_name`: value of the pool label (non-empty). `os`: also write each rendering
    /// there (may be null). Throws config_error for an empty pool name.
    explicit prometheus_sink(std::string pool_name = "default", std::ostream* os = nullptr)
        : prometheus_sink(prometheus_options{.pool_name = std::move(pool_name)}, os) {}
    /// `options`: pool name and the opt-in statement-text label. Throws config_error for
    /// invalid options.
    explicit prometheus_sink(prometheus_options options, std::ostream* os = nullptr)
        : state_(std::make_shared<state>()), opts_((options.validate(), std::move(options))), os_(os) {}

    /// MetricSink::publish: renders `s` in the Prometheus text format, writes it to the stream
    /// given at construction (if any) and keeps it for text(). May throw std::bad_alloc.
    void publish(const monitor_snapshot& s) {
        auto text = render(s, opts_);
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

    /// The sink's options.
    const prometheus_options& options() const noexcept { return opts_; }

    /// Renders one snapshot with the default options and pool name `pool_name`.
    static std::string render(const monitor_snapshot& s, std::string_view pool_name = "default") {
        return render(s, prometheus_options{.pool_name = std::string(pool_name)});
    }

    /// Renders one snapshot (`o` is used as given, not validated).
    static std::string render(const monitor_snapshot& s, const prometheus_options& o) {
        std::string out;
        out.reserve(4096 + s.statements.size() * 2048);
        auto label = [](std::string& to, std::string_view name, std::string_view value) {
            if (value.empty()) return; // unknown: left out (Prometheus reads "" as absent)
            if (!to.empty()) to += ',';
            to += name;
            to += "=\"";
            to += detail::prom_label_escape(value);
            to += '"';
        };
        const std::string sys = [&] {
            std::string l;
            label(l, "db_system_name", s.db_system);
            return l;
        }();
        auto head = [&](std::string_view name, std::string_view type, std::string_view help) {
            out += "# HELP ";
            out += name;
            out += ' ';
            out += help;
            out += "\n# TYPE ";
            out += name;
            out += ' ';
            out += type;
            out += '\n';
        };
        auto sample = [&](std::string_view name, std::string_view labels, const std::string& value) {
            out += name;
            if (!labels.empty()) {
                out += '{';
                out += labels;
                out += '}';
            }
            out += ' ';
            out += value;
            out += '\n';
        };
        auto histogram_samples = [&](std::string_view name, const std::string& labels, const latency_summary& l) {
            const std::string bucket = std::string(name) + "_bucket";
            const std::string sep = labels.empty() ? "" : ",";
            for (std::size_t i = 0; i < latency_bucket_bounds.size(); ++i)
                sample(bucket, labels + sep + "le=\"" + detail::format_number(latency_bucket_bounds[i]) + "\"",
                       std::to_string(l.buckets[i]));
            sample(bucket, labels + sep + "le=\"+Inf\"", std::to_string(l.count));
            sample(std::string(name) + "_sum", labels, detail::format_seconds(l.sum));
            sample(std::string(name) + "_count", labels, std::to_string(l.count));
        };
        auto num = [](auto v) { return std::to_string(v); };

        if (!s.statements.empty()) {
            // One series per distinct label set: statements that share every label add up.
            struct series {
                std::string labels;
                latency_summary ok, failed;
                std::uint64_t rows = 0;
            };
            auto add = [](latency_summary& to, const latency_summary& x) {
                to.count += x.count;
                to.sum += x.sum;
                for (std::size_t i = 0; i < to.buckets.size(); ++i) to.buckets[i] += x.buckets[i];
            };
            std::vector<series> all;
            std::unordered_map<std::string, std::size_t> index;
            for (const auto& st : s.statements) {
                std::string l = sys;
                label(l, "db_operation_name", st.summary.operation);
                label(l, "db_collection_name", st.summary.collection);
                label(l, "db_query_summary", st.summary.summary);
                if (o.query_text) label(l, "db_query_text", st.id < o.max_query_texts ? std::string_view(st.fingerprint) : "(other)");
                auto [it, fresh] = index.try_emplace(l, all.size());
                if (fresh) all.push_back({std::move(l), {}, {}, 0});
                series& x = all[it->second];
                add(x.ok, latency_summary::minus(st.latency, st.failed));
                add(x.failed, st.failed);
                x.rows += st.rows;
            }
            head("db_client_operation_duration_seconds", "histogram",
                 "Duration of database client operations (failed ones carry error_type).");
            for (const auto& x : all) {
                if (x.ok.count) histogram_samples("db_client_operation_duration_seconds", x.labels, x.ok);
                if (x.failed.count)
                    histogram_samples("db_client_operation_duration_seconds",
                                      x.labels + (x.labels.empty() ? "" : ",") + "error_type=\"_OTHER\"", x.failed);
            }
            head("cistern_db_client_operation_rows_total", "counter",
                 "Rows returned or affected by database client operations.");
            for (const auto& x : all) sample("cistern_db_client_operation_rows_total", x.labels, num(x.rows));
        }
        const std::string sep = sys.empty() ? "" : ",";
        head("cistern_slow_statements_total", "counter", "Statements at or above the slow-query thresholds.");
        sample("cistern_slow_statements_total", sys + sep + "level=\"warning\"", num(s.slow_warnings));
        sample("cistern_slow_statements_total", sys + sep + "level=\"critical\"", num(s.slow_criticals));
        head("cistern_slow_log_dropped_total", "counter", "Slow statements dropped because the slow log was full.");
        sample("cistern_slow_log_dropped_total", sys, num(s.slow_dropped));

        const auto& p = s.pool;
        if (p.observed || p.acquire_wait.count || p.usage.count || p.creation.count || p.connect_failures ||
            p.timeouts) {
            std::string pl;
            label(pl, "db_client_connection_pool_name", o.pool_name);
            const std::string ps = pl.empty() ? "" : ",";
            head("db_client_connection_count", "gauge", "Connections in each state.");
            sample("db_client_connection_count", pl + ps + "db_client_connection_state=\"idle\"", num(p.stats.idle));
            sample("db_client_connection_count", pl + ps + "db_client_connection_state=\"used\"", num(p.stats.in_use));
            head("db_client_connection_idle_max", "gauge",
                 "Most idle connections allowed (the pool keeps up to max_size idle).");
            sample("db_client_connection_idle_max", pl, num(p.stats.max_size));
            head("db_client_connection_idle_min", "gauge", "Fewest idle connections the pool keeps (min_idle).");
            sample("db_client_connection_idle_min", pl, num(p.stats.min_idle));
            head("db_client_connection_max", "gauge", "Most connections the pool may open (max_size).");
            sample("db_client_connection_max", pl, num(p.stats.max_size));
            head("db_client_connection_pending_requests", "gauge", "Callers waiting for a connection.");
            sample("db_client_connection_pending_requests", pl, num(p.stats.waiting));
            head("db_client_connection_timeouts_total", "counter", "Acquires that timed out.");
            sample("db_client_connection_timeouts_total", pl, num(p.timeouts));
            head("db_client_connection_create_time_seconds", "histogram", "Time to create a connection.");
            histogram_samples("db_client_connection_create_time_seconds", pl, p.creation);
            head("db_client_connection_wait_time_seconds", "histogram", "Time to obtain a connection from the pool.");
            histogram_samples("db_client_connection_wait_time_seconds", pl, p.acquire_wait);
            head("db_client_connection_use_time_seconds", "histogram",
                 "Time between borrowing a connection and returning it to the pool.");
            histogram_samples("db_client_connection_use_time_seconds", pl, p.usage);
            head("cistern_pool_connection_create_failures_total", "counter", "Connection attempts that failed.");
            sample("cistern_pool_connection_create_failures_total", pl, num(p.connect_failures));
            head("cistern_pool_connection_leaks_total", "counter", "Leases held beyond the leak detection threshold.");
            sample("cistern_pool_connection_leaks_total", pl, num(p.leaks));
            head("cistern_pool_connection_closed_total", "counter", "Connections closed, by reason.");
            for (std::size_t i = 0; i < close_reason_count; ++i)
                sample("cistern_pool_connection_closed_total",
                       pl + ps + "reason=\"" + to_string(static_cast<close_reason>(i)) + "\"", num(p.closes[i]));
            head("cistern_pool_connection_pending_creates", "gauge", "Connection attempts in flight.");
            sample("cistern_pool_connection_pending_creates", pl, num(p.stats.pending));
            head("cistern_pool_utilization_ratio", "gauge", "Connections in use over max_size.");
            sample("cistern_pool_utilization_ratio", pl, detail::format_number(p.stats.utilization()));
            head("cistern_pool_utilization_level", "gauge", "Sustained utilization: 0 normal, 1 warning, 2 critical.");
            sample("cistern_pool_utilization_level", pl, num(static_cast<int>(p.level)));
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
        if (s.default_partitions) {
            head("cistern_partition_default_rows", "gauge", "Rows in a partitioned table's default partition.");
            for (const auto& d : *s.default_partitions) {
                std::string l;
                label(l, "parent", d.parent);
                label(l, "partition", d.partition);
                sample("cistern_partition_default_rows", l, num(d.rows));
            }
        }
        head("cistern_monitor_health_status", "gauge", "Health: 0 healthy, 1 degraded, 2 unhealthy.");
        sample("cistern_monitor_health_status", "", num(static_cast<int>(s.health.status)));
        head("cistern_monitor_sink_failures_total", "counter", "Snapshot publishes that threw.");
        sample("cistern_monitor_sink_failures_total", "", num(s.sink_failures));
        return out;
    }

private:
    struct state {
        std::mutex mu;
        std::string text;
    };
    std::shared_ptr<state> state_;
    prometheus_options opts_;
    std::ostream* os_;
};

} // namespace cistern

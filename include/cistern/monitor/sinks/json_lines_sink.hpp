#pragma once
/// \file
/// A sink that writes one JSON object per snapshot, one per line.

#include <chrono>
#include <ostream>
#include <string>

#include <cistern/monitor/detail/text_format.hpp>
#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// Writes each snapshot as one line of JSON (durations in nanoseconds, `ts` in Unix
/// milliseconds). Statement texts are fingerprints: parameter values never appear.
class json_lines_sink {
public:
    /// Writes to `os`, which must outlive the sink.
    explicit json_lines_sink(std::ostream& os) : os_(&os) {}

    /// MetricSink::publish: writes to_json(s) and a newline, then flushes the stream. Throws
    /// what the stream throws (if its exceptions are enabled) or std::bad_alloc.
    void publish(const monitor_snapshot& s) {
        *os_ << to_json(s) << '\n';
        os_->flush();
    }

    /// One snapshot as a JSON object (no trailing newline).
    static std::string to_json(const monitor_snapshot& s) {
        using detail::json_quote;
        using std::to_string;
        auto ns = [](std::chrono::nanoseconds d) { return to_string(d.count()); };
        auto lat = [&](const latency_summary& l) {
            return "{\"count\":" + to_string(l.count) + ",\"sum_ns\":" + ns(l.sum) + ",\"p50_ns\":" + ns(l.p50) +
                   ",\"p90_ns\":" + ns(l.p90) + ",\"p99_ns\":" + ns(l.p99) + ",\"p999_ns\":" + ns(l.p999) +
                   ",\"max_ns\":" + ns(l.max) + "}";
        };
        std::string j = "{\"ts\":" +
                        to_string(std::chrono::duration_cast<std::chrono::milliseconds>(s.taken.time_since_epoch()).count()) +
                        ",\"db_system\":" + json_quote(s.db_system) + ",\"calls\":" + to_string(s.calls) +
                        ",\"errors\":" + to_string(s.errors);
        j += ",\"window\":{\"statements\":" + to_string(s.window.statements) + ",\"errors\":" +
             to_string(s.window.errors) + ",\"mean_ns\":" + ns(s.window.mean) + ",\"max_ns\":" + ns(s.window.max) + "}";
        j += ",\"statements\":[";
        for (std::size_t i = 0; i < s.statements.size(); ++i) {
            const auto& st = s.statements[i];
            if (i) j += ',';
            j += "{\"fingerprint\":" + json_quote(st.fingerprint) + ",\"parameters\":" + to_string(st.parameters) +
                 ",\"calls\":" + to_string(st.calls) + ",\"errors\":" + to_string(st.errors) + ",\"rows\":" +
                 to_string(st.rows) + ",\"slow\":" + to_string(st.slow) + ",\"total_ns\":" + ns(st.total) +
                 ",\"latency\":" + lat(st.latency) + "}";
        }
        j += "],\"slow\":[";
        for (std::size_t i = 0; i < s.slow.size(); ++i) {
            const auto& q = s.slow[i];
            if (i) j += ',';
            j += "{\"fingerprint\":" + json_quote(q.fingerprint) + ",\"parameters\":" + to_string(q.parameters) +
                 ",\"duration_ns\":" + ns(q.duration) + ",\"level\":" + json_quote(to_string(q.level)) +
                 ",\"ok\":" + (q.ok ? "true" : "false") + "}";
        }
        j += "],\"slow_warnings\":" + to_string(s.slow_warnings) + ",\"slow_criticals\":" +
             to_string(s.slow_criticals) + ",\"slow_dropped\":" + to_string(s.slow_dropped);
        const auto& p = s.pool;
        j += ",\"pool\":{\"observed\":" + std::string(p.observed ? "true" : "false") + ",\"size\":" +
             to_string(p.stats.size) + ",\"idle\":" + to_string(p.stats.idle) + ",\"in_use\":" +
             to_string(p.stats.in_use) + ",\"waiting\":" + to_string(p.stats.waiting) + ",\"max_size\":" +
             to_string(p.stats.max_size) + ",\"min_idle\":" + to_string(p.stats.min_idle) + ",\"utilization\":" +
             detail::format_number(p.stats.utilization()) + ",\"level\":" + json_quote(to_string(p.level)) +
             ",\"timeouts\":" + to_string(p.timeouts) + ",\"connect_failures\":" + to_string(p.connect_failures) +
             ",\"leaks\":" + to_string(p.leaks) + ",\"closes\":{";
        for (std::size_t i = 0; i < close_reason_count; ++i) {
            if (i) j += ',';
            j += json_quote(to_string(static_cast<close_reason>(i))) + ":" + to_string(p.closes[i]);
        }
        j += "},\"acquire_wait\":" + lat(p.acquire_wait) + ",\"usage\":" + lat(p.usage) + ",\"creation\":" +
             lat(p.creation) + "}";
        j += ",\"pool_alerts\":[";
        for (std::size_t i = 0; i < s.pool_alerts.size(); ++i) {
            const auto& a = s.pool_alerts[i];
            if (i) j += ',';
            j += "{\"level\":" + json_quote(to_string(a.level)) + ",\"utilization\":" +
                 detail::format_number(a.utilization) + ",\"threshold\":" + detail::format_number(a.threshold) +
                 ",\"sustained_ns\":" + ns(a.sustained) + "}";
        }
        j += "]";
        if (s.cache)
            j += ",\"cache\":{\"hits\":" + to_string(s.cache->hits) + ",\"misses\":" + to_string(s.cache->misses) +
                 ",\"loads\":" + to_string(s.cache->loads) + ",\"evictions\":" + to_string(s.cache->evictions) +
                 ",\"hit_ratio\":" + detail::format_number(s.cache->hit_ratio()) + "}";
        j += ",\"health\":{\"status\":" + json_quote(to_string(s.health.status)) + ",\"findings\":[";
        for (std::size_t i = 0; i < s.health.findings.size(); ++i) {
            const auto& f = s.health.findings[i];
            if (i) j += ',';
            j += "{\"severity\":" + json_quote(to_string(f.severity)) + ",\"rule\":" + json_quote(f.rule) +
                 ",\"reason\":" + json_quote(f.reason) + ",\"recommendation\":" + json_quote(f.recommendation) + "}";
        }
        j += "]},\"sink_failures\":" + to_string(s.sink_failures) + "}";
        return j;
    }

private:
    std::ostream* os_;
};

} // namespace cistern

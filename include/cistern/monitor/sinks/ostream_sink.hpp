#pragma once
/// \file
/// A sink that writes a readable report to a std::ostream.

#include <cstdio>
#include <ostream>
#include <string>

#include <cistern/monitor/detail/health_rules.hpp>
#include <cistern/monitor/detail/text_format.hpp>
#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// Writes, per snapshot: the top statements by total time with p50/p99, the slow
/// statements new since the last report, the pool and cache summary, and health with
/// recommendations. The stream must outlive the sink; the monitor never writes to it
/// from two threads at once, but other writers to the same stream are the caller's concern.
class ostream_sink {
public:
    /// `top`: statements listed.
    explicit ostream_sink(std::ostream& os, std::size_t top = 10) : os_(&os), top_(top) {}

    /// MetricSink::publish: writes the report for `s` and flushes the stream. Throws what the
    /// stream throws (if its exceptions are enabled) or std::bad_alloc.
    void publish(const monitor_snapshot& s) {
        write(*os_, s, top_);
        os_->flush();
    }

    /// The report of one snapshot.
    static void write(std::ostream& os, const monitor_snapshot& s, std::size_t top = 10) {
        using detail::format_duration;
        os << "== cistern monitor " << detail::format_utc(s.taken) << " (" << s.db_system << ") ==\n";
        os << "statements: " << s.calls << " calls, " << s.errors << " errors; last " << s.window.statements
           << ": mean " << format_duration(s.window.mean) << ", max " << format_duration(s.window.max) << ", "
           << s.window.errors << " errors\n";
        if (!s.statements.empty()) {
            os << "top statements by total time:\n";
            char line[160];
            std::snprintf(line, sizeof line, "  %10s %9s %7s %10s %10s  %s\n", "total", "calls", "errors", "p50",
                          "p99", "statement");
            os << line;
            std::size_t n = 0;
            for (const auto& st : s.statements) {
                if (n++ == top) break;
                std::snprintf(line, sizeof line, "  %10s %9llu %7llu %10s %10s  ", format_duration(st.total).c_str(),
                              static_cast<unsigned long long>(st.calls), static_cast<unsigned long long>(st.errors),
                              format_duration(st.latency.p50).c_str(), format_duration(st.latency.p99).c_str());
                os << line << st.fingerprint << '\n';
            }
        }
        os << "slow statements: " << s.slow_warnings << " warning, " << s.slow_criticals << " critical";
        if (s.slow_dropped) os << ", " << s.slow_dropped << " not logged (log full)";
        os << '\n';
        for (const auto& q : s.slow)
            os << "  [" << to_string(q.level) << "] " << format_duration(q.duration) << (q.ok ? "" : " (failed)")
               << "  " << q.fingerprint << "  (" << q.parameters << " parameter" << (q.parameters == 1 ? "" : "s")
               << ")\n";
        const auto& p = s.pool;
        if (p.observed || p.acquire_wait.count || p.creation.count || p.connect_failures || p.timeouts) {
            os << "pool: " << p.stats.in_use << "/" << p.stats.max_size << " in use, " << p.stats.idle << " idle, "
               << p.stats.waiting << " waiting; utilization " << detail::format_percent(p.stats.utilization())
               << " (" << to_string(p.level) << "); timeouts " << p.timeouts << ", connect failures "
               << p.connect_failures << ", leaks " << p.leaks << '\n';
            os << "  acquire wait p50 " << format_duration(p.acquire_wait.p50) << " p99 "
               << format_duration(p.acquire_wait.p99) << "; usage p50 " << format_duration(p.usage.p50) << " p99 "
               << format_duration(p.usage.p99) << "; creation p50 " << format_duration(p.creation.p50) << " p99 "
               << format_duration(p.creation.p99) << '\n';
            for (const auto& a : s.pool_alerts)
                os << "  ALERT [" << to_string(a.level) << "] utilization " << detail::format_percent(a.utilization)
                   << " at or above " << detail::format_percent(a.threshold) << " for "
                   << format_duration(a.sustained) << '\n';
            for (const auto& l : p.leak_reports) os << "  " << l << '\n';
        }
        if (s.cache)
            os << "cache: hit ratio " << detail::format_percent(s.cache->hit_ratio()) << " (" << s.cache->hits
               << " hits, " << s.cache->misses << " misses), " << s.cache->loads << " loads, " << s.cache->evictions
               << " evictions\n";
        os << "health: " << to_string(s.health.status) << '\n';
        for (const auto& f : s.health.findings)
            os << "  [" << to_string(f.severity) << "] " << f.rule << ": " << f.reason << "\n    -> "
               << f.recommendation << '\n';
        if (s.sink_failures) os << "sink failures: " << s.sink_failures << '\n';
    }

private:
    std::ostream* os_;
    std::size_t top_;
};

} // namespace cistern

#pragma once
/// \file
/// The rules behind monitor::health(), over a snapshot.

#include <chrono>
#include <cstdio>
#include <string>

#include <cistern/error.hpp>
#include <cistern/monitor/health.hpp>
#include <cistern/monitor/options.hpp>
#include <cistern/monitor/snapshot.hpp>

namespace cistern::detail {

/// "12.3 ms", "1.50 s", "850 us".
inline std::string format_duration(std::chrono::nanoseconds d) {
    char buf[48];
    const double ns = static_cast<double>(d.count());
    if (ns >= 1e9) std::snprintf(buf, sizeof buf, "%.2f s", ns / 1e9);
    else if (ns >= 1e6) std::snprintf(buf, sizeof buf, "%.1f ms", ns / 1e6);
    else if (ns >= 1e3) std::snprintf(buf, sizeof buf, "%.0f us", ns / 1e3);
    else std::snprintf(buf, sizeof buf, "%lld ns", static_cast<long long>(d.count()));
    return buf;
}

inline std::string format_percent(double ratio) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %%", ratio * 100.0);
    return buf;
}

/// Evaluates every rule over `s` (whose health field is ignored).
inline health_report evaluate_health(const monitor_snapshot& s, const monitor_options& o) {
    health_report r;
    const auto& p = s.pool;

    // pool saturation
    if (p.level != utilization_level::normal) {
        const bool crit = p.level == utilization_level::critical;
        std::string rec = "raise pool_options::max_size (now " + std::to_string(p.stats.max_size) +
                          "), or find connections held too long";
        if (!p.leak_reports.empty()) {
            rec += "; " + std::to_string(p.leaks) + " lease(s) reported as leaked, last: acquired at " +
                   p.leak_reports.back().acquired_at.file_name() + ":" +
                   std::to_string(p.leak_reports.back().acquired_at.line()) + " in " +
                   p.leak_reports.back().acquired_at.function_name();
        } else {
            rec += " (enable pool_options::leak_detection_threshold to find leaks)";
        }
        r.add({crit ? health_status::unhealthy : health_status::degraded, "pool_saturation",
               "pool utilization " + format_percent(p.stats.utilization()) + " (" + std::to_string(p.stats.in_use) +
                   " of " + std::to_string(p.stats.max_size) + " in use) sustained at or above " +
                   format_percent(crit ? o.utilization_critical : o.utilization_warning),
               std::move(rec)});
    } else if (p.leaks > 0 && !p.leak_reports.empty()) {
        const auto& l = p.leak_reports.back();
        r.add({health_status::degraded, "pool_saturation",
               std::to_string(p.leaks) + " lease(s) held beyond the leak detection threshold",
               std::string("return the connection acquired at ") + l.acquired_at.file_name() + ":" +
                   std::to_string(l.acquired_at.line()) + " in " + l.acquired_at.function_name()});
    }

    // waits and timeouts
    if (p.timeouts > 0) {
        // By cause, from the last pool_stats sample: only an exhausted pool is helped by a
        // larger max_size; an unresponsive, unreachable, full or rejecting server is not.
        std::string causes;
        std::uint64_t worst = 0;
        timeout_reason dominant = timeout_reason::exhausted;
        for (std::size_t i = 0; i < timeout_reason_count; ++i) {
            const auto n = p.stats.timed_out_by_reason[i];
            if (n == 0) continue;
            const auto why = static_cast<timeout_reason>(i);
            causes += (causes.empty() ? "" : ", ") + std::string(to_string(why)) + " " + std::to_string(n);
            if (n > worst) {
                worst = n;
                dominant = why;
            }
        }
        std::string advice;
        switch (dominant) {
        case timeout_reason::exhausted:
        case timeout_reason::too_many_waiters:
            advice = "raise pool_options::max_size (now " + std::to_string(p.stats.max_size) +
                     ") or shorten the time connections are held (usage p99 " + format_duration(p.usage.p99) + ")";
            break;
        case timeout_reason::unresponsive:
            advice = "the database accepts connections but does not answer in time (hung server, full disk, "
                     "network partition): check the server and the network path";
            break;
        case timeout_reason::unreachable:
        case timeout_reason::circuit_open:
            advice = "the database cannot be reached: check that it runs and that its address is right";
            break;
        case timeout_reason::server_full:
            advice = "the database has no connection slots left: raise its max_connections or lower the "
                     "max_size of the pools using it";
            break;
        case timeout_reason::rejected:
            advice = "the database rejects the connection: check the credentials and the database name";
            break;
        }
        r.add({health_status::degraded, "pool_wait",
               std::to_string(p.timeouts) + " acquire(s) timed out" + (causes.empty() ? "" : " (" + causes + ")") +
                   "; acquire wait p99 " + format_duration(p.acquire_wait.p99) + ", usage p99 " +
                   format_duration(p.usage.p99),
               advice});
    } else if (p.acquire_wait.count > 0 && p.acquire_wait.p99 >= o.acquire_wait_warning) {
        r.add({health_status::degraded, "pool_wait",
               "acquire wait p99 " + format_duration(p.acquire_wait.p99) + " (threshold " +
                   format_duration(o.acquire_wait_warning) + ")",
               "raise pool_options::max_size (now " + std::to_string(p.stats.max_size) +
                   ") or hold connections for less time (usage p99 " + format_duration(p.usage.p99) + ")"});
    }

    // connection failures
    if (p.connect_failures > 0) {
        const bool none_ok = p.creation.count == 0;
        r.add({none_ok ? health_status::unhealthy : health_status::degraded, "connect_failures",
               std::to_string(p.connect_failures) + " connection attempt(s) failed" +
                   (none_ok ? " and none succeeded" : "") +
                   (p.last_connect_error.empty() ? std::string() : "; last: " + p.last_connect_error),
               "check that the database is reachable and the credentials, database name and "
               "max_connections allow this pool's max_size"});
    }

    // slow statements
    if (s.slow_warnings + s.slow_criticals > 0) {
        std::string names;
        std::size_t named = 0;
        for (const auto& st : s.statements) {  // already by total time, largest first
            if (st.slow == 0) continue;
            if (named == o.top_statements) break;
            if (named++) names += "; ";
            names += "'" + st.fingerprint + "' (" + std::to_string(st.slow) + " slow, total " +
                     format_duration(st.total) + ", p99 " + format_duration(st.latency.p99) + ")";
        }
        r.add({health_status::degraded, "slow_statements",
               std::to_string(s.slow_warnings) + " slow statement(s) at or above " +
                   format_duration(o.slow_warning) + ", " + std::to_string(s.slow_criticals) +
                   " at or above " + format_duration(o.slow_critical) + "; top by total time: " + names,
               "look at the plans of these statements (EXPLAIN), add the missing indexes or cache their results"});
    }

    // cache hit ratio
    if (s.cache && s.cache->requests() >= o.cache_min_requests &&
        s.cache->hit_ratio() < o.cache_hit_ratio_warning) {
        r.add({health_status::degraded, "cache_hit_ratio",
               "cache hit ratio " + format_percent(s.cache->hit_ratio()) + " over " +
                   std::to_string(s.cache->requests()) + " requests (" + std::to_string(s.cache->evictions) +
                   " evictions)",
               s.cache->evictions > 0
                   ? "raise the cache's capacity: entries are evicted before they are read again"
                   : "cache statements that repeat, or lengthen their time to live"});
    }

    // rows in default partitions (from a database inspection)
    if (s.default_partitions) {
        std::int64_t total = 0;
        std::string worst;
        std::int64_t most = 0;
        for (const auto& d : *s.default_partitions) {
            total += std::max<std::int64_t>(d.rows, 0);
            if (d.rows > most) {
                most = d.rows;
                worst = d.partition + " of " + d.parent;
            }
        }
        if (total > 0)
            r.add({health_status::degraded, "default_partition_rows",
                   std::to_string(total) + " row(s) in default partitions; most in " + worst + " (" + std::to_string(most) + ")",
                   "move them into the partitions their range belongs to (docs/partitioning.md), then create "
                   "partitions ahead of time so new rows do not land in the default partition"});
    }

    // error rate over the rolling window
    if (s.window.statements >= o.error_rate_min_statements && s.window.statements > 0) {
        const double rate = static_cast<double>(s.window.errors) / static_cast<double>(s.window.statements);
        if (rate >= o.error_rate_warning) {
            std::string worst;
            std::uint64_t most = 0;
            for (const auto& st : s.statements)
                if (st.errors > most) { most = st.errors; worst = st.fingerprint; }
            r.add({rate >= o.error_rate_critical ? health_status::unhealthy : health_status::degraded, "error_rate",
                   format_percent(rate) + " of the last " + std::to_string(s.window.statements) +
                       " statements failed",
                   worst.empty() ? std::string("check the application log for the failing statements")
                                 : "check the statement with the most errors: '" + worst + "' (" +
                                       std::to_string(most) + " errors)"});
        }
    }
    return r;
}

} // namespace cistern::detail

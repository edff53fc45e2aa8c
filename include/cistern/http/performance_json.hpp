#pragma once
/// \file
/// `cistern::http::performance_json`: a monitor snapshot and its history as the JSON
/// document of `GET /api/performance` (schema in docs/dashboard.md).

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <cistern/monitor/monitor_history.hpp>
#include <cistern/monitor/snapshot.hpp>
#include <cistern/version.hpp>

namespace cistern::http {

/// Milliseconds as a JSON number.
inline double to_ms(std::chrono::nanoseconds d) noexcept { return static_cast<double>(d.count()) / 1e6; }

/// UTC, ISO 8601 with milliseconds: "2026-12-01T21:55:02.123Z".
inline std::string iso8601(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

/// One latency summary: {"count", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms"}.
inline nlohmann::json latency_json(const latency_summary& l) {
    return {{"count", l.count}, {"mean_ms", to_ms(l.mean)}, {"p50_ms", to_ms(l.p50)}, {"p90_ms", to_ms(l.p90)}, {"p95_ms", to_ms(l.p95)},
            {"p99_ms", to_ms(l.p99)}, {"p999_ms", to_ms(l.p999)}, {"max_ms", to_ms(l.max)}};
}

/// One history interval (or a window's merge), see history_interval.
inline nlohmann::json interval_json(const history_interval& i) {
    nlohmann::json j{{"begin", iso8601(i.begin)},
                     {"length_s", std::chrono::duration<double>(i.length).count()},
                     {"calls", i.calls},
                     {"errors", i.errors},
                     {"rows", i.rows},
                     {"slow", i.slow},
                     {"throughput_per_s", i.throughput()},
                     {"error_ratio", i.error_ratio()},
                     {"total_ms", to_ms(i.total)},
                     {"p50_ms", to_ms(i.p50)},
                     {"p95_ms", to_ms(i.p95)},
                     {"p99_ms", to_ms(i.p99)},
                     {"max_ms", to_ms(i.max)}};
    if (i.pool_observed)
        j["pool"] = {{"size", i.pool_size},         {"in_use", i.pool_in_use},
                     {"in_use_peak", i.pool_in_use_peak}, {"idle", i.pool_idle},
                     {"waiting", i.pool_waiting},   {"pending", i.pool_pending},
                     {"max_size", i.pool_max_size}, {"utilization", i.pool_utilization()},
                     {"peak_utilization", i.pool_peak_utilization()},
                     {"acquired", i.pool_acquired}, {"waited", i.pool_waited},
                     {"mean_wait_ms", to_ms(i.pool_mean_wait())}, {"timeouts", i.pool_timeouts},
                     {"connect_failures", i.pool_connect_failures}};
    else
        j["pool"] = nullptr;
    if (i.cache_observed)
        j["cache"] = {{"hits", i.cache_hits},
                      {"misses", i.cache_misses},
                      {"loads", i.cache_loads},
                      {"evictions", i.cache_evictions},
                      {"hit_ratio", i.cache_hit_ratio()}};
    else
        j["cache"] = nullptr;
    return j;
}

/// A health report: {"status", "findings": [{"rule", "severity", "reason", "recommendation"}]}.
inline nlohmann::json health_json(const health_report& h) {
    nlohmann::json f = nlohmann::json::array();
    for (const auto& x : h.findings)
        f.push_back({{"rule", x.rule}, {"severity", to_string(x.severity)}, {"reason", x.reason},
                     {"recommendation", x.recommendation}});
    return {{"status", to_string(h.status)}, {"findings", std::move(f)}};
}

/// The whole document: schema_version 1, see docs/dashboard.md. `health` is the report
/// to show (the snapshot's, possibly with a readiness probe's finding added).
inline nlohmann::json performance_json(const monitor_snapshot& s, const monitor_history& h, const health_report& health) {
    nlohmann::json j;
    j["schema_version"] = 1;
    j["cistern_version"] = CISTERN_VERSION;
    j["generated_at"] = iso8601(s.taken);
    j["db_system"] = s.db_system;
    j["health"] = health_json(health);
    j["totals"] = {{"statements", s.statements.size()}, {"calls", s.calls},
                   {"errors", s.errors},               {"slow_warnings", s.slow_warnings},
                   {"slow_criticals", s.slow_criticals}, {"slow_dropped", s.slow_dropped}};
    auto& st = j["statements"] = nlohmann::json::array();
    for (const auto& x : s.statements)
        st.push_back({{"id", x.id}, {"fingerprint", x.fingerprint}, {"parameters", x.parameters}, {"calls", x.calls},
                      {"errors", x.errors}, {"rows", x.rows}, {"slow", x.slow}, {"total_ms", to_ms(x.total)},
                      {"latency", latency_json(x.latency)}});
    auto& slow = j["slow"] = nlohmann::json::array();
    for (const auto& q : s.recent_slow)
        slow.push_back({{"fingerprint", q.fingerprint}, {"parameters", q.parameters}, {"duration_ms", to_ms(q.duration)},
                        {"level", to_string(q.level)}, {"ok", q.ok}, {"finished", iso8601(q.finished)}});
    const auto& p = s.pool;
    nlohmann::json pool{{"observed", p.observed},
                        {"size", p.stats.size},
                        {"in_use", p.stats.in_use},
                        {"idle", p.stats.idle},
                        {"waiting", p.stats.waiting},
                        {"pending", p.stats.pending},
                        {"max_size", p.stats.max_size},
                        {"min_idle", p.stats.min_idle},
                        {"utilization", p.stats.utilization()},
                        {"level", to_string(p.level)},
                        {"acquired", p.stats.acquired},
                        {"timeouts", std::max<std::uint64_t>(p.timeouts, p.stats.timed_out)},
                        {"connect_failures", std::max<std::uint64_t>(p.connect_failures, p.stats.connect_failures)},
                        {"leaks", p.leaks},
                        {"acquire_wait", latency_json(p.acquire_wait)},
                        {"usage", latency_json(p.usage)},
                        {"last_connect_error", p.last_connect_error}};
    j["pool"] = std::move(pool);
    if (s.cache)
        j["cache"] = {{"hits", s.cache->hits},
                      {"misses", s.cache->misses},
                      {"loads", s.cache->loads},
                      {"evictions", s.cache->evictions},
                      {"hit_ratio", s.cache->hit_ratio()}};
    else
        j["cache"] = nullptr;
    if (s.default_partitions) {
        auto& dp = j["default_partitions"] = nlohmann::json::array();
        for (const auto& p : *s.default_partitions)
            dp.push_back({{"parent", p.parent}, {"partition", p.partition}, {"rows", p.rows}});
    } else {
        j["default_partitions"] = nullptr;
    }
    nlohmann::json hist{{"interval_s", std::chrono::duration<double>(h.interval).count()},
                        {"capacity", h.capacity},
                        {"intervals", nlohmann::json::array()}};
    hist["window_s"] = h.window == std::chrono::nanoseconds::max() ? nlohmann::json(nullptr)
                                                                  : nlohmann::json(std::chrono::duration<double>(h.window).count());
    for (const auto& i : h.intervals) hist["intervals"].push_back(interval_json(i));
    hist["total"] = interval_json(h.total);
    hist["statements"] = nlohmann::json::array();
    for (const auto& t : h.statements) {
        nlohmann::json ms = nlohmann::json::array();
        for (auto v : t.total) ms.push_back(to_ms(v));
        hist["statements"].push_back({{"id", t.id}, {"fingerprint", t.fingerprint}, {"calls", t.calls}, {"total_ms", std::move(ms)}});
    }
    j["history"] = std::move(hist);
    return j;
}

} // namespace cistern::http

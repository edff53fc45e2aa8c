#pragma once
/// \file
/// `cistern::inspect::postgres_settings`: the server's memory, planner, connection,
/// autovacuum and statistics settings compared with recommendations derived from the
/// machine (pgtune's rules for a mixed/web workload) and from cistern's pools, each with
/// the current value, the recommended one and the reason; `postgres_settings_plan` turns
/// the recommendations into ALTER SYSTEM statements.

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/inspect/setting_advice.hpp>
#include <cistern/strategy/plan.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::inspect {

namespace detail {

/// One row of pg_settings.
struct pg_setting {
    std::string setting, unit, context;
    bool pending_restart = false;
    /// The value in bytes for memory settings (unit 8kB, kB, MB), else nullopt.
    std::optional<std::int64_t> bytes() const {
        std::int64_t mul = 0;
        if (unit == "8kB") mul = 8192;
        else if (unit == "kB") mul = 1024;
        else if (unit == "MB") mul = 1 << 20;
        else if (unit == "B") mul = 1;
        if (mul == 0) return std::nullopt;
        try {
            return std::stoll(setting) * mul;
        } catch (...) {
            return std::nullopt;
        }
    }
    double number() const {
        try {
            return std::stod(setting);
        } catch (...) {
            return 0.0;
        }
    }
};

/// MemTotal of a /proc/meminfo text, in bytes.
inline std::optional<std::int64_t> meminfo_total(std::string_view text) {
    const auto p = text.find("MemTotal:");
    if (p == std::string_view::npos) return std::nullopt;
    std::int64_t kb = 0;
    bool any = false;
    for (std::size_t i = p + 9; i < text.size() && text[i] != '\n'; ++i) {
        if (text[i] >= '0' && text[i] <= '9') {
            kb = kb * 10 + (text[i] - '0');
            any = true;
        } else if (any) {
            break;
        }
    }
    if (!any) return std::nullopt;
    return kb * 1024;
}

inline std::string number_text(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

} // namespace detail

/// The settings that matter for performance and operations, one row each (see
/// docs/cli.md, `optimize config`, for every rule and its source):
///  - memory from the server's RAM (facts.memory_bytes, else /proc/meminfo read through
///    pg_read_file when this role may): shared_buffers 25 % of RAM, effective_cache_size
///    75 %, maintenance_work_mem RAM/16 up to 2 GB, work_mem (RAM - shared_buffers) /
///    (3 x max_connections) at least 4 MB; a value outside half to twice the
///    recommendation is a warning (work_mem x max_connections over RAM is critical);
///  - random_page_cost 1.1 and effective_io_concurrency 200 on SSD (facts.storage);
///  - max_connections against facts.pool_connections plus the reserved slots and 5 for
///    administration (too few is critical: connections are refused), or over four times
///    what the pools need (each idle connection costs memory: warning);
///  - autovacuum and track_counts on (critical when off), pg_stat_statements preloaded
///    and created, track_io_timing and checkpoint_completion_target (advice).
/// Settings pending a restart are reported, never proposed again. Runs in a read-only
/// transaction bounded by o.statement_timeout; errors become state and a note.
template <class C>
check_result<setting_advice> postgres_settings(C& c, const machine_facts& facts = {}, const options& o = {}) {
    check_result<setting_advice> r;
    std::map<std::string, detail::pg_setting> s;
    bool extension = false;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "settings", [&] {
        for (auto row : c.query(std::string_view(
                 "SELECT name, setting, coalesce(unit, ''), context, pending_restart FROM pg_settings WHERE name IN ("
                 "'shared_buffers', 'effective_cache_size', 'work_mem', 'maintenance_work_mem', 'random_page_cost',"
                 " 'effective_io_concurrency', 'max_connections', 'superuser_reserved_connections', 'reserved_connections',"
                 " 'autovacuum', 'track_counts', 'shared_preload_libraries', 'track_io_timing', 'checkpoint_completion_target')"))) {
            detail::pg_setting x;
            x.setting = row.template get<std::string>(1);
            x.unit = row.template get<std::string>(2);
            x.context = row.template get<std::string>(3);
            x.pending_restart = row.template get<bool>(4);
            s[row.template get<std::string>(0)] = std::move(x);
        }
        extension = c.query(std::string_view("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'"))
                        .template scalar<std::int64_t>() != 0;
    });
    if (r.state != availability::ok) return r;

    std::optional<std::int64_t> ram = facts.memory_bytes;
    if (!ram) {
        std::vector<std::string> probe_notes;
        std::string meminfo;
        const auto a = detail::postgres_bounded(c, o.statement_timeout, probe_notes, "memory", [&] {
            meminfo = c.query(std::string_view("SELECT pg_read_file('/proc/meminfo', 0, 4096)")).template scalar<std::string>();
        });
        if (a == availability::ok) ram = detail::meminfo_total(meminfo);
        if (ram) r.notes.push_back("server RAM " + detail::memory_text(detail::round_mb(*ram)) + " read from the server's /proc/meminfo");
        else
            r.notes.push_back("server RAM unknown (this role may not read /proc/meminfo through pg_read_file, or the server is not "
                              "Linux): pass --memory to get memory recommendations");
    }

    auto row = [&](const std::string& name) -> setting_advice {
        setting_advice a;
        a.name = name;
        auto it = s.find(name);
        if (it != s.end()) {
            const auto b = it->second.bytes();
            a.current = b ? detail::memory_text(*b) : it->second.setting;
            a.restart = it->second.context == "postmaster";
        }
        a.recommended = a.current;
        return a;
    };
    auto has = [&](const std::string& name) { return s.count(name) != 0; };
    // Sets the recommendation and the statement that applies it; a setting that already
    // waits for a restart is reported as such instead of being proposed again.
    auto recommend = [&](setting_advice& a, const std::string& value, health_status st, std::string why, bool advice = false) {
        a.recommended = value;
        a.reason = std::move(why);
        if (s.count(a.name) && s[a.name].pending_restart) {
            a.reason += " (a changed value is pending a server restart)";
            return;
        }
        a.status = st;
        a.advice = advice;
        a.sql = "ALTER SYSTEM SET " + a.name + " = '" + value + "'";
        a.outside_transaction = true;
        if (st != health_status::healthy)
            r.add(st, "setting_" + a.name, a.name + " is " + a.current + ": " + a.reason,
                  a.sql + (a.restart ? "; then restart the server" : "; SELECT pg_reload_conf()"));
    };
    auto ok = [&](setting_advice& a, std::string why) {
        a.reason = std::move(why);
        r.rows.push_back(std::move(a));
    };
    auto push = [&](setting_advice&& a) { r.rows.push_back(std::move(a)); };
    auto out_of = [](std::int64_t cur, std::int64_t rec) { return cur * 2 < rec || cur > rec * 2; };

    const std::int64_t max_conn = has("max_connections") ? static_cast<std::int64_t>(s["max_connections"].number()) : 100;
    const std::int64_t shared = has("shared_buffers") ? s["shared_buffers"].bytes().value_or(0) : 0;

    if (has("shared_buffers")) {
        auto a = row("shared_buffers");
        if (ram) {
            const auto rec = detail::round_mb(*ram / 4);
            if (out_of(shared, rec))
                recommend(a, detail::memory_text(rec), health_status::degraded,
                          "25 % of the server's " + detail::memory_text(detail::round_mb(*ram)) + " RAM (pgtune); the OS cache holds the rest");
            else
                a.reason = "within half to twice 25 % of RAM";
            push(std::move(a));
        } else {
            ok(a, "25 % of the server's RAM is the usual value; pass --memory to compare");
        }
    }
    if (has("effective_cache_size")) {
        auto a = row("effective_cache_size");
        const auto cur = s["effective_cache_size"].bytes().value_or(0);
        if (ram) {
            const auto rec = detail::round_mb(*ram * 3 / 4);
            if (out_of(cur, rec))
                recommend(a, detail::memory_text(rec), health_status::degraded,
                          "75 % of RAM: the planner's estimate of shared_buffers plus the OS cache; too low makes it avoid index scans");
            else
                a.reason = "within half to twice 75 % of RAM";
            push(std::move(a));
        } else if (cur <= shared) {
            recommend(a, detail::memory_text(shared * 3), health_status::degraded,
                      "not above shared_buffers: it should count the OS cache too (75 % of RAM; pass --memory for the exact figure)");
            push(std::move(a));
        } else {
            ok(a, "75 % of the server's RAM is the usual value; pass --memory to compare");
        }
    }
    if (has("work_mem")) {
        auto a = row("work_mem");
        const auto cur = s["work_mem"].bytes().value_or(0);
        if (ram) {
            const auto rec_shared = detail::round_mb(*ram / 4);
            const auto rec = std::max<std::int64_t>(4 << 20, detail::round_mb((*ram - rec_shared) / (3 * std::max<std::int64_t>(1, max_conn))));
            if (cur * max_conn > *ram)
                recommend(a, detail::memory_text(rec), health_status::unhealthy,
                          "work_mem x max_connections (" + std::to_string(max_conn) + ") exceeds RAM: concurrent sorts can exhaust memory; "
                          "(RAM - shared_buffers) / (3 x max_connections)");
            else if (out_of(cur, rec))
                recommend(a, detail::memory_text(rec), health_status::degraded,
                          "(RAM - shared_buffers) / (3 x max_connections " + std::to_string(max_conn) +
                              "), at least 4MB: sorts and hashes spill to disk below it, risk memory above it");
            else
                a.reason = "within half to twice (RAM - shared_buffers) / (3 x max_connections)";
            push(std::move(a));
        } else {
            ok(a, "(RAM - shared_buffers) / (3 x max_connections) is the usual value; pass --memory to compare");
        }
    }
    if (has("maintenance_work_mem")) {
        auto a = row("maintenance_work_mem");
        const auto cur = s["maintenance_work_mem"].bytes().value_or(0);
        if (ram) {
            const auto rec = std::min<std::int64_t>(std::int64_t{2} << 30, detail::round_mb(*ram / 16));
            if (cur * 2 < rec)
                recommend(a, detail::memory_text(rec), health_status::degraded,
                          "RAM / 16 up to 2GB: VACUUM, CREATE INDEX and ALTER TABLE ADD FOREIGN KEY run faster");
            else
                a.reason = "at least half of RAM / 16 (up to 2GB)";
            push(std::move(a));
        } else {
            ok(a, "RAM / 16 up to 2GB is the usual value; pass --memory to compare");
        }
    }
    if (has("random_page_cost")) {
        auto a = row("random_page_cost");
        const double cur = s["random_page_cost"].number();
        if (facts.storage == storage_kind::ssd && cur > 2.0)
            recommend(a, "1.1", health_status::degraded,
                      "on SSD a random read costs about a sequential one; 4 (the default, for spinning disks) makes the planner shun index scans");
        else if (facts.storage == storage_kind::hdd && cur < 2.0)
            recommend(a, "4", health_status::degraded, "on spinning disks random reads are about 4x a sequential one");
        else
            a.reason = facts.storage == storage_kind::unknown ? "1.1 on SSD, 4 on spinning disks; pass --storage ssd|hdd to compare"
                                                              : "suits the storage";
        push(std::move(a));
    }
    if (has("effective_io_concurrency")) {
        auto a = row("effective_io_concurrency");
        if (facts.storage == storage_kind::ssd && s["effective_io_concurrency"].number() < 100)
            recommend(a, "200", health_status::degraded, "SSDs serve many concurrent reads; bitmap heap scans prefetch this many pages");
        else
            a.reason = facts.storage == storage_kind::unknown ? "200 on SSD; pass --storage to compare" : "suits the storage";
        push(std::move(a));
    }
    if (has("max_connections")) {
        auto a = row("max_connections");
        const std::int64_t reserved = (has("superuser_reserved_connections") ? static_cast<std::int64_t>(s["superuser_reserved_connections"].number()) : 3) +
                                      (has("reserved_connections") ? static_cast<std::int64_t>(s["reserved_connections"].number()) : 0);
        if (facts.pool_connections) {
            const std::int64_t need = *facts.pool_connections + reserved + 5;
            if (max_conn < need)
                recommend(a, std::to_string(need), health_status::unhealthy,
                          "the pools may open " + std::to_string(*facts.pool_connections) + " connections; with " + std::to_string(reserved) +
                              " reserved slots and 5 for administration the server refuses connections below " + std::to_string(need));
            else if (max_conn > 4 * need && max_conn > 100)
                recommend(a, std::to_string(need + need / 4), health_status::degraded,
                          "more than four times what the pools open (" + std::to_string(*facts.pool_connections) +
                              "): every allowed connection reserves memory and lock slots; the pools queue instead");
            else
                a.reason = "covers the pools' " + std::to_string(*facts.pool_connections) + " connections plus reserved and administrative slots";
        } else {
            a.reason = "pass --pool-connections (the sum of every pool's max_size) to compare";
        }
        if (facts.server_cores)
            a.reason += "; a pool per application instance needs at most recommended_max_size(" + std::to_string(*facts.server_cores) +
                        " cores) = " + std::to_string(*facts.server_cores * 2 + 1) + " connections";
        push(std::move(a));
    }
    for (const char* name : {"autovacuum", "track_counts"}) {
        if (!has(name)) continue;
        auto a = row(name);
        if (s[name].setting != "on")
            recommend(a, "on", health_status::unhealthy,
                      std::string(name) == "autovacuum"
                          ? "without autovacuum dead tuples pile up and transaction IDs approach wraparound"
                          : "autovacuum and the planner's statistics need the row counters");
        else
            a.reason = "on";
        push(std::move(a));
    }
    {
        setting_advice a;
        a.name = "shared_preload_libraries";
        a.restart = true;
        if (!has("shared_preload_libraries")) {
            a.current = "(not readable)";
            a.recommended = "pg_stat_statements";
            a.reason = "this role may not read the setting (grant pg_read_all_settings) ";
            push(std::move(a));
        } else {
            a.current = s["shared_preload_libraries"].setting;
            a.recommended = a.current;
            if (a.current.find("pg_stat_statements") == std::string::npos)
                recommend(a, a.current.empty() ? "pg_stat_statements" : a.current + ",pg_stat_statements", health_status::degraded,
                          "pg_stat_statements must be preloaded to record statement statistics (slow queries, index advice)");
            else
                a.reason = "pg_stat_statements is preloaded";
            push(std::move(a));
        }
    }
    {
        setting_advice a;
        a.name = "pg_stat_statements extension";
        a.current = extension ? "created" : "not created";
        a.recommended = "created";
        if (!extension) {
            a.status = health_status::degraded;
            a.reason = "CREATE EXTENSION in this database makes the statistics readable";
            a.sql = "CREATE EXTENSION IF NOT EXISTS pg_stat_statements";
            r.add(health_status::degraded, "pg_stat_statements_missing", "the pg_stat_statements extension is not created in this database",
                  a.sql);
        } else {
            a.reason = "the view is there";
        }
        push(std::move(a));
    }
    if (has("track_io_timing")) {
        auto a = row("track_io_timing");
        if (s["track_io_timing"].setting != "on")
            recommend(a, "on", health_status::healthy, "statement statistics then say how much time went to reading blocks (cheap on modern clocks)",
                      true);
        else
            a.reason = "on";
        push(std::move(a));
    }
    if (has("checkpoint_completion_target")) {
        auto a = row("checkpoint_completion_target");
        if (s["checkpoint_completion_target"].number() < 0.9)
            recommend(a, "0.9", health_status::healthy, "spreads checkpoint writes over the interval (the default since PostgreSQL 14)", true);
        else
            a.reason = "spreads checkpoint writes";
        push(std::move(a));
    }
    r.notes.push_back("recommendations follow pgtune's rules for a mixed workload; measure before and after a change");
    return r;
}

/// The statements that apply the recommendations of `r` (only rows that recommend a
/// change and can be applied, restricted to `only` when it is not empty), then
/// `SELECT pg_reload_conf()` when a setting changed (a restart-only setting is then shown
/// as pending and not proposed again); settings that need a restart are also alerts. ALTER SYSTEM needs superuser (or the setting's SET privilege).
inline strategy::plan postgres_settings_plan(const check_result<setting_advice>& r, const std::vector<std::string>& only = {}) {
    strategy::plan p;
    bool reload = false;
    for (auto& a : r.rows) {
        if (!a.changes() || a.sql.empty()) continue;
        if (!only.empty() && std::find(only.begin(), only.end(), a.name) == only.end()) continue;
        if (a.outside_transaction) p.add_outside_transaction(a.sql, a.name + ": " + a.reason);
        else p.add(a.sql, a.name + ": " + a.reason);
        if (a.restart) p.alert(a.name + " takes effect after a server restart");
        if (a.outside_transaction) reload = true; // also marks restart-only settings pending_restart
    }
    if (reload) p.add_outside_transaction("SELECT pg_reload_conf()", "reload the configuration so the new values take effect");
    return p;
}

} // namespace cistern::inspect

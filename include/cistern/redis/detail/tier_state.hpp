#pragma once
/// \file
/// State a redis::tier shares with its subscriber thread and its health source.

#include <cistern/monitor/health.hpp>
#include <cistern/redis/local_listener.hpp>
#include <cistern/redis/tier_options.hpp>
#include <cistern/redis/tier_stats.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace cistern::redis::detail {

struct atomic_stats {
    std::atomic<std::uint64_t> hits{0}, misses{0}, stale{0}, decode_failures{0}, errors{0}, skipped{0}, writes{0},
        oversized{0}, breaker_opens{0}, invalidations_sent{0}, invalidations_received{0}, echoes_ignored{0},
        subscriptions{0}, local_clears{0};
    tier_stats snapshot() const noexcept {
        auto l = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
        return {l(hits), l(misses), l(stale), l(decode_failures), l(errors), l(skipped), l(writes), l(oversized),
                l(breaker_opens), l(invalidations_sent), l(invalidations_received), l(echoes_ignored),
                l(subscriptions), l(local_clears)};
    }
};
inline void bump(std::atomic<std::uint64_t>& a) noexcept { a.fetch_add(1, std::memory_order_relaxed); }

/// Breaker, counters, last error, subscription flag, pending invalidations and listeners.
struct tier_state {
    using clock = std::chrono::steady_clock;

    tier_options opts;
    std::string target; // describe(): no password
    atomic_stats stats;
    std::atomic<bool> subscribed{false};

    // --- breaker (closed -> open after threshold failures -> one probe -> closed/open)
    mutable std::mutex mu;
    std::size_t consecutive_failures = 0;
    bool open = false;
    bool probing = false;
    clock::time_point open_until{};
    std::string last_error;          // scrubbed
    std::string subscriber_error;    // scrubbed
    std::set<std::string> pending;   // tags whose invalidation has not reached Redis yet

    // --- listeners (called on the subscriber thread, under listeners_mu)
    std::mutex listeners_mu;
    std::map<std::size_t, local_listener> listeners;
    std::size_t next_listener = 1;

    /// True when an operation may go to Redis now (closed, or this call is the probe).
    bool allow() {
        std::lock_guard lk(mu);
        if (!open) return true;
        if (clock::now() < open_until || probing) {
            bump(stats.skipped);
            return false;
        }
        probing = true;
        return true;
    }
    void succeeded() {
        std::lock_guard lk(mu);
        consecutive_failures = 0;
        open = false;
        probing = false;
    }
    void failed(const std::string& why) {
        bump(stats.errors);
        std::lock_guard lk(mu);
        last_error = why;
        ++consecutive_failures;
        if (probing || (!open && consecutive_failures >= opts.breaker_failure_threshold)) {
            if (!open) bump(stats.breaker_opens);
            open = true;
            probing = false;
            open_until = clock::now() + opts.breaker_cooldown;
        }
    }
    bool breaker_open() const {
        std::lock_guard lk(mu);
        return open;
    }

    void clear_listeners() {
        std::lock_guard lk(listeners_mu);
        bump(stats.local_clears);
        for (auto& [id, l] : listeners)
            if (l.on_clear) l.on_clear();
    }
    void tag_listeners(const std::string& tag) {
        std::lock_guard lk(listeners_mu);
        for (auto& [id, l] : listeners)
            if (l.on_tag) l.on_tag(tag);
    }

    /// "degraded: Redis unavailable" while the breaker is open or the subscriber is
    /// disconnected; nothing when the tier works.
    std::optional<health_finding> health() const {
        std::unique_lock lk(mu);
        const bool br = open;
        const std::string err = last_error, sub_err = subscriber_error;
        const std::size_t fails = consecutive_failures, waiting = pending.size();
        lk.unlock();
        const bool unsub = opts.subscribe && !subscribed.load();
        if (!br && !unsub) return std::nullopt;
        std::string reason = "Redis unavailable (" + target + "): ";
        if (br) reason += "breaker open after " + std::to_string(fails) + " consecutive failures, calls go to memory and the database";
        if (br && unsub) reason += "; ";
        if (unsub) reason += "invalidation subscriber disconnected, in-memory entries capped at " +
                             std::to_string(opts.unsubscribed_l1_ttl.count()) + " ms";
        if (!err.empty()) reason += "; last error: " + err;
        else if (!sub_err.empty()) reason += "; last error: " + sub_err;
        if (waiting) reason += "; " + std::to_string(waiting) + " invalidation(s) waiting to be sent";
        return health_finding{health_status::degraded, "redis_tier", std::move(reason),
                              "check that the Redis server answers (and its password); the tier resumes by itself "
                              "when it does"};
    }
};

} // namespace cistern::redis::detail

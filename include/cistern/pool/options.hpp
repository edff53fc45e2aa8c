#pragma once
/// \file
/// `cistern::pool_options`: the runtime numbers an operator tunes, validated at construction.

#include <cistern/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <limits>
#include <string>
#include <thread>

namespace cistern {

/// Connections a pool should hold at most for a database server with `cores` CPU cores
/// and `spindles` independent disks (use 1 for an SSD): `cores * 2 + spindles`.
///
/// This is the PostgreSQL project's rule of thumb popularised by HikariCP's "About Pool
/// Sizing": a connection is either using a core or waiting on I/O, so about two per
/// core keep every core busy while others wait, plus one per disk that can serve
/// requests in parallel. More connections than that only add context switches and lock
/// contention on the server; queueing in the pool is cheaper. Count the server's
/// cores, not the client's, and divide by the number of application instances.
constexpr std::size_t recommended_max_size(std::size_t cores, std::size_t spindles = 1) noexcept {
    return cores * 2 + spindles;
}

/// Runtime options of a pool. A plain aggregate: set what you need with designated
/// initializers, e.g. `pool_options{.max_size = 16, .acquire_timeout = 2s}`.
/// A zero duration switches the corresponding feature off, where noted.
/// validate() (called by the pool's constructor) throws config_error naming the field.
struct pool_options {
    /// The unit of every duration option (milliseconds; coarser std::chrono durations convert).
    using duration = std::chrono::milliseconds;

    /// Name used in diagnostics, leak reports and metrics.
    std::string name = "cistern";
    /// Idle connections the pool keeps ready, created in the background.
    std::size_t min_idle = 1;
    /// Connections the pool may hold in all (idle + in use + being created). At least 1.
    std::size_t max_size = 10;
    /// How long acquire() waits for a connection before throwing pool_timeout. The bound
    /// holds whatever the server does (validation on borrow gets only the time left);
    /// the caller may see it overrun by its own scheduling delay (a few ms on an idle
    /// machine; the tests allow 10 % + 250 ms on a loaded 2-core machine).
    duration acquire_timeout = std::chrono::seconds(30);
    /// An idle connection unused this long is closed while the pool holds more than
    /// min_idle. 0: never.
    duration idle_timeout = std::chrono::minutes(10);
    /// A connection older than this (less up to 2.5 % random jitter, so they do not all
    /// expire at once) is retired when idle or when returned; never while in use. 0: never.
    duration max_lifetime = std::chrono::minutes(30);
    /// Idle connections are pinged this often to keep them (and firewalls) alive. 0: off.
    duration keepalive_interval = duration::zero();
    /// acquire() pings a connection before handing it out unless it was known alive this
    /// recently. 0: always validate.
    duration validation_skip_window = duration(500);
    /// A lease held longer than this is reported as a possible leak (with the
    /// source location of its acquire()), and again when it comes back. 0: off.
    duration leak_detection_threshold = duration::zero();
    /// Callers allowed to wait at once; one more fails at once with pool_timeout.
    std::size_t max_waiters = std::numeric_limits<std::size_t>::max();
    /// Connection attempts in flight at once (each on a background thread). At least 1.
    std::size_t max_concurrent_connects = 2;
    /// First delay after a failed connection attempt; doubles per consecutive failure.
    duration connect_retry_initial = duration(50);
    /// Upper bound of the retry delay.
    duration connect_retry_max = std::chrono::seconds(5);
    /// After this many consecutive connect failures the circuit breaker opens: acquire()
    /// fails at once (instead of queueing) until a connection attempt succeeds again, or
    /// at most for breaker_cooldown. 0: no breaker.
    std::size_t breaker_failure_threshold = 5;
    /// Longest time the breaker makes callers fail fast without a successful attempt;
    /// after it callers queue again (each waits up to acquire_timeout) while it stays tripped.
    duration breaker_cooldown = std::chrono::seconds(5);
    /// While the breaker is open, one connection attempt at a time probes the server,
    /// spaced by the usual backoff but never more than this: the breaker closes (and the
    /// pool serves again) within about this interval plus one connect of the server
    /// answering again. At least 1 ms.
    duration breaker_probe_interval = duration(250);
    /// How often the background housekeeper retires idle/old connections, pings for
    /// keepalive, reports leaks and tops the pool up to min_idle.
    duration housekeeping_period = std::chrono::seconds(1);

    /// For services: a pool sized for the machine, keepalive on, leak reports after 60 s.
    static pool_options production() {
        pool_options o;
        const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
        o.max_size = recommended_max_size(cores, 1);
        o.min_idle = std::min<std::size_t>(4, o.max_size);
        o.acquire_timeout = std::chrono::seconds(5);
        o.keepalive_interval = std::chrono::minutes(2);
        o.leak_detection_threshold = std::chrono::seconds(60);
        return o;
    }
    /// For a developer's machine: small, validates every borrow, reports leaks after 5 s.
    static pool_options development() {
        pool_options o;
        o.min_idle = 1;
        o.max_size = 4;
        o.acquire_timeout = std::chrono::seconds(5);
        o.validation_skip_window = duration::zero();
        o.leak_detection_threshold = std::chrono::seconds(5);
        return o;
    }
    /// For test suites: no idle connections kept, fast timeouts and retries.
    static pool_options test() {
        pool_options o;
        o.min_idle = 0;
        o.max_size = 4;
        o.acquire_timeout = std::chrono::seconds(2);
        o.idle_timeout = std::chrono::seconds(10);
        o.connect_retry_initial = duration(10);
        o.connect_retry_max = duration(200);
        o.breaker_cooldown = std::chrono::seconds(1);
        o.leak_detection_threshold = std::chrono::seconds(2);
        o.housekeeping_period = duration(100);
        return o;
    }

    /// Throws config_error naming the first invalid field and its value.
    void validate() const {
        auto ms = [](duration d) { return std::to_string(d.count()) + "ms"; };
        auto non_negative = [&](const char* field, duration d) {
            if (d < duration::zero()) throw config_error(field, ms(d), "must not be negative");
        };
        if (max_size == 0) throw config_error("pool_options::max_size", "0", "must be at least 1");
        if (min_idle > max_size)
            throw config_error("pool_options::min_idle", std::to_string(min_idle),
                               "must not exceed max_size (" + std::to_string(max_size) + ")");
        if (max_size > (std::size_t{1} << 20))
            throw config_error("pool_options::max_size", std::to_string(max_size), "must be at most 1048576");
        if (max_concurrent_connects == 0)
            throw config_error("pool_options::max_concurrent_connects", "0", "must be at least 1");
        if (max_concurrent_connects > 64)
            throw config_error("pool_options::max_concurrent_connects", std::to_string(max_concurrent_connects),
                               "must be at most 64");
        non_negative("pool_options::acquire_timeout", acquire_timeout);
        non_negative("pool_options::idle_timeout", idle_timeout);
        non_negative("pool_options::max_lifetime", max_lifetime);
        non_negative("pool_options::keepalive_interval", keepalive_interval);
        non_negative("pool_options::validation_skip_window", validation_skip_window);
        non_negative("pool_options::leak_detection_threshold", leak_detection_threshold);
        non_negative("pool_options::connect_retry_initial", connect_retry_initial);
        non_negative("pool_options::connect_retry_max", connect_retry_max);
        non_negative("pool_options::breaker_cooldown", breaker_cooldown);
        if (breaker_probe_interval <= duration::zero())
            throw config_error("pool_options::breaker_probe_interval", ms(breaker_probe_interval), "must be positive");
        if (connect_retry_max < connect_retry_initial)
            throw config_error("pool_options::connect_retry_max", ms(connect_retry_max),
                               "must not be below connect_retry_initial (" + ms(connect_retry_initial) + ")");
        if (housekeeping_period <= duration::zero())
            throw config_error("pool_options::housekeeping_period", ms(housekeeping_period), "must be positive");
        if (name.empty()) throw config_error("pool_options::name", "\"\"", "must not be empty");
    }
};

} // namespace cistern

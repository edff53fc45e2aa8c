#pragma once
/// \file
/// `cistern::pool_stats`: a snapshot of a pool's state and counters.

#include <cistern/error.hpp>
#include <cistern/pool/events.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace cistern {

/// A consistent-enough snapshot of a pool (gauges are read one after another while the
/// pool runs; counters only grow).
struct pool_stats {
    // gauges
    std::size_t size = 0;     ///< open connections (idle + in use)
    std::size_t idle = 0;     ///< open connections waiting to be borrowed
    std::size_t in_use = 0;   ///< connections lent out
    std::size_t waiting = 0;  ///< callers blocked in acquire()
    std::size_t pending = 0;  ///< connection attempts in flight
    std::size_t max_size = 0; ///< pool_options::max_size
    std::size_t min_idle = 0; ///< pool_options::min_idle
    // counters
    std::uint64_t acquired = 0;  ///< successful acquires
    std::uint64_t waited = 0;    ///< acquires that had to wait for a connection
    std::uint64_t timed_out = 0; ///< acquires that gave up (pool_timeout)
    /// timed_out by cause (index: timeout_reason): exhausted, unreachable, circuit_open,
    /// too_many_waiters, rejected, unresponsive, server_full.
    std::array<std::uint64_t, timeout_reason_count> timed_out_by_reason{};
    std::uint64_t created = 0;   ///< connections opened
    std::uint64_t connect_failures = 0; ///< failed connection attempts
    std::uint64_t leaks = 0;     ///< leases reported by leak detection
    std::chrono::nanoseconds total_wait{}; ///< summed wait of the acquires that waited
    std::chrono::nanoseconds max_wait{};   ///< longest wait of one acquire
    std::array<std::uint64_t, close_reason_count> closed{}; ///< connections closed, by reason

    /// Acquires that gave up for reason `r`.
    std::uint64_t timed_out_by(timeout_reason r) const noexcept {
        return timed_out_by_reason[static_cast<std::size_t>(r)];
    }
    /// Connections closed for reason `r` since the pool started.
    std::uint64_t closed_by(close_reason r) const noexcept { return closed[static_cast<std::size_t>(r)]; }
    /// Connections closed for any reason since the pool started (the sum of `closed`).
    std::uint64_t closed_total() const noexcept {
        std::uint64_t n = 0;
        for (auto c : closed) n += c;
        return n;
    }
    /// in_use / max_size, 0..1.
    double utilization() const noexcept {
        return max_size ? static_cast<double>(in_use) / static_cast<double>(max_size) : 0.0;
    }
};

} // namespace cistern

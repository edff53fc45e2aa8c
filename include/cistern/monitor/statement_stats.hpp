#pragma once
/// \file
/// Per-fingerprint counters: calls, errors, rows, total time and a latency histogram.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include <cistern/monitor/histogram.hpp>

namespace cistern {

/// The live counters of one statement fingerprint. Updated with relaxed atomics by any
/// number of threads; never moved once created (the registry hands out stable pointers).
struct statement_stats {
    explicit statement_stats(std::string fp, std::uint64_t h, std::size_t params)
        : fingerprint(std::move(fp)), hash(h), parameters(params) {}

    const std::string fingerprint;       ///< normalized text
    const std::uint64_t hash;            ///< hash of `fingerprint`
    const std::size_t parameters;        ///< placeholders in the statement
    std::atomic<std::uint64_t> errors{0};
    std::atomic<std::uint64_t> rows{0};
    std::atomic<std::uint64_t> slow{0};  ///< executions the monitor logged as slow
    histogram latency;                   ///< nanoseconds; also holds the call count and total time

    /// Executions recorded (the histogram's count: no separate counter on the hot path).
    std::uint64_t calls() const noexcept { return latency.count(); }
    /// Summed duration in nanoseconds (the histogram's sum).
    std::uint64_t total_ns() const noexcept { return latency.sum(); }

    /// Records one execution. Lock-free.
    void record(std::chrono::nanoseconds took, std::uint64_t row_count, bool ok) noexcept {
        const auto ns = took.count() < 0 ? 0 : static_cast<std::uint64_t>(took.count());
        if (!ok) errors.fetch_add(1, std::memory_order_relaxed);
        if (row_count) rows.fetch_add(row_count, std::memory_order_relaxed);
        latency.record(static_cast<std::int64_t>(ns));
    }
};

} // namespace cistern

#pragma once
/// \file
/// Per-fingerprint counters: calls, errors, rows, total time, a latency histogram and the
/// latency buckets of the failed executions.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include <cistern/detail/spin_mutex.hpp>
#include <cistern/monitor/histogram.hpp>
#include <cistern/monitor/latency_buckets.hpp>
#include <cistern/monitor/query_summary.hpp>

namespace cistern {

/// The live counters of one statement fingerprint. Any thread may write (under write_mu,
/// normally a batch of a thread's records at a time) and read (relaxed atomic loads, no
/// lock); never moved once created (the registry hands out stable pointers).
struct statement_stats {
    /// Counters for fingerprint `fp` (hash `h`, `params` placeholders), numbered `number`
    /// in its registry; all counts start at zero.
    explicit statement_stats(std::string fp, std::uint64_t h, std::size_t params, std::uint32_t number = 0)
        : fingerprint(std::move(fp)), hash(h), parameters(params), id(number), summary(summarize_query(fingerprint)) {}

    const std::string fingerprint;       ///< normalized text
    const std::uint64_t hash;            ///< hash of `fingerprint`
    const std::size_t parameters;        ///< placeholders in the statement
    const std::uint32_t id;              ///< its number in the registry (0, 1, ...)
    const query_summary summary;         ///< operation, collection and summary of `fingerprint`
    /// Executions that failed.
    std::atomic<std::uint64_t> errors{0};
    /// Rows returned or affected, summed over executions.
    std::atomic<std::uint64_t> rows{0};
    std::atomic<std::uint64_t> slow{0};  ///< executions the monitor logged as slow
    histogram latency;                   ///< nanoseconds; also holds the call count and total time
    /// Failed executions per latency bucket (detail::latency_bucket_of: the first bucket
    /// that counts the value; the last entry counts values above every bound), not
    /// cumulative. Their number is `errors`.
    std::array<std::atomic<std::uint64_t>, latency_bucket_bounds.size() + 1> failed_buckets{};
    std::atomic<std::uint64_t> failed_ns{0}; ///< summed duration of the failed executions
    /// Serializes writers of errors, rows and latency (batches from several threads);
    /// readers never take it.
    mutable detail::spin_mutex write_mu;

    /// Executions recorded (the histogram's count: no separate counter on the hot path).
    std::uint64_t calls() const noexcept { return latency.count(); }
    /// Summed duration in nanoseconds (the histogram's sum).
    std::uint64_t total_ns() const noexcept { return latency.sum(); }

    /// Records one execution.
    void record(std::chrono::nanoseconds took, std::uint64_t row_count, bool ok) noexcept {
        const auto ns = took.count() < 0 ? 0 : static_cast<std::uint64_t>(took.count());
        std::lock_guard lk(write_mu);
        latency.count_value_exclusive(ns);
        if (!ok) count_failure_locked(ns);
        add_batch_locked(1, ns, ns, ns, row_count, ok ? 0 : 1);
    }

    /// With write_mu held: counts one failed execution of `ns` nanoseconds in
    /// failed_buckets and failed_ns (the caller still adds it to `errors` through
    /// add_batch_locked()).
    void count_failure_locked(std::uint64_t ns) noexcept {
        auto& b = failed_buckets[detail::latency_bucket_of(ns)];
        b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        failed_ns.store(failed_ns.load(std::memory_order_relaxed) + ns, std::memory_order_relaxed);
    }

    /// With write_mu held: adds the totals of `n` executions whose durations the caller
    /// has counted with latency.count_value_exclusive(): summed duration, shortest,
    /// longest, rows and errors.
    void add_batch_locked(std::uint64_t n, std::uint64_t sum_ns, std::uint64_t min_ns, std::uint64_t max_ns,
                          std::uint64_t row_count, std::uint64_t error_count) noexcept {
        if (error_count) errors.store(errors.load(std::memory_order_relaxed) + error_count, std::memory_order_relaxed);
        if (row_count) rows.store(rows.load(std::memory_order_relaxed) + row_count, std::memory_order_relaxed);
        latency.add_totals_exclusive(n, sum_ns, min_ns, max_ns);
    }
};

} // namespace cistern

#pragma once
/// \file
/// Pool event counters and latency histograms, fed by cistern::pool_listener.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <cistern/detail/scrub_secrets.hpp>
#include <cistern/error.hpp>
#include <cistern/monitor/histogram.hpp>
#include <cistern/pool/events.hpp>

namespace cistern {

/// What a monitor knows about its pool's events. The hooks have the names and
/// signatures of pool/events.hpp; timing hooks are lock-free (histogram records),
/// rare events (connect failure, leak) take a mutex to keep their text.
class pool_metrics {
public:
    /// How many leak reports leak_reports() keeps (the newest).
    static constexpr std::size_t kept_leak_reports = 10;

    histogram acquire_wait; ///< ns a lease waited in acquire()
    histogram usage;        ///< ns a lease was held
    histogram creation;     ///< ns a connect took

    /// Records how long an acquire waited. Lock-free, never throws.
    void on_acquire(std::chrono::nanoseconds waited) noexcept { acquire_wait.record(waited); }
    /// Records how long a lease was held. Lock-free, never throws.
    void on_release(std::chrono::nanoseconds held) noexcept { usage.record(held); }
    /// Records how long creating a connection took. Lock-free, never throws.
    void on_connect(std::chrono::nanoseconds took) noexcept { creation.record(took); }
    /// Counts a failed connection attempt and keeps its (password-free) message as the last
    /// connect error. Never throws (the message is lost if copying it fails).
    void on_connect_failed(const connect_error& e) noexcept {
        connect_failures_.fetch_add(1, std::memory_order_relaxed);
        try {
            std::lock_guard lk(mu_);
            // Not e.what() as such: a factory cistern does not know may quote its target.
            last_connect_error_ = std::string("connect failed (") + to_string(e.kind()) +
                                  "): " + detail::scrub_secrets(e.backend_message());
        } catch (...) {}
    }
    /// Counts an acquire that timed out. Lock-free, never throws.
    void on_timeout(const pool_timeout&) noexcept { timeouts_.fetch_add(1, std::memory_order_relaxed); }
    /// Counts a leak (when first reported, not when the lease comes back) and keeps the report
    /// among the last kept_leak_reports. Never throws.
    void on_leak(const leak_report& r) noexcept {
        if (!r.returned) leaks_.fetch_add(1, std::memory_order_relaxed);
        try {
            std::lock_guard lk(mu_);
            if (leak_reports_.size() == kept_leak_reports) leak_reports_.pop_front();
            leak_reports_.push_back(r);
        } catch (...) {}
    }
    /// Counts a closed connection under its reason. Lock-free, never throws.
    void on_close(close_reason why) noexcept {
        closes_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
    }

    /// Sets counters and histograms to zero and forgets the leak reports and the last
    /// connect error (events recorded at that instant may be lost).
    void reset() {
        acquire_wait.reset();
        usage.reset();
        creation.reset();
        timeouts_.store(0, std::memory_order_relaxed);
        connect_failures_.store(0, std::memory_order_relaxed);
        leaks_.store(0, std::memory_order_relaxed);
        for (auto& c : closes_) c.store(0, std::memory_order_relaxed);
        std::lock_guard lk(mu_);
        leak_reports_.clear();
        last_connect_error_.clear();
    }

    /// Acquires that timed out so far.
    std::uint64_t timeouts() const noexcept { return timeouts_.load(std::memory_order_relaxed); }
    /// Failed connection attempts so far.
    std::uint64_t connect_failures() const noexcept { return connect_failures_.load(std::memory_order_relaxed); }
    /// Leases reported as leaked so far (each counted once).
    std::uint64_t leaks() const noexcept { return leaks_.load(std::memory_order_relaxed); }
    /// Connections closed for reason `why` so far.
    std::uint64_t closes(close_reason why) const noexcept {
        return closes_[static_cast<std::size_t>(why)].load(std::memory_order_relaxed);
    }
    /// The last `kept_leak_reports` leak reports, oldest first.
    std::vector<leak_report> leak_reports() const {
        std::lock_guard lk(mu_);
        return {leak_reports_.begin(), leak_reports_.end()};
    }
    /// The message of the last failed connect ("" if none).
    std::string last_connect_error() const {
        std::lock_guard lk(mu_);
        return last_connect_error_;
    }

private:
    std::atomic<std::uint64_t> timeouts_{0};
    std::atomic<std::uint64_t> connect_failures_{0};
    std::atomic<std::uint64_t> leaks_{0};
    std::array<std::atomic<std::uint64_t>, close_reason_count> closes_{};
    mutable std::mutex mu_;
    std::deque<leak_report> leak_reports_;
    std::string last_connect_error_;
};

} // namespace cistern

#pragma once
/// \file
/// Slow statements, each reported once.

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace cistern {

/// How slow a statement was.
enum class slow_level : std::uint8_t { warning, critical };
/// The level's name: "warning" or "critical". Never allocates.
inline const char* to_string(slow_level l) noexcept { return l == slow_level::critical ? "critical" : "warning"; }

/// One slow execution. Carries the fingerprint and the number of parameters, never
/// their values.
struct slow_query {
    /// The statement's fingerprint (literals replaced by placeholders; no parameter values).
    std::string fingerprint;
    /// The number of bind parameters the statement took.
    std::size_t parameters = 0;
    /// How long the execution took.
    std::chrono::nanoseconds duration{};
    /// Which slow threshold it reached (monitor_options::slow_warning or slow_critical).
    slow_level level = slow_level::warning;
    /// False if the execution failed.
    bool ok = true;
    /// When it finished (wall clock).
    std::chrono::system_clock::time_point finished{};
};

/// Pending slow statements: add() appends (under a mutex: only slow statements get
/// here), take() hands each entry out exactly once. At most `capacity` entries wait;
/// older ones are dropped and counted. Independently, the last `kept_recent` entries stay
/// readable with recent() whether taken or not (for dashboards).
class slow_query_log {
public:
    static constexpr std::size_t kept_recent = 50; ///< entries recent() keeps readable

    /// A log that holds at most `capacity` pending entries (0 is taken as 1).
    explicit slow_query_log(std::size_t capacity = 1000) : cap_(capacity ? capacity : 1) {}

    /// Appends `q`, dropping (and counting) the oldest pending entry if the log is full, and
    /// counts it under its level. Thread-safe; may throw std::bad_alloc.
    void add(slow_query q) {
        std::lock_guard lk(mu_);
        ++(q.level == slow_level::critical ? critical_ : warning_);
        if (pending_.size() == cap_) { pending_.pop_front(); ++dropped_; }
        if (recent_.size() == kept_recent) recent_.pop_front();
        recent_.push_back(q);
        pending_.push_back(std::move(q));
    }
    /// The last kept_recent entries, oldest first (taken or not).
    std::vector<slow_query> recent() const {
        std::lock_guard lk(mu_);
        return {recent_.begin(), recent_.end()};
    }
    /// Forgets every entry and sets the counters to zero.
    void reset() {
        std::lock_guard lk(mu_);
        pending_.clear();
        recent_.clear();
        warning_ = critical_ = dropped_ = 0;
    }
    /// Removes and returns every pending entry, oldest first.
    std::vector<slow_query> take() {
        std::lock_guard lk(mu_);
        std::vector<slow_query> v(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
        pending_.clear();
        return v;
    }
    /// A copy of the pending entries (not consumed).
    std::vector<slow_query> peek() const {
        std::lock_guard lk(mu_);
        return {pending_.begin(), pending_.end()};
    }
    /// Entries added at warning level since construction (including taken and dropped ones).
    std::uint64_t warnings() const { std::lock_guard lk(mu_); return warning_; }
    /// Entries added at critical level since construction (including taken and dropped ones).
    std::uint64_t criticals() const { std::lock_guard lk(mu_); return critical_; }
    /// Pending entries dropped because the log was full.
    std::uint64_t dropped() const { std::lock_guard lk(mu_); return dropped_; }

private:
    std::size_t cap_;
    mutable std::mutex mu_;
    std::deque<slow_query> pending_;
    std::deque<slow_query> recent_;
    std::uint64_t warning_ = 0, critical_ = 0, dropped_ = 0;
};

} // namespace cistern

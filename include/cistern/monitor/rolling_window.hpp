#pragma once
/// \file
/// The last N statements with their times.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <time.h>

#include <cistern/monitor/statement_stats.hpp>

namespace cistern {

/// One statement in the rolling window.
struct window_entry {
    const statement_stats* statement = nullptr; ///< its fingerprint's counters
    /// How long the statement took.
    std::chrono::nanoseconds duration{};
    std::chrono::system_clock::time_point finished{}; ///< coarse wall time (a few ms resolution on Linux)
    /// False if the statement failed.
    bool ok = true;
};

/// A ring of the last `capacity` statements. record() is lock-free (one fetch_add on a
/// ticket, relaxed stores, one release store); entries() copies the ring, skipping slots
/// being overwritten at that moment.
class rolling_window {
public:
    /// A window of the last `capacity` statements (0 is taken as 1). Allocates the ring once.
    explicit rolling_window(std::size_t capacity = 1000)
        : cap_(capacity ? capacity : 1), slots_(std::make_unique<slot[]>(cap_)) {}

    /// The number of statements the window holds.
    std::size_t capacity() const noexcept { return cap_; }

    /// Adds one statement that finished at `finished_ns` (wall time, ns since the epoch;
    /// see wall_now_ns()).
    void record(const statement_stats* s, std::chrono::nanoseconds d, bool ok, std::int64_t finished_ns) noexcept {
        fill(claim(1), s, d, ok, finished_ns);
    }

    /// For batches: claim(n) reserves n consecutive positions and returns the first;
    /// fill(position, ...) writes each of them.
    std::uint64_t claim(std::size_t n) noexcept { return next_.fetch_add(n, std::memory_order_relaxed); }
    /// Writes one statement at position `t`, which claim() returned (or a later position of
    /// that claim). Lock-free; each position must be filled by one thread.
    void fill(std::uint64_t t, const statement_stats* s, std::chrono::nanoseconds d, bool ok,
              std::int64_t finished_ns) noexcept {
        auto& sl = slots_[t % cap_];
        // A seqlock without fences (ThreadSanitizer does not model fences): each field
        // store is a release, so a reader that sees any new field also sees seq = 0 (or
        // a later ticket) when it re-checks. On x86 these are plain stores.
        sl.seq.store(0, std::memory_order_relaxed);
        sl.stats.store(s, std::memory_order_release);
        sl.ns.store(d.count(), std::memory_order_release);
        sl.finished.store(finished_ns, std::memory_order_release);
        sl.ok.store(ok, std::memory_order_release);
        sl.seq.store(t + 1, std::memory_order_release);
    }

    /// Total statements ever recorded.
    std::uint64_t recorded() const noexcept { return next_.load(std::memory_order_relaxed); }

    /// The entries in the ring, oldest first (at most capacity()).
    std::vector<window_entry> entries() const {
        const auto end = next_.load(std::memory_order_acquire);
        const auto begin = end > cap_ ? end - cap_ : 0;
        std::vector<window_entry> v;
        v.reserve(static_cast<std::size_t>(end - begin));
        for (auto t = begin; t < end; ++t) {
            const auto& sl = slots_[t % cap_];
            if (sl.seq.load(std::memory_order_acquire) != t + 1) continue;
            window_entry e;
            e.statement = sl.stats.load(std::memory_order_acquire);
            e.duration = std::chrono::nanoseconds(sl.ns.load(std::memory_order_acquire));
            e.finished = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::nanoseconds(sl.finished.load(std::memory_order_acquire))));
            e.ok = sl.ok.load(std::memory_order_acquire);
            if (sl.seq.load(std::memory_order_relaxed) != t + 1) continue; // overwritten meanwhile
            v.push_back(e);
        }
        return v;
    }

    /// Wall time in ns since the epoch. Linux's CLOCK_REALTIME_COARSE reads the last tick
    /// (no counter read, a few ns); the window only needs to place statements in time.
    static std::int64_t wall_now_ns() noexcept {
#ifdef CLOCK_REALTIME_COARSE
        timespec ts{};
        if (::clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0)
            return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
#endif
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
    }

private:
    struct slot {
        std::atomic<std::uint64_t> seq{0};
        std::atomic<const statement_stats*> stats{nullptr};
        std::atomic<std::int64_t> ns{0};
        std::atomic<std::int64_t> finished{0};
        std::atomic<bool> ok{true};
    };
    std::size_t cap_;
    std::unique_ptr<slot[]> slots_;
    std::atomic<std::uint64_t> next_{0};
};

} // namespace cistern

#pragma once
/// \file
/// detail: small pieces the pool is built from (waiter queue, timed waits on any
/// clock, per-thread hint, jitter source).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <random>
#include <time.h>
#include <type_traits>

namespace cistern::detail {

/// An intrusive doubly-linked FIFO of nodes with `prev`/`next` members. Nodes live on
/// their waiters' stacks, so queueing allocates nothing.
template <class Node>
class intrusive_fifo {
public:
    void push_back(Node* n) noexcept {
        n->next = nullptr;
        n->prev = tail_;
        (tail_ ? tail_->next : head_) = n;
        tail_ = n;
        ++size_;
    }
    Node* pop_front() noexcept {
        Node* n = head_;
        if (n) remove(n);
        return n;
    }
    void remove(Node* n) noexcept {
        (n->prev ? n->prev->next : head_) = n->next;
        (n->next ? n->next->prev : tail_) = n->prev;
        n->prev = n->next = nullptr;
        --size_;
    }
    Node* front() const noexcept { return head_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    void clear() noexcept {
        head_ = tail_ = nullptr;
        size_ = 0;
    }

private:
    Node* head_ = nullptr;
    Node* tail_ = nullptr;
    std::size_t size_ = 0;
};

/// Waits on `cv` until notified or until `Clock` reaches `deadline`. Returns false when
/// the deadline has passed. For clocks other than steady_clock (e.g. a test clock moved
/// by hand) it waits in short real-time slices and re-reads the clock.
template <class Clock, class Lock>
bool wait_until(std::condition_variable& cv, Lock& lk, typename Clock::time_point deadline) {
    if (Clock::now() >= deadline) return false;
    if constexpr (std::is_same_v<Clock, std::chrono::steady_clock>) {
        cv.wait_until(lk, deadline);
    } else {
        cv.wait_for(lk, std::chrono::milliseconds(1));
    }
    return Clock::now() < deadline;
}

/// How long a waiter spins for a handoff before it sleeps on its condition variable. By
/// time, not by a count of pause instructions: a pause takes ~10 ns on some x86 cores and
/// ~40 ns on others. Only pauses: yielding in the spin was measured to hurt (on an
/// oversubscribed machine it steals time from the thread the connection was just handed
/// to; bench/pool_bench fairness case).
inline constexpr std::chrono::nanoseconds spin_budget{4000};

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

/// Spins until `done()` or until spin_budget has passed (real time, whatever clock the
/// pool uses); returns done().
template <class Done>
bool spin_until(Done&& done) noexcept {
    const auto start = std::chrono::steady_clock::now();
    for (unsigned i = 1;; ++i) {
        if (done()) return true;
        cpu_relax();
        if (i % 16 == 0 && std::chrono::steady_clock::now() - start >= spin_budget) return done();
    }
}

/// Clock::now(), except for std::chrono::steady_clock on Linux, where it reads
/// CLOCK_MONOTONIC_COARSE: the time base of steady_clock (CLOCK_MONOTONIC), at a third of
/// the cost, lagging it by at most one scheduler tick.
template <class Clock>
typename Clock::time_point coarse_now() noexcept {
#if defined(__linux__) && defined(CLOCK_MONOTONIC_COARSE) && defined(_GLIBCXX_USE_CLOCK_MONOTONIC)
    if constexpr (std::is_same_v<Clock, std::chrono::steady_clock>) {
        timespec ts;
        ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
        return typename Clock::time_point(std::chrono::duration_cast<typename Clock::duration>(
            std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
    }
#endif
    return Clock::now();
}

/// The connection this thread last returned to a pool, for the lock-free fast path.
struct pool_hint {
    std::uint64_t pool = 0;
    std::uint32_t slot = 0;
    bool contended = false; // the last connection came by handoff from the queue
};
inline thread_local pool_hint tl_hint{};

/// A process-wide unique id per pool (never reused, unlike addresses).
inline std::uint64_t next_pool_id() noexcept {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

/// A uniformly distributed number in [0, 1), from a per-thread generator.
inline double random_unit() noexcept {
    thread_local std::minstd_rand gen{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

} // namespace cistern::detail

#pragma once
/// \file
/// detail::seq_spin_mutex: a spin lock with a sequence count, so that readers may read
/// what it guards without taking it (a sequence lock, as the Linux kernel's seqlock_t),
/// and detail::seq_copy, the copy such a reader makes.

#include <cistern/detail/spin_mutex.hpp>
#include <cistern/detail/tsan.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(CISTERN_TSAN)
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
#endif

namespace cistern::detail {

/// A spin_mutex (Lockable) plus a sequence count that is odd while a holder changes what
/// the lock guards. A holder calls begin_write() before its first change (the call is
/// idempotent); unlock() then ends the write. A reader without the lock:
///
///     const auto seq = mu.read_begin();          // odd: a write is running
///     ... copy what it needs (seq_copy, relaxed atomics) ...
///     if (mu.read_valid(seq)) ... the copies are consistent ...
///
/// Holders that change nothing a reader reads (statistics, policy state) need not call
/// begin_write(), and so do not disturb readers.
class seq_spin_mutex {
public:
    void lock() noexcept { mu_.lock(); }
    bool try_lock() noexcept { return mu_.try_lock(); }
    /// spin_mutex::try_lock_expecting_free.
    bool try_lock_expecting_free() noexcept { return mu_.try_lock_expecting_free(); }
    [[gnu::always_inline]] void unlock() noexcept {
        const std::uint64_t s = seq_.load(std::memory_order_relaxed);
        if (s & 1) seq_.store(s + 1, std::memory_order_release);
        mu_.unlock();
    }
    /// Under the lock: marks the start of a change readers must not see half done. True
    /// when this call began the write (false when this holder had already begun it).
    bool begin_write() noexcept {
        const std::uint64_t s = seq_.load(std::memory_order_relaxed);
        if (s & 1) return false;
#if defined(CISTERN_TSAN) // ThreadSanitizer does not model fences: the stronger store instead
        seq_.store(s + 1, std::memory_order_seq_cst);
#else
        seq_.store(s + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
#endif
        return true;
    }
    /// The sequence before a read; odd means a write is running (take the lock instead).
    /// A reader that announced itself first (a grace period) loads it seq_cst.
    std::uint64_t read_begin(std::memory_order order = std::memory_order_acquire) const noexcept {
        return seq_.load(order);
    }
    /// After a read begun at `seq`: true when no write overlapped it.
    bool read_valid(std::uint64_t seq) const noexcept {
#if defined(CISTERN_TSAN)
        return seq_.load(std::memory_order_seq_cst) == seq;
#else
        std::atomic_thread_fence(std::memory_order_acquire);
        return seq_.load(std::memory_order_relaxed) == seq;
#endif
    }

private:
    spin_mutex mu_;
    std::atomic<std::uint64_t> seq_{0};
};

/// Copies `n` bytes that a writer holding a seq_spin_mutex may be changing, for a reader
/// that validates the copy with read_valid() before using it (a torn copy is discarded,
/// never looked at as an object). ThreadSanitizer is told to ignore these reads: they race
/// by design, and validation makes the race harmless.
inline void seq_copy(void* to, const void* from, std::size_t n) noexcept {
#if defined(CISTERN_TSAN)
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
#endif
    std::memcpy(to, from, n);
#if defined(CISTERN_TSAN)
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
#endif
}

} // namespace cistern::detail

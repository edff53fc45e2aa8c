#pragma once
/// \file
/// detail::spin_mutex: the lock of a cache shard and of a monitor statement's batch
/// updates. Critical sections are a few hundred
/// nanoseconds (no I/O, no allocation on reads), so waiting spins instead of sleeping in
/// the kernel, and yields the processor when the holder seems descheduled.

#include <atomic>
#include <thread>

namespace cistern::detail {

/// A test-and-test-and-set lock (Lockable). Not recursive, not fair.
class spin_mutex {
public:
    void lock() noexcept {
        for (;;) {
            if (!locked_.exchange(true, std::memory_order_acquire)) return;
            for (int spins = 0; locked_.load(std::memory_order_relaxed);) {
                if (++spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
                    __builtin_ia32_pause();
#endif
                } else {
                    std::this_thread::yield();
                }
            }
        }
    }
    bool try_lock() noexcept {
        return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
    }
    /// try_lock for a caller that expects the lock free (no load first: on a free lock the
    /// load is one instruction and a branch more; on a taken one the exchange costs more).
    bool try_lock_expecting_free() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> locked_{false};
};

} // namespace cistern::detail

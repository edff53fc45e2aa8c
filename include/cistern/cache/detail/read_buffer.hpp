#pragma once
/// \file
/// detail::read_buffer: the hits a cache shard served without its lock, recorded for its
/// eviction policy in small lossy rings, one per stripe of threads, and replayed under the
/// lock (Caffeine's read buffers).

#include <cistern/detail/tsan.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

namespace cistern::detail {

/// This thread's number, from 1: threads take consecutive numbers on first use (never
/// reused while the process runs, short of 2^32 threads).
inline std::uint32_t thread_number() noexcept {
    static std::atomic<std::uint32_t> next{0};
    thread_local std::uint32_t id = 0; // 0: not assigned yet (constant-initialised: no guard)
    if (id == 0) [[unlikely]] id = next.fetch_add(1, std::memory_order_relaxed) + 1;
    return id;
}

/// This thread's stripe number: consecutive from 0, so up to `stripes` threads each have
/// a ring of their own.
inline std::uint32_t thread_stripe() noexcept { return thread_number() - 1; }

/// Rings of 64-bit records (a cache stores slot and hash fingerprint), one per stripe.
/// record() is called without the owner's lock by any thread; drain() under it. A ring
/// holds the last `ring` records of its stripe: older ones not drained in time are lost,
/// and two threads sharing a stripe may overwrite each other's records (the owner's
/// policy sees fewer accesses, never a wrong slot: the owner validates each record). With
/// `exact`, record() counts every call (an atomic increment, the hit count); without it
/// a plain store that may lose counts between threads sharing a stripe.
///
/// One drainer at a time: a drain replays every stripe's records, and the stripe that
/// drained last (the drainer) asks for the next drain at half a ring while the others ask
/// only at a full ring. So while its thread keeps reading, one thread replays the others'
/// records too, and the policy's lines stay in that core's cache instead of moving
/// between cores on every drain; when it stops, another stripe fills and takes over.
///
/// Locked mode (for an owner whose reads may also take its lock): while one thread reads
/// alone, a record and its replay cost more than taking an uncontended lock, so reads
/// start in locked mode (locked() is true: they take the lock). A read that finds the lock
/// taken calls contended(), and reads go through the rings; when `lock_after` drains in a
/// row by one thread found no other thread's records, that drain turns locked mode back on.
/// Grace periods (for an owner whose readers without the lock dereference what its writers
/// free: keys and values that are not trivially copyable). A reader brackets its read with
/// enter() and the guard's end; the owner files what it removed with the current epoch()
/// and frees it once advance() has moved the epoch two past that. Each stripe counts its
/// readers by the parity of the epoch they entered in (two counters, as SRCU), so a reader
/// costs an atomic increment and a decrement on its own stripe's line and shares no line with other
/// threads; the owner's advance() reads one counter per stripe. A reader that stays
/// inside holds back reclamation, never a writer.
class read_buffer {
public:
    static constexpr std::uint32_t ring = 32;
    /// Drains in a row that found one thread's records alone before reads lock again.
    static constexpr std::uint32_t lock_after = 4;

    /// Allocates the stripes: one per hardware thread (a power of two, 2 to 16).
    void init() {
        const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
        const std::size_t n = std::clamp<std::size_t>(std::bit_ceil(hw), 2, 16);
        stripes_ = std::make_unique<stripe[]>(n);
        mask_ = n - 1;
    }
    /// Records `r` in this thread's ring; true when this thread should drain (if it can
    /// take the owner's lock without waiting).
    bool record(std::uint64_t r, bool exact) noexcept {
        const std::uint32_t me = thread_stripe() & static_cast<std::uint32_t>(mask_);
        stripe& st = stripes_[me];
        const std::uint64_t p = st.pos.load(std::memory_order_relaxed);
        st.records[p & (ring - 1)].store(r, std::memory_order_relaxed);
        if (exact) st.pos.fetch_add(1, std::memory_order_release);
        else st.pos.store(p + 1, std::memory_order_release);
        const std::uint64_t pending = p + 1 - st.drained.load(std::memory_order_relaxed);
        return pending >= (drainer_.load(std::memory_order_relaxed) == me ? ring / 2 : ring);
    }
    /// Under the owner's lock, by a thread whose record() asked for it: drain() and
    /// become the drainer. With `lock_when_alone`, a drainer that found only its own
    /// records `lock_after` times in a row turns locked mode on.
    template <class F>
    void drain_as_drainer(F&& f, bool lock_when_alone) {
        const std::uint32_t me = thread_stripe() & static_cast<std::uint32_t>(mask_);
        if (drainer_.load(std::memory_order_relaxed) != me) drainer_.store(me, std::memory_order_relaxed);
        const bool alone = drain(f, me);
        if (!lock_when_alone) return;
        solo_drains_ = alone ? solo_drains_ + 1 : 0;
        if (solo_drains_ >= lock_after) {
            solo_drains_ = 0;
            locked_.store(true, std::memory_order_relaxed);
        }
    }
    /// True in locked mode: reads take the owner's lock (a relaxed load: a hint, since
    /// either way of reading is correct at any time).
    bool locked() const noexcept { return locked_.load(std::memory_order_relaxed); }
    /// A read found the owner's lock taken: reads go through the rings.
    void contended() noexcept {
        if (locked_.load(std::memory_order_relaxed)) locked_.store(false, std::memory_order_relaxed);
    }
    /// Ends a read begun by enter().
    class guard {
    public:
        explicit guard(std::atomic<std::uint64_t>* readers) noexcept : readers_(readers) {}
        guard(const guard&) = delete;
        guard& operator=(const guard&) = delete;
        ~guard() { readers_->fetch_sub(1, std::memory_order_release); }

    private:
        std::atomic<std::uint64_t>* readers_;
    };
    /// Announces a reader on this thread's stripe (a sequentially consistent increment:
    /// what the reader loads next, seq_cst, sees every change the owner made before the
    /// fence of an advance() that did not see this reader).
    guard enter() const noexcept {
        stripe& st = stripes_[thread_stripe() & mask_];
        std::atomic<std::uint64_t>* readers = &st.readers[epoch_.load(std::memory_order_relaxed) & 1];
        readers->fetch_add(1, std::memory_order_seq_cst);
        return guard(readers);
    }
    /// Under the owner's lock, right after it began a write (made its sequence count odd):
    /// true when no reader is inside. Then none can reach what the write changes: a reader
    /// that enters later loads the odd count (seq_cst, after its announcement) and reads
    /// nothing, or loads the count the write ends with and finds the change done; so the
    /// write may change values in place and free removed entries at once, and everything
    /// filed before may be freed.
    bool none_inside() const noexcept {
        fence();
        for (std::size_t i = 0; i <= mask_; ++i)
            if ((stripes_[i].readers[0].load(std::memory_order_acquire) | stripes_[i].readers[1].load(std::memory_order_acquire)) != 0)
                return false;
        return true;
    }
    /// The epoch to file a removal under (under the owner's lock).
    std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_relaxed); }
    /// Under the owner's lock, after removals: moves the epoch on, at most twice, while no
    /// reader remains of the parity before the current one; returns the epoch. What was
    /// filed under epoch e may be freed once this returns e + 2 or more: every reader that
    /// could have found it has left.
    std::uint64_t advance() noexcept {
        fence(); // the removals before the counts read next
        std::uint64_t e = epoch_.load(std::memory_order_relaxed);
        for (int step = 0; step < 2; ++step) {
            for (std::size_t i = 0; i <= mask_; ++i)
                if (stripes_[i].readers[(e + 1) & 1].load(std::memory_order_acquire) != 0) return e;
            epoch_.store(++e, std::memory_order_seq_cst);
        }
        return e;
    }

    /// Counts a miss served without the lock.
    void count_miss() noexcept { stripes_[thread_stripe() & mask_].misses.fetch_add(1, std::memory_order_relaxed); }
    /// Under the owner's lock: calls `f(record)` for each record not drained before,
    /// oldest first (at most the last `ring` of each stripe).
    /// Returns true when no stripe but `mine` had records.
    template <class F>
    bool drain(F&& f, std::size_t mine = ~std::size_t{0}) {
        bool alone = true;
        for (std::size_t i = 0; i <= mask_; ++i) {
            stripe& st = stripes_[i];
            const std::uint64_t end = st.pos.load(std::memory_order_acquire);
            const std::uint64_t done = st.drained.load(std::memory_order_relaxed);
            if (end == done) continue;
            alone = alone && i == mine;
            // (A stripe shared by threads without exact counts may even move backwards.)
            const std::uint64_t begin = end - done > ring ? end - ring : done;
            st.drained.store(end, std::memory_order_relaxed); // first: if f throws, these are dropped, not replayed twice
            for (std::uint64_t p = begin; p != end; ++p) f(st.records[p & (ring - 1)].load(std::memory_order_relaxed));
        }
        return alone;
    }
    /// The records made with `exact` (the hits served without the lock).
    std::uint64_t recorded() const noexcept {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i <= mask_; ++i) n += stripes_[i].pos.load(std::memory_order_relaxed);
        return n;
    }
    /// The misses counted.
    std::uint64_t misses() const noexcept {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i <= mask_; ++i) n += stripes_[i].misses.load(std::memory_order_relaxed);
        return n;
    }
    std::size_t memory_bytes() const noexcept { return (mask_ + 1) * sizeof(stripe); }

private:
    // One stripe: its counters and ring, on lines of its own.
    struct alignas(64) stripe {
        std::atomic<std::uint64_t> pos{0};    // records made (the next one goes to pos % ring)
        std::atomic<std::uint64_t> misses{0};
        std::atomic<std::uint64_t> drained{0}; // records drained (written under the owner's lock)
        std::atomic<std::uint64_t> readers[2] = {}; // readers inside, by the parity of their epoch (enter())
        std::atomic<std::uint64_t> records[ring] = {};
    };
    // A sequentially consistent fence (under ThreadSanitizer, which does not model fences,
    // a sequentially consistent RMW instead).
    void fence() const noexcept {
#if defined(CISTERN_TSAN)
        (void)epoch_.fetch_add(0, std::memory_order_seq_cst);
#else
        std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
    }

    std::unique_ptr<stripe[]> stripes_;
    std::size_t mask_ = 0;
    std::atomic<std::uint32_t> drainer_{0}; // the stripe that drained last
    std::atomic<bool> locked_{true};        // locked mode (see the class comment)
    mutable std::atomic<std::uint64_t> epoch_{0}; // grace periods (enter, advance)
    std::uint32_t solo_drains_ = 0;         // drains in a row by the drainer alone (under the owner's lock)
};

} // namespace cistern::detail

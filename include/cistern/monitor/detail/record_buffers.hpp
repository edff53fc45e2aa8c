#pragma once
/// \file
/// detail::record_buffers: per-thread rings of statement records not yet applied to the
/// monitor's shared counters, so that threads recording at once do not fight over the
/// same cache lines on every statement.

#include <algorithm>
#include <cistern/monitor/statement_registry.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern {

struct statement_stats;

namespace detail {

/// One recorded statement waiting to be applied.
struct pending_record {
    statement_stats* stats;
    std::int64_t ns;        ///< duration
    std::int64_t finished;  ///< steady_clock time, ns (converted to wall time when applied)
    std::uint64_t rows;
    bool ok;
};

/// A single-producer ring of pending records. The owning thread pushes without a lock
/// (plain stores of the slot, one release store of `head_`); draining (by the owner when
/// the ring is full, or by a snapshot) happens under `drain_mu_`, so each record is
/// applied exactly once.
class record_ring {
public:
    static constexpr std::uint32_t capacity = 256;

    /// Owner thread only. False when the ring is full (drain it, then push again).
    bool try_push(const pending_record& r) noexcept {
        const std::uint64_t h = head_.load(std::memory_order_relaxed);
        if (h - cached_tail_ == capacity) {
            cached_tail_ = tail_.load(std::memory_order_acquire);
            if (h - cached_tail_ == capacity) return false;
        }
        slots_[h % capacity] = r;
        head_.store(h + 1, std::memory_order_release);
        return true;
    }

    /// Any thread: applies every record pushed so far, oldest first, with
    /// `apply(std::span<const pending_record>)` (called once, or twice where the ring wraps).
    template <class Apply>
    void drain(Apply& apply) {
        std::lock_guard lk(drain_mu_);
        const std::uint64_t t = tail_.load(std::memory_order_relaxed);
        const std::uint64_t h = head_.load(std::memory_order_acquire);
        if (t == h) return;
        const std::size_t first = static_cast<std::size_t>(t % capacity), n = static_cast<std::size_t>(h - t);
        const std::size_t run = std::min(n, capacity - first);
        apply(std::span<const pending_record>(slots_.data() + first, run));
        if (run < n) apply(std::span<const pending_record>(slots_.data(), n - run));
        tail_.store(h, std::memory_order_release);
    }

    /// Owner thread only: the statement of `sql`, from a small memo of the texts this
    /// thread recorded lately, keyed by the text's address and length and confirmed by
    /// comparing the text (a buffer reused for another statement misses); else from
    /// `reg` (a hash and a probe), remembered when the registry keeps the text.
    statement_stats& lookup(std::string_view sql, statement_registry& reg) {
        memo_entry& m = memo_[((reinterpret_cast<std::uintptr_t>(sql.data()) >> 3) ^ sql.size()) % memo_.size()];
        if (m.ptr == sql.data() && m.len == sql.size() && same_text(m.text, sql.data(), sql.size())) [[likely]]
            return *m.stats;
        const statement_registry::found f = reg.find_text(sql);
        if (f.text) m = memo_entry{sql.data(), sql.size(), f.text, f.stats};
        return *f.stats;
    }

    /// Set by the owner once it will push no more (thread exit, or it dropped the ring).
    void retire() noexcept { retired_.store(true, std::memory_order_release); }
    bool retired() const noexcept { return retired_.load(std::memory_order_acquire); }

private:
    struct memo_entry {
        const char* ptr = nullptr; // the caller's text, as last seen
        std::size_t len = 0;
        const char* text = nullptr; // the registry's copy
        statement_stats* stats = nullptr;
    };

    alignas(64) std::atomic<std::uint64_t> head_{0};
    std::uint64_t cached_tail_ = 0; // owner's last view of tail_
    std::array<memo_entry, 16> memo_{}; // owner only
    alignas(64) std::atomic<std::uint64_t> tail_{0};
    std::atomic<bool> retired_{false};
    std::mutex drain_mu_;
    alignas(64) std::array<pending_record, capacity> slots_;
};

/// The rings of one monitor, one per recording thread.
///
/// A thread finds its ring through a small thread_local cache keyed by an id that is
/// unique per record_buffers instance (never reused, so a cache entry left by a destroyed
/// monitor never matches). The ring is shared by the thread's cache and the monitor: a
/// ring outlives whichever lets go first. When a thread exits or drops a ring from its
/// cache, it retires it; the next drain_all() applies what is left and forgets it.
class record_buffers {
public:
    record_buffers() : id_(next_id()) {}
    record_buffers(const record_buffers&) = delete;
    record_buffers& operator=(const record_buffers&) = delete;

    /// Records `r`; applies the calling thread's pending records with `apply` first when
    /// its ring is full. Lock-free unless the thread records into this monitor for the
    /// first time (registration) or its ring is full (drain).
    template <class Apply>
    void push(const pending_record& r, Apply& apply) {
        push(mine(apply), r, apply);
    }
    /// The same, into `ring`, which must be the calling thread's (from mine()).
    template <class Apply>
    void push(record_ring& ring, const pending_record& r, Apply& apply) {
        if (ring.try_push(r)) [[likely]] return;
        ring.drain(apply);
        ring.try_push(r); // cannot fail: only this thread pushes and the ring is empty
    }

    /// Applies every thread's pending records with `apply`; forgets retired rings.
    template <class Apply>
    void drain_all(Apply& apply) {
        std::lock_guard lk(mu_);
        drain_locked(apply, false);
    }

    /// Rings registered (live threads plus retired ones not yet drained).
    std::size_t rings() const {
        std::lock_guard lk(mu_);
        return rings_.size();
    }

private:
    // Applies pending records of every ring (or of retired rings only) and forgets
    // retired rings. Under mu_.
    template <class Apply>
    void drain_locked(Apply& apply, bool retired_only) {
        for (std::size_t i = 0; i < rings_.size();) {
            // retired() first: a retired ring's last pushes are then visible to drain().
            const bool gone = rings_[i]->retired();
            if (gone || !retired_only) rings_[i]->drain(apply);
            if (gone) {
                rings_[i] = std::move(rings_.back());
                rings_.pop_back();
            } else {
                ++i;
            }
        }
    }

    struct cached_ring {
        std::uint64_t owner = 0;
        std::shared_ptr<record_ring> ring;
        cached_ring() = default;
        cached_ring(std::uint64_t o, std::shared_ptr<record_ring> r) noexcept : owner(o), ring(std::move(r)) {}
        cached_ring(cached_ring&& o) noexcept : owner(o.owner), ring(std::move(o.ring)) {}
        cached_ring& operator=(cached_ring&& o) noexcept {
            if (this != &o) {
                if (ring) ring->retire();
                owner = o.owner;
                ring = std::move(o.ring);
            }
            return *this;
        }
        ~cached_ring() {
            if (ring) ring->retire();
        }
    };
    static constexpr std::size_t cache_ways = 4;
    using thread_cache = std::array<cached_ring, cache_ways>;

    static std::uint64_t next_id() noexcept {
        static std::atomic<std::uint64_t> ids{0};
        return ids.fetch_add(1, std::memory_order_relaxed) + 1;
    }
    static thread_cache& cache() noexcept {
        thread_local thread_cache c;
        return c;
    }

public:
    /// The calling thread's ring for this monitor (registered on first use; `apply` then
    /// drains the rings of threads that have gone).
    template <class Apply>
    record_ring& mine(Apply& apply) {
        thread_cache& c = cache();
        if (c[0].owner == id_) [[likely]] return *c[0].ring;
        for (std::size_t i = 1; i < cache_ways; ++i)
            if (c[i].owner == id_) {
                std::swap(c[0], c[i]); // most recent first (swap moves, retiring nothing)
                return *c[0].ring;
            }
        return *adopt(c, apply);
    }

private:

    // First record of this thread into this monitor (or its entry was pushed out of the
    // thread's cache): a new ring, registered here and put first in the thread's cache.
    // The entry it displaces from the cache is retired. Rings of threads that have gone
    // are applied and dropped here too, so that thread churn without snapshots does not
    // pile up rings.
    template <class Apply>
    std::shared_ptr<record_ring> adopt(thread_cache& c, Apply& apply) {
        auto ring = std::make_shared<record_ring>();
        {
            std::lock_guard lk(mu_);
            drain_locked(apply, true);
            rings_.push_back(ring);
        }
        for (std::size_t i = cache_ways - 1; i > 0; --i) std::swap(c[i], c[i - 1]);
        c[0] = cached_ring(id_, ring); // retires what was last
        return ring;
    }

    const std::uint64_t id_;
    mutable std::mutex mu_;
    std::vector<std::shared_ptr<record_ring>> rings_;
};

} // namespace detail
} // namespace cistern

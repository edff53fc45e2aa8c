#pragma once
/// \file
/// detail::timer_wheel: a hierarchical timing wheel over slot indices, for removing
/// entries when they expire in amortized O(1) per entry.

#include <cistern/cache/detail/grow.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace cistern::detail {

/// Five levels of 64 buckets; level i has a tick of 2^(20 + 6i) ns (about 1 ms, 67 ms,
/// 4.3 s, 4.6 min and 4.9 h). An entry due at time t sits in the bucket of t's tick on
/// the first level whose 64 ticks reach t; when time enters that tick, the bucket's
/// entries are expired or, if due later, moved to a finer level, so an entry is removed
/// at most two level-0 ticks (about 2 ms) after it is due. Schedule,
/// reschedule and deschedule are O(1); advance() touches each entry once per level it
/// cascades through. Times are nanoseconds on the cache's clock.
class timer_wheel {
public:
    static constexpr std::uint32_t none = 0xffffffffu;
    static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

    timer_wheel() { clear(0); }

    /// Removes every entry and sets the current time.
    void clear(std::int64_t now) {
        nodes_.assign(sentinels, node{});
        for (std::uint32_t i = 0; i < sentinels; ++i) nodes_[i] = node{i, i, never};
        set_now(now);
        set_size(0);
    }
    /// Makes room for `slot`.
    void ensure(std::uint32_t slot) {
        const std::size_t need = std::size_t{sentinels} + slot + 1;
        grow_to(nodes_, need, node{});
    }
    /// The time `slot` is due, or `never`.
    std::int64_t due(std::uint32_t slot) const noexcept {
        const std::size_t i = std::size_t{sentinels} + slot;
        return i < nodes_.size() ? nodes_[i].at : never;
    }
    /// Schedules (or moves) `slot` to be due at `at`; `never` deschedules it.
    void schedule(std::uint32_t slot, std::int64_t at) {
        ensure(slot);
        const std::uint32_t i = sentinels + slot;
        if (nodes_[i].next != none) unlink(i);
        nodes_[i].at = at;
        if (at != never) link(i);
    }
    /// Forgets `slot`.
    void deschedule(std::uint32_t slot) noexcept {
        const std::size_t i = std::size_t{sentinels} + slot;
        if (i >= nodes_.size()) return;
        if (nodes_[i].next != none) unlink(static_cast<std::uint32_t>(i));
        nodes_[i].at = never;
    }
    std::size_t size() const noexcept {
        return std::atomic_ref<std::size_t>(const_cast<std::size_t&>(size_)).load(std::memory_order_relaxed);
    }
    std::int64_t now() const noexcept { return now_; }

    /// Moves time to `now` and calls `expire(slot)` for every scheduled slot due at or
    /// before it (the slot is descheduled before the call).
    /// True when advance(now) may have work: time entered a new level-0 tick.
    bool ticked(std::int64_t now) const noexcept { return (now >> shift(0)) != (now_ >> shift(0)); }
    /// ticked() without the owner's lock (the wheel's time and size are written
    /// atomically), and false for an empty wheel: advance() would only move its time. (An
    /// owner that keeps nothing in the wheel need not advance it, and its time then stays
    /// behind: without this test every such call would seem to have work.)
    bool ticked_shared(std::int64_t now) const noexcept {
        if (size() == 0) return false;
        const std::int64_t at = std::atomic_ref<std::int64_t>(const_cast<std::int64_t&>(now_)).load(std::memory_order_relaxed);
        return (now >> shift(0)) != (at >> shift(0));
    }
    template <class F>
    void advance(std::int64_t now, F&& expire) {
        if (now <= now_) return;
        const std::int64_t before = now_;
        set_now(now);
        for (std::uint32_t level = 0; level < levels; ++level) {
            const std::int64_t prev_tick = before >> shift(level), cur_tick = now >> shift(level);
            if (prev_tick == cur_tick) break;
            const std::int64_t count = cur_tick - prev_tick < buckets ? cur_tick - prev_tick : buckets;
            for (std::int64_t t = prev_tick + 1; t <= prev_tick + count; ++t) {
                const std::uint32_t s = level * buckets + static_cast<std::uint32_t>(t & (buckets - 1));
                // Detach the whole bucket first: rescheduled entries may land in it again.
                std::uint32_t i = nodes_[s].next;
                if (i == s) continue;
                nodes_[nodes_[s].prev].next = none;
                nodes_[s] = node{s, s, never};
                while (i != none) {
                    const std::uint32_t nxt = nodes_[i].next;
                    nodes_[i].prev = nodes_[i].next = none;
                    set_size(size_ - 1);
                    if (nodes_[i].at <= now) {
                        nodes_[i].at = never;
                        expire(i - sentinels);
                    } else {
                        link(i);
                    }
                    i = nxt;
                }
            }
        }
    }
    std::size_t memory_bytes() const noexcept { return nodes_.capacity() * sizeof(node); }

private:
    static constexpr std::uint32_t levels = 5, buckets = 64, sentinels = levels * buckets;
    static constexpr unsigned shift(std::uint32_t level) noexcept { return 20 + 6 * level; }

    struct node {
        std::uint32_t prev = none, next = none;
        std::int64_t at = never;
    };

    void link(std::uint32_t i) noexcept {
        const std::int64_t at = nodes_[i].at;
        std::uint32_t level = 0;
        std::int64_t tick = 0;
        for (; level < levels; ++level) {
            tick = at >> shift(level);
            const std::int64_t cur = now_ >> shift(level);
            if (level == 0 && tick <= cur) tick = cur + 1; // due within this tick: the next one removes it
            if (tick - cur < buckets) break;
        }
        if (level == levels) { // beyond the wheel: park in the farthest bucket, look again then
            level = levels - 1;
            tick = (now_ >> shift(level)) + buckets - 1;
        }
        const std::uint32_t s = level * buckets + static_cast<std::uint32_t>(tick & (buckets - 1));
        const std::uint32_t last = nodes_[s].prev;
        nodes_[i].prev = last;
        nodes_[i].next = s;
        nodes_[last].next = i;
        nodes_[s].prev = i;
        set_size(size_ + 1);
    }
    void unlink(std::uint32_t i) noexcept {
        nodes_[nodes_[i].prev].next = nodes_[i].next;
        nodes_[nodes_[i].next].prev = nodes_[i].prev;
        nodes_[i].prev = nodes_[i].next = none;
        set_size(size_ - 1);
    }

    std::vector<node> nodes_;
    void set_now(std::int64_t now) noexcept { std::atomic_ref<std::int64_t>(now_).store(now, std::memory_order_relaxed); }
    // The entries scheduled; written atomically (read by size() without the owner's lock).
    void set_size(std::size_t n) noexcept { std::atomic_ref<std::size_t>(size_).store(n, std::memory_order_relaxed); }
    alignas(8) std::int64_t now_ = 0;
    alignas(8) std::size_t size_ = 0;
};

} // namespace cistern::detail

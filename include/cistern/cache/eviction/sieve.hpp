#pragma once
/// \file
/// cistern::eviction::sieve: SIEVE (Zhang et al., NSDI 2024).

#include <cistern/cache/detail/grow.hpp>
#include <cistern/cache/detail/slot_lists.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cistern::eviction {

/// SIEVE as published: a FIFO queue with one "visited" bit per entry and a hand that
/// sweeps from the oldest entry towards the newest: a visited entry under the hand is
/// spared (its bit cleared), the first unvisited one is evicted, and the hand stays
/// where it stopped (wrapping from the newest back to the oldest). A hit only sets a bit,
/// so reads never reorder the queue. As in the paper, a miss evicts first and then
/// inserts: the entry being inserted is not in the queue while its victims are chosen,
/// so the hand can never evict it. 9 bytes per entry.
class sieve {
public:
    /// EvictionPolicy::reset: forgets every entry and parks the hand.
    void reset(std::uint64_t /*capacity*/) {
        lists_.clear();
        visited_.clear();
        hand_ = pending_ = none;
    }
    /// Changes the bound, keeping every entry, bit and the hand (SIEVE does not depend on
    /// it); an entry still joining the queue joins it now, so the evictions that follow
    /// may choose it.
    void set_capacity(std::uint64_t /*capacity*/) noexcept { link_pending(); }
    /// EvictionPolicy::on_insert: `slot` joins the queue's newest end, not visited. May throw
    /// std::bad_alloc while growing to a slot number not seen before.
    void on_insert(std::uint32_t slot, std::uint64_t /*hash*/, std::uint64_t /*weight*/) {
        link_pending();
        lists_.ensure(slot);
        detail::grow_to(visited_, std::size_t{slot} + 1);
        visited_[slot] = 0;
        // Joins the queue once the evictions its insertion causes are done.
        pending_ = slot;
    }
    /// EvictionPolicy::on_access: marks `slot` visited (the queue is not reordered).
    void on_access(std::uint32_t slot, std::uint64_t /*hash*/) noexcept {
        link_pending();
        visited_[slot] = 1;
    }
    /// EvictionPolicy::on_update: a replacement marks the entry visited (as on_access).
    void on_update(std::uint32_t slot, std::uint64_t hash, std::uint64_t /*weight*/) noexcept { on_access(slot, hash); }
    /// EvictionPolicy::on_erase: forgets `slot`; a hand resting on it moves to the next entry.
    void on_erase(std::uint32_t slot) noexcept {
        link_pending();
        if (hand_ == slot) hand_ = lists_.next(slot);
        lists_.unlink(0, slot);
    }
    /// EvictionPolicy::evict: sweeps from the hand, sparing and clearing visited entries, and
    /// forgets and returns the first unvisited one. Precondition: at least one entry is tracked.
    std::uint32_t evict() noexcept {
        std::uint32_t h = hand_ == none ? lists_.front(0) : hand_;
        while (visited_[h]) {
            visited_[h] = 0;
            h = lists_.next(h);
            if (h == none) h = lists_.front(0);
        }
        hand_ = lists_.next(h);
        lists_.unlink(0, h);
        return h;
    }

private:
    static constexpr std::uint32_t none = detail::slot_lists<1>::none;
    void link_pending() noexcept {
        if (pending_ == none) return;
        lists_.push_back(0, pending_);
        pending_ = none;
    }
    detail::slot_lists<1> lists_;
    std::vector<std::uint8_t> visited_;
    std::uint32_t hand_ = none, pending_ = none;
};

} // namespace cistern::eviction

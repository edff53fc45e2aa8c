#pragma once
/// \file
/// cistern::eviction::s3fifo: S3-FIFO (Yang et al., SOSP 2023).

#include <cistern/cache/detail/grow.hpp>
#include <cistern/cache/detail/slot_lists.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cistern::eviction {

/// S3-FIFO as published (the paper's algorithm and its reference implementation,
/// libCacheSim's S3FIFOv0): three FIFO queues, a small one (10 % of the bound, at least
/// 1) that new entries enter, a main one (the rest), and a ghost queue of the hashes of
/// entries evicted from small, as many as 90 % of the bound. Each entry has a hit counter
/// capped at 3. A key whose hash is in the ghost enters main instead (and leaves the
/// ghost). To evict: from main when main weighs more than its share or small is empty,
/// else from small. Small's oldest entry, hit at least twice, moves to main with its
/// counter reset (and small goes on to its next oldest); otherwise it is the victim and
/// its hash enters the ghost. Main's oldest entry, if hit, goes back to main's newest end
/// with one hit fewer; otherwise it is the victim. A miss evicts first and then inserts:
/// the new entry is not in any queue while its victims are chosen.
class s3fifo {
public:
    /// EvictionPolicy::reset: forgets every entry and the ghost queue; the small queue's
    /// budget becomes 10 % of `capacity` (at least 1). May throw std::bad_alloc.
    void reset(std::uint64_t capacity) {
        lists_.clear();
        freq_.clear();
        weight_.clear();
        hashes_.clear();
        ghost_.clear();
        ghost_order_.clear();
        small_budget_ = std::max<std::uint64_t>(1, capacity / 10);
        main_budget_ = capacity > small_budget_ ? capacity - small_budget_ : 0;
        ghost_limit_ = static_cast<std::size_t>(capacity - capacity / 10);
        small_weight_ = main_weight_ = 0;
        ghost_seq_ = 0;
        pending_ = none;
    }
    /// Changes the bound to `capacity`, keeping every entry and queue: small's and main's
    /// shares and the ghost's length are set as reset() sets them (the ghost's oldest
    /// hashes go when it is now too long).
    void set_capacity(std::uint64_t capacity) {
        link_pending();
        small_budget_ = std::max<std::uint64_t>(1, capacity / 10);
        main_budget_ = capacity > small_budget_ ? capacity - small_budget_ : 0;
        ghost_limit_ = static_cast<std::size_t>(capacity - capacity / 10);
        trim_ghost();
    }
    /// EvictionPolicy::on_insert: `slot` enters the small queue, or the main queue if its key's
    /// `hash` is in the ghost queue; `weight` counts against the small queue's budget.
    /// May throw std::bad_alloc.
    void on_insert(std::uint32_t slot, std::uint64_t hash, std::uint64_t weight) {
        link_pending();
        lists_.ensure(slot);
        if (slot >= freq_.size()) {
            const std::size_t n = std::size_t{slot} + 1;
            detail::grow_to(freq_, n);
            detail::grow_to(weight_, n);
        }
        freq_[slot] = 0;
        hash_of(slot, hash);
        weight_[slot] = static_cast<std::uint32_t>(weight);
        if (auto it = ghost_.find(hash); it != ghost_.end()) {
            ghost_.erase(it);
            set_queue(slot, main);
        } else {
            set_queue(slot, small);
        }
        // Joins its queue once the evictions its insertion causes are done.
        pending_ = slot;
    }
    /// EvictionPolicy::on_access: adds one to `slot`'s hit counter (saturating at 3).
    void on_access(std::uint32_t slot, std::uint64_t /*hash*/) noexcept {
        link_pending();
        if ((freq_[slot] & 3) < 3) ++freq_[slot];
    }
    /// EvictionPolicy::on_update: records the new `weight` and counts the replacement as a hit.
    void on_update(std::uint32_t slot, std::uint64_t hash, std::uint64_t weight) noexcept {
        link_pending();
        (queue_of(slot) == small ? small_weight_ : main_weight_) += weight - weight_[slot];
        weight_[slot] = static_cast<std::uint32_t>(weight);
        on_access(slot, hash);
    }
    /// EvictionPolicy::on_erase: forgets `slot` (its hash does not enter the ghost queue).
    void on_erase(std::uint32_t slot) noexcept {
        link_pending();
        (queue_of(slot) == small ? small_weight_ : main_weight_) -= weight_[slot];
        lists_.unlink(queue_of(slot), slot);
    }
    /// EvictionPolicy::evict: forgets and returns the victim chosen as the class describes,
    /// remembering its hash in the ghost queue. Precondition: at least one entry is tracked.
    /// May throw std::bad_alloc (the ghost queue).
    std::uint32_t evict() {
        if (main_weight_ > main_budget_ || lists_.empty(small)) return evict_main();
        for (;;) {
            const std::uint32_t t = lists_.front(small);
            if (t == none) return evict_main(); // all of small moved to main
            small_weight_ -= weight_[t];
            if ((freq_[t] & 3) > 1) {
                lists_.move_to_back(small, main, t);
                freq_[t] = 0;
                set_queue(t, main);
                main_weight_ += weight_[t];
                continue;
            }
            lists_.unlink(small, t);
            remember(hashes_[t]);
            return t;
        }
    }

private:
    static constexpr std::uint32_t small = 0, main = 1;
    static constexpr std::uint32_t none = detail::slot_lists<2>::none;
    std::uint32_t evict_main() noexcept {
        for (;;) {
            const std::uint32_t t = lists_.front(main);
            if ((freq_[t] & 3) > 0) {
                --freq_[t];
                lists_.move_to_back(main, main, t);
                continue;
            }
            main_weight_ -= weight_[t];
            lists_.unlink(main, t);
            return t;
        }
    }
    void link_pending() noexcept {
        if (pending_ == none) return;
        const std::uint32_t q = queue_of(pending_);
        lists_.push_back(q, pending_);
        (q == small ? small_weight_ : main_weight_) += weight_[pending_];
        pending_ = none;
    }
    // freq_ holds the hit counter in bits 0-1 and the queue in bit 2.
    std::uint32_t queue_of(std::uint32_t slot) const noexcept { return (freq_[slot] >> 2) & 1; }
    void set_queue(std::uint32_t slot, std::uint32_t q) noexcept {
        freq_[slot] = static_cast<std::uint8_t>((freq_[slot] & 3) | (q << 2));
    }
    void hash_of(std::uint32_t slot, std::uint64_t hash) {
        if (slot >= hashes_.size()) hashes_.resize(freq_.size());
        hashes_[slot] = hash;
    }
    // The ghost is a FIFO of hashes from which a reinserted key is removed: ghost_ maps the
    // live ones to their sequence number, ghost_order_ keeps the order (with the records of
    // removed ones, skipped when they reach the front and compacted when they pile up).
    void remember(std::uint64_t hash) {
        ghost_[hash] = ++ghost_seq_;
        ghost_order_.emplace_back(hash, ghost_seq_);
        trim_ghost();
    }
    void trim_ghost() {
        while (ghost_.size() > ghost_limit_ && !ghost_order_.empty()) {
            auto [h, seq] = ghost_order_.front();
            ghost_order_.pop_front();
            if (auto it = ghost_.find(h); it != ghost_.end() && it->second == seq) ghost_.erase(it);
        }
        if (ghost_order_.size() > 2 * ghost_limit_ + 64) {
            std::deque<std::pair<std::uint64_t, std::uint64_t>> live;
            for (const auto& [h, seq] : ghost_order_)
                if (auto it = ghost_.find(h); it != ghost_.end() && it->second == seq) live.emplace_back(h, seq);
            ghost_order_.swap(live);
        }
    }

    detail::slot_lists<2> lists_;
    std::vector<std::uint8_t> freq_;
    std::vector<std::uint32_t> weight_;
    std::vector<std::uint64_t> hashes_;
    std::unordered_map<std::uint64_t, std::uint64_t> ghost_;
    std::deque<std::pair<std::uint64_t, std::uint64_t>> ghost_order_;
    std::uint64_t small_budget_ = 1, main_budget_ = 0, small_weight_ = 0, main_weight_ = 0, ghost_seq_ = 0;
    std::size_t ghost_limit_ = 0;
    std::uint32_t pending_ = none;
};

} // namespace cistern::eviction

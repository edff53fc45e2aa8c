#pragma once
/// \file
/// cistern::eviction::s3fifo: S3-FIFO (Yang et al., SOSP 2023).

#include <cistern/cache/detail/grow.hpp>
#include <cistern/cache/detail/slot_lists.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cistern::eviction {

/// Three FIFO queues: a small one (10 % of the bound) that new entries enter, a main
/// one, and a ghost queue of recently evicted keys' hashes. Each entry has a 2-bit hit
/// counter. Leaving the small queue, an entry hit more than once moves to main, others
/// are evicted into the ghost; a key found in the ghost is inserted straight into
/// main. Main reinserts entries with hits (one hit fewer) and evicts the rest.
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
        small_budget_ = capacity / 10 == 0 ? 1 : capacity / 10;
        small_weight_ = 0;
        ghost_seq_ = 0;
    }
    /// EvictionPolicy::on_insert: `slot` enters the small queue, or the main queue if its key's
    /// `hash` is in the ghost queue; `weight` counts against the small queue's budget.
    /// May throw std::bad_alloc.
    void on_insert(std::uint32_t slot, std::uint64_t hash, std::uint64_t weight) {
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
            lists_.push_back(main, slot);
        } else {
            set_queue(slot, small);
            lists_.push_back(small, slot);
            small_weight_ += weight;
        }
    }
    /// EvictionPolicy::on_access: adds one to `slot`'s hit counter (saturating at 3).
    void on_access(std::uint32_t slot, std::uint64_t /*hash*/) noexcept {
        if ((freq_[slot] & 3) < 3) ++freq_[slot];
    }
    /// EvictionPolicy::on_update: records the new `weight` and counts the replacement as a hit.
    void on_update(std::uint32_t slot, std::uint64_t hash, std::uint64_t weight) noexcept {
        if (queue_of(slot) == small) small_weight_ = small_weight_ - weight_[slot] + weight;
        weight_[slot] = static_cast<std::uint32_t>(weight);
        on_access(slot, hash);
    }
    /// EvictionPolicy::on_erase: forgets `slot` (its hash does not enter the ghost queue).
    void on_erase(std::uint32_t slot) noexcept {
        if (queue_of(slot) == small) small_weight_ -= weight_[slot];
        lists_.unlink(queue_of(slot), slot);
    }
    /// EvictionPolicy::evict: forgets and returns the victim chosen as the class describes,
    /// remembering its hash in the ghost queue. Precondition: at least one entry is tracked.
    /// May throw std::bad_alloc (the ghost queue).
    std::uint32_t evict() {
        for (;;) {
            if (!lists_.empty(small) && (small_weight_ >= small_budget_ || lists_.empty(main))) {
                const std::uint32_t t = lists_.front(small);
                small_weight_ -= weight_[t];
                if ((freq_[t] & 3) > 1) {
                    lists_.move_to_back(small, main, t);
                    freq_[t] = 0;
                    set_queue(t, main);
                    continue;
                }
                lists_.unlink(small, t);
                remember(hashes_[t]);
                return t;
            }
            const std::uint32_t t = lists_.front(main);
            if ((freq_[t] & 3) > 0) {
                --freq_[t];
                lists_.move_to_back(main, main, t);
                continue;
            }
            lists_.unlink(main, t);
            return t;
        }
    }

private:
    static constexpr std::uint32_t small = 0, main = 1;
    // freq_ holds the hit counter in bits 0-1 and the queue in bit 2.
    std::uint32_t queue_of(std::uint32_t slot) const noexcept { return (freq_[slot] >> 2) & 1; }
    void set_queue(std::uint32_t slot, std::uint32_t q) noexcept {
        freq_[slot] = static_cast<std::uint8_t>((freq_[slot] & 3) | (q << 2));
    }
    void hash_of(std::uint32_t slot, std::uint64_t hash) {
        if (slot >= hashes_.size()) hashes_.resize(freq_.size());
        hashes_[slot] = hash;
    }
    void remember(std::uint64_t hash) {
        // The ghost holds as many hashes as the cache holds entries.
        const std::size_t limit = lists_.size(small) + lists_.size(main) + 1;
        ghost_[hash] = ++ghost_seq_;
        ghost_order_.emplace_back(hash, ghost_seq_);
        while (ghost_order_.size() > limit) {
            auto [h, seq] = ghost_order_.front();
            ghost_order_.pop_front();
            if (auto it = ghost_.find(h); it != ghost_.end() && it->second == seq) ghost_.erase(it);
        }
    }

    detail::slot_lists<2> lists_;
    std::vector<std::uint8_t> freq_;
    std::vector<std::uint32_t> weight_;
    std::vector<std::uint64_t> hashes_;
    std::unordered_map<std::uint64_t, std::uint64_t> ghost_;
    std::deque<std::pair<std::uint64_t, std::uint64_t>> ghost_order_;
    std::uint64_t small_budget_ = 1, small_weight_ = 0, ghost_seq_ = 0;
};

} // namespace cistern::eviction

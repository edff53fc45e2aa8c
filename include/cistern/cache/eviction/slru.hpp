#pragma once
/// \file
/// cistern::eviction::slru: segmented LRU.

#include <cistern/cache/detail/grow.hpp>
#include <cistern/cache/detail/slot_lists.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cistern::eviction {

/// Two LRU segments: new entries enter "probation"; a hit there promotes the entry to
/// "protected" (80 % of the bound), whose overflow is demoted back to probation's
/// newest end. Victims come from probation's oldest end. One-hit wonders never
/// displace entries that were hit twice. 13 bytes per entry.
class slru {
public:
    /// EvictionPolicy::reset: forgets every entry; the protected segment's budget becomes
    /// 80 % of `capacity`.
    void reset(std::uint64_t capacity) {
        lists_.clear();
        weight_.clear();
        seg_.clear();
        protected_budget_ = capacity - capacity / 5;
        protected_weight_ = 0;
    }
    /// Changes the bound to `capacity`, keeping every entry: protected becomes 80 % of it
    /// (its overflow is demoted to probation's newest end).
    void set_capacity(std::uint64_t capacity) noexcept {
        protected_budget_ = capacity - capacity / 5;
        demote();
    }
    /// EvictionPolicy::on_insert: `slot` enters probation's newest end with `weight`. May throw
    /// std::bad_alloc while growing to a slot number not seen before.
    void on_insert(std::uint32_t slot, std::uint64_t /*hash*/, std::uint64_t weight) {
        lists_.ensure(slot);
        if (slot >= weight_.size()) {
            const std::size_t n = std::size_t{slot} + 1;
            detail::grow_to(weight_, n);
            detail::grow_to(seg_, n);
        }
        weight_[slot] = static_cast<std::uint32_t>(weight);
        seg_[slot] = probation;
        lists_.push_back(probation, slot);
    }
    /// EvictionPolicy::on_access: a hit in probation promotes `slot` to protected (demoting
    /// protected's oldest entries if it overflows); a hit in protected makes it protected's newest.
    void on_access(std::uint32_t slot, std::uint64_t /*hash*/) noexcept {
        if (seg_at(slot) == protected_) {
            lists_.move_to_back(protected_, protected_, slot);
            return;
        }
        lists_.move_to_back(probation, protected_, slot);
        seg_[slot] = protected_;
        protected_weight_ += weight_[slot];
        demote();
    }
    /// An access with a new weight; a heavier protected entry may push protected's
    /// oldest entries back to probation.
    void on_update(std::uint32_t slot, std::uint64_t hash, std::uint64_t weight) noexcept {
        if (seg_at(slot) == protected_) protected_weight_ = protected_weight_ - weight_[slot] + weight;
        weight_[slot] = static_cast<std::uint32_t>(weight);
        on_access(slot, hash);
        demote();
    }
    /// EvictionPolicy::on_erase: forgets `slot`.
    void on_erase(std::uint32_t slot) noexcept {
        if (seg_at(slot) == protected_) protected_weight_ -= weight_[slot];
        lists_.unlink(seg_at(slot), slot);
    }
    /// EvictionPolicy::evict: forgets and returns probation's oldest entry (protected's oldest if
    /// probation is empty). Precondition: at least one entry is tracked.
    std::uint32_t evict() noexcept {
        std::uint32_t s = lists_.front(probation);
        if (s == detail::slot_lists<2>::none) s = lists_.front(protected_);
        on_erase(s);
        return s;
    }

private:
    static constexpr std::uint32_t probation = 0, protected_ = 1;
    // Protected's overflow goes back to probation's newest end (it keeps at least one).
    void demote() noexcept {
        while (protected_weight_ > protected_budget_ && lists_.size(protected_) > 1) {
            const std::uint32_t d = lists_.front(protected_);
            lists_.move_to_back(protected_, probation, d);
            seg_[d] = probation;
            protected_weight_ -= weight_[d];
        }
    }
    std::uint32_t seg_at(std::uint32_t slot) const noexcept { return seg_[slot]; }

    detail::slot_lists<2> lists_;
    std::vector<std::uint32_t> weight_;
    std::vector<std::uint8_t> seg_;
    std::uint64_t protected_budget_ = 0, protected_weight_ = 0;
};

} // namespace cistern::eviction

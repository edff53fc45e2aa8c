#pragma once
/// \file
/// cistern::eviction::lru: least recently used.

#include <cistern/cache/detail/slot_lists.hpp>

#include <cstdint>

namespace cistern::eviction {

/// Evicts the entry read or written longest ago. 8 bytes per entry.
class lru {
public:
    /// EvictionPolicy::reset: forgets every entry (the capacity does not change LRU's behaviour).
    void reset(std::uint64_t /*capacity*/) { lists_.clear(); }
    /// Changes the bound, keeping every entry (LRU's order does not depend on it).
    void set_capacity(std::uint64_t /*capacity*/) noexcept {}
    /// EvictionPolicy::on_insert: `slot` becomes the most recently used entry. May throw
    /// std::bad_alloc while growing to a slot number not seen before.
    void on_insert(std::uint32_t slot, std::uint64_t /*hash*/, std::uint64_t /*weight*/) {
        lists_.ensure(slot);
        lists_.push_back(0, slot);
    }
    /// EvictionPolicy::on_access: `slot` becomes the most recently used entry.
    void on_access(std::uint32_t slot, std::uint64_t /*hash*/) noexcept { lists_.move_to_back(0, 0, slot); }
    /// EvictionPolicy::on_update: a replacement counts as a use (as on_access).
    void on_update(std::uint32_t slot, std::uint64_t hash, std::uint64_t /*weight*/) noexcept { on_access(slot, hash); }
    /// EvictionPolicy::on_erase: forgets `slot`.
    void on_erase(std::uint32_t slot) noexcept { lists_.unlink(0, slot); }
    /// Starts loading the links on_access(slot) rewrites.
    void prefetch_slot(std::uint32_t slot) const noexcept { lists_.prefetch(slot); }
    /// EvictionPolicy::evict: forgets and returns the least recently used entry.
    /// Precondition: at least one entry is tracked.
    std::uint32_t evict() noexcept {
        const std::uint32_t s = lists_.front(0);
        lists_.unlink(0, s);
        return s;
    }

private:
    detail::slot_lists<1> lists_;
};

} // namespace cistern::eviction

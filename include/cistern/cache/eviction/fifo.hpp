#pragma once
/// \file
/// cistern::eviction::fifo: first in, first out.

#include <cistern/cache/detail/slot_lists.hpp>

#include <cstdint>

namespace cistern::eviction {

/// Evicts the entry inserted longest ago; reads and replacements do not move it.
/// 8 bytes per entry.
class fifo {
public:
    /// EvictionPolicy::reset: forgets every entry (the capacity does not change FIFO's behaviour).
    void reset(std::uint64_t /*capacity*/) { lists_.clear(); }
    /// Changes the bound, keeping every entry (FIFO's order does not depend on it).
    void set_capacity(std::uint64_t /*capacity*/) noexcept {}
    /// EvictionPolicy::on_insert: `slot` joins the queue's newest end. May throw std::bad_alloc
    /// while growing to a slot number not seen before.
    void on_insert(std::uint32_t slot, std::uint64_t /*hash*/, std::uint64_t /*weight*/) {
        lists_.ensure(slot);
        lists_.push_back(0, slot);
    }
    /// EvictionPolicy::on_access: does nothing (reads do not reorder a FIFO).
    void on_access(std::uint32_t /*slot*/, std::uint64_t /*hash*/) noexcept {}
    /// EvictionPolicy::on_update: does nothing (a replaced value keeps its place).
    void on_update(std::uint32_t /*slot*/, std::uint64_t /*hash*/, std::uint64_t /*weight*/) noexcept {}
    /// EvictionPolicy::on_erase: forgets `slot`.
    void on_erase(std::uint32_t slot) noexcept { lists_.unlink(0, slot); }
    /// EvictionPolicy::evict: forgets and returns the entry inserted longest ago.
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

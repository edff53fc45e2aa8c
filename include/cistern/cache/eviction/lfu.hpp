#pragma once
/// \file
/// cistern::eviction::lfu: least frequently used, O(1).

#include <cistern/cache/detail/grow.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cistern::eviction {

/// Evicts the entry with the fewest hits since it was inserted; among equals, the one
/// that reached that count first. Counts are kept only while the entry is cached.
/// O(1) per operation (a list of frequency buckets, each a FIFO of entries).
class lfu {
public:
    /// EvictionPolicy::reset: forgets every entry and every count. May throw std::bad_alloc.
    void reset(std::uint64_t /*capacity*/) {
        items_.clear();
        buckets_.assign(1, bucket{0, none, none, 0, 0});
        free_.clear();
    }
    /// Changes the bound, keeping every entry and count (LFU does not depend on it).
    void set_capacity(std::uint64_t /*capacity*/) noexcept {}
    /// EvictionPolicy::on_insert: `slot` enters with a count of one, newest among its equals.
    /// May throw std::bad_alloc.
    void on_insert(std::uint32_t slot, std::uint64_t /*hash*/, std::uint64_t /*weight*/) {
        detail::grow_to(items_, std::size_t{slot} + 1);
        std::uint32_t b = buckets_[0].next;
        if (b == 0 || buckets_[b].freq != 1) b = new_bucket(1, 0);
        append(b, slot);
    }
    /// EvictionPolicy::on_access: adds one hit to `slot`. May throw std::bad_alloc (a new
    /// frequency bucket).
    void on_access(std::uint32_t slot, std::uint64_t /*hash*/) {
        const std::uint32_t b = items_[slot].bucket;
        std::uint32_t nb = buckets_[b].next;
        if (nb == 0 || buckets_[nb].freq != buckets_[b].freq + 1) nb = new_bucket(buckets_[b].freq + 1, b);
        remove(slot);
        append(nb, slot);
    }
    /// EvictionPolicy::on_update: a replacement counts as a hit (as on_access).
    void on_update(std::uint32_t slot, std::uint64_t hash, std::uint64_t /*weight*/) { on_access(slot, hash); }
    /// EvictionPolicy::on_erase: forgets `slot` and its count. Does not throw in practice
    /// (it only unlinks and recycles a bucket).
    void on_erase(std::uint32_t slot) { remove(slot); }
    /// EvictionPolicy::evict: forgets and returns the entry with the fewest hits (the oldest
    /// among equals). Precondition: at least one entry is tracked.
    std::uint32_t evict() {
        const std::uint32_t s = buckets_[buckets_[0].next].head;
        remove(s);
        return s;
    }
    /// The hit count + 1 of a cached slot (for tests).
    std::uint32_t frequency(std::uint32_t slot) const noexcept { return buckets_[items_[slot].bucket].freq; }

private:
    static constexpr std::uint32_t none = 0xffffffffu;
    struct item {
        std::uint32_t prev = none, next = none, bucket = 0;
    };
    struct bucket {
        std::uint32_t freq, head, tail, prev, next; // bucket 0 is the sentinel of a circular list
    };

    std::uint32_t new_bucket(std::uint32_t freq, std::uint32_t after) {
        std::uint32_t b;
        if (!free_.empty()) {
            b = free_.back();
            free_.pop_back();
        } else {
            b = static_cast<std::uint32_t>(buckets_.size());
            buckets_.push_back({});
        }
        const std::uint32_t n = buckets_[after].next;
        buckets_[b] = bucket{freq, none, none, after, n};
        buckets_[after].next = b;
        buckets_[n].prev = b;
        return b;
    }
    void append(std::uint32_t b, std::uint32_t slot) noexcept {
        item& it = items_[slot];
        it.bucket = b;
        it.next = none;
        it.prev = buckets_[b].tail;
        if (it.prev != none) items_[it.prev].next = slot;
        else buckets_[b].head = slot;
        buckets_[b].tail = slot;
    }
    void remove(std::uint32_t slot) {
        item& it = items_[slot];
        const std::uint32_t b = it.bucket;
        if (it.prev != none) items_[it.prev].next = it.next;
        else buckets_[b].head = it.next;
        if (it.next != none) items_[it.next].prev = it.prev;
        else buckets_[b].tail = it.prev;
        it = item{};
        if (buckets_[b].head == none) { // drop the empty bucket
            buckets_[buckets_[b].prev].next = buckets_[b].next;
            buckets_[buckets_[b].next].prev = buckets_[b].prev;
            free_.push_back(b);
        }
    }

    std::vector<item> items_;
    std::vector<bucket> buckets_{bucket{0, none, none, 0, 0}};
    std::vector<std::uint32_t> free_;
};

} // namespace cistern::eviction

#pragma once
/// \file
/// detail::slot_table: an open-addressing hash index from a key's hash to a 32-bit slot,
/// 8 bytes per bucket, linear probing with backward-shift deletion (no tombstones).

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cistern::detail {

/// Maps hashes to slots; the caller compares keys (`eq(slot)`) since only a 32-bit
/// fingerprint of the hash is kept. Grows at 3/4 load.
class slot_table {
public:
    static constexpr std::uint32_t none = 0xffffffffu;

    slot_table() {
        buckets_.assign(8, 0);
        mask_ = 7;
        publish();
    }

    /// The slot whose key `eq` accepts among those with this hash, or none.
    template <class Eq>
    std::uint32_t find(std::uint64_t hash, Eq&& eq) const {
        const std::uint32_t fp = fingerprint(hash);
        for (std::size_t i = fp & mask_;; i = (i + 1) & mask_) {
            const std::uint64_t b = buckets_[i];
            if (b == 0) return none;
            if (static_cast<std::uint32_t>(b >> 32) == fp && eq(static_cast<std::uint32_t>(b) - 1))
                return static_cast<std::uint32_t>(b) - 1;
        }
    }
    /// Starts loading the bucket where a lookup of `hash` begins. Safe without the owner's
    /// lock: it reads only an atomic copy of the bucket array's address and mask, and a
    /// prefetch of a stale address does no harm (it never faults and changes nothing).
    void prefetch(std::uint64_t hash) const noexcept {
        const std::uintptr_t base = base_.load(std::memory_order_relaxed);
        const std::uintptr_t mask = pmask_.load(std::memory_order_relaxed);
        __builtin_prefetch(reinterpret_cast<const void*>(base + (fingerprint(hash) & mask) * sizeof(std::uint64_t)), 0, 3);
    }
    /// Adds `slot` under `hash` (the key must not be present).
    void insert(std::uint64_t hash, std::uint32_t slot) {
        if ((size_ + 1) * 4 > buckets_.size() * 3) grow();
        place((std::uint64_t{fingerprint(hash)} << 32) | (std::uint64_t{slot} + 1));
        ++size_;
    }
    /// Removes `slot`, filed under `hash`.
    void erase(std::uint64_t hash, std::uint32_t slot) noexcept {
        const std::uint64_t want = (std::uint64_t{fingerprint(hash)} << 32) | (std::uint64_t{slot} + 1);
        std::size_t i = fingerprint(hash) & mask_;
        while (buckets_[i] != want) {
            if (buckets_[i] == 0) return;
            i = (i + 1) & mask_;
        }
        // Backward-shift: pull later members of the run into the hole.
        for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
            const std::uint64_t b = buckets_[j];
            if (b == 0) break;
            const std::size_t home = static_cast<std::uint32_t>(b >> 32) & mask_;
            // b may move to i when its home is not in the cyclic range (i, j].
            if (((j - home) & mask_) >= ((j - i) & mask_)) {
                buckets_[i] = b;
                i = j;
            }
        }
        buckets_[i] = 0;
        --size_;
    }
    void clear() noexcept {
        std::fill(buckets_.begin(), buckets_.end(), 0);
        size_ = 0;
    }
    /// Calls `f(slot)` for every slot in the table.
    template <class F>
    void for_each(F&& f) const {
        for (std::uint64_t b : buckets_)
            if (b != 0) f(static_cast<std::uint32_t>(b) - 1);
    }
    /// Presizes for `n` keys.
    void reserve(std::size_t n) {
        while (n * 4 > buckets_.size() * 3) grow();
    }
    std::size_t size() const noexcept { return size_; }
    std::size_t memory_bytes() const noexcept { return buckets_.capacity() * sizeof(std::uint64_t); }

private:
    static std::uint32_t fingerprint(std::uint64_t hash) noexcept { return static_cast<std::uint32_t>(hash >> 32); }
    void place(std::uint64_t b) noexcept {
        std::size_t i = static_cast<std::uint32_t>(b >> 32) & mask_;
        while (buckets_[i] != 0) i = (i + 1) & mask_;
        buckets_[i] = b;
    }
    void grow() {
        std::vector<std::uint64_t> old(buckets_.size() * 2, 0);
        old.swap(buckets_);
        mask_ = buckets_.size() - 1;
        for (std::uint64_t b : old)
            if (b != 0) place(b);
        publish();
    }
    void publish() noexcept {
        base_.store(reinterpret_cast<std::uintptr_t>(buckets_.data()), std::memory_order_relaxed);
        pmask_.store(mask_, std::memory_order_relaxed);
    }

    std::vector<std::uint64_t> buckets_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
    std::atomic<std::uintptr_t> base_{0}, pmask_{0}; // for prefetch() without the lock
};

} // namespace cistern::detail

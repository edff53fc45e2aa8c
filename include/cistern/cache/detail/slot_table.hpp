#pragma once
/// \file
/// detail::slot_table: an open-addressing hash index from a key's hash to a 32-bit slot,
/// 8 bytes per bucket, linear probing with backward-shift deletion (no tombstones).

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace cistern::detail {

/// Maps hashes to slots; the caller compares keys (`eq(slot)`) since only a 32-bit
/// fingerprint of the hash is kept. Grows at 3/4 load.
///
/// Every bucket is read and written as an atomic (relaxed; a plain move on x86), so that
/// find_shared() may probe without the owner's lock while the owner writes: such a probe
/// may see a table in the middle of a change, which its caller detects (a sequence lock)
/// and discards. With keep_retired(true) an array the table grows out of is kept until the
/// table is destroyed, so such a probe never reads freed memory.
class slot_table {
public:
    static constexpr std::uint32_t none = 0xffffffffu;

    slot_table() {
        buckets_ = std::make_unique<std::uint64_t[]>(8);
        mask_ = 7;
        publish();
    }

    /// The slot whose key `eq` accepts among those with this hash, or none.
    template <class Eq>
    std::uint32_t find(std::uint64_t hash, Eq&& eq) const {
        const std::uint32_t fp = fingerprint(hash);
        for (std::size_t i = fp & mask_;; i = (i + 1) & mask_) {
            const std::uint64_t b = load(buckets_[i]);
            if (b == 0) return none;
            if (static_cast<std::uint32_t>(b >> 32) == fp && eq(static_cast<std::uint32_t>(b) - 1))
                return static_cast<std::uint32_t>(b) - 1;
        }
    }
    /// find() without the owner's lock (keep_retired(true) must be set): calls
    /// `candidate(slot)` for each slot filed under this hash's fingerprint, in probe order,
    /// until it returns true, and returns that slot, or none at an empty bucket or after
    /// probing every bucket. What it reads may be torn by a concurrent writer; the caller
    /// validates.
    template <class Candidate>
    std::uint32_t find_shared(std::uint64_t hash, Candidate&& candidate) const {
        // The mask first (acquire): an array published with a larger mask is in place
        // before the mask is, so the array read next is at least that large.
        const std::size_t mask = pmask_.load(std::memory_order_acquire);
        const std::uint64_t* base = reinterpret_cast<const std::uint64_t*>(base_.load(std::memory_order_acquire));
        const std::uint32_t fp = fingerprint(hash);
        std::size_t i = fp & mask;
        for (std::size_t n = 0; n <= mask; ++n, i = (i + 1) & mask) {
            const std::uint64_t b = load_shared(base[i]);
            if (b == 0) return none;
            if (static_cast<std::uint32_t>(b >> 32) == fp && candidate(static_cast<std::uint32_t>(b) - 1))
                return static_cast<std::uint32_t>(b) - 1;
        }
        return none;
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
        if ((size_ + 1) * 4 > (mask_ + 1) * 3) grow();
        place((std::uint64_t{fingerprint(hash)} << 32) | (std::uint64_t{slot} + 1));
        ++size_;
    }
    /// Removes `slot`, filed under `hash`.
    void erase(std::uint64_t hash, std::uint32_t slot) noexcept {
        const std::uint64_t want = (std::uint64_t{fingerprint(hash)} << 32) | (std::uint64_t{slot} + 1);
        std::size_t i = fingerprint(hash) & mask_;
        while (load(buckets_[i]) != want) {
            if (load(buckets_[i]) == 0) return;
            i = (i + 1) & mask_;
        }
        // Backward-shift: pull later members of the run into the hole.
        for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
            const std::uint64_t b = load(buckets_[j]);
            if (b == 0) break;
            const std::size_t home = static_cast<std::uint32_t>(b >> 32) & mask_;
            // b may move to i when its home is not in the cyclic range (i, j].
            if (((j - home) & mask_) >= ((j - i) & mask_)) {
                store(buckets_[i], b);
                i = j;
            }
        }
        store(buckets_[i], 0);
        --size_;
    }
    void clear() noexcept {
        for (std::size_t i = 0; i <= mask_; ++i) store(buckets_[i], 0);
        size_ = 0;
    }
    /// Calls `f(slot)` for every slot in the table.
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i <= mask_; ++i)
            if (const std::uint64_t b = load(buckets_[i]); b != 0) f(static_cast<std::uint32_t>(b) - 1);
    }
    /// Presizes for `n` keys, in one step (so that with keep_retired at most one array is
    /// kept, not every size on the way).
    void reserve(std::size_t n) {
        std::size_t size = mask_ + 1;
        while (n * 4 > size * 3) size *= 2;
        if (size > mask_ + 1) grow(size);
    }
    /// Keeps the arrays the table grows out of until it is destroyed (for find_shared).
    void keep_retired(bool keep) noexcept { keep_retired_ = keep; }
    std::size_t size() const noexcept { return size_; }
    std::size_t memory_bytes() const noexcept { return (mask_ + 1 + retired_buckets_) * sizeof(std::uint64_t); }

private:
    static std::uint32_t fingerprint(std::uint64_t hash) noexcept { return static_cast<std::uint32_t>(hash >> 32); }
    static std::uint64_t load(const std::uint64_t& b) noexcept {
        return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(b)).load(std::memory_order_relaxed);
    }
    // A probe without the lock loads sequentially consistent (a plain load on x86): a cache
    // whose readers announce themselves before probing (detail::read_buffer::enter) relies
    // on it to see every removal that its grace period waited for. Stores release, so a
    // probe that finds a slot also sees the node the owner built there before filing it.
    static std::uint64_t load_shared(const std::uint64_t& b) noexcept {
        return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(b)).load(std::memory_order_seq_cst);
    }
    static void store(std::uint64_t& b, std::uint64_t v) noexcept {
        std::atomic_ref<std::uint64_t>(b).store(v, std::memory_order_release);
    }
    void place(std::uint64_t b) noexcept {
        std::size_t i = static_cast<std::uint32_t>(b >> 32) & mask_;
        while (load(buckets_[i]) != 0) i = (i + 1) & mask_;
        store(buckets_[i], b);
    }
    void grow() { grow((mask_ + 1) * 2); }
    void grow(std::size_t size) {
        const std::size_t old_size = mask_ + 1;
        if (keep_retired_) retired_.reserve(retired_.size() + 1); // keeping the old array cannot fail below
        auto fresh = std::make_unique<std::uint64_t[]>(size); // zeroed
        std::unique_ptr<std::uint64_t[]> old = std::move(buckets_);
        buckets_ = std::move(fresh);
        mask_ = size - 1;
        for (std::size_t i = 0; i < old_size; ++i)
            if (const std::uint64_t b = old[i]; b != 0) place(b);
        publish();
        if (keep_retired_) {
            retired_.push_back(std::move(old));
            retired_buckets_ += old_size;
        }
    }
    void publish() noexcept {
        base_.store(reinterpret_cast<std::uintptr_t>(buckets_.get()), std::memory_order_release);
        pmask_.store(mask_, std::memory_order_release);
    }

    std::unique_ptr<std::uint64_t[]> buckets_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
    std::atomic<std::uintptr_t> base_{0}, pmask_{0}; // for prefetch() and find_shared() without the lock
    bool keep_retired_ = false;
    std::size_t retired_buckets_ = 0;
    std::vector<std::unique_ptr<std::uint64_t[]>> retired_;
};

} // namespace cistern::detail

#pragma once
/// \file
/// detail::count_min_sketch: the 4-bit count-min frequency sketch of W-TinyLFU, with
/// periodic halving ("aging") so that old popularity fades.

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace cistern::detail {

/// Estimates how often a key (given by its 64-bit hash) was seen recently. Four
/// counters per key, each 4 bits (saturating at 15), packed 16 to a 64-bit word, all
/// four in one cache line (as Caffeine's block sketch); the estimate is the least. After `10 × capacity` increments every counter is
/// halved. Memory: 8 bytes (16 counters) per entry of capacity, rounded up to a power
/// of two, as in Caffeine.
class count_min_sketch {
public:
    count_min_sketch() { resize(16); }
    // Copies and moves publish the new table's address for prefetch().
    count_min_sketch(const count_min_sketch& o)
        : table_(o.table_), mask_(o.mask_), sample_(o.sample_), additions_(o.additions_) { publish(); }
    count_min_sketch(count_min_sketch&& o) noexcept
        : table_(std::move(o.table_)), mask_(o.mask_), sample_(o.sample_), additions_(o.additions_) { publish(); }
    count_min_sketch& operator=(count_min_sketch o) noexcept { // copy or move, then take it
        table_.swap(o.table_);
        mask_ = o.mask_;
        sample_ = o.sample_;
        additions_ = o.additions_;
        publish();
        return *this;
    }

    /// Sizes the sketch for `capacity` entries and clears it.
    void resize(std::uint64_t capacity) {
        const std::uint64_t c = std::max<std::uint64_t>(capacity, 16);
        const std::uint64_t words = std::max<std::uint64_t>(std::bit_ceil(c), 8);
        table_.assign(static_cast<std::size_t>(words), 0);
        mask_ = words / 8 - 1; // blocks of 8 words (one cache line)
        publish();
        sample_ = 10 * c;
        additions_ = 0;
    }
    /// Grows (and clears) the sketch when it was sized for fewer than `capacity` entries, as
    /// Caffeine's ensureCapacity; a smaller capacity keeps the counters and only shortens
    /// the period between halvings to 10 x capacity.
    void ensure_capacity(std::uint64_t capacity) {
        const std::uint64_t c = std::max<std::uint64_t>(capacity, 16);
        if (std::max<std::uint64_t>(std::bit_ceil(c), 8) > table_.size()) {
            resize(c);
        } else {
            sample_ = 10 * c;
            if (additions_ >= sample_) halve();
        }
    }
    void clear() noexcept {
        std::fill(table_.begin(), table_.end(), 0);
        additions_ = 0;
    }

    /// Counts one more occurrence of `hash`.
    void increment(std::uint64_t hash) noexcept {
        bool added = false;
        const std::uint64_t h = spread(hash);
        std::uint64_t* block = &table_[static_cast<std::size_t>((h & mask_) * 8)];
        for (std::uint32_t i = 0; i < 4; ++i) {
            std::uint64_t& w = block[word_of(h, i)];
            const unsigned shift = nibble_of(h, i);
            if (((w >> shift) & 0xf) != 0xf) {
                w += std::uint64_t{1} << shift;
                added = true;
            }
        }
        if (added && ++additions_ >= sample_) halve();
    }

    /// Starts loading the cache line of `hash`'s counters. May run without the owner's lock,
    /// while resize() replaces the table: it reads only atomic copies of the table's address
    /// and mask, and a prefetch of a stale address does no harm (it never faults).
    void prefetch(std::uint64_t hash) const noexcept {
        const std::uintptr_t base = pbase_.load(std::memory_order_relaxed);
        const std::uint64_t mask = pmask_.load(std::memory_order_relaxed);
        __builtin_prefetch(reinterpret_cast<const void*>(base + (spread(hash) & mask) * 64), 1, 3);
    }

    /// The estimated count of `hash`, 0..15.
    std::uint32_t frequency(std::uint64_t hash) const noexcept {
        std::uint32_t f = 15;
        const std::uint64_t h = spread(hash);
        const std::uint64_t* block = &table_[static_cast<std::size_t>((h & mask_) * 8)];
        for (std::uint32_t i = 0; i < 4; ++i)
            f = std::min<std::uint32_t>(f, static_cast<std::uint32_t>((block[word_of(h, i)] >> nibble_of(h, i)) & 0xf));
        return f;
    }

    /// Increments until the next halving (for tests).
    std::uint64_t sample_size() const noexcept { return sample_; }
    std::size_t memory_bytes() const noexcept { return table_.capacity() * sizeof(std::uint64_t); }

private:
    // The four counters of a key lie in one 64-byte block (one cache miss per call):
    // counter i is in word (bits 16+3i..) of the block and nibble (bits 40+4i..) of that word.
    static std::uint64_t spread(std::uint64_t hash) noexcept {
        std::uint64_t h = (hash + 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
        return h ^ (h >> 31);
    }
    static std::size_t word_of(std::uint64_t h, std::uint32_t i) noexcept {
        // Distinct words for the four counters: offsets 0..3 added to a random start, mod 8.
        return static_cast<std::size_t>(((h >> 16) + i * 2 + ((h >> (19 + i)) & 1)) & 7);
    }
    static unsigned nibble_of(std::uint64_t h, std::uint32_t i) noexcept {
        return static_cast<unsigned>(((h >> (40 + 4 * i)) & 0xf) << 2);
    }
    void publish() noexcept {
        pbase_.store(reinterpret_cast<std::uintptr_t>(table_.data()), std::memory_order_relaxed);
        pmask_.store(mask_, std::memory_order_relaxed);
    }
    void halve() noexcept {
        for (auto& w : table_) w = (w >> 1) & 0x7777777777777777ULL;
        additions_ /= 2;
    }

    std::vector<std::uint64_t> table_;
    std::uint64_t mask_ = 0;
    std::atomic<std::uintptr_t> pbase_{0}; // for prefetch() without the lock
    std::atomic<std::uint64_t> pmask_{0};
    std::uint64_t sample_ = 0;
    std::uint64_t additions_ = 0;
};

} // namespace cistern::detail

#pragma once
/// \file
/// detail::count_min_sketch: the 4-bit count-min frequency sketch of W-TinyLFU, with
/// periodic halving ("aging") so that old popularity fades.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cistern::detail {

/// Estimates how often a key (given by its 64-bit hash) was seen recently. Four
/// counters per key, each 4 bits (saturating at 15), packed 16 to a 64-bit word; the
/// estimate is the least of the four. After `10 × capacity` increments every counter is
/// halved. Memory: 8 bytes (16 counters) per entry of capacity, rounded up to a power
/// of two, as in Caffeine.
class count_min_sketch {
public:
    count_min_sketch() { resize(16); }

    /// Sizes the sketch for `capacity` entries and clears it.
    void resize(std::uint64_t capacity) {
        const std::uint64_t c = std::max<std::uint64_t>(capacity, 16);
        const std::uint64_t words = std::bit_ceil(c);
        table_.assign(static_cast<std::size_t>(words), 0);
        mask_ = words - 1;
        sample_ = 10 * c;
        additions_ = 0;
    }
    void clear() noexcept {
        std::fill(table_.begin(), table_.end(), 0);
        additions_ = 0;
    }

    /// Counts one more occurrence of `hash`.
    void increment(std::uint64_t hash) noexcept {
        bool added = false;
        for (std::uint32_t i = 0; i < 4; ++i) {
            const std::uint64_t h = rehash(hash, i);
            std::uint64_t& w = table_[static_cast<std::size_t>(h & mask_)];
            const unsigned shift = static_cast<unsigned>((h >> 60) << 2);
            if (((w >> shift) & 0xf) != 0xf) {
                w += std::uint64_t{1} << shift;
                added = true;
            }
        }
        if (added && ++additions_ >= sample_) halve();
    }

    /// The estimated count of `hash`, 0..15.
    std::uint32_t frequency(std::uint64_t hash) const noexcept {
        std::uint32_t f = 15;
        for (std::uint32_t i = 0; i < 4; ++i) {
            const std::uint64_t h = rehash(hash, i);
            const std::uint64_t w = table_[static_cast<std::size_t>(h & mask_)];
            f = std::min<std::uint32_t>(f, static_cast<std::uint32_t>((w >> ((h >> 60) << 2)) & 0xf));
        }
        return f;
    }

    /// Increments until the next halving (for tests).
    std::uint64_t sample_size() const noexcept { return sample_; }
    std::size_t memory_bytes() const noexcept { return table_.capacity() * sizeof(std::uint64_t); }

private:
    static std::uint64_t rehash(std::uint64_t hash, std::uint32_t i) noexcept {
        static constexpr std::array<std::uint64_t, 4> seeds{0xc3a5c85c97cb3127ULL, 0xb492b66fbe98f273ULL,
                                                             0x9ae16a3b2f90404fULL, 0xcbf29ce484222325ULL};
        std::uint64_t h = (hash + seeds[i]) * 0x9e3779b97f4a7c15ULL;
        return h ^ (h >> 29);
    }
    void halve() noexcept {
        for (auto& w : table_) w = (w >> 1) & 0x7777777777777777ULL;
        additions_ /= 2;
    }

    std::vector<std::uint64_t> table_;
    std::uint64_t mask_ = 0;
    std::uint64_t sample_ = 0;
    std::uint64_t additions_ = 0;
};

} // namespace cistern::detail

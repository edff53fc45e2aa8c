#pragma once
/// \file
/// detail::sampled_window_climber: sizes W-TinyLFU's window by simulating small sampled
/// caches at several window sizes (Caffeine's simulator's "mini-simulation" idea).

#include <cistern/cache/detail/slot_table.hpp>
#include <cistern/cache/eviction/basic_w_tinylfu.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cistern::detail {

/// A W-TinyLFU "climber" for a window given at runtime, as a share of the capacity (the
/// mini caches of sampled_window_climber).
struct preset_window {
    std::uint32_t permille = 10; ///< the window's share of the capacity, per mille
    /// The window's budget for `capacity` weight units.
    std::uint64_t reset(std::uint64_t capacity) const noexcept { return capacity * permille / 1000; }
    /// Never asks for a decision.
    bool record(bool /*hit*/) noexcept { return false; }
    /// Never moves the window.
    std::int64_t decide(std::uint64_t /*window*/, std::uint64_t /*max_window*/) noexcept { return 0; }
};

/// Chooses the window by comparison on the same requests rather than by hill climbing:
/// one key in `rate` (by hash; SHARDS-style spatial sampling) is also replayed through
/// a small W-TinyLFU of capacity / rate entries per candidate window share, and every
/// period() requests the window moves to the share whose mini cache hit most over the
/// recent samples (hits and requests halve at every decision, so older samples weigh
/// less). Consecutive samples of one cache differ by the workload's phase; mini caches
/// compared on the same requests do not.
template <std::uint64_t MiniTarget, bool Resplit, std::array<std::uint32_t, 6> Shares = std::array<std::uint32_t, 6>{10, 50, 150, 350, 650, 1000}>
class basic_sampled_window_climber {
public:
    /// The candidate windows, per mille of the capacity.
    static constexpr std::array<std::uint32_t, 6> shares = Shares;
    /// Target capacity of a mini cache (the sampling rate follows from it; at least 1 in 16).
    static constexpr std::uint64_t mini_target = MiniTarget;
    /// The window may take any share of the bound (W-TinyLFU then keeps protected at 80 %
    /// of the rest) rather than only what protected gives up.
    static constexpr bool resplits_main = Resplit;

    /// Starts over for `capacity`; returns the initial window (1 %, at least 1).
    std::uint64_t reset(std::uint64_t capacity) {
        capacity_ = std::max<std::uint64_t>(capacity, 1);
        rate_ = std::max<std::uint64_t>(16, std::bit_floor(std::max<std::uint64_t>(1, capacity_ / mini_target)));
        const std::uint64_t mini_capacity = std::max<std::uint64_t>(16, capacity_ / rate_);
        const std::uint64_t c = std::max<std::uint64_t>(capacity_, 16);
        period_ = std::min<std::uint64_t>(10 * c, std::max<std::uint64_t>(2 * c, 40960));
        requests_ = 0;
        for (std::size_t i = 0; i < shares.size(); ++i) minis_[i].reset(mini_capacity, shares[i]);
        return std::max<std::uint64_t>(1, capacity_ / 100);
    }
    /// The capacity changed: starts over at the new one, keeping the window's share.
    void set_capacity(std::uint64_t capacity) { reset(capacity); }
    /// Counts one request; replays it through the mini caches if its key is sampled; true
    /// when a decision is due.
    bool record(bool /*hit*/, std::uint64_t hash) {
        if ((hash & (rate_ - 1)) == 0)
            for (mini& m : minis_) m.access(hash);
        return ++requests_ >= period_;
    }
    /// The window's change towards the best mini cache's share; starts the next period.
    std::int64_t decide(std::uint64_t window, std::uint64_t max_window) noexcept {
        requests_ = 0;
        std::size_t best = 0;
        for (std::size_t i = 1; i < minis_.size(); ++i)
            if (minis_[i].hits > minis_[best].hits) best = i;
        if (minis_[best].requests < 256) return 0; // too few samples to tell
        for (mini& m : minis_) m.age();
        const std::uint64_t target =
            std::clamp<std::uint64_t>(capacity_ * shares[best] / 1000, 1, std::max<std::uint64_t>(max_window, 1));
        return static_cast<std::int64_t>(target) - static_cast<std::int64_t>(window);
    }
    /// Requests between two decisions.
    std::uint64_t period() const noexcept { return period_; }
    /// One key in this many is sampled.
    std::uint64_t sampling_rate() const noexcept { return rate_; }

private:
    struct mini {
        eviction::basic_w_tinylfu<preset_window> policy;
        slot_table index;
        std::vector<std::uint64_t> keys;
        std::vector<std::uint32_t> free;
        std::uint64_t capacity = 1, size = 0, hits = 0, requests = 0;

        void reset(std::uint64_t c, std::uint32_t permille) {
            policy.climber().permille = permille;
            policy.reset(c);
            index.clear();
            index.reserve(static_cast<std::size_t>(c) + 1);
            keys.clear();
            keys.reserve(static_cast<std::size_t>(c) + 1);
            free.clear();
            free.reserve(static_cast<std::size_t>(c) + 1);
            capacity = c;
            size = hits = requests = 0;
        }
        void access(std::uint64_t h) {
            ++requests;
            if (const std::uint32_t s = index.find(h, [&](std::uint32_t slot) { return keys[slot] == h; });
                s != slot_table::none) {
                ++hits;
                policy.on_access(s, h);
                return;
            }
            std::uint32_t slot;
            if (!free.empty()) {
                slot = free.back();
                free.pop_back();
                keys[slot] = h;
            } else {
                slot = static_cast<std::uint32_t>(keys.size());
                keys.push_back(h);
            }
            index.insert(h, slot);
            policy.on_insert(slot, h, 1);
            for (++size; size > capacity; --size) {
                const std::uint32_t victim = policy.evict();
                index.erase(keys[victim], victim);
                free.push_back(victim);
            }
        }
        void age() noexcept {
            hits /= 2;
            requests /= 2;
        }
    };

    std::uint64_t capacity_ = 1, rate_ = 16, period_ = 40960, requests_ = 0;
    std::array<mini, shares.size()> minis_{};
};

/// The default configuration.
using sampled_window_climber = basic_sampled_window_climber<512, true>;

} // namespace cistern::detail

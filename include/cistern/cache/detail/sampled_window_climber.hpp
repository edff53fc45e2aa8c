#pragma once
/// \file
/// detail::sampled_window_climber (the default W-TinyLFU's window sizer) and
/// detail::window_sampler: the window is chosen by simulating small sampled caches at
/// several window sizes (Caffeine's simulator's "mini-simulation" idea), one sampler per
/// cache, shared by all its shards.

#include <cistern/cache/detail/slot_table.hpp>
#include <cistern/cache/eviction/basic_w_tinylfu.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace cistern::detail {

/// A W-TinyLFU "climber" for a window given at runtime, as a share of the capacity (the
/// mini caches of window_sampler).
struct preset_window {
    std::uint32_t permille = 10; ///< the window's share of the capacity, per mille
    /// The window's budget for `capacity` weight units.
    std::uint64_t reset(std::uint64_t capacity) const noexcept { return capacity * permille / 1000; }
    /// Never asks for a decision.
    bool record(bool /*hit*/) noexcept { return false; }
    /// Never moves the window.
    std::int64_t decide(std::uint64_t /*window*/, std::uint64_t /*max_window*/) noexcept { return 0; }
};

/// The mini-simulation of one cache: one key in sampling_rate() (by hash; SHARDS-style
/// spatial sampling) is replayed through a small W-TinyLFU of capacity / rate entries per
/// candidate window share; every period_samples() replayed requests the share whose mini
/// cache hit most over the recent samples is published (hits and requests halve at every
/// decision, so older samples weigh less). Mini caches compared on the same requests
/// differ only by their window, where consecutive samples of one cache differ by the
/// workload's phase too.
///
/// Thread safety: offer() and resize() may be called from any thread (the shards of one
/// cache, each under its own lock); a spin lock guards the mini caches, and offer() only
/// tries it (a busy sampler skips that sample). share_permille() is a relaxed atomic
/// load. No other member takes a lock: call them only where no other thread uses the
/// sampler (tests).
template <std::uint64_t MiniTarget = 256, std::uint64_t MinRate = 16,
          std::array<std::uint32_t, 6> Shares = std::array<std::uint32_t, 6>{10, 50, 150, 350, 650, 1000}>
class basic_window_sampler {
public:
    /// The candidate windows, per mille of the capacity.
    static constexpr std::array<std::uint32_t, 6> shares = Shares;
    /// Target capacity of a mini cache (the sampling rate follows from it).
    static constexpr std::uint64_t mini_target = MiniTarget;
    /// The densest sampling: one key in this many at least.
    static constexpr std::uint64_t min_rate = MinRate;
    static_assert(std::has_single_bit(MinRate) && MinRate >= 2, "cistern::detail::basic_window_sampler: MinRate is a power of two >= 2");
    /// The multiplier that spreads a key's hash before sampling (the cache picks shards by
    /// the hash's low bits, so sampling on those would sample whole shards).
    static constexpr std::uint64_t spread = 0x9E3779B97F4A7C15ULL;

    /// The sampling shift for a cache of `capacity` weight units: a key whose
    /// `(hash * spread) >> shift` is 0 is sampled.
    static unsigned shift_for(std::uint64_t capacity) noexcept {
        const std::uint64_t rate = std::max<std::uint64_t>(min_rate, std::bit_floor(std::max<std::uint64_t>(1, capacity / mini_target)));
        return 64u - static_cast<unsigned>(std::countr_zero(rate));
    }
    /// True when the key of `hash` is sampled at `shift` (see shift_for()).
    static bool sampled(std::uint64_t hash, unsigned shift) noexcept { return ((hash * spread) >> shift) == 0; }

    /// Sizes the sampler for a cache of `capacity` weight units (all its shards); starts
    /// over (the published share returns to the first candidate's) unless the sampling
    /// rate and the mini caches' size stay the same. Takes the lock. May throw
    /// std::bad_alloc (the mini caches are allocated here, never on offer()).
    void resize(std::uint64_t capacity) {
        capacity = std::max<std::uint64_t>(capacity, 1);
        const unsigned shift = shift_for(capacity);
        const std::uint64_t rate = std::uint64_t{1} << (64 - shift);
        const std::uint64_t mini_capacity = std::max<std::uint64_t>(16, capacity / rate);
        const std::uint64_t c = std::max<std::uint64_t>(capacity, 16);
        const std::uint64_t period = std::min<std::uint64_t>(10 * c, std::max<std::uint64_t>(2 * c, 40960));
        lock();
        struct unlocker {
            std::atomic<bool>& f;
            ~unlocker() { f.store(false, std::memory_order_release); }
        } unlock{locked_};
        // Shards of one cache differ by one unit of bound: the same sampler for all of them.
        if (shift == shift_ && mini_capacity + mini_capacity / 16 >= mini_capacity_ && mini_capacity_ + mini_capacity_ / 16 >= mini_capacity)
            return;
        shift_ = shift;
        mini_capacity_ = mini_capacity;
        period_samples_ = std::max<std::uint64_t>(1, period / rate);
        samples_ = 0;
        share_.store(shares[0], std::memory_order_relaxed);
        for (std::size_t i = 0; i < shares.size(); ++i) minis_[i].reset(mini_capacity, shares[i]);
    }

    /// Replays the request of a key with `hash` through the mini caches if the key is
    /// sampled and the sampler is not busy (a sample another thread holds the lock for is
    /// skipped); publishes a new share when a decision is due. Never allocates.
    void offer(std::uint64_t hash) noexcept {
        if (locked_.exchange(true, std::memory_order_acquire)) return; // busy: skip the sample
        if (sampled(hash, shift_)) {
            for (mini& m : minis_) m.access(hash);
            if (++samples_ >= period_samples_) decide();
        }
        locked_.store(false, std::memory_order_release);
    }

    /// The window share the mini caches currently favour, per mille of the capacity.
    std::uint32_t share_permille() const noexcept { return share_.load(std::memory_order_relaxed); }
    /// One key in this many is sampled (no lock: tests).
    std::uint64_t sampling_rate() const noexcept { return std::uint64_t{1} << (64 - shift_); }
    /// Capacity of each mini cache (no lock: tests).
    std::uint64_t mini_capacity() const noexcept { return mini_capacity_; }
    /// Replayed requests between two decisions (no lock: tests).
    std::uint64_t period_samples() const noexcept { return period_samples_; }
    /// Bytes the mini caches hold.
    std::size_t memory_bytes() const noexcept {
        return sizeof(*this) + shares.size() * mini_capacity_ * mini::bytes_per_entry;
    }

private:
    void lock() noexcept {
        while (locked_.exchange(true, std::memory_order_acquire))
            while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
    // Under the lock: publishes the best mini cache's share and ages every mini cache.
    void decide() noexcept {
        samples_ = 0;
        std::size_t best = 0;
        for (std::size_t i = 1; i < minis_.size(); ++i)
            if (minis_[i].hits > minis_[best].hits) best = i;
        if (minis_[best].requests < 256) return; // too few samples to tell
        for (mini& m : minis_) m.age();
        share_.store(shares[best], std::memory_order_relaxed);
    }

    struct mini {
        // Policy links, hash, segment, sketch; index bucket (at 3/4 load); key; free slot.
        static constexpr std::size_t bytes_per_entry = 8 + 4 + 1 + 8 + 11 + 8 + 4;
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
            // Touch every slot once so that no later access allocates.
            for (std::uint32_t s = 0; s <= c; ++s) policy.on_insert(s, 0, 1);
            policy.reset(c);
            capacity = c;
            size = hits = requests = 0;
        }
        void access(std::uint64_t h) noexcept {
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
                keys.push_back(h); // within the reserved capacity + 1
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

    std::atomic<bool> locked_{false};
    unsigned shift_ = 64 - 4;
    std::uint64_t mini_capacity_ = 0, period_samples_ = 1, samples_ = 0;
    std::array<mini, shares.size()> minis_{};
    alignas(64) std::atomic<std::uint32_t> share_{shares[0]};
};

/// The default sampler: mini caches of about 256 entries, one key in 16 at least.
using window_sampler = basic_window_sampler<>;

/// Sizes W-TinyLFU's window by comparison on the same requests rather than by hill
/// climbing: the window follows the share a window_sampler's mini caches favour. Every
/// shard of a cache records its requests here; a sampled key's request (one in
/// sampling_rate(), decided on the key's hash) is offered to the sampler, which all the
/// shards of one cache share (cache<> calls share_with() at construction), sized from the
/// whole bound, so the sampling is as sparse as the whole cache allows rather than as
/// one shard does. Every check_period() requests the shard applies the favoured share.
template <class Sampler = window_sampler>
class basic_sampled_window_climber {
public:
    /// The window may take any share of the bound (W-TinyLFU then keeps protected at 80 %
    /// of the rest) rather than only what protected gives up.
    static constexpr bool resplits_main = true;
    /// Requests of one shard between two looks at the favoured share.
    static constexpr std::uint64_t check_period = 1024;

    /// Starts over for `capacity` with a sampler of its own; returns the initial window
    /// (1 %, at least 1). May throw std::bad_alloc.
    std::uint64_t reset(std::uint64_t capacity) {
        capacity_ = std::max<std::uint64_t>(capacity, 1);
        scale_ = 1;
        requests_ = 0;
        sampler_ = std::make_shared<Sampler>();
        sampler_->resize(capacity_);
        shift_ = Sampler::shift_for(capacity_);
        return std::max<std::uint64_t>(1, capacity_ / 100);
    }
    /// Shares `first`'s sampler (the climber of a cache's first shard; may be this one),
    /// resized for the whole cache's `total` weight units. Called by cache<> after every
    /// shard's reset(). May throw std::bad_alloc.
    void share_with(basic_sampled_window_climber& first, std::uint64_t total) {
        total = std::max<std::uint64_t>(total, 1);
        if (&first == this) sampler_->resize(total);
        else sampler_ = first.sampler_;
        scale_ = static_cast<double>(total) / static_cast<double>(capacity_);
        shift_ = Sampler::shift_for(total);
    }
    /// The capacity changed to `capacity`: the shared sampler is resized for the cache's
    /// new bound (estimated as `capacity` times the shard count; it starts over only if
    /// its sampling changes). May throw std::bad_alloc.
    void set_capacity(std::uint64_t capacity) {
        capacity_ = std::max<std::uint64_t>(capacity, 1);
        const auto total = static_cast<std::uint64_t>(std::llround(scale_ * static_cast<double>(capacity_)));
        sampler_->resize(total);
        shift_ = Sampler::shift_for(total);
    }
    /// Counts one request; offers it to the sampler if its key is sampled; true when the
    /// shard should look at the favoured share (then call decide()).
    bool record(bool /*hit*/, std::uint64_t hash) noexcept {
        if (Sampler::sampled(hash, shift_)) [[unlikely]] sampler_->offer(hash);
        return ++requests_ >= check_period;
    }
    /// The window's change towards the favoured share; starts the next period.
    std::int64_t decide(std::uint64_t window, std::uint64_t max_window) noexcept {
        requests_ = 0;
        const std::uint64_t target = std::clamp<std::uint64_t>(capacity_ * sampler_->share_permille() / 1000, 1,
                                                               std::max<std::uint64_t>(max_window, 1));
        return static_cast<std::int64_t>(target) - static_cast<std::int64_t>(window);
    }
    /// The sampler (shared by every shard of a cache).
    const Sampler& sampler() const noexcept { return *sampler_; }
    /// One key in this many is sampled.
    std::uint64_t sampling_rate() const noexcept { return std::uint64_t{1} << (64 - shift_); }

private:
    std::shared_ptr<Sampler> sampler_;
    std::uint64_t capacity_ = 1, requests_ = 0;
    double scale_ = 1;
    unsigned shift_ = 60;
};

/// The default configuration (the default w_tinylfu's).
using sampled_window_climber = basic_sampled_window_climber<>;

} // namespace cistern::detail

#pragma once
/// \file
/// detail::sampled_window_climber (the default W-TinyLFU's window sizer) and
/// detail::window_sampler: the window is chosen by simulating small sampled caches at
/// several window sizes (Caffeine's simulator's "mini-simulation" idea), one sampler per
/// cache, shared by all its shards.

#include <cistern/cache/detail/count_min_sketch.hpp>

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

/// A W-TinyLFU "climber" for a window given at runtime, as a share of the capacity:
/// eviction::basic_w_tinylfu<preset_window> is what each of window_sampler's mini caches
/// behaves as (the model test replays both).
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
/// cache hit most over the recent samples is published (hits and requests are scaled by
/// KeepEighths / 8 at every decision, so older samples weigh less: with 7 / 8 a decision
/// rests on about eight periods of samples). Mini caches compared on the same requests
/// differ only by their window, where consecutive samples of one cache differ by the
/// workload's phase too.
///
/// Each mini cache behaves exactly as an eviction::basic_w_tinylfu<preset_window> of
/// mini_capacity() entries behind its own index (the model test checks it request by
/// request), but the six share what they can, since they see the same requests: one
/// count-min sketch (each of six would hold the same counts), one index from a sampled
/// key to one node (a key's lookup is done once per sample, not once per mini cache),
/// and one node per key holding that key's links, segment and residency in every mini
/// cache (one cache line), so a sample touches one node where six caches touched six.
///
/// Thread safety: offer() and resize() may be called from any thread (the shards of one
/// cache, each under its own lock); a spin lock guards the mini caches, and offer() only
/// tries it (a busy sampler skips that sample). share_permille() is a relaxed atomic
/// load. No other member takes a lock: call them only where no other thread uses the
/// sampler (tests).
template <std::uint64_t MiniTarget = 256, std::uint64_t MinRate = 16,
          std::array<std::uint32_t, 6> Shares = std::array<std::uint32_t, 6>{10, 50, 150, 350, 650, 1000},
          std::uint64_t KeepEighths = 7>
class basic_window_sampler {
public:
    /// What a decision keeps of the mini caches' hits and requests, in eighths.
    static constexpr std::uint64_t keep_eighths = KeepEighths;
    static_assert(KeepEighths >= 1 && KeepEighths <= 7, "cistern::detail::basic_window_sampler: KeepEighths is 1 to 7 (a decision keeps that many eighths of the samples)");
    /// The candidate windows, per mille of the capacity.
    static constexpr std::array<std::uint32_t, 6> shares = Shares;
    /// Target capacity of a mini cache (the sampling rate follows from it).
    static constexpr std::uint64_t mini_target = MiniTarget;
    /// The densest sampling: one key in this many at least.
    static constexpr std::uint64_t min_rate = MinRate;
    static_assert(std::has_single_bit(MinRate) && MinRate >= 2, "cistern::detail::basic_window_sampler: MinRate is a power of two >= 2");
    static_assert(MiniTarget >= 1 && MiniTarget <= 4096, "cistern::detail::basic_window_sampler: MiniTarget is 1 to 4096 entries");
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
        // Every node may be held by one mini cache alone, and one more while a miss is
        // inserted before the evictions.
        const std::size_t nodes = sentinels + minis * static_cast<std::size_t>(mini_capacity) + 1;
        std::vector<node> fresh_nodes(nodes);
        std::vector<std::uint16_t> fresh_buckets(std::bit_ceil(2 * nodes), 0);
        std::vector<std::uint16_t> fresh_free;
        fresh_free.reserve(nodes - sentinels);
        for (std::size_t i = nodes; i-- > sentinels;) fresh_free.push_back(static_cast<std::uint16_t>(i));
        sketch_.resize(mini_capacity); // the only allocation left may throw: nothing changed yet
        nodes_.swap(fresh_nodes);
        buckets_.swap(fresh_buckets);
        free_.swap(fresh_free);
        mask_ = buckets_.size() - 1;
        shift_ = shift;
        mini_capacity_ = mini_capacity;
        period_samples_ = std::max<std::uint64_t>(1, period / rate);
        samples_ = requests_ = 0;
        share_.store(shares[0], std::memory_order_relaxed);
        for (std::uint16_t l = 0; l < sentinels; ++l)
            for (std::size_t m = 0; m < minis; ++m) nodes_[l].prev[m] = nodes_[l].next[m] = l;
        for (std::size_t m = 0; m < minis; ++m) {
            mini& x = minis_[m];
            x = mini{};
            x.window_budget = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(mini_capacity * shares[m] / 1000, 1, mini_capacity));
            x.protected_budget = (static_cast<std::uint32_t>(mini_capacity) - x.window_budget) -
                                 (static_cast<std::uint32_t>(mini_capacity) - x.window_budget) / 5;
        }
    }

    /// Replays the request of a key with `hash` through the mini caches if the key is
    /// sampled and the sampler is not busy (a sample another thread holds the lock for is
    /// skipped); publishes a new share when a decision is due. Never allocates. Out of
    /// line: callers test sampled() first, inline, and call this for sampled keys only.
    [[gnu::noinline]] void offer(std::uint64_t hash) noexcept {
        if (locked_.exchange(true, std::memory_order_acquire)) return; // busy: skip the sample
        if (sampled(hash, shift_) && !nodes_.empty()) {
            replay(hash);
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
    /// Hits of mini cache `i` (window shares[i]), scaled by keep_eighths / 8 at each
    /// decision as the requests are (no lock: tests).
    std::uint64_t mini_hits(std::size_t i) const noexcept { return minis_[i].hits; }
    /// Requests every mini cache was given, scaled at each decision (no lock: tests).
    std::uint64_t mini_requests() const noexcept { return requests_; }
    /// Entries mini cache `i` holds (no lock: tests).
    std::uint64_t mini_size(std::size_t i) const noexcept { return minis_[i].size; }
    /// Bytes the mini caches hold.
    std::size_t memory_bytes() const noexcept {
        return sizeof(*this) + nodes_.capacity() * sizeof(node) + buckets_.capacity() * sizeof(std::uint16_t) +
               free_.capacity() * sizeof(std::uint16_t) + sketch_.memory_bytes();
    }

private:
    static constexpr std::size_t minis = shares.size();
    // Nodes 0..2 are every mini cache's list sentinels (window, probation, protected).
    static constexpr std::uint16_t window = 0, probation = 1, protected_ = 2, sentinels = 3;
    // node::seg[m]: the segment in bits 0-1, "admission candidate" (left the window, not hit
    // since) in bit 2, as basic_w_tinylfu's.
    static constexpr std::uint8_t segment_mask = 3, candidate_bit = 4;

    // One sampled key: its links, segment and residency in every mini cache.
    struct node {
        std::uint64_t key = 0;
        std::array<std::uint16_t, minis> prev{}, next{};
        std::array<std::uint8_t, minis> seg{};
        std::uint8_t in = 0; // bit m: held by mini cache m
    };
    // One mini cache's budgets and weights (every entry weighs 1) and its tie-break state.
    struct mini {
        std::uint32_t window_budget = 1, protected_budget = 0, window_weight = 0, protected_weight = 0, size = 0;
        std::uint64_t random = 0x2545f4914f6cdd1dULL, hits = 0;
    };

    void lock() noexcept {
        while (locked_.exchange(true, std::memory_order_acquire))
            while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
    // Under the lock: publishes the best mini cache's share and ages every mini cache.
    void decide() noexcept {
        samples_ = 0;
        std::size_t best = 0;
        for (std::size_t i = 1; i < minis; ++i)
            if (minis_[i].hits > minis_[best].hits) best = i;
        if (requests_ < 256) return; // too few samples to tell
        for (mini& m : minis_) m.hits = m.hits * keep_eighths / 8;
        requests_ = requests_ * keep_eighths / 8;
        share_.store(shares[best], std::memory_order_relaxed);
    }

    // Under the lock: one request of the sampled key `h` in every mini cache.
    void replay(std::uint64_t h) noexcept {
        ++requests_;
        sketch_.increment(h >> 32); // every mini cache counts every request, before its evictions
        std::uint16_t n = find(h);
        if (n == 0) {
            n = free_.back(); // a free node always remains (see resize())
            free_.pop_back();
            nodes_[n].key = h;
            nodes_[n].in = 0;
            insert_index(h, n);
        }
        for (std::size_t m = 0; m < minis; ++m) {
            if (nodes_[n].in & (1u << m)) {
                ++minis_[m].hits;
                touch(m, n);
            } else {
                add(m, n);
            }
        }
        if (nodes_[n].in == 0) release(n); // a miss every mini cache turned away at once
    }

    // The lists of mini cache m, through the nodes' links (front = oldest).
    void unlink(std::size_t m, std::uint16_t i) noexcept {
        const std::uint16_t p = nodes_[i].prev[m], x = nodes_[i].next[m];
        nodes_[p].next[m] = x;
        nodes_[x].prev[m] = p;
    }
    void push_back(std::size_t m, std::uint16_t list, std::uint16_t i) noexcept {
        const std::uint16_t last = nodes_[list].prev[m];
        nodes_[i].prev[m] = last;
        nodes_[i].next[m] = list;
        nodes_[last].next[m] = i;
        nodes_[list].prev[m] = i;
    }
    void move_to_back(std::size_t m, std::uint16_t from, std::uint16_t to, std::uint16_t i) noexcept {
        if (from == to && nodes_[i].next[m] == to) return;
        unlink(m, i);
        push_back(m, to, i);
    }
    // The oldest / newest of a list, or 0 (a sentinel, never a key's node) when it is empty.
    std::uint16_t front(std::size_t m, std::uint16_t list) const noexcept {
        const std::uint16_t f = nodes_[list].next[m];
        return f < sentinels ? 0 : f;
    }
    std::uint16_t back(std::size_t m, std::uint16_t list) const noexcept {
        const std::uint16_t b = nodes_[list].prev[m];
        return b < sentinels ? 0 : b;
    }

    // basic_w_tinylfu::on_access for mini cache m (weights 1).
    void touch(std::size_t m, std::uint16_t i) noexcept {
        const std::uint16_t seg = nodes_[i].seg[m] & segment_mask;
        if (seg == probation) {
            move_to_back(m, probation, protected_, i);
            nodes_[i].seg[m] = protected_;
            ++minis_[m].protected_weight;
            demote_protected(m);
        } else {
            move_to_back(m, seg, seg, i);
        }
    }
    void demote_protected(std::size_t m) noexcept {
        mini& x = minis_[m];
        while (x.protected_weight > x.protected_budget) {
            const std::uint16_t d = front(m, protected_);
            move_to_back(m, protected_, probation, d);
            nodes_[d].seg[m] = probation;
            --x.protected_weight;
        }
    }
    void spill_window(std::size_t m) noexcept {
        mini& x = minis_[m];
        while (x.window_weight > x.window_budget) {
            const std::uint16_t s = front(m, window);
            move_to_back(m, window, probation, s);
            nodes_[s].seg[m] = probation | candidate_bit;
            --x.window_weight;
        }
    }
    // basic_w_tinylfu::on_insert for mini cache m, then the eviction its bound calls for.
    void add(std::size_t m, std::uint16_t i) noexcept {
        mini& x = minis_[m];
        nodes_[i].in |= static_cast<std::uint8_t>(1u << m);
        nodes_[i].seg[m] = window;
        push_back(m, window, i);
        ++x.window_weight;
        spill_window(m);
        if (++x.size <= mini_capacity_) return;
        --x.size;
        const std::uint16_t loser = evict(m);
        nodes_[loser].in &= static_cast<std::uint8_t>(~(1u << m));
        if (nodes_[loser].in == 0 && loser != i) release(loser); // the requested key's node stays until the sample ends
    }
    // basic_w_tinylfu::evict for mini cache m: the window candidate against probation's
    // victim, by the shared sketch's frequencies; unlinks and returns the loser.
    std::uint16_t evict(std::size_t m) noexcept {
        std::uint16_t victim = front(m, probation);
        if (victim == 0) victim = front(m, protected_);
        if (victim == 0) victim = front(m, window);
        const std::uint16_t candidate = back(m, probation);
        std::uint16_t loser = victim;
        if (candidate != 0 && candidate != victim && (nodes_[candidate].seg[m] & candidate_bit)) {
            if (!admit(m, nodes_[candidate].key, nodes_[victim].key)) loser = candidate;
            else nodes_[candidate].seg[m] &= segment_mask;
        }
        const std::uint8_t seg = nodes_[loser].seg[m] & segment_mask;
        if (seg == window) --minis_[m].window_weight;
        else if (seg == protected_) --minis_[m].protected_weight;
        unlink(m, loser);
        return loser;
    }
    bool admit(std::size_t m, std::uint64_t candidate, std::uint64_t victim) noexcept {
        const std::uint32_t fc = sketch_.frequency(candidate >> 32), fv = sketch_.frequency(victim >> 32);
        if (fc > fv) return true;
        if (fc <= 5) return false;
        std::uint64_t& r = minis_[m].random; // as basic_w_tinylfu: a warm candidate occasionally wins a tie
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        return (r & 127) == 0;
    }

    // The index: open addressing over nodes (0 = empty), linear probing, backward-shift
    // deletion; at most half full.
    std::size_t home(std::uint64_t h) const noexcept { return static_cast<std::size_t>(h >> 32) & mask_; }
    std::uint16_t find(std::uint64_t h) const noexcept {
        for (std::size_t i = home(h);; i = (i + 1) & mask_) {
            const std::uint16_t n = buckets_[i];
            if (n == 0 || nodes_[n].key == h) return n;
        }
    }
    void insert_index(std::uint64_t h, std::uint16_t n) noexcept {
        std::size_t i = home(h);
        while (buckets_[i] != 0) i = (i + 1) & mask_;
        buckets_[i] = n;
    }
    // Forgets node n (held by no mini cache): out of the index, back to the free nodes.
    void release(std::uint16_t n) noexcept {
        std::size_t i = home(nodes_[n].key);
        while (buckets_[i] != n) i = (i + 1) & mask_;
        for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
            const std::uint16_t b = buckets_[j];
            if (b == 0) break;
            const std::size_t hj = home(nodes_[b].key);
            // b may move to i when its home is not in the cyclic range (i, j].
            if (((j - hj) & mask_) >= ((j - i) & mask_)) {
                buckets_[i] = b;
                i = j;
            }
        }
        buckets_[i] = 0;
        free_.push_back(n);
    }

    std::atomic<bool> locked_{false};
    unsigned shift_ = 64 - 4;
    std::uint64_t mini_capacity_ = 0, period_samples_ = 1, samples_ = 0, requests_ = 0;
    std::size_t mask_ = 0;
    std::vector<node> nodes_;
    std::vector<std::uint16_t> buckets_, free_;
    count_min_sketch sketch_;
    std::array<mini, minis> minis_{};
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
        entries_ = 16;
        sampler_ = std::make_shared<Sampler>();
        sampler_->resize(sampled_capacity(1));
        shift_ = Sampler::shift_for(sampled_capacity(1));
        return std::max<std::uint64_t>(1, capacity_ / 100);
    }
    /// The bound is in weight units (a cache with a weigher; called before reset()): the
    /// mini caches model the entries the cache holds, so the sampler is sized by the
    /// entries (entries_grew()) rather than by the bound.
    void set_weighted() noexcept { weighted_ = true; }
    /// A weighted cache's shard now holds about `entries` entries (a power of two, each
    /// time it outgrows the last): the shared sampler is resized for that many in every
    /// shard (it starts over only if its sampling changes). No-op without set_weighted().
    /// May throw std::bad_alloc.
    void entries_grew(std::uint64_t entries) {
        if (!weighted_) return;
        entries_ = std::max<std::uint64_t>(entries, 1);
        resize_sampler();
    }
    /// Shares `first`'s sampler (the climber of a cache's first shard; may be this one),
    /// resized for the whole cache's `total` weight units. Called by cache<> after every
    /// shard's reset(). May throw std::bad_alloc.
    void share_with(basic_sampled_window_climber& first, std::uint64_t total) {
        total = std::max<std::uint64_t>(total, 1);
        scale_ = static_cast<double>(total) / static_cast<double>(capacity_);
        const std::uint64_t sized = weighted_ ? sampled_capacity(scale_) : total;
        if (&first == this) sampler_->resize(sized);
        else sampler_ = first.sampler_;
        shift_ = Sampler::shift_for(sized);
    }
    /// The capacity changed to `capacity`: the shared sampler is resized for the cache's
    /// new bound (estimated as `capacity` times the shard count; it starts over only if
    /// its sampling changes). May throw std::bad_alloc.
    void set_capacity(std::uint64_t capacity) {
        capacity_ = std::max<std::uint64_t>(capacity, 1);
        resize_sampler();
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
    // What the sampler models for `scale` shards' worth: the bound, or with a weigher the
    // entries held.
    std::uint64_t sampled_capacity(double scale) const noexcept {
        const std::uint64_t per_shard = weighted_ ? entries_ : capacity_;
        return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(scale * static_cast<double>(per_shard))));
    }
    // Resizes the shared sampler for the whole cache's sampled capacity.
    void resize_sampler() {
        const std::uint64_t total = sampled_capacity(scale_);
        sampler_->resize(total);
        shift_ = Sampler::shift_for(total);
    }

    std::shared_ptr<Sampler> sampler_;
    std::uint64_t capacity_ = 1, requests_ = 0;
    std::uint64_t entries_ = 16; // with set_weighted(): a shard's entries, as last grown to
    bool weighted_ = false;
    double scale_ = 1;
    unsigned shift_ = 60;
};

/// The default configuration (the default w_tinylfu's).
using sampled_window_climber = basic_sampled_window_climber<>;

} // namespace cistern::detail

#pragma once
/// \file
/// cistern::eviction::basic_w_tinylfu<Climber>: Window-TinyLFU (Einziger, Friedman, Manes)
/// with a pluggable window sizer; eviction/w_tinylfu.hpp names the default.

#include <cistern/cache/detail/count_min_sketch.hpp>
#include <cistern/cache/detail/grow.hpp>
#include <cistern/cache/detail/slot_lists.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cistern::eviction {

/// W-TinyLFU with a pluggable window sizer. A small LRU admission window (1 % of the
/// bound to start) in front of a segmented LRU main region (probation + protected,
/// protected 80 % of main). An entry leaving the window competes with main's probation
/// victim: the one a 4-bit count-min sketch (halved every 10 × capacity increments) has
/// seen more often stays. `Climber` resizes the window: `reset(capacity)` returns the
/// initial window, `record(hit)` (or `record(hit, hash)`, with the key's hash) is told of
/// every hit and every insert and returns true when a decision is due, `decide(window, max_window)` returns the signed change (see
/// detail::sampled_window_climber, the default's, whose sampler the shards of one cache share
/// (see share_climber()); detail::window_climber, a hill climber;
/// detail::fixed_window never moves it). A climber with `static constexpr bool
/// resplits_main = true` may set any window from 1 to the whole bound (decide() is given
/// the bound as `max_window`), protected then being 80 % of the rest; otherwise growing
/// the window takes only what protected gives up.
/// Per entry: 8 bytes of links, 4 of hash, 1 of segment, 4 of weight only once an entry
/// weighs other than 1 (never without a weigher), and 8 bytes of sketch per unit of
/// capacity (per entry tracked, rounded up to a power of two, in a weighted cache: see
/// set_weighted()).
template <class Climber>
class basic_w_tinylfu {
public:
    /// EvictionPolicy::reset: forgets every entry, sizes the sketch for `capacity` (at least 1)
    /// and restarts the window at 1 % of it. May throw std::bad_alloc.
    void reset(std::uint64_t capacity) {
        lists_.clear();
        hash_.clear();
        seg_.clear();
        weight_.clear();
        capacity_ = std::max<std::uint64_t>(capacity, 1);
        sketch_entries_ = 16;
        sketch_.resize(weighted_ ? sketch_entries_ : capacity_);
        window_budget_ = std::clamp<std::uint64_t>(climber_.reset(capacity_), 1, capacity_);
        protected_budget_ = (capacity_ - window_budget_) - (capacity_ - window_budget_) / 5;
        window_weight_ = protected_weight_ = 0;
        random_ = 0x2545f4914f6cdd1dULL;
    }
    /// EvictionPolicy::set_weighted (called by a cache with a weigher before reset()): the
    /// bound is in weight units (bytes, say), which says nothing of how many entries there
    /// will be, so the sketch is sized by the entries tracked instead of by the bound: 16 to
    /// start, grown (and cleared) to the next power of two each time the entries outnumber
    /// it, as Caffeine sizes a weighted cache's sketch by its entry count. A climber with
    /// `set_weighted()` and `entries_grew(n)` (the default's sampler) follows the entries too.
    void set_weighted() noexcept {
        weighted_ = true;
        if constexpr (requires { climber_.set_weighted(); }) climber_.set_weighted();
    }

    /// EvictionPolicy::on_insert: counts `hash` in the sketch and puts `slot` in the window;
    /// the window's oldest entries may move on to compete for main. May throw std::bad_alloc.
    void on_insert(std::uint32_t slot, std::uint64_t hash, std::uint64_t weight) {
        if (weighted_) [[unlikely]] {
            const std::uint64_t entries = lists_.size(window) + lists_.size(probation) + lists_.size(protected_) + 1;
            if (entries > sketch_entries_) {
                sketch_entries_ = std::bit_ceil(entries);
                sketch_.ensure_capacity(sketch_entries_);
                if constexpr (requires { climber_.entries_grew(sketch_entries_); }) climber_.entries_grew(sketch_entries_);
            }
        }
        lists_.ensure(slot);
        const std::size_t n = std::size_t{slot} + 1;
        detail::grow_to(hash_, n);
        detail::grow_to(seg_, n);
        if (!weight_.empty() || weight != 1) detail::grow_to(weight_, std::max(n, seg_.size()), std::uint32_t{1});
        sketch_.increment(hash >> 32);
        hash_[slot] = static_cast<std::uint32_t>(hash >> 32);
        seg_[slot] = window;
        if (!weight_.empty()) weight_[slot] = static_cast<std::uint32_t>(weight);
        lists_.push_back(window, slot);
        window_weight_ += weight;
        spill_window();
        if (record(false, hash)) [[unlikely]] climb();
    }
    /// EvictionPolicy::on_access: counts `hash` in the sketch and makes `slot` the newest of its
    /// segment (a probation hit promotes it to protected). With a climber that samples keys
    /// (the default's) it may throw std::bad_alloc while the climber's mini caches first
    /// fill (they never grow beyond their capacity).
    void on_access(std::uint32_t slot, std::uint64_t hash) {
        sketch_.increment(hash >> 32);
        touch(slot);
        if (record(true, hash)) [[unlikely]] climb();
    }
    /// EvictionPolicy::on_update: records the new `weight` and counts the replacement as a hit.
    /// May throw std::bad_alloc (the first weight other than 1).
    void on_update(std::uint32_t slot, std::uint64_t hash, std::uint64_t weight) {
        if (weight_.empty() && weight != 1) weight_.assign(seg_.size(), 1);
        const std::uint64_t old = weight_of(slot);
        if (segment(slot) == window) window_weight_ = window_weight_ - old + weight;
        else if (segment(slot) == protected_) protected_weight_ = protected_weight_ - old + weight;
        if (!weight_.empty()) weight_[slot] = static_cast<std::uint32_t>(weight);
        sketch_.increment(hash >> 32);
        touch(slot);
        demote_protected(); // a heavier protected entry may overflow protected
        spill_window();
    }
    /// EvictionPolicy::on_erase: forgets `slot` (its sketch counts stay).
    void on_erase(std::uint32_t slot) noexcept {
        const std::uint8_t seg = segment(slot);
        if (seg == window) window_weight_ -= weight_of(slot);
        else if (seg == protected_) protected_weight_ -= weight_of(slot);
        lists_.unlink(seg, slot);
    }
    /// EvictionPolicy::evict: forgets and returns the loser of the window candidate against
    /// main's probation victim, judged by the sketch's frequencies. Precondition: at least one
    /// entry is tracked.
    std::uint32_t evict() noexcept {
        std::uint32_t victim = lists_.front(probation);
        if (victim == none) victim = lists_.front(protected_);
        if (victim == none) victim = lists_.front(window);
        const std::uint32_t candidate = lists_.back(probation);
        std::uint32_t loser = victim;
        if (candidate != none && candidate != victim && (seg_[candidate] & candidate_bit)) {
            if (!admit(hash_[candidate], hash_[victim])) loser = candidate;
            else seg_[candidate] &= segment_mask;
        }
        on_erase(loser);
        return loser;
    }

    /// Starts loading the sketch counters of `hash` (called before the shard's lock).
    void prefetch(std::uint64_t hash) const noexcept { sketch_.prefetch(hash >> 32); }

    /// Starts loading what on_access(slot) reads (its segment and links); under the lock,
    /// while the cache compares the slot's key.
    void prefetch_slot(std::uint32_t slot) const noexcept {
        if (slot < seg_.size()) __builtin_prefetch(&seg_[slot], 1, 3);
        lists_.prefetch(slot);
    }

    /// Changes the bound to `capacity` (at least 1), keeping every entry: the window keeps
    /// its share of the bound (at least 1), protected is 80 % of the rest (its overflow is
    /// demoted, the window's spills to probation), the climber scales its steps, and the
    /// sketch grows (starting over) when it was sized for less. The cache then evicts
    /// down to the bound. May throw std::bad_alloc (a larger sketch).
    void set_capacity(std::uint64_t capacity) {
        const std::uint64_t c = std::max<std::uint64_t>(capacity, 1);
        if (!weighted_) sketch_.ensure_capacity(c);
        const double share = static_cast<double>(window_budget_) / static_cast<double>(capacity_);
        capacity_ = c;
        window_budget_ = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::llround(share * static_cast<double>(c))), 1, c);
        protected_budget_ = (c - window_budget_) - (c - window_budget_) / 5;
        if constexpr (requires { climber_.set_capacity(c); }) climber_.set_capacity(c);
        demote_protected();
        spill_window();
    }

    /// The climber (for tests, and to configure one before reset()).
    Climber& climber() noexcept { return climber_; }

    /// For a climber whose state the shards of one cache share (`share_with(first, total)`,
    /// as detail::sampled_window_climber's sampler): shares `first`'s (the cache's first
    /// shard's policy; may be this one), sized for the cache's whole bound `total`. cache<>
    /// calls it on every shard after reset(), first on the first. May throw std::bad_alloc.
    void share_climber(basic_w_tinylfu& first, std::uint64_t total)
        requires requires(Climber& a, Climber& b) { a.share_with(b, total); }
    {
        climber_.share_with(first.climber_, total);
    }

    /// Bytes of the policy's own structures (links, hashes, segments, weights, sketch).
    std::size_t memory_bytes() const noexcept {
        return lists_.memory_bytes() + hash_.capacity() * sizeof(std::uint32_t) + seg_.capacity() +
               weight_.capacity() * sizeof(std::uint32_t) + sketch_.memory_bytes();
    }

    /// The current window bound, in weight units (for tests and benchmarks).
    std::uint64_t window_budget() const noexcept { return window_budget_; }
    /// The current protected segment's bound, in weight units (for tests).
    std::uint64_t protected_budget() const noexcept { return protected_budget_; }

private:
    static constexpr std::uint32_t none = detail::slot_lists<3>::none;
    static constexpr std::uint8_t window = 0, probation = 1, protected_ = 2;
    // seg_[slot]: the segment in bits 0-1, "admission candidate" (left the window, not
    // hit since) in bit 2.
    static constexpr std::uint8_t segment_mask = 3, candidate_bit = 4;

    // A climber that samples keys takes the request's hash too.
    bool record(bool hit, std::uint64_t hash) noexcept {
        if constexpr (requires { climber_.record(hit, hash); }) return climber_.record(hit, hash);
        else return climber_.record(hit);
    }
    std::uint8_t segment(std::uint32_t slot) const noexcept { return seg_[slot] & segment_mask; }
    std::uint64_t weight_of(std::uint32_t slot) const noexcept { return weight_.empty() ? 1 : weight_[slot]; }

    void touch(std::uint32_t slot) noexcept {
        const std::uint8_t seg = segment(slot);
        if (seg == probation) {
            lists_.move_to_back(probation, protected_, slot);
            seg_[slot] = protected_;
            protected_weight_ += weight_of(slot);
            demote_protected();
        } else {
            lists_.move_to_back(seg, seg, slot);
        }
    }
    void demote_protected() noexcept {
        while (protected_weight_ > protected_budget_ && lists_.size(protected_) > 0) {
            const std::uint32_t d = lists_.front(protected_);
            lists_.move_to_back(protected_, probation, d);
            seg_[d] = probation;
            protected_weight_ -= weight_of(d);
        }
    }
    // Moves the window's oldest entries to probation's newest end as admission candidates.
    void spill_window() noexcept {
        while (window_weight_ > window_budget_ && lists_.size(window) > 0) {
            const std::uint32_t s = lists_.front(window);
            lists_.move_to_back(window, probation, s);
            seg_[s] = probation | candidate_bit;
            window_weight_ -= weight_of(s);
        }
    }
    bool admit(std::uint32_t candidate_hash, std::uint32_t victim_hash) noexcept {
        const std::uint32_t fc = sketch_.frequency(candidate_hash), fv = sketch_.frequency(victim_hash);
        if (fc > fv) return true;
        if (fc <= 5) return false;
        // Against hash flooding: a warm candidate occasionally wins a tie.
        random_ ^= random_ << 13;
        random_ ^= random_ >> 7;
        random_ ^= random_ << 17;
        return (random_ & 127) == 0;
    }
    // Resizes the window by what the climber decides.
    [[gnu::noinline]] void climb() noexcept {
        if constexpr (requires { requires Climber::resplits_main; }) {
            // The window may take any share of the bound; main keeps protected at 80 %.
            const std::int64_t amount = climber_.decide(window_budget_, capacity_);
            if (amount == 0) return;
            const std::uint64_t old = window_budget_;
            window_budget_ = static_cast<std::uint64_t>(
                std::clamp<std::int64_t>(static_cast<std::int64_t>(old) + amount, 1, static_cast<std::int64_t>(capacity_)));
            protected_budget_ = (capacity_ - window_budget_) - (capacity_ - window_budget_) / 5;
            demote_protected();
            if (window_budget_ > old) refill_window(window_budget_ - old);
            else spill_window();
            return;
        }
        const std::int64_t amount = climber_.decide(window_budget_, window_budget_ + protected_budget_);
        if (amount == 0) return;
        const auto quota = static_cast<std::uint64_t>(amount > 0 ? amount : -amount);
        if (amount > 0) {
            const std::uint64_t q = std::min(quota, protected_budget_);
            window_budget_ += q;
            protected_budget_ -= q;
            demote_protected();
            refill_window(q);
        } else {
            const std::uint64_t q = std::min(quota, window_budget_ > 1 ? window_budget_ - 1 : 0);
            window_budget_ -= q;
            protected_budget_ += q;
            spill_window();
        }
    }

    // Refills a larger window with up to `q` weight units from probation's oldest entries.
    void refill_window(std::uint64_t q) noexcept {
        std::uint64_t moved = 0;
        while (moved < q && window_weight_ < window_budget_ && lists_.size(probation) > 0) {
            const std::uint32_t s = lists_.front(probation);
            lists_.move_to_back(probation, window, s);
            seg_[s] = window;
            window_weight_ += weight_of(s);
            moved += weight_of(s);
        }
    }

    detail::slot_lists<3> lists_;
    std::vector<std::uint32_t> hash_;   // the key hash's upper half, for the sketch
    std::vector<std::uint8_t> seg_;     // segment and candidate bit
    std::vector<std::uint32_t> weight_; // empty while every entry weighs 1
    detail::count_min_sketch sketch_;
    std::uint64_t sketch_entries_ = 16; // with set_weighted(): the entries the sketch is sized for
    bool weighted_ = false;             // set_weighted(): the sketch follows the entries, not the bound
    std::uint64_t capacity_ = 1, window_budget_ = 1, protected_budget_ = 0;
    std::uint64_t window_weight_ = 0, protected_weight_ = 0;
    Climber climber_;
    std::uint64_t random_ = 0x2545f4914f6cdd1dULL;
};

} // namespace cistern::eviction

#define BOOST_TEST_MODULE cistern cache model
#include <boost/test/unit_test.hpp>

// Seeded, model-based tests: long random sequences of get/put/erase on a one-shard cache,
// compared step by step with a plain reference implementation of the same policy
// (same get results, same victims in the same order, same contents), plus invariants
// for every policy (bound respected, values are the last ones written, stats add up).

#include <cistern/cache/cache.hpp>
#include <cistern/cache/detail/count_min_sketch.hpp>
#include <cistern/cache/detail/hash.hpp>
#include <cistern/cache/detail/sampled_window_climber.hpp>
#include <cistern/cache/detail/window_climber.hpp>
#include <cistern/cache/eviction/fifo.hpp>
#include <cistern/cache/eviction/lfu.hpp>
#include <cistern/cache/eviction/lru.hpp>
#include <cistern/cache/eviction/s3fifo.hpp>
#include <cistern/cache/eviction/sieve.hpp>
#include <cistern/cache/eviction/slru.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>

#include <boost/mpl/list.hpp>

#include <algorithm>
#include <bit>
#include <array>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <list>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace ev = cistern::eviction;
namespace cp = cistern::cache_policy;
using cistern::removal_cause;

namespace {

// ---- reference implementations, written for clarity, not speed ----

struct ref_lru {
    std::size_t cap = 0;
    std::list<int> order; // front = least recent
    std::map<int, int> values;
    void touch(int k) { order.splice(order.end(), order, std::find(order.begin(), order.end(), k)); }
    std::optional<int> get(int k) {
        auto it = values.find(k);
        if (it == values.end()) return std::nullopt;
        touch(k);
        return it->second;
    }
    std::vector<int> put(int k, int v) {
        if (values.count(k)) {
            values[k] = v;
            touch(k);
            return {};
        }
        values[k] = v;
        order.push_back(k);
        std::vector<int> out;
        while (values.size() > cap) {
            out.push_back(order.front());
            values.erase(order.front());
            order.pop_front();
        }
        return out;
    }
    void erase(int k) {
        if (values.erase(k)) order.remove(k);
    }
};

struct ref_fifo : ref_lru {
    std::optional<int> get(int k) {
        auto it = values.find(k);
        if (it == values.end()) return std::nullopt;
        return it->second;
    }
    std::vector<int> put(int k, int v) {
        if (values.count(k)) {
            values[k] = v;
            return {};
        }
        return ref_lru::put(k, v);
    }
};

struct ref_sieve {
    std::size_t cap = 0;
    std::list<int> queue; // front = oldest
    std::map<int, int> values;
    std::map<int, bool> visited;
    std::list<int>::iterator hand = queue.end(); // end() = start from the oldest
    std::optional<int> get(int k) {
        auto it = values.find(k);
        if (it == values.end()) return std::nullopt;
        visited[k] = true;
        return it->second;
    }
    std::vector<int> put(int k, int v) {
        if (values.count(k)) {
            values[k] = v;
            visited[k] = true;
            return {};
        }
        // As the paper: a miss on a full cache evicts first, then inserts at the head.
        std::vector<int> out;
        while (values.size() >= cap) {
            auto h = hand == queue.end() ? queue.begin() : hand;
            while (visited[*h]) {
                visited[*h] = false;
                ++h;
                if (h == queue.end()) h = queue.begin();
            }
            out.push_back(*h);
            values.erase(*h);
            visited.erase(*h);
            hand = queue.erase(h);
        }
        values[k] = v;
        visited[k] = false;
        queue.push_back(k);
        return out;
    }
    void erase(int k) {
        if (!values.erase(k)) return;
        visited.erase(k);
        auto it = std::find(queue.begin(), queue.end(), k);
        if (it == hand) hand = queue.erase(it);
        else queue.erase(it);
    }
};

struct ref_lfu {
    std::size_t cap = 0;
    struct meta {
        int value;
        std::uint64_t freq, since; // since = when it reached this frequency
    };
    std::map<int, meta> entries;
    std::uint64_t clock = 0;
    std::optional<int> get(int k) {
        auto it = entries.find(k);
        if (it == entries.end()) return std::nullopt;
        ++it->second.freq;
        it->second.since = ++clock;
        return it->second.value;
    }
    std::vector<int> put(int k, int v) {
        if (auto it = entries.find(k); it != entries.end()) {
            it->second.value = v;
            ++it->second.freq;
            it->second.since = ++clock;
            return {};
        }
        entries[k] = meta{v, 1, ++clock};
        std::vector<int> out;
        while (entries.size() > cap) {
            auto victim = std::min_element(entries.begin(), entries.end(), [](auto& a, auto& b) {
                return std::pair(a.second.freq, a.second.since) < std::pair(b.second.freq, b.second.since);
            });
            out.push_back(victim->first);
            entries.erase(victim);
        }
        return out;
    }
    void erase(int k) { entries.erase(k); }
    std::size_t size() const { return entries.size(); }
    bool has(int k) const { return entries.count(k) != 0; }
};

// Removes `k` from `l`; true when it was there.
bool take(std::list<int>& l, int k) {
    auto it = std::find(l.begin(), l.end(), k);
    if (it == l.end()) return false;
    l.erase(it);
    return true;
}

// Weights: every reference keeps each key's weight (1 in the unweighted runs) and bounds
// the sum; segment budgets are in weight units, computed by summing, for clarity.
struct weights {
    std::map<int, std::uint64_t> of;
    std::uint64_t sum(const std::list<int>& l) const {
        std::uint64_t s = 0;
        for (int k : l) s += of.at(k);
        return s;
    }
    std::uint64_t total() const {
        std::uint64_t s = 0;
        for (const auto& [k, w] : of) s += w;
        return s;
    }
};

// Segmented LRU: new keys enter probation; a hit (or an update) in probation promotes the
// key to protected's newest end, and while protected weighs more than cap - cap/5 (80 %,
// rounded up) and holds more than one key, its oldest key is demoted to probation's
// newest end. A hit (or an update) in protected moves the key to protected's newest end,
// and an update that makes protected too heavy demotes its oldest keys the same way.
// The victim is probation's oldest key, or protected's oldest when probation is empty;
// victims leave while the cache weighs more than cap (also after an update).
struct ref_slru {
    std::size_t cap = 0;
    std::list<int> probation, protected_; // front = oldest
    std::map<int, int> values;
    weights w;
    std::uint64_t protected_cap() const { return cap - cap / 5; }
    void hit(int k) {
        if (take(protected_, k)) {
            protected_.push_back(k);
            return;
        }
        take(probation, k);
        protected_.push_back(k);
        demote();
    }
    void demote() {
        while (w.sum(protected_) > protected_cap() && protected_.size() > 1) {
            probation.push_back(protected_.front());
            protected_.pop_front();
        }
    }
    std::optional<int> get(int k) {
        auto it = values.find(k);
        if (it == values.end()) return std::nullopt;
        hit(k);
        return it->second;
    }
    std::vector<int> put(int k, int v, std::uint64_t weight = 1) {
        const bool update = values.count(k) != 0;
        values[k] = v;
        w.of[k] = weight;
        if (update) {
            hit(k);
            demote(); // a heavier protected key may overflow protected
        } else {
            probation.push_back(k);
        }
        std::vector<int> out;
        while (w.total() > cap) {
            std::list<int>& from = probation.empty() ? protected_ : probation;
            const int victim = from.front();
            from.pop_front();
            values.erase(victim);
            w.of.erase(victim);
            out.push_back(victim);
        }
        return out;
    }
    void erase(int k) {
        if (!values.erase(k)) return;
        w.of.erase(k);
        if (!take(probation, k)) take(protected_, k);
    }
};

// S3-FIFO as in the paper (SOSP '23) and its reference code (libCacheSim S3FIFOv0): a
// small FIFO (max(1, cap/10) weight units), a main FIFO (the rest) and a ghost FIFO of
// keys evicted from small (at most cap - cap/10 of them). Each resident key counts its
// hits (a get hit or an update), up to 3. A miss: if the ghost holds the key, the ghost
// forgets it and the key will go to main, else to small; then, while the new key would
// not fit, one eviction; then the key enters its queue's newest end. One eviction: when
// main weighs more than its share or small is empty, from main: its oldest key, if hit,
// goes back to main's newest end with one hit fewer, else it is the victim. Otherwise
// from small: its oldest key, hit at least twice, moves to main's newest end with no
// hits and small goes on (to main when small runs out); else it is the victim and the
// ghost remembers it. An update that makes the cache too heavy evicts the same way
// (the updated key may be the victim).
struct ref_s3fifo {
    std::size_t cap = 0;
    std::list<int> small, main; // front = oldest
    std::map<int, int> values, hits;
    weights w;
    std::deque<int> ghost; // oldest first
    std::uint64_t small_cap() const { return std::max<std::uint64_t>(1, cap / 10); }
    std::uint64_t main_cap() const { return cap > small_cap() ? cap - small_cap() : 0; }
    bool forget_ghost(int k) {
        auto it = std::find(ghost.begin(), ghost.end(), k);
        if (it == ghost.end()) return false;
        ghost.erase(it);
        return true;
    }
    void remember(int k) {
        ghost.push_back(k);
        while (ghost.size() > cap - cap / 10) ghost.pop_front();
    }
    void hit(int k) { hits[k] = std::min(hits[k] + 1, 3); }
    std::optional<int> get(int k) {
        auto it = values.find(k);
        if (it == values.end()) return std::nullopt;
        hit(k);
        return it->second;
    }
    void drop(int k) {
        values.erase(k);
        hits.erase(k);
        w.of.erase(k);
    }
    int evict_main() {
        for (;;) {
            const int k = main.front();
            main.pop_front();
            if (hits[k] > 0) {
                --hits[k];
                main.push_back(k);
                continue;
            }
            drop(k);
            return k;
        }
    }
    int evict_one() {
        if (w.sum(main) > main_cap() || small.empty()) return evict_main();
        while (!small.empty()) {
            const int k = small.front();
            small.pop_front();
            if (hits[k] > 1) {
                hits[k] = 0;
                main.push_back(k);
                continue;
            }
            remember(k);
            drop(k);
            return k;
        }
        return evict_main();
    }
    std::vector<int> put(int k, int v, std::uint64_t weight = 1) {
        std::vector<int> out;
        if (values.count(k)) {
            values[k] = v;
            w.of[k] = weight;
            hit(k);
            while (w.total() > cap) out.push_back(evict_one());
            return out;
        }
        const bool to_main = forget_ghost(k);
        while (w.total() + weight > cap) out.push_back(evict_one());
        values[k] = v;
        w.of[k] = weight;
        hits[k] = 0;
        (to_main ? main : small).push_back(k);
        return out;
    }
    void erase(int k) {
        if (!values.count(k)) return;
        drop(k);
        if (!take(small, k)) take(main, k);
    }
};

// The 32 bits of a key's hash that W-TinyLFU counts in its sketch (the cache hashes keys
// with mix64(std::hash)).
std::uint32_t sketch_key(int k) {
    return static_cast<std::uint32_t>(cistern::detail::mix64(static_cast<std::uint64_t>(std::hash<int>{}(k))) >> 32);
}

// Adaptive W-TinyLFU. An LRU window (max(1, cap/100) weight units to start) in front of an
// SLRU main region (probation + protected, protected main - main/5). Every insert, hit and
// update counts the key in a count-min sketch (the oracle, tested on its own).
//  - insert: the key enters the window's newest end; while the window weighs more than its
//    budget, its oldest key moves to probation's newest end as an admission candidate.
//  - hit / update: in probation, the key moves to protected's newest end (no longer a
//    candidate), then while protected weighs more than its budget its oldest key moves to
//    probation's newest end (not a candidate); in the window or protected, the key moves
//    to that segment's newest end. An update then spills the window as an insert does.
//  - evict (while the cache weighs more than cap, also after an update): the victim is
//    probation's oldest key (else protected's, else the window's). If probation's newest
//    key is another key and a candidate, it competes: it is admitted (and the victim
//    leaves) when the sketch saw it more often than the victim, or, when it was seen more
//    than 5 times, by a 1-in-128 xorshift draw; else it leaves.
//  - the climber: inserts count as misses, get hits as hits (updates as neither); once they
//    reach the sample size (min(10 x c, max(2 x c, 40960)), c = max(cap, 16)) it decides.
//    The first sample only records its hit ratio; later ones compare with the previous:
//    worse by more than 0.0005, the step reverses and halves; within 0.0005, it shrinks
//    by 10 %; better, it stays. The step never falls below 0.5 % of cap. The step starts
//    at +6.25 % of cap (grow). Then, if the step would shrink a window of 1 or grow one
//    that protected has no budget left for, it turns; the move is the step rounded, at
//    most protected's budget when growing, at most window - 1 when shrinking. Growing takes the
//    budget from protected, demotes protected's overflow, then moves
//    probation's oldest keys to the window's newest end until that budget's weight has
//    moved or the window is full. Shrinking keeps at least 1, gives the budget to
//    protected and spills the window.
struct ref_w_tinylfu {
    std::size_t cap = 0;
    std::list<int> window, probation, protected_; // front = oldest
    std::map<int, int> values;
    weights w;
    std::set<int> candidates; // in probation, came from the window, not yet admitted
    cistern::detail::count_min_sketch sketch;
    std::uint64_t window_cap = 1, protected_cap = 0;
    std::uint64_t sample_hits = 0, sample_misses = 0;
    double last_hit_rate = 0, step = 0;
    bool have_rate = false; // the first sample only sets the baseline
    std::uint64_t draw = 0x2545f4914f6cdd1dULL;
    // What the climber did, for the test to check that it moved the window.
    std::uint64_t initial_window = 1, max_window = 1, min_window = 1, resizes = 0, lucky_admissions = 0;

    // Bounded by weight (compare_weighted): the sketch is sized by the entries, 16 to
    // start, grown to the next power of two (and cleared) when a new key outnumbers it.
    bool weighted = false;
    std::uint64_t sketch_entries = 0;

    void start(std::size_t capacity) {
        cap = capacity;
        sketch_entries = weighted ? 16 : cap;
        sketch.resize(sketch_entries);
        window_cap = std::max<std::uint64_t>(1, cap / 100);
        const std::uint64_t main_cap = cap - window_cap;
        protected_cap = main_cap - main_cap / 5;
        step = 0.0625 * static_cast<double>(cap); // the first move grows the window
        initial_window = max_window = min_window = window_cap;
    }
    void demote() {
        while (!protected_.empty() && w.sum(protected_) > protected_cap) {
            const int d = protected_.front();
            protected_.pop_front();
            probation.push_back(d);
            candidates.erase(d);
        }
    }
    void spill() {
        while (!window.empty() && w.sum(window) > window_cap) {
            const int s = window.front();
            window.pop_front();
            probation.push_back(s);
            candidates.insert(s);
        }
    }
    void reorder(int k) {
        if (take(probation, k)) {
            candidates.erase(k);
            protected_.push_back(k);
            demote();
        } else if (take(window, k)) {
            window.push_back(k);
        } else {
            BOOST_REQUIRE(take(protected_, k));
            protected_.push_back(k);
        }
    }
    void climb() {
        const std::uint64_t c16 = std::max<std::uint64_t>(cap, 16);
        const std::uint64_t sample = std::min<std::uint64_t>(10 * c16, std::max<std::uint64_t>(2 * c16, 40960));
        if (sample_hits + sample_misses < sample) return;
        const double rate = static_cast<double>(sample_hits) / static_cast<double>(sample_hits + sample_misses);
        sample_hits = sample_misses = 0;
        const double c = static_cast<double>(cap);
        if (have_rate) {
            const double change = rate - last_hit_rate;
            if (change < -0.0005) step = -step * 0.5;          // worse: back, half the step
            else if (change <= 0.0005) step *= 0.9;            // no clear change: smaller
            // better: the same step again
            if (std::abs(step) < 0.005 * c) step = step < 0 ? -0.005 * c : 0.005 * c;
        }
        have_rate = true;
        last_hit_rate = rate;
        // At the smallest or the largest window the direction turns.
        if ((step < 0 && window_cap <= 1) || (step > 0 && protected_cap == 0)) step = -step;
        const double amount = step > 0 ? std::min(std::round(step), static_cast<double>(protected_cap))
                                       : std::max(std::round(step), -static_cast<double>(window_cap - 1));
        std::uint64_t q = static_cast<std::uint64_t>(std::llround(std::abs(amount)));
        const std::uint64_t before = window_cap;
        if (amount > 0) {
            q = std::min(q, protected_cap);
            window_cap += q;
            protected_cap -= q;
            demote();
            std::uint64_t moved = 0;
            while (moved < q && w.sum(window) < window_cap && !probation.empty()) {
                const int k = probation.front();
                probation.pop_front();
                candidates.erase(k);
                window.push_back(k);
                moved += w.of.at(k);
            }
        } else {
            q = std::min(q, window_cap - 1);
            window_cap -= q;
            protected_cap += q;
            spill();
        }
        if (window_cap != before) ++resizes;
        max_window = std::max(max_window, window_cap);
        min_window = std::min(min_window, window_cap);
    }
    bool admits(int candidate, int victim) {
        const std::uint32_t fc = sketch.frequency(sketch_key(candidate)), fv = sketch.frequency(sketch_key(victim));
        if (fc > fv) return true;
        if (fc <= 5) return false;
        draw ^= draw << 13;
        draw ^= draw >> 7;
        draw ^= draw << 17;
        const bool lucky = (draw & 127) == 0;
        lucky_admissions += lucky ? 1 : 0;
        return lucky;
    }
    int evict_one() {
        const int victim = !probation.empty() ? probation.front() : !protected_.empty() ? protected_.front() : window.front();
        int loser = victim;
        if (probation.size() >= 2 && candidates.count(probation.back())) {
            const int candidate = probation.back();
            if (admits(candidate, victim)) candidates.erase(candidate);
            else loser = candidate;
        }
        remove(loser);
        return loser;
    }
    void remove(int k) {
        values.erase(k);
        w.of.erase(k);
        candidates.erase(k);
        if (!take(window, k) && !take(probation, k)) take(protected_, k);
    }
    std::optional<int> get(int k) {
        auto it = values.find(k);
        if (it == values.end()) return std::nullopt;
        sketch.increment(sketch_key(k));
        ++sample_hits;
        reorder(k);
        climb();
        return it->second;
    }
    std::vector<int> put(int k, int v, std::uint64_t weight = 1) {
        const bool update = values.count(k) != 0;
        values[k] = v;
        w.of[k] = weight;
        if (weighted && !update && values.size() > sketch_entries) {
            sketch_entries = std::bit_ceil(values.size());
            sketch.ensure_capacity(sketch_entries);
        }
        sketch.increment(sketch_key(k));
        if (update) {
            reorder(k);
            demote(); // a heavier protected key may overflow protected
            spill();
        } else {
            window.push_back(k);
            ++sample_misses;
            spill();
            climb();
        }
        std::vector<int> out;
        while (w.total() > cap) out.push_back(evict_one());
        return out;
    }
    void erase(int k) {
        if (values.count(k)) remove(k);
    }
};

template <class R> std::size_t ref_size(const R& r) { return r.values.size(); }
std::size_t ref_size(const ref_lfu& r) { return r.size(); }
template <class R> bool ref_has(const R& r, int k) { return r.values.count(k) != 0; }
bool ref_has(const ref_lfu& r, int k) { return r.has(k); }
template <class R> void ref_start(R& r, std::size_t cap) { r.cap = cap; }
void ref_start(ref_w_tinylfu& r, std::size_t cap) { r.start(cap); }

// "{3, 7}": victims in failure messages.
std::string keys_text(const std::vector<int>& keys) {
    std::string s = "{";
    for (std::size_t i = 0; i < keys.size(); ++i) s += (i ? ", " : "") + std::to_string(keys[i]);
    return s + "}";
}

struct victim_log {
    std::vector<int>* evicted;
    void operator()(const int& k, const int&, removal_cause c) const {
        if (c == removal_cause::evicted) evicted->push_back(k);
    }
};

// Runs `steps` random operations on the cache and on the reference, requiring the same
// results step by step; returns the reference for further checks.
template <class Policy, class Ref>
Ref compare_with_reference(std::uint32_t seed, std::size_t cap, int key_space, int steps) {
    std::vector<int> evicted;
    cistern::cache<int, int, Policy, cistern::expiry::never, cp::with_listener<victim_log>> c(
        cistern::cache_options{.max_size = cap, .shards = 1}, {}, {}, victim_log{&evicted});
    Ref ref;
    ref_start(ref, cap);
    std::mt19937 rng(seed);
    // Skewed keys, so that frequencies and recency matter.
    std::uniform_int_distribution<int> op(0, 99), uni(0, key_space - 1);
    auto key = [&] { return op(rng) < 50 ? uni(rng) % (key_space / 8 + 1) : uni(rng); };
    for (int i = 0; i < steps; ++i) {
        const int o = op(rng), k = key();
        if (o < 50) {
            const auto got = c.get(k);
            const auto want = ref.get(k);
            BOOST_REQUIRE_MESSAGE(got == want, "step " << i << ": get(" << k << ") differs");
        } else if (o < 95) {
            evicted.clear();
            c.put(k, i);
            const auto want = ref.put(k, i);
            BOOST_REQUIRE_MESSAGE(evicted == want, "step " << i << ": put(" << k << ") evicted " << keys_text(evicted)
                                                           << ", the reference " << keys_text(want));
        } else {
            c.erase(k);
            ref.erase(k);
        }
        BOOST_REQUIRE_EQUAL(c.size(), ref_size(ref));
    }
    for (int k = 0; k < key_space; ++k) BOOST_REQUIRE_EQUAL(c.contains(k), ref_has(ref, k));
    return ref;
}

// Weights 1..4 from the value written (so an update changes the weight), and now and then
// one heavier than the whole bound, which the cache refuses (the listener hears `evicted`
// for that key, and an older entry under it is removed: the policy hears on_erase).
struct step_weigher {
    std::uint64_t heavy = 0;
    std::uint64_t operator()(const int&, const int& v) const {
        return v % 53 == 52 ? heavy : 1 + static_cast<std::uint64_t>(v) % 4;
    }
};

template <class R> std::uint64_t ref_weight(const R& r) { return r.w.total(); }

// As compare_with_reference, on a cache bounded by total weight.
template <class Policy, class Ref>
Ref compare_weighted(std::uint32_t seed, std::size_t bound, int key_space, int steps) {
    std::vector<int> evicted;
    const step_weigher weigher{bound + 1};
    cistern::cache<int, int, Policy, cistern::expiry::never, cp::with_weigher<step_weigher>, cp::with_listener<victim_log>> c(
        cistern::cache_options{.max_weight = bound, .shards = 1}, {}, weigher, victim_log{&evicted});
    Ref ref;
    if constexpr (requires { ref.weighted; }) ref.weighted = true;
    ref_start(ref, bound);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> op(0, 99), uni(0, key_space - 1);
    auto key = [&] { return op(rng) < 50 ? uni(rng) % (key_space / 8 + 1) : uni(rng); };
    for (int i = 0; i < steps; ++i) {
        const int o = op(rng), k = key();
        if (o < 50) {
            const auto got = c.get(k);
            const auto want = ref.get(k);
            BOOST_REQUIRE_MESSAGE(got == want, "step " << i << ": get(" << k << ") differs");
        } else if (o < 95) {
            evicted.clear();
            c.put(k, i);
            const std::uint64_t w = weigher(k, i);
            std::vector<int> want;
            if (w > bound) {
                ref.erase(k);
                want.push_back(k);
            } else {
                want = ref.put(k, i, w);
            }
            BOOST_REQUIRE_MESSAGE(evicted == want, "step " << i << ": put(" << k << ", weight " << w << ") evicted "
                                                           << keys_text(evicted) << ", the reference " << keys_text(want));
        } else {
            c.erase(k);
            ref.erase(k);
        }
        BOOST_REQUIRE_EQUAL(c.size(), ref_size(ref));
        BOOST_REQUIRE_EQUAL(c.weight(), ref_weight(ref));
        BOOST_REQUIRE_LE(c.weight(), bound);
    }
    for (int k = 0; k < key_space; ++k) BOOST_REQUIRE_EQUAL(c.contains(k), ref_has(ref, k));
    return ref;
}

} // namespace

BOOST_AUTO_TEST_CASE(lru_matches_reference) {
    for (std::uint32_t seed = 1; seed <= 4; ++seed) compare_with_reference<ev::lru, ref_lru>(seed, 1 + seed * 13, 200, 20000);
}
BOOST_AUTO_TEST_CASE(fifo_matches_reference) {
    for (std::uint32_t seed = 1; seed <= 4; ++seed) compare_with_reference<ev::fifo, ref_fifo>(seed, 1 + seed * 13, 200, 20000);
}
BOOST_AUTO_TEST_CASE(sieve_matches_reference) {
    for (std::uint32_t seed = 1; seed <= 4; ++seed) compare_with_reference<ev::sieve, ref_sieve>(seed, 1 + seed * 13, 200, 20000);
}
BOOST_AUTO_TEST_CASE(lfu_matches_reference) {
    for (std::uint32_t seed = 1; seed <= 4; ++seed) compare_with_reference<ev::lfu, ref_lfu>(seed, 1 + seed * 13, 200, 20000);
}

BOOST_AUTO_TEST_CASE(slru_matches_reference) {
    for (std::uint32_t seed = 1; seed <= 4; ++seed) compare_with_reference<ev::slru, ref_slru>(seed, 1 + seed * 13, 200, 20000);
    compare_with_reference<ev::slru, ref_slru>(5, 1, 200, 5000);
    compare_with_reference<ev::slru, ref_slru>(6, 300, 2400, 40000);
}
BOOST_AUTO_TEST_CASE(s3fifo_matches_reference) {
    for (std::uint32_t seed = 1; seed <= 4; ++seed) compare_with_reference<ev::s3fifo, ref_s3fifo>(seed, 1 + seed * 13, 200, 20000);
    compare_with_reference<ev::s3fifo, ref_s3fifo>(5, 1, 200, 5000);
    compare_with_reference<ev::s3fifo, ref_s3fifo>(6, 300, 2400, 40000);
}
BOOST_AUTO_TEST_CASE(w_tinylfu_hill_matches_reference) {
    // Each run is long enough for the climber to act many times (a sample is
    // 10 x max(cap, 16) hits + inserts); it must have resized the window, grown it beyond
    // its start, and the runs as a whole must have admitted a candidate by the draw.
    std::uint64_t lucky = 0;
    auto check = [&](std::uint32_t seed, std::size_t cap, int key_space, int steps) {
        const auto ref = compare_with_reference<ev::w_tinylfu_hill, ref_w_tinylfu>(seed, cap, key_space, steps);
        BOOST_TEST_MESSAGE("w_tinylfu_hill seed " << seed << " cap " << cap << ": window " << ref.initial_window << " -> "
                                             << ref.min_window << ".." << ref.max_window << " in " << ref.resizes
                                             << " resizes, " << ref.lucky_admissions << " lucky admissions");
        BOOST_TEST(ref.resizes > 0u, "seed " << seed << ": the climber never resized the window");
        BOOST_TEST(ref.max_window > ref.initial_window, "seed " << seed << ": the window never grew");
        lucky += ref.lucky_admissions;
    };
    for (std::uint32_t seed = 1; seed <= 4; ++seed) check(seed, 1 + seed * 13, 200, 20000);
    // A bound of 2: steps of 6.25 % round to 0, so the window stays at 1; victims must match.
    compare_with_reference<ev::w_tinylfu_hill, ref_w_tinylfu>(5, 2, 200, 5000);
    check(6, 300, 2400, 60000);
    BOOST_TEST(lucky > 0u);
}

// The same three policies bounded by weight: budgets in weight units, several victims per
// insert, updates that change an entry's weight, entries heavier than the bound.
BOOST_AUTO_TEST_CASE(slru_matches_reference_weighted) {
    for (std::uint32_t seed = 1; seed <= 4; ++seed) compare_weighted<ev::slru, ref_slru>(seed, 3 + seed * 17, 200, 20000);
    compare_weighted<ev::slru, ref_slru>(6, 700, 2400, 40000);
}
BOOST_AUTO_TEST_CASE(s3fifo_matches_reference_weighted) {
    for (std::uint32_t seed = 1; seed <= 4; ++seed) compare_weighted<ev::s3fifo, ref_s3fifo>(seed, 3 + seed * 17, 200, 20000);
    compare_weighted<ev::s3fifo, ref_s3fifo>(6, 700, 2400, 40000);
}
BOOST_AUTO_TEST_CASE(w_tinylfu_hill_matches_reference_weighted) {
    for (std::uint32_t seed = 1; seed <= 4; ++seed) {
        const auto ref = compare_weighted<ev::w_tinylfu_hill, ref_w_tinylfu>(seed, 3 + seed * 17, 200, 20000);
        BOOST_TEST_MESSAGE("weighted w_tinylfu_hill seed " << seed << ": window " << ref.initial_window << " -> "
                                                      << ref.min_window << ".." << ref.max_window << " in "
                                                      << ref.resizes << " resizes");
        BOOST_TEST(ref.max_window > ref.initial_window, "seed " << seed << ": the window never grew");
    }
    compare_weighted<ev::w_tinylfu_hill, ref_w_tinylfu>(6, 700, 2400, 60000);
}


// The climber's decisions on their own: the failure modes of the previous climber (issue 17).
namespace {
// Feeds one sample with hit ratio `rate` and returns the decision.
std::int64_t sample(cistern::detail::window_climber& c, double rate, std::uint64_t window, std::uint64_t max_window) {
    const std::uint64_t n = c.period();
    const auto hits = static_cast<std::uint64_t>(rate * static_cast<double>(n));
    bool due = false;
    for (std::uint64_t i = 0; i < n; ++i) due = c.record(i < hits);
    BOOST_REQUIRE(due);
    return c.decide(window, max_window);
}
} // namespace

BOOST_AUTO_TEST_CASE(window_climber_grows_first_turns_at_extremes_and_damps) {
    cistern::detail::window_climber c;
    const std::uint64_t cap = 10000, max_window = 8000;
    std::uint64_t w = c.reset(cap);
    BOOST_TEST(w == 100u);
    // A large cache decides within a few capacities, not ten.
    cistern::detail::window_climber big;
    big.reset(65536);
    BOOST_TEST(big.period() == 2u * 65536u);
    // The first sample is a baseline: the first move grows by 6.25 %, whatever the ratio.
    std::int64_t d = sample(c, 0.5, w, max_window);
    BOOST_TEST(d == 625);
    w += static_cast<std::uint64_t>(d);
    // Worse: back with half the step.
    d = sample(c, 0.4, w, max_window);
    BOOST_TEST(d == -313); // round(-312.5)
    w = static_cast<std::uint64_t>(static_cast<std::int64_t>(w) + d);
    // Better: the same step again, then clamped at the smallest window.
    d = sample(c, 0.45, w, max_window);
    BOOST_TEST(d == -313);
    w = static_cast<std::uint64_t>(static_cast<std::int64_t>(w) + d);
    d = sample(c, 0.46, w, max_window);
    BOOST_TEST(d == -(static_cast<std::int64_t>(w) - 1)); // down to 1 at most
    w = 1;
    // At the smallest window a step down turns into a step up: never stuck at an extreme.
    d = sample(c, 0.47, w, max_window);
    BOOST_TEST(d > 0);
    // No clear change: the step shrinks, down to 0.5 % of the capacity at least.
    cistern::detail::window_climber flat;
    std::uint64_t fw = flat.reset(cap);
    std::int64_t last = 0;
    for (int i = 0; i < 60; ++i) {
        last = sample(flat, 0.5, fw, 9900);
        fw = static_cast<std::uint64_t>(static_cast<std::int64_t>(fw) + last);
    }
    BOOST_TEST(std::abs(last) == 50);
    // At the largest window a step up turns into a step down.
    cistern::detail::window_climber top;
    top.reset(cap);
    BOOST_TEST(sample(top, 0.5, max_window, max_window) < 0);
}

// ---- invariants for every policy ----

using all_evictions = boost::mpl::list<ev::lru, ev::fifo, ev::slru, ev::lfu, ev::sieve, ev::s3fifo, ev::w_tinylfu,
                                       ev::w_tinylfu_hill>;

BOOST_AUTO_TEST_CASE_TEMPLATE(invariants_hold_on_random_sequences, E, all_evictions) {
    for (std::size_t shards : {std::size_t{1}, std::size_t{4}}) {
        std::vector<int> evicted;
        cistern::cache<int, int, E, cistern::expiry::never, cp::with_listener<victim_log>> c(
            cistern::cache_options{.max_size = 300, .shards = shards}, {}, {}, victim_log{&evicted});
        std::map<int, int> last; // the last value written per key (erase forgets it)
        std::mt19937 rng(99);
        std::uniform_int_distribution<int> op(0, 99), key(0, 1999);
        std::uint64_t gets = 0, hits = 0, erased = 0, loads = 0, gol = 0;
        for (int i = 0; i < 50000; ++i) {
            const int o = op(rng), k = key(rng) % (o % 2 ? 2000 : 250);
            if (o < 45) {
                ++gets;
                if (auto v = c.get(k)) {
                    ++hits;
                    BOOST_REQUIRE(last.count(k));
                    BOOST_REQUIRE_EQUAL(*v, last[k]);
                }
            } else if (o < 55) {
                ++gol;
                const int v = c.get_or_load(k, [&] {
                    ++loads;
                    return -k;
                });
                if (!last.count(k)) last[k] = -k;
                BOOST_REQUIRE_EQUAL(v, last[k]);
            } else if (o < 95) {
                c.put(k, i);
                last[k] = i;
            } else {
                erased += c.erase(k) ? 1 : 0;
                last.erase(k);
            }
            BOOST_REQUIRE_LE(c.size(), 300u);
            // A key the cache evicted is gone until written again.
            if (!evicted.empty()) {
                for (int e : evicted) last.erase(e);
                evicted.clear();
            }
        }
        const auto st = c.stats();
        BOOST_TEST(st.hits + st.misses == gets + gol);
        BOOST_TEST(st.hits == hits + (gol - loads)); // a get_or_load that did not load was a hit
        BOOST_TEST(st.misses == (gets - hits) + loads);
        BOOST_TEST(st.loads == loads);
        BOOST_TEST(st.explicit_removals == erased);
        BOOST_TEST(c.size() == last.size());
    }
}

// The sampled climber (issue 17): mini caches at several windows, compared on the same
// sampled requests. On a working set that moves faster than frequencies age (where LRU
// is best) it must choose a large window and come close to LRU; on a static Zipf (where
// frequency is best) a small one; and it samples one key in sampling_rate().
namespace {

using sampled_policy = ev::basic_w_tinylfu<cistern::detail::sampled_window_climber>;

// An eviction policy behind a plain index, driven as a cache shard drives it: a hit is
// on_access; a miss takes a free slot (or a new one), is inserted, and then the policy
// evicts one entry if the index is over `capacity`.
template <class Policy>
struct indexed_policy {
    Policy policy;
    std::unordered_map<std::uint64_t, std::uint32_t> slot_of;
    std::vector<std::uint64_t> key_of;
    std::vector<std::uint32_t> free;
    std::size_t capacity = 0;

    // One request of key `k` with hash `h`; true on a hit.
    bool request(std::uint64_t k, std::uint64_t h) {
        if (auto it = slot_of.find(k); it != slot_of.end()) {
            policy.on_access(it->second, h);
            return true;
        }
        std::uint32_t slot;
        if (!free.empty()) {
            slot = free.back();
            free.pop_back();
            key_of[slot] = k;
        } else {
            slot = static_cast<std::uint32_t>(key_of.size());
            key_of.push_back(k);
        }
        slot_of[k] = slot;
        policy.on_insert(slot, h, 1);
        if (slot_of.size() > capacity) {
            const std::uint32_t v = policy.evict();
            slot_of.erase(key_of[v]);
            free.push_back(v);
        }
        return false;
    }
};

template <class Policy>
double replay_hit_ratio(const std::vector<std::uint64_t>& trace, std::size_t size, std::uint64_t* window = nullptr) {
    cistern::cache<std::uint64_t, std::uint64_t, Policy, cistern::expiry::never, cp::single_threaded> c(
        cistern::cache_options{.max_size = size});
    std::uint64_t hits = 0;
    for (std::uint64_t k : trace) {
        if (c.get(k)) ++hits;
        else c.put(k, k);
    }
    if constexpr (requires(Policy& q) { q.window_budget(); }) {
      if (window) {
        // The window the policy chose, measured from outside: replay the same trace into
        // a policy instance directly.
        indexed_policy<Policy> p;
        p.capacity = size;
        p.policy.reset(size);
        for (std::uint64_t k : trace) p.request(k, cistern::detail::mix64(k));
        *window = p.policy.window_budget();
      }
    }
    return double(hits) / double(trace.size());
}

std::vector<std::uint64_t> zipf_keys(std::size_t n, std::size_t len, double alpha, std::uint64_t offset, std::mt19937_64& rng) {
    std::vector<double> cdf(n);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) cdf[i] = (sum += 1.0 / std::pow(double(i + 1), alpha));
    std::uniform_real_distribution<double> u(0, sum);
    std::vector<std::uint64_t> out(len);
    for (auto& k : out) k = offset + std::uint64_t(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
    return out;
}

// Zipf 0.9 over a working set of 2 x size keys that moves by size every 8 x size requests,
// for 40 moves.
std::vector<std::uint64_t> shifting_keys(std::size_t size, std::mt19937_64& rng) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t phase = 0; phase < 40; ++phase) {
        const auto part = zipf_keys(2 * size, 8 * size, 0.9, phase * size, rng);
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(sampled_climber_chooses_the_window_the_workload_needs) {
    constexpr std::size_t size = 2000;
    std::mt19937_64 rng(17);
    const std::vector<std::uint64_t> shifting = shifting_keys(size, rng);
    std::uint64_t window = 0;
    const double lru = replay_hit_ratio<ev::lru>(shifting, size);
    const double sampled = replay_hit_ratio<sampled_policy>(shifting, size, &window);
    const double hill = replay_hit_ratio<ev::w_tinylfu_hill>(shifting, size);
    BOOST_TEST_MESSAGE("shifting: lru " << lru << ", sampled " << sampled << " (window " << window << "), hill climber " << hill);
    BOOST_TEST(window >= size / 2);
    BOOST_TEST(sampled > lru - 0.03);
    BOOST_TEST(sampled > hill);
    // A static Zipf 0.9 over 16 x size keys: frequency wins, the window stays small.
    const auto zipf = zipf_keys(16 * size, 100 * size, 0.9, 0, rng);
    const double zlru = replay_hit_ratio<ev::lru>(zipf, size);
    const double zsampled = replay_hit_ratio<sampled_policy>(zipf, size, &window);
    BOOST_TEST_MESSAGE("zipf: lru " << zlru << ", sampled " << zsampled << " (window " << window << ")");
    BOOST_TEST(window <= size * 15 / 100);
    BOOST_TEST(zsampled > zlru + 0.05);
}

// With a weigher the bound is in weight units: the sampler must model the entries the
// cache holds, not a cache of max_weight entries. Every entry weighs 100 here, so the
// weighted cache holds as many entries as the unweighted one and should choose as well:
// on the shifting working set it needs a large window. (Sized by the bound, the sampler
// modelled a cache 100 times larger than the real one.)
BOOST_AUTO_TEST_CASE(a_weighted_cache_samples_by_its_entries) {
    constexpr std::size_t size = 2000;
    std::mt19937_64 rng(17);
    const std::vector<std::uint64_t> shifting = shifting_keys(size, rng);
    struct hundred {
        std::uint64_t operator()(const std::uint64_t&, const std::uint64_t&) const noexcept { return 100; }
    };
    const auto weighted_ratio = [&](const std::vector<std::uint64_t>& trace) {
        cistern::cache<std::uint64_t, std::uint64_t, sampled_policy, cistern::expiry::never, cp::single_threaded,
                       cp::with_weigher<hundred>>
            c(cistern::cache_options{.max_weight = 100 * size});
        std::uint64_t hits = 0;
        for (std::uint64_t k : trace) {
            if (c.get(k)) ++hits;
            else c.put(k, k);
        }
        return double(hits) / double(trace.size());
    };
    const double unweighted = replay_hit_ratio<sampled_policy>(shifting, size);
    const double weighted = weighted_ratio(shifting);
    const double hill = replay_hit_ratio<ev::w_tinylfu_hill>(shifting, size);
    BOOST_TEST_MESSAGE("shifting: unweighted " << unweighted << ", weighted " << weighted << ", hill climber " << hill);
    BOOST_TEST(weighted > unweighted - 0.01);
    BOOST_TEST(weighted > hill);
    // The sampler follows the entries: a policy told the bound is a weight samples as a
    // cache of the entries it holds.
    sampled_policy p;
    p.set_weighted();
    p.reset(std::uint64_t{1} << 26);
    p.share_climber(p, std::uint64_t{1} << 26);
    for (std::uint32_t slot = 0; slot < 16384; ++slot) p.on_insert(slot, cistern::detail::mix64(slot), 100);
    BOOST_TEST(p.climber().sampling_rate() == 16384u / cistern::detail::window_sampler::mini_target);
}

BOOST_AUTO_TEST_CASE(sampled_climber_samples_by_capacity) {
    using sampler = cistern::detail::window_sampler;
    cistern::detail::sampled_window_climber c;
    BOOST_TEST(c.reset(1000) == 10u); // starts at a 1 % window
    BOOST_TEST(c.sampling_rate() == sampler::min_rate);
    c.reset(1u << 20);
    BOOST_TEST(c.sampling_rate() == (1u << 20) / sampler::mini_target);
    BOOST_TEST(c.sampler().mini_capacity() == sampler::mini_target);
    // A decision moves the window to a candidate share, never outside [1, max_window].
    c.reset(4096);
    std::uint64_t k = 0;
    while (!c.record(false, cistern::detail::mix64(k++))) {}
    const std::int64_t d = c.decide(40, 4096);
    BOOST_TEST(40 + d >= 1);
    BOOST_TEST(40 + d <= 4096);
}

// The cache picks a shard by the hash's low bits: sampling must not (one shard of 64 would
// then sample every key or none). Among one shard's keys about one in sampling_rate().
BOOST_AUTO_TEST_CASE(window_sampler_samples_every_shard_alike) {
    using sampler = cistern::detail::window_sampler;
    const unsigned shift = sampler::shift_for(1u << 16);
    const std::uint64_t rate = (1u << 16) / sampler::mini_target;
    for (std::uint64_t shard : {0u, 1u, 37u}) {
        std::uint64_t keys = 0, sampled = 0;
        for (std::uint64_t k = 0; k < (1u << 22); ++k) {
            const std::uint64_t h = cistern::detail::mix64(k);
            if ((h & 63) != shard) continue;
            ++keys;
            sampled += sampler::sampled(h, shift) ? 1 : 0;
        }
        BOOST_TEST_MESSAGE("shard " << shard << ": " << sampled << " of " << keys << " keys sampled");
        BOOST_TEST(sampled * rate > keys * 3 / 4);
        BOOST_TEST(sampled * rate < keys * 5 / 4);
    }
}

// The shards of one cache share one sampler, sized from the whole bound; a new bound
// resizes it for the new whole.
BOOST_AUTO_TEST_CASE(shards_share_one_sampler_sized_from_the_whole_bound) {
    using sampler = cistern::detail::window_sampler;
    std::array<ev::w_tinylfu, 4> p;
    for (auto& q : p) q.reset(1u << 14);
    BOOST_TEST(p[1].climber().sampling_rate() == (1u << 14) / sampler::mini_target);
    BOOST_TEST(&p[1].climber().sampler() != &p[0].climber().sampler());
    for (auto& q : p) q.share_climber(p[0], 1u << 16);
    for (auto& q : p) {
        BOOST_TEST(&q.climber().sampler() == &p[0].climber().sampler());
        BOOST_TEST(q.climber().sampling_rate() == (1u << 16) / sampler::mini_target);
    }
    BOOST_TEST(p[0].climber().sampler().mini_capacity() == sampler::mini_target);
    for (auto& q : p) q.set_capacity(1u << 13);
    BOOST_TEST(p[3].climber().sampling_rate() == (1u << 15) / sampler::mini_target);
    BOOST_TEST(p[0].climber().sampler().sampling_rate() == (1u << 15) / sampler::mini_target);
    BOOST_TEST(p[0].climber().sampler().mini_capacity() == sampler::mini_target);
}

namespace {

// Replays `trace` into `shards` policy instances sharing one climber as cache<> sets them
// up (each key to the shard its hash's low bits pick); returns each shard's window share.
std::vector<double> sharded_window_shares(const std::vector<std::uint64_t>& trace, std::size_t size, std::size_t shards) {
    using shard = indexed_policy<ev::w_tinylfu>;
    std::vector<shard> s(shards);
    for (std::size_t i = 0; i < shards; ++i) {
        s[i].capacity = size / shards;
        s[i].policy.reset(s[i].capacity);
    }
    for (auto& x : s) x.policy.share_climber(s[0].policy, size);
    for (std::uint64_t k : trace) {
        const std::uint64_t h = cistern::detail::mix64(k);
        s[h % shards].request(k, h);
    }
    std::vector<double> out;
    for (auto& x : s) out.push_back(double(x.policy.window_budget()) / double(x.capacity));
    return out;
}

} // namespace

// With the sampler shared, every shard's window follows the whole cache's workload: large
// on a working set that moves (recency), small on a static Zipf (frequency).
BOOST_AUTO_TEST_CASE(shared_sampler_moves_every_shards_window_the_way_the_workload_needs) {
    constexpr std::size_t size = 4096, shards = 4;
    std::mt19937_64 rng(23);
    std::vector<std::uint64_t> shifting;
    for (std::uint64_t phase = 0; phase < 30; ++phase) {
        const auto part = zipf_keys(2 * size, 8 * size, 0.9, phase * size, rng);
        shifting.insert(shifting.end(), part.begin(), part.end());
    }
    for (double share : sharded_window_shares(shifting, size, shards)) {
        BOOST_TEST_MESSAGE("shifting: window share " << share);
        BOOST_TEST(share >= 0.3);
    }
    const auto zipf = zipf_keys(16 * size, 60 * size, 0.9, 0, rng);
    for (double share : sharded_window_shares(zipf, size, shards)) {
        BOOST_TEST_MESSAGE("zipf: window share " << share);
        BOOST_TEST(share <= 0.15);
    }
}

namespace {

// What window_sampler's mini caches are defined to be: six basic_w_tinylfu<preset_window>
// of mini_capacity() entries, each behind its own index, replaying the sampled keys' requests
// (a miss inserts, then the mini cache evicts down to its bound); every period_samples()
// samples the most hitting one's share is published and hits and requests are scaled by
// keep_eighths / 8.
struct reference_minis {
    struct one : indexed_policy<ev::basic_w_tinylfu<cistern::detail::preset_window>> {
        std::uint64_t hits = 0;
    };
    std::array<one, 6> m;
    std::uint64_t capacity = 0, period = 0, samples = 0, requests = 0;
    std::uint32_t share = 0;

    template <class Sampler>
    explicit reference_minis(const Sampler& s) : capacity(s.mini_capacity()), period(s.period_samples()), share(Sampler::shares[0]) {
        for (std::size_t i = 0; i < m.size(); ++i) {
            m[i].capacity = capacity;
            m[i].policy.climber().permille = Sampler::shares[i];
            m[i].policy.reset(capacity);
        }
    }
    template <class Sampler>
    void access(std::uint64_t h) {
        ++requests;
        for (one& x : m)
            if (x.request(h, h)) ++x.hits;
        if (++samples < period) return;
        samples = 0;
        std::size_t best = 0;
        for (std::size_t i = 1; i < m.size(); ++i)
            if (m[i].hits > m[best].hits) best = i;
        if (requests < 256) return;
        for (one& x : m) x.hits = x.hits * Sampler::keep_eighths / 8;
        requests = requests * Sampler::keep_eighths / 8;
        share = Sampler::shares[best];
    }
};

} // namespace

// The sampler's mini caches share one sketch, one index and one node per key, but must
// behave exactly as six separate W-TinyLFU caches: the same hits in every mini cache after
// every sample, the same sizes, the same published share. The trace mixes the ways the
// policy moves entries (Zipf hits promoting from probation, scans spilling the window,
// a loop over more keys than a mini cache holds, warm keys whose ties reach the random
// admission).
BOOST_AUTO_TEST_CASE(window_sampler_mini_caches_match_six_reference_w_tinylfu_caches) {
    using sampler = cistern::detail::window_sampler;
    for (std::uint64_t capacity : {1000u, 5000u, 1u << 16}) {
        sampler s;
        s.resize(capacity);
        reference_minis ref(s);
        const unsigned shift = sampler::shift_for(capacity);
        std::mt19937_64 rng(capacity);
        const std::uint64_t keys = 20 * capacity;
        std::vector<std::uint64_t> trace = zipf_keys(keys, std::max<std::uint64_t>(60 * capacity, 600000), 0.9, 0, rng);
        for (std::uint64_t i = 0; i < 8 * capacity; ++i) trace[(i * 7) % trace.size()] = keys + i;      // one-off keys
        for (std::uint64_t i = 0; i < 20 * capacity; ++i) trace.push_back(2 * keys + i % (3 * capacity)); // a loop
        // Frequent keys, more than a mini cache holds: warm candidates tie warm victims.
        std::uniform_int_distribution<std::uint64_t> warm(3 * keys, 3 * keys + capacity + capacity / 2);
        for (std::uint64_t i = 0; i < 30 * capacity; ++i) trace.push_back(warm(rng));
        std::uint64_t sampled = 0, mismatches = 0;
        for (std::uint64_t k : trace) {
            const std::uint64_t h = cistern::detail::mix64(k);
            s.offer(h);
            if (!sampler::sampled(h, shift)) continue;
            ref.access<sampler>(h);
            ++sampled;
            bool same = s.mini_requests() == ref.requests && s.share_permille() == ref.share;
            for (std::size_t i = 0; i < 6; ++i)
                same = same && s.mini_hits(i) == ref.m[i].hits && s.mini_size(i) == ref.m[i].slot_of.size();
            if (!same && ++mismatches <= 3)
                BOOST_TEST_MESSAGE("capacity " << capacity << ", sample " << sampled << ": the mini caches differ from the reference");
        }
        BOOST_TEST_MESSAGE("capacity " << capacity << ": " << sampled << " samples, share " << s.share_permille());
        BOOST_TEST(mismatches == 0u, "capacity " << capacity << ": " << mismatches << " of " << sampled << " samples differ");
        BOOST_TEST(sampled > 10 * s.period_samples()); // many decisions were compared
        for (std::size_t i = 0; i < 6; ++i) BOOST_TEST(s.mini_size(i) == s.mini_capacity());
    }
}

#define BOOST_TEST_MODULE cistern cache model
#include <boost/test/unit_test.hpp>

// Seeded, model-based tests: long random sequences of get/put/erase on a one-shard cache,
// compared step by step with a plain reference implementation of the same policy
// (same get results, same victims in the same order, same contents), plus invariants
// for every policy (bound respected, values are the last ones written, stats add up).

#include <cistern/cache/cache.hpp>
#include <cistern/cache/eviction/fifo.hpp>
#include <cistern/cache/eviction/lfu.hpp>
#include <cistern/cache/eviction/lru.hpp>
#include <cistern/cache/eviction/s3fifo.hpp>
#include <cistern/cache/eviction/sieve.hpp>
#include <cistern/cache/eviction/slru.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>

#include <boost/mpl/list.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <list>
#include <map>
#include <optional>
#include <random>
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
        values[k] = v;
        visited[k] = false;
        queue.push_back(k);
        std::vector<int> out;
        while (values.size() > cap) {
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

template <class R> std::size_t ref_size(const R& r) { return r.values.size(); }
std::size_t ref_size(const ref_lfu& r) { return r.size(); }
template <class R> bool ref_has(const R& r, int k) { return r.values.count(k) != 0; }
bool ref_has(const ref_lfu& r, int k) { return r.has(k); }

struct victim_log {
    std::vector<int>* evicted;
    void operator()(const int& k, const int&, removal_cause c) const {
        if (c == removal_cause::evicted) evicted->push_back(k);
    }
};

template <class Policy, class Ref>
void compare_with_reference(std::uint32_t seed, std::size_t cap, int key_space, int steps) {
    std::vector<int> evicted;
    cistern::cache<int, int, Policy, cistern::expiry::never, cp::with_listener<victim_log>> c(
        cistern::cache_options{.max_size = cap, .shards = 1}, {}, {}, victim_log{&evicted});
    Ref ref;
    ref.cap = cap;
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
            BOOST_REQUIRE_MESSAGE(evicted == want, "step " << i << ": put(" << k << ") evicted different keys");
        } else {
            c.erase(k);
            ref.erase(k);
        }
        BOOST_REQUIRE_EQUAL(c.size(), ref_size(ref));
    }
    for (int k = 0; k < key_space; ++k) BOOST_REQUIRE_EQUAL(c.contains(k), ref_has(ref, k));
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

// ---- invariants for every policy ----

using all_evictions = boost::mpl::list<ev::lru, ev::fifo, ev::slru, ev::lfu, ev::sieve, ev::s3fifo, ev::w_tinylfu>;

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

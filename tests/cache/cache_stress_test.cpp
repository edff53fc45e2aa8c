#define BOOST_TEST_MODULE cistern cache stress
#include <boost/test/unit_test.hpp>
#include <boost/mpl/list.hpp>

// Concurrency stress for cistern::cache; run under ThreadSanitizer (preset tsan).

#include <cistern/cache/cache.hpp>
#include <cistern/cache/expiry/after_write.hpp>

#include <atomic>
#include <cstdint>
#include <latch>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
namespace cp = cistern::cache_policy;

namespace {

// Waits (yielding) until `done()` holds, for at most ~30 s of polls; returns whether it held.
template <class F>
bool wait_until(F done) {
    for (int i = 0; i < 3'000'000; ++i) {
        if (done()) return true;
        std::this_thread::yield();
    }
    return done();
}

// Iterations per thread: fewer under ThreadSanitizer, which is 5-15x slower.
constexpr int iterations([[maybe_unused]] int normal, [[maybe_unused]] int sanitized) {
#if defined(__SANITIZE_THREAD__)
    return sanitized;
#else
    return normal;
#endif
}

} // namespace

BOOST_AUTO_TEST_CASE(sixty_four_threads_missing_one_key_load_it_once) {
    constexpr int threads = 64;
    for (int round = 0; round < 5; ++round) {
        cistern::cache<int, std::string> c(cistern::cache_options{.max_size = 1000});
        std::atomic<int> calls{0}, timeouts{0};
        std::latch start(threads);
        std::vector<std::string> got(threads);
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t) {
            ts.emplace_back([&, t] {
                start.arrive_and_wait();
                got[t] = c.get_or_load(42, [&] {
                    ++calls;
                    // Hold the load until every thread has missed, so all of them overlap it.
                    if (!wait_until([&] { return c.stats().misses == threads; })) ++timeouts;
                    return std::string("answer");
                });
            });
        }
        for (auto& th : ts) th.join();
        BOOST_TEST(calls.load() == 1);
        BOOST_TEST(timeouts.load() == 0);
        for (auto& g : got) BOOST_TEST(g == "answer");
        const auto st = c.stats();
        BOOST_TEST(st.loads == 1u);
        BOOST_TEST(st.misses == std::uint64_t(threads));
        BOOST_TEST(c.get(42).value() == "answer");
    }
}

BOOST_AUTO_TEST_CASE(a_failing_load_reaches_every_waiter_and_is_not_cached) {
    constexpr int threads = 64;
    cistern::cache<int, int> c(cistern::cache_options{.max_size = 1000});
    std::atomic<int> calls{0}, failures{0}, timeouts{0};
    std::latch start(threads);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
        ts.emplace_back([&] {
            start.arrive_and_wait();
            try {
                c.get_or_load(7, [&]() -> int {
                    ++calls;
                    if (!wait_until([&] { return c.stats().misses == threads; })) ++timeouts;
                    throw std::runtime_error("database down");
                });
            } catch (const std::runtime_error& e) {
                if (std::string(e.what()) == "database down") ++failures;
            }
        });
    }
    for (auto& th : ts) th.join();
    BOOST_TEST(calls.load() == 1);
    BOOST_TEST(timeouts.load() == 0);
    BOOST_TEST(failures.load() == threads);
    BOOST_TEST(!c.contains(7));
    BOOST_TEST(c.stats().load_failures == 1u);
    BOOST_TEST(c.get_or_load(7, [] { return 1; }) == 1); // the next miss loads again
}

BOOST_AUTO_TEST_CASE(random_operations_from_many_threads_keep_the_invariants) {
    constexpr int threads = 8;
    constexpr int per_thread = iterations(100'000, 20'000);
    std::atomic<std::uint64_t> listened{0};
    auto listener = [&](const int&, const int&, cistern::removal_cause) { ++listened; };
    cistern::cache<int, int, cistern::eviction::w_tinylfu, cistern::expiry::after_write, cp::with_listener<decltype(listener)>> c(
        cistern::cache_options{.max_size = 512, .shards = 8}, cistern::expiry::after_write(50ms), {}, listener);
    std::atomic<std::uint64_t> puts{0}, gets{0}, loads{0}, wrong{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
        ts.emplace_back([&, t] {
            std::mt19937 rng(1000 + t);
            std::uniform_int_distribution<int> op(0, 999), key(0, 4095);
            for (int i = 0; i < per_thread; ++i) {
                const int o = op(rng), k = key(rng);
                if (o < 500) {
                    ++gets;
                    if (auto v = c.get(k); v && *v != k && *v != -k) ++wrong;
                } else if (o < 700) {
                    ++gets;
                    const int v = c.get_or_load(k, [&] {
                        ++loads;
                        return -k;
                    });
                    if (v != k && v != -k) ++wrong;
                } else if (o < 950) {
                    ++puts;
                    c.put(k, k, {.tags = {k % 2 ? "odd" : "even"}});
                } else if (o < 990) {
                    c.erase(k);
                } else if (o < 998) {
                    c.invalidate_tag(k % 2 ? "odd" : "even");
                } else {
                    if (c.size() > 512u) ++wrong;
                }
            }
        });
    }
    for (auto& th : ts) th.join();
    BOOST_TEST(wrong.load() == 0u);
    BOOST_TEST(c.size() <= 512u);
    const auto st = c.stats();
    BOOST_TEST(st.hits + st.misses == gets.load());
    BOOST_TEST(st.loads == loads.load());
    // Every stored entry is still cached or was reported to the listener exactly once.
    c.clear();
    const auto st2 = c.stats();
    BOOST_TEST(c.size() == 0u);
    BOOST_TEST(listened.load() == st2.evictions + st2.expirations + st2.explicit_removals + st2.replacements);
}

// compute is atomic per key: concurrent increments of a few keys lose none.
BOOST_AUTO_TEST_CASE(concurrent_compute_loses_no_update) {
    constexpr int threads = 8, keys = 4;
    constexpr int per_thread = iterations(50'000, 5'000);
    cistern::cache<int, long> c(cistern::cache_options{.max_size = 1000, .shards = 4});
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                c.compute((t + i) % keys, [](const long* cur) { return std::optional<long>(cur ? *cur + 1 : 1); });
                if (i % 16 == 0) c.get(i % keys);
                if (i % 64 == 0) c.put_if_absent(100 + t, 1); // other writers in the same shards
            }
        });
    for (auto& th : ts) th.join();
    long sum = 0;
    for (int k = 0; k < keys; ++k) sum += c.get(k).value();
    BOOST_TEST(sum == long(threads) * per_thread);
}

// Overlapping bulk loads and single loads from many threads: every key is loaded once
// (nothing is evicted or removed), every caller gets the loaded value.
BOOST_AUTO_TEST_CASE(overlapping_bulk_loads_load_each_key_once) {
    constexpr int threads = 8, key_space = 2000;
    constexpr int per_thread = iterations(3000, 300);
    cistern::cache<int, int> c(cistern::cache_options{.max_size = 100'000, .shards = 8});
    std::vector<std::atomic<int>> loaded(key_space);
    std::atomic<int> wrong{0}, bulk_calls{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            std::mt19937 rng(77 + t);
            for (int i = 0; i < per_thread; ++i) {
                if (i % 4 == 3) {
                    const int k = static_cast<int>(rng() % key_space);
                    const int v = c.get_or_load(k, [&] {
                        ++loaded[k];
                        return k * 3;
                    });
                    if (v != k * 3) ++wrong;
                    continue;
                }
                std::vector<int> ks(1 + rng() % 8);
                for (int& k : ks) k = static_cast<int>(rng() % key_space);
                const auto got = c.get_or_load_all(ks, [&](std::span<const int> missing) {
                    ++bulk_calls;
                    std::vector<std::pair<int, int>> out;
                    for (int k : missing) {
                        ++loaded[k];
                        out.emplace_back(k, k * 3);
                    }
                    return out;
                });
                for (std::size_t j = 0; j < ks.size(); ++j)
                    if (!got[j] || *got[j] != ks[j] * 3) ++wrong;
            }
        });
    for (auto& th : ts) th.join();
    BOOST_TEST(wrong.load() == 0);
    int twice = 0;
    for (auto& n : loaded) twice += n.load() > 1 ? 1 : 0;
    BOOST_TEST(twice == 0);
    BOOST_TEST(bulk_calls.load() > 0);
}

// Refresh with the default thread executor under concurrent reads: readers only ever see
// values that were written or reloaded, at most one reload per entry runs at a time, and
// destroying the cache waits for the reloads still running.
BOOST_AUTO_TEST_CASE(refresh_on_threads_under_concurrent_reads) {
    constexpr int threads = 4, keys = 16;
    constexpr int per_thread = iterations(40'000, 4'000);
    struct state {
        std::atomic<int> running[keys] = {};
        std::atomic<int> overlap{0}, reloads{0};
    };
    struct reloader {
        state* st;
        long operator()(const int& k, const long& old) const {
            if (st->running[k].fetch_add(1) != 0) ++st->overlap;
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            st->running[k].fetch_sub(1);
            ++st->reloads;
            return old + 1000; // stays congruent to k modulo 1000
        }
    };
    state st;
    {
        cistern::cache<int, long, cistern::eviction::w_tinylfu, cistern::expiry::never, cp::with_refresh<reloader>> c(
            cistern::cache_options{.max_size = 1000, .refresh_after_write = std::chrono::microseconds(100)}, {}, {}, {},
            reloader{&st});
        for (int k = 0; k < keys; ++k) c.put(k, k);
        std::atomic<int> wrong{0};
        std::vector<std::thread> ts;
        // at least per_thread reads each, and on until a reload has run (the reads of a fast
        // run can all fall within refresh_after_write of the puts, or of one clock tick)
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (int t = 0; t < threads; ++t)
            ts.emplace_back([&, t] {
                for (int i = 0; i < per_thread || (st.reloads.load() == 0 && std::chrono::steady_clock::now() < deadline); ++i) {
                    const int k = (i * 7 + t) % keys;
                    if (auto v = c.get(k); !v || *v % 1000 != k) ++wrong;
                    // (No writes here: a write starts the entry over, and the next due read
                    // may start a reload while the dropped one still runs; the unit tests
                    // cover writes during a reload.)
                }
            });
        for (auto& th : ts) th.join();
        BOOST_TEST(wrong.load() == 0);
        BOOST_TEST(st.reloads.load() > 0);
        // the counter is bumped when the reload's value is stored, just after the reloader returns
        const auto t_end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (c.stats().refreshes == 0u && std::chrono::steady_clock::now() < t_end)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const auto s = c.stats();
        BOOST_TEST(s.refreshes > 0u);
        BOOST_TEST(s.refresh_failures == 0u);
    } // the destructor waits for the reloads still running
    BOOST_TEST(st.overlap.load() == 0);
    for (auto& r : st.running) BOOST_TEST(r.load() == 0);
}

// set_max_size from one thread while others read and write: the bound holds at the end,
// the listener hears every removal once, and nothing is lost or corrupted.
BOOST_AUTO_TEST_CASE(set_max_size_under_concurrent_use) {
    constexpr int threads = 4;
    constexpr int per_thread = iterations(200'000, 20'000);
    std::atomic<std::uint64_t> listened{0};
    auto listener = [&](const int&, const int&, cistern::removal_cause) { ++listened; };
    cistern::cache<int, int, cistern::eviction::w_tinylfu, cistern::expiry::never, cp::with_listener<decltype(listener)>> c(
        cistern::cache_options{.max_size = 2048, .shards = 8}, {}, {}, listener);
    std::atomic<bool> done{false};
    std::atomic<int> wrong{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            std::mt19937 rng(5 + t);
            for (int i = 0; i < per_thread; ++i) {
                const int k = static_cast<int>(rng() % 8192);
                if (auto v = c.get(k)) {
                    if (*v != k) ++wrong;
                } else {
                    c.put(k, k);
                }
            }
        });
    std::thread resizer([&] {
        std::uint64_t n = 64;
        while (!done.load()) {
            c.set_max_size(n);
            n = n >= 4096 ? 64 : n * 2;
            std::this_thread::yield();
        }
        c.set_max_size(512);
    });
    for (auto& th : ts) th.join();
    done = true;
    resizer.join();
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(c.size() <= 512u);
    BOOST_TEST(c.bound() == 512u);
    c.clear();
    const auto st = c.stats();
    BOOST_TEST(listened.load() == st.evictions + st.expirations + st.explicit_removals + st.replacements);
}

// The default policy's shards share one sampler (its mini caches): reads and writes on
// every shard from several threads offer samples to it at once (a busy sampler skips
// one) and every shard reads the share it publishes. Values stay right, the bound holds,
// and the cache still hits on a skewed workload.
BOOST_AUTO_TEST_CASE(shards_share_the_window_sampler_under_concurrent_use) {
    constexpr int threads = 4;
    constexpr int per_thread = iterations(400'000, 40'000);
    cistern::cache<std::uint64_t, std::uint64_t> c(cistern::cache_options{.max_size = 4096, .shards = 16});
    std::atomic<int> wrong{0};
    std::atomic<std::uint64_t> hits{0};
    std::latch start(threads);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            std::mt19937_64 rng(11 + t);
            std::uint64_t mine = 0;
            start.arrive_and_wait();
            for (int i = 0; i < per_thread; ++i) {
                // Skewed: the product of two uniforms favours small keys; the range moves
                // with i so that the sampler sees phases.
                const std::uint64_t a = rng() % 256, b = rng() % 256;
                const std::uint64_t k = a * b + static_cast<std::uint64_t>(i / 20'000) * 4096;
                if (auto v = c.get(k)) {
                    ++mine;
                    if (*v != k * 3) ++wrong;
                } else {
                    c.put(k, k * 3);
                }
            }
            hits += mine;
        });
    for (auto& th : ts) th.join();
    BOOST_TEST(wrong.load() == 0);
    BOOST_TEST(c.size() <= 4096u);
    BOOST_TEST(hits.load() > std::uint64_t{threads} * per_thread / 10);
    c.set_max_size(1024); // resizes the shared sampler while nothing else runs
    BOOST_TEST(c.size() <= 1024u);
}

// Reads without the lock (cache::optimistic_reads) while writers replace, erase, clear and
// resize: a read returns a whole value that was stored under its key, never a torn copy
// or another key's value; the statistics still count every read once.
namespace {
struct versioned {
    std::uint64_t key, version, mixed, check; // check = f(key, version, mixed): a torn copy fails it
};
versioned make_versioned(std::uint64_t k, std::uint64_t v) {
    const std::uint64_t mixed = cistern::detail::mix64(k * 31 + v);
    return versioned{k, v, mixed, k ^ (v * 0x9e3779b97f4a7c15ULL) ^ mixed};
}
bool whole(std::uint64_t k, const versioned& x) {
    return x.key == k && x.mixed == cistern::detail::mix64(k * 31 + x.version) &&
           x.check == (k ^ (x.version * 0x9e3779b97f4a7c15ULL) ^ x.mixed);
}
// How the tests below store a versioned value: as it is (trivially copyable), as a
// std::string under a std::string key (both longer than the small-string buffer), or
// behind a shared_ptr. `whole` fails for a torn or foreign value.
std::string string_key(std::uint64_t k) { return "key " + std::to_string(k) + " padded beyond the small-string buffer"; }
struct plain_values {
    using key = std::uint64_t;
    using value = versioned;
    static key key_of(std::uint64_t k) { return k; }
    static value make(std::uint64_t k, std::uint64_t v) { return make_versioned(k, v); }
    static bool whole(std::uint64_t k, const value& x) { return ::whole(k, x); }
    static std::uint64_t version(const value& x) { return x.version; }
};
struct string_values {
    using key = std::string;
    using value = std::string;
    static key key_of(std::uint64_t k) { return string_key(k); }
    static value make(std::uint64_t k, std::uint64_t v) {
        const versioned x = make_versioned(k, v);
        return std::to_string(x.key) + ':' + std::to_string(x.version) + ':' + std::to_string(x.mixed) + ':' + std::to_string(x.check);
    }
    static bool whole(std::uint64_t k, const value& s) {
        versioned x{};
        if (std::sscanf(s.c_str(), "%lu:%lu:%lu:%lu", &x.key, &x.version, &x.mixed, &x.check) != 4) return false;
        return ::whole(k, x);
    }
    static std::uint64_t version(const value& s) { return std::stoull(s.substr(s.find(':') + 1)); }
};
struct shared_values {
    using key = std::uint64_t;
    using value = std::shared_ptr<const versioned>;
    static key key_of(std::uint64_t k) { return k; }
    static value make(std::uint64_t k, std::uint64_t v) { return std::make_shared<const versioned>(make_versioned(k, v)); }
    static bool whole(std::uint64_t k, const value& p) { return p && ::whole(k, *p); }
    static std::uint64_t version(const value& p) { return p->version; }
};
// A writer for the tests below: replaces, erases, resizes, clears and computes until `done`.
template <class Codec = plain_values, class C>
void write_until(C& c, std::uint64_t seed, const std::atomic<bool>& done) {
    using value = typename Codec::value;
    std::mt19937_64 rng(seed);
    for (std::uint64_t version = 1; !done.load(std::memory_order_relaxed); ++version) {
        const std::uint64_t k = rng() % 4 == 0 ? rng() % 4096 : rng() % 256;
        const auto key = Codec::key_of(k);
        const unsigned op = static_cast<unsigned>(rng() % 1000);
        if (op < 900) c.put(key, Codec::make(k, version));
        else if (op < 990) c.erase(key);
        else if (op < 995) c.set_max_size(op % 2 ? 512 : 4096); // shrinks, and grows the index
        else if (op < 996) c.clear();
        else
            c.compute(key, [&](const value* v) {
                return v ? std::optional<value>(Codec::make(k, Codec::version(*v) + 1)) : std::nullopt;
            });
    }
}
// Three readers (gets, and a get_or_load every 16th) against two writers: every value read
// is whole and of its key, and the statistics count every read once.
template <class Codec, class C>
void reads_return_whole_values(C& c, int per_thread, std::uint64_t seed) {
    constexpr int readers = 3, writers = 2;
    std::atomic<std::uint64_t> gets{0}, wrong{0}, hits{0};
    std::atomic<bool> done{false};
    std::vector<std::thread> ts;
    for (int t = 0; t < readers; ++t)
        ts.emplace_back([&, t] {
            std::mt19937_64 rng(seed + static_cast<std::uint64_t>(t));
            std::uint64_t mine = 0, found = 0;
            for (int i = 0; i < per_thread; ++i) {
                const std::uint64_t k = rng() % 4 == 0 ? rng() % 4096 : rng() % 256; // hot keys, often rewritten
                const auto key = Codec::key_of(k);
                ++mine;
                if (auto v = c.get(key)) {
                    ++found;
                    if (!Codec::whole(k, *v)) ++wrong;
                }
                if (i % 16 == 0) {
                    const typename Codec::value v = c.get_or_load(key, [&] { return Codec::make(k, 0); });
                    ++mine;
                    if (!Codec::whole(k, v)) ++wrong;
                }
            }
            gets += mine;
            hits += found;
        });
    for (int t = 0; t < writers; ++t)
        ts.emplace_back([&, t] { write_until<Codec>(c, seed + 500 + static_cast<std::uint64_t>(t), done); });
    for (int t = 0; t < readers; ++t) ts[static_cast<std::size_t>(t)].join();
    done = true;
    for (int t = readers; t < readers + writers; ++t) ts[static_cast<std::size_t>(t)].join();
    BOOST_TEST(wrong.load() == 0u);
    BOOST_TEST(hits.load() > 0u);
    const auto st = c.stats();
    BOOST_TEST(st.hits + st.misses == gets.load());
    BOOST_TEST(c.size() <= c.bound());
}
// The read paths that skip the lock: the default (locked mode while uncontended) and always.
using skipping_policies = boost::mpl::list<cistern::cache_policy::multi_threaded, cistern::cache_policy::lock_free_reads>;
using guarded_codecs = boost::mpl::list<string_values, shared_values>;
} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(reads_without_the_lock_return_only_whole_values_of_their_key, L, skipping_policies) {
    using cache_t = cistern::cache<std::uint64_t, versioned, cistern::eviction::w_tinylfu, cistern::expiry::after_write, L>;
    static_assert(cache_t::optimistic_reads && !cache_t::guarded_reads);
    cache_t c(cistern::cache_options{.max_size = 1024, .shards = 4, .record_stats = true}, cistern::expiry::after_write(1h));
    reads_return_whole_values<plain_values>(c, iterations(400'000, 40'000), 77);
}

// The same for keys and values that are not trivially copyable (cache::guarded_reads:
// keys compared in place, values copied from their published pointers, both freed only
// after a grace period). Under ThreadSanitizer, a node or value freed or changed while a
// reader is in it is reported (checked by breaking reclaim() and none_inside() on purpose).
BOOST_AUTO_TEST_CASE_TEMPLATE(guarded_reads_return_only_whole_values_of_their_key, Codec, guarded_codecs) {
    using cache_t = cistern::cache<typename Codec::key, typename Codec::value, cistern::eviction::w_tinylfu,
                                   cistern::expiry::after_write, cp::lock_free_reads>;
    static_assert(cache_t::guarded_reads);
    cache_t c(cistern::cache_options{.max_size = 1024, .shards = 4, .record_stats = true}, cistern::expiry::after_write(1h));
    reads_return_whole_values<Codec>(c, iterations(200'000, 20'000), 177);
}

// The default's locked mode: readers take turns reading alone (each turn long enough for
// the shards to return to locked mode and be read under the lock), then all read at once
// (locked mode ended by the first read that finds a lock taken), while a writer keeps
// writing. Values stay whole and the statistics count every read once, across every change.
BOOST_AUTO_TEST_CASE(locked_mode_hands_the_shards_back_when_readers_contend) {
    using cache_t = cistern::cache<std::uint64_t, versioned, cistern::eviction::w_tinylfu, cistern::expiry::after_write>;
    static_assert(cache_t::sole_reader_locks);
    cache_t c(cistern::cache_options{.max_size = 1024, .shards = 2, .record_stats = true}, cistern::expiry::after_write(1h));
    constexpr int readers = 3, turns = iterations(12, 4), per_turn = iterations(20'000, 4'000);
    std::atomic<int> turn{0};
    std::atomic<std::uint64_t> gets{0}, wrong{0}, hits{0};
    std::atomic<bool> done{false};
    std::thread writer([&] { write_until(c, 900, done); });
    std::vector<std::thread> ts;
    for (int t = 0; t < readers; ++t)
        ts.emplace_back([&, t] {
            std::mt19937_64 rng(300 + static_cast<std::uint64_t>(t));
            std::uint64_t mine = 0, found = 0;
            auto read = [&](int n) {
                for (int i = 0; i < n; ++i) {
                    const std::uint64_t k = rng() % 8 == 0 ? rng() % 4096 : rng() % 128;
                    ++mine;
                    if (auto v = c.get(k)) {
                        ++found;
                        if (!whole(k, *v)) ++wrong;
                    }
                    if (i % 8 == 0) {
                        ++mine;
                        if (!whole(k, c.get_or_load(k, [&] { return make_versioned(k, 0); }))) ++wrong;
                    }
                }
            };
            for (int r = 0; r < turns; ++r) { // alone, in turn
                while (turn.load(std::memory_order_acquire) != r * readers + t) std::this_thread::yield();
                read(per_turn);
                turn.fetch_add(1, std::memory_order_release);
            }
            read(per_turn); // together
            gets += mine;
            hits += found;
        });
    for (auto& t : ts) t.join();
    done = true;
    writer.join();
    BOOST_TEST(wrong.load() == 0u);
    BOOST_TEST(hits.load() > 0u);
    const auto st = c.stats();
    BOOST_TEST(st.hits + st.misses == gets.load());
    BOOST_TEST(c.size() <= c.bound());
}

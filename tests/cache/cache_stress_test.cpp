#define BOOST_TEST_MODULE cistern cache stress
#include <boost/test/unit_test.hpp>

// Concurrency stress for cistern::cache; run under ThreadSanitizer (preset tsan).

#include <cistern/cache/cache.hpp>
#include <cistern/cache/expiry/after_write.hpp>

#include <atomic>
#include <latch>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
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
#if defined(__SANITIZE_THREAD__)
    constexpr int per_thread = 20'000;
#else
    constexpr int per_thread = 100'000;
#endif
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

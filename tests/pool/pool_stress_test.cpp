#define BOOST_TEST_MODULE cistern pool stress
#include <boost/test/unit_test.hpp>

#include <cistern/pool/pool.hpp>

#include "support/fake_connection.hpp"

#include <atomic>
#include <random>
#include <thread>
#include <vector>

// 8 threads, 100k+ acquisitions, random hold times, random broken connections; checks
// that the pool never opens more than max_size, never lends one connection twice, and
// that every lease comes back and the statistics add up. Run under ThreadSanitizer in CI.

using namespace std::chrono_literals;
using cistern::test::fake_factory;
using cistern::test::fake_server;

BOOST_AUTO_TEST_CASE(many_threads_random_faults_keep_the_invariants) {
    constexpr int threads = 8;
#if defined(__SANITIZE_THREAD__)
    constexpr int per_thread = 13'000; // 104k under TSan (about 10x slower)
#else
    constexpr int per_thread = 25'000;
#endif
    auto server = std::make_shared<fake_server>();
    cistern::pool_options o;
    o.name = "stress";
    o.min_idle = 2;
    o.max_size = 5;
    o.acquire_timeout = 30s;
    o.validation_skip_window = 1ms;
    o.connect_retry_initial = 0ms;
    o.connect_retry_max = 1ms;
    o.breaker_failure_threshold = 0;
    o.housekeeping_period = 5ms;
    o.idle_timeout = 20ms;
    o.leak_detection_threshold = 0ms;
    cistern::pool<fake_factory, cistern::with_listener<cistern::null_listener>> p(fake_factory(server), o);

    std::atomic<long> ok{0}, double_use{0}, timeouts{0}, try_misses{0}, broken{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
        ts.emplace_back([&, t] {
            std::mt19937 rng(1234 + t);
            std::uniform_int_distribution<int> pct(0, 99);
            for (int i = 0; i < per_thread; ++i) {
                const int dice = pct(rng);
                std::optional<decltype(p)::lease_type> l;
                try {
                    if (dice < 10) {
                        l = p.try_acquire();
                        if (!l) { ++try_misses; continue; }
                    } else {
                        l = p.acquire();
                    }
                } catch (const cistern::pool_timeout&) {
                    ++timeouts;
                    continue;
                }
                auto& c = **l;
                if (c.enter() != 1) ++double_use;
                if (dice < 2) std::this_thread::sleep_for(std::chrono::microseconds(pct(rng) * 5));
                else if (dice < 40) std::this_thread::yield();
                c.leave();
                if (dice >= 97) { c.kill(); ++broken; }          // dies while leased
                else if (dice == 96) { l->invalidate(); ++broken; } // holder gives up on it
                if (dice == 95) server->fail_pings = 1;            // next validation fails
                ++ok;
            }
        });
    }
    for (auto& t : ts) t.join();

    const auto s = p.stats();
    BOOST_TEST_MESSAGE("acquired " << s.acquired << ", waited " << s.waited << ", created " << s.created
                       << ", closed " << s.closed_total() << ", max open " << server->max_open.load());
    BOOST_TEST(double_use.load() == 0);
    BOOST_TEST(timeouts.load() == 0);
    BOOST_TEST(server->max_open.load() <= 5);
    BOOST_TEST(ok.load() + try_misses.load() == long(threads) * per_thread);
    BOOST_TEST(ok.load() >= 100'000 * 9 / 10);
    BOOST_TEST(s.acquired == static_cast<std::uint64_t>(ok.load()));
    BOOST_TEST(s.in_use == 0u);
    BOOST_TEST(s.waiting == 0u);
    BOOST_TEST(s.size == s.created - s.closed_total());
    BOOST_TEST(s.closed_by(cistern::close_reason::broken) >= static_cast<std::uint64_t>(broken.load()));
    BOOST_TEST(static_cast<int>(s.size) == server->open.load());
    p.close();
    BOOST_TEST(server->open.load() == 0);
}

BOOST_AUTO_TEST_CASE(close_while_threads_are_waiting_and_working) {
    auto server = std::make_shared<fake_server>();
    cistern::pool_options o;
    o.min_idle = 0;
    o.max_size = 2;
    o.acquire_timeout = 30s;
    cistern::pool<fake_factory, cistern::with_listener<cistern::null_listener>> p(fake_factory(server), o);
    std::atomic<int> closed_seen{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 6; ++t)
        ts.emplace_back([&] {
            for (;;) {
                try {
                    auto l = p.acquire();
                    std::this_thread::sleep_for(100us);
                } catch (const cistern::pool_closed&) {
                    ++closed_seen;
                    return;
                }
            }
        });
    std::this_thread::sleep_for(50ms);
    p.close();
    for (auto& t : ts) t.join();
    BOOST_TEST(closed_seen.load() == 6);
    BOOST_TEST(server->open.load() == 0);
}

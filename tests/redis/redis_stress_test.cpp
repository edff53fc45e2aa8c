// Stress (also under ThreadSanitizer): readers, writers and invalidations on two
// instances sharing one redis-server, with both subscriber threads running.
#define BOOST_TEST_MODULE redis_stress
#include <boost/test/unit_test.hpp>

#include <cistern/redis/string_codec.hpp>
#include <cistern/redis/tier.hpp>
#include <cistern/redis/tiered_cache.hpp>

#include "redis_common.hpp"
#include "support/eventually.hpp"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace redis = cistern::redis;
using string_cache = redis::tiered_cache<std::string, std::string, redis::string_codec>;

BOOST_AUTO_TEST_CASE(two_instances_read_write_and_invalidate_concurrently) {
    cistern::test::database db;
    for (int k = 0; k < 16; ++k) db.write("k" + std::to_string(k), "0");
    auto o = cistern::test::tier_opts("t:stress:");
    o.redis.command_timeout = 1000ms; // TSan is slow: this test is about races, not timeouts
    redis::tier ta(o), tb(o);
    BOOST_REQUIRE(cistern::test::eventually([&] { return ta.subscribed() && tb.subscribed(); }));
    string_cache a(ta, "s", cistern::cache_options{.max_size = 64}, 5s), b(tb, "s", cistern::cache_options{.max_size = 64}, 5s);
    std::atomic<bool> stop{false};
    std::atomic<long> reads{0}, empty{0};
    std::vector<std::thread> th;
    for (int i = 0; i < 4; ++i)
        th.emplace_back([&, i] {
            string_cache& c = i % 2 ? a : b;
            unsigned n = static_cast<unsigned>(i);
            while (!stop) {
                n = n * 1103515245u + 12345u;
                const std::string k = "k" + std::to_string((n >> 8) % 16);
                const std::string v = c.get_or_load(k, [&] { return db.read(k); }, {.tags = {"t" + std::to_string((n >> 8) % 4)}});
                if (v.empty()) ++empty;
                ++reads;
            }
        });
    th.emplace_back([&] {
        int n = 0;
        while (!stop) {
            const int k = n % 16;
            db.write("k" + std::to_string(k), std::to_string(n));
            (n % 2 ? a : b).invalidate_tag("t" + std::to_string(k % 4));
            ++n;
            std::this_thread::sleep_for(2ms);
        }
    });
    std::this_thread::sleep_for(3s);
    stop = true;
    for (auto& x : th) x.join();
    BOOST_TEST(reads > 0);
    BOOST_TEST(empty == 0);
    BOOST_TEST(ta.stats().invalidations_received + tb.stats().invalidations_received > 0u);
}

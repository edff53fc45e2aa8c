#define BOOST_TEST_MODULE cistern cache
#include <boost/test/unit_test.hpp>

#include <cistern/cache/cache.hpp>
#include <cistern/coarse_clock.hpp>
#include <cistern/cache/eviction/fifo.hpp>
#include <cistern/cache/eviction/lfu.hpp>
#include <cistern/cache/eviction/lru.hpp>
#include <cistern/cache/eviction/s3fifo.hpp>
#include <cistern/cache/eviction/sieve.hpp>
#include <cistern/cache/eviction/slru.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>
#include <cistern/cache/expiry/after_access.hpp>
#include <cistern/cache/expiry/after_write.hpp>
#include <cistern/cache/expiry/never.hpp>
#include <cistern/cache/expiry/per_entry.hpp>

#include "support/manual_clock.hpp"

#include <boost/mpl/list.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

using namespace std::chrono_literals;
using cistern::cache;
using cistern::cache_options;
using cistern::removal_cause;
using cistern::test::manual_clock;
namespace ev = cistern::eviction;
namespace ex = cistern::expiry;
namespace cp = cistern::cache_policy;

using all_evictions = boost::mpl::list<ev::lru, ev::fifo, ev::slru, ev::lfu, ev::sieve, ev::s3fifo, ev::w_tinylfu>;

// Every built-in models its concept.
static_assert(cistern::EvictionPolicy<ev::lru> && cistern::EvictionPolicy<ev::fifo> && cistern::EvictionPolicy<ev::slru> &&
              cistern::EvictionPolicy<ev::lfu> && cistern::EvictionPolicy<ev::sieve> &&
              cistern::EvictionPolicy<ev::s3fifo> && cistern::EvictionPolicy<ev::w_tinylfu>);
static_assert(cistern::detail::check_eviction_policy<ev::w_tinylfu>());
static_assert(cistern::ExpiryPolicy<ex::never, int, std::string> && cistern::ExpiryPolicy<ex::after_write, int, std::string> &&
              cistern::ExpiryPolicy<ex::after_access, int, std::string> &&
              cistern::ExpiryPolicy<ex::per_entry, int, std::string>);
static_assert(cistern::detail::check_expiry_policy<ex::per_entry, int, int>());

namespace {

struct recorder {
    std::vector<std::tuple<int, std::string, removal_cause>>* log;
    void operator()(const int& k, const std::string& v, removal_cause c) const { log->emplace_back(k, v, c); }
};

struct size_weigher {
    std::uint64_t operator()(const int&, const std::string& v) const { return v.size(); }
};

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(basic_operations, E, all_evictions) {
    cache<int, std::string, E> c(cache_options{.max_size = 100});
    BOOST_TEST(!c.get(1).has_value());
    c.put(1, "one");
    c.put(2, "two");
    BOOST_TEST(c.get(1).value() == "one");
    BOOST_TEST(c.contains(2));
    BOOST_TEST(c.size() == 2u);
    c.put(1, "uno");
    BOOST_TEST(c.get(1).value() == "uno");
    BOOST_TEST(c.size() == 2u);
    BOOST_TEST(c.erase(1));
    BOOST_TEST(!c.erase(1));
    BOOST_TEST(!c.contains(1));
    c.clear();
    BOOST_TEST(c.size() == 0u);
    BOOST_TEST(!c.get(2).has_value());
    auto st = c.stats();
    BOOST_TEST(st.hits == 2u);
    BOOST_TEST(st.misses == 2u);
    BOOST_TEST(st.replacements == 1u);
    BOOST_TEST(st.explicit_removals == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(count_bound_holds_after_every_call, E, all_evictions) {
    for (std::size_t shards : {std::size_t{1}, std::size_t{0}}) {
        cache<int, int, E> c(cache_options{.max_size = 200, .shards = shards});
        std::mt19937 rng(7);
        std::uniform_int_distribution<int> key(0, 2000);
        std::uint64_t gets = 0;
        for (int i = 0; i < 20000; ++i) {
            const int k = key(rng);
            if (i % 3 == 0) {
                c.get(k);
                ++gets;
            } else {
                c.put(k, k * 2);
            }
            BOOST_REQUIRE_LE(c.size(), 200u);
        }
        BOOST_TEST(c.size() == 200u); // a full cache stays full
        const auto st = c.stats();
        BOOST_TEST(st.hits + st.misses == gets);
        BOOST_TEST(st.evictions > 0u);
        for (int k = 0; k <= 2000; ++k)
            if (auto v = c.get(k)) BOOST_TEST(*v == k * 2);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(weight_bound_holds_after_every_call, E, all_evictions) {
    std::vector<std::tuple<int, std::string, removal_cause>> log;
    cache<int, std::string, E, ex::never, cp::with_weigher<size_weigher>, cp::with_listener<recorder>> c(
        cache_options{.max_weight = 5000, .shards = 4}, {}, {}, recorder{&log});
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> key(0, 500), len(1, 120);
    std::uint64_t puts = 0;
    for (int i = 0; i < 10000; ++i) {
        const int k = key(rng);
        if (i % 4 == 0) {
            c.get(k);
        } else {
            c.put(k, std::string(static_cast<std::size_t>(len(rng)), 'x'));
            ++puts;
        }
        BOOST_REQUIRE_LE(c.weight(), 5000u);
    }
    std::uint64_t sum = 0;
    for (int k = 0; k <= 500; ++k)
        if (auto v = c.get(k)) sum += v->size();
    BOOST_TEST(sum == c.weight());
    // Every put either is still cached or left through the listener.
    const auto st = c.stats();
    BOOST_TEST(puts == c.size() + log.size());
    BOOST_TEST(st.evictions + st.replacements == log.size());
    // An entry heavier than a shard's bound is refused, and the listener hears it.
    log.clear();
    c.put(9999, std::string(2000, 'y'));
    BOOST_TEST(!c.contains(9999));
    BOOST_REQUIRE_EQUAL(log.size(), 1u);
    BOOST_TEST((std::get<2>(log[0]) == removal_cause::evicted));
}

BOOST_AUTO_TEST_CASE(removal_listener_gets_every_cause) {
    std::vector<std::tuple<int, std::string, removal_cause>> log;
    cache<int, std::string, ev::lru, ex::after_write, cp::with_listener<recorder>, cp::with_clock<manual_clock>> c(
        cache_options{.max_size = 2, .shards = 1}, ex::after_write(10s), {}, recorder{&log});
    c.put(1, "a");
    c.put(1, "b"); // replaced a
    c.put(2, "c");
    c.put(3, "d"); // evicts 1 (least recently used)
    c.erase(2);    // explicit
    manual_clock::advance(11s);
    BOOST_TEST(!c.get(3).has_value()); // expired
    BOOST_REQUIRE_EQUAL(log.size(), 4u);
    BOOST_TEST((log[0] == std::tuple<int, std::string, removal_cause>{1, "a", removal_cause::replaced}));
    BOOST_TEST((log[1] == std::tuple<int, std::string, removal_cause>{1, "b", removal_cause::evicted}));
    BOOST_TEST((log[2] == std::tuple<int, std::string, removal_cause>{2, "c", removal_cause::explicit_}));
    BOOST_TEST((log[3] == std::tuple<int, std::string, removal_cause>{3, "d", removal_cause::expired}));
    const auto st = c.stats();
    BOOST_TEST(st.replacements == 1u);
    BOOST_TEST(st.evictions == 1u);
    BOOST_TEST(st.explicit_removals == 1u);
    BOOST_TEST(st.expirations == 1u);
    BOOST_TEST(cistern::to_string(removal_cause::explicit_) == "explicit");
}

BOOST_AUTO_TEST_CASE(tags_invalidate_only_their_entries) {
    cache<int, std::string> c(cache_options{.max_size = 1000});
    for (int i = 0; i < 100; ++i) {
        std::vector<std::string> tags;
        if (i % 2 == 0) tags.push_back("even");
        if (i % 3 == 0) tags.push_back("three");
        c.put(i, std::to_string(i), {.tags = tags});
    }
    BOOST_TEST(c.invalidate_tag("even") == 50u);
    BOOST_TEST(c.size() == 50u);
    for (int i = 0; i < 100; ++i) BOOST_TEST(c.contains(i) == (i % 2 != 0));
    BOOST_TEST(c.invalidate_tag("three") == 17u); // odd multiples of 3 below 100
    BOOST_TEST(c.invalidate_tag("three") == 0u);
    // A replacement's tags replace the old ones.
    c.put(1, "x", {.tags = {"t"}});
    c.put(1, "y", {.tags = {"u"}});
    BOOST_TEST(c.invalidate_tag("t") == 0u);
    BOOST_TEST(c.invalidate_tag("u") == 1u);
    BOOST_TEST(c.stats().explicit_removals == 68u);
}

BOOST_AUTO_TEST_CASE(get_or_load_loads_once_and_does_not_cache_failures) {
    cache<int, std::string, ev::lru, ex::never, cp::with_clock<manual_clock>> c(cache_options{.max_size = 10});
    int calls = 0;
    auto loader = [&](const int& k) {
        ++calls;
        manual_clock::advance(3ms);
        return "v" + std::to_string(k);
    };
    BOOST_TEST(c.get_or_load(7, loader) == "v7");
    BOOST_TEST(c.get_or_load(7, loader) == "v7");
    BOOST_TEST(calls == 1);
    int failing = 0;
    auto bad = [&]() -> std::string {
        ++failing;
        throw std::runtime_error("backend down");
    };
    BOOST_CHECK_THROW(c.get_or_load(8, bad), std::runtime_error);
    BOOST_CHECK_THROW(c.get_or_load(8, bad), std::runtime_error);
    BOOST_TEST(failing == 2); // the failure was not cached
    BOOST_TEST(!c.contains(8));
    BOOST_TEST(c.get_or_load(8, loader) == "v8");
    const auto st = c.stats();
    BOOST_TEST(st.loads == 2u);
    BOOST_TEST(st.load_failures == 2u);
    BOOST_TEST(st.hits == 1u);
    BOOST_TEST(st.misses == 4u);
    BOOST_TEST(st.total_load_time == std::chrono::nanoseconds(6ms));
    BOOST_TEST(st.hit_ratio() == 0.2);
}

// Options built by a callable: only by the call that runs the loader, before it; their
// TTL and tags apply; if building them throws, nothing is loaded or stored and the
// exception reaches the caller like a loader's.
BOOST_AUTO_TEST_CASE(get_or_load_builds_its_options_only_when_it_loads) {
    cache<int, std::string, ev::lru, ex::per_entry, cp::with_clock<manual_clock>> c(cache_options{.max_size = 10});
    int built = 0, loads = 0;
    auto make_opts = [&] {
        ++built;
        return cistern::entry_options{.ttl = std::chrono::nanoseconds(10ms), .tags = {"t"}};
    };
    auto loader = [&](const int& k) {
        BOOST_TEST(built == loads + 1); // the options were built first
        ++loads;
        return "v" + std::to_string(k);
    };
    BOOST_TEST(c.get_or_load(1, loader, make_opts) == "v1");
    BOOST_TEST(c.get_or_load(1, loader, make_opts) == "v1"); // a hit: neither is called
    BOOST_TEST(built == 1);
    BOOST_TEST(loads == 1);
    manual_clock::advance(11ms); // the TTL they named
    BOOST_TEST(!c.get(1).has_value());
    BOOST_TEST(c.get_or_load(2, loader, make_opts) == "v2");
    BOOST_TEST(c.invalidate_tag("t") == 1u); // the tags they named
    BOOST_TEST(!c.contains(2));
    auto refusing = []() -> cistern::entry_options { throw std::invalid_argument("no options for this key"); };
    BOOST_CHECK_THROW(c.get_or_load(3, loader, refusing), std::invalid_argument);
    BOOST_TEST(loads == 2); // not loaded
    BOOST_TEST(!c.contains(3));
    BOOST_TEST(c.get_or_load(3, loader, make_opts) == "v3"); // and nothing is stuck in flight
}

// Only a callable returning entry_options selects the lazy-options overload.
template <class Opts>
concept loads_with_options = requires(cache<int, std::string>& c, Opts o) {
    c.get_or_load(1, [] { return std::string(); }, o);
};
static_assert(loads_with_options<cistern::entry_options>);
static_assert(loads_with_options<decltype([] { return cistern::entry_options{}; })>);
static_assert(!loads_with_options<decltype([] { return 1; })>);
static_assert(!loads_with_options<decltype([](int) { return cistern::entry_options{}; })>);

BOOST_AUTO_TEST_CASE(stats_can_be_switched_off) {
    cache<int, int> c(cache_options{.max_size = 10, .record_stats = false});
    c.put(1, 1);
    c.get(1);
    c.get(2);
    c.get_or_load(3, [] { return 3; });
    const auto st = c.stats();
    BOOST_TEST(st.hits == 0u);
    BOOST_TEST(st.misses == 0u);
    BOOST_TEST(st.loads == 0u);
    BOOST_TEST(c.size() == 2u);
}

BOOST_AUTO_TEST_CASE(bad_options_throw_config_error_naming_the_field) {
    auto msg = [](auto f) {
        try {
            f();
        } catch (const cistern::config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    BOOST_TEST(msg([] { cache<int, int> c(cache_options{}); }).find("max_size") != std::string::npos);
    BOOST_TEST(msg([] { cache<int, int> c(cache_options{.max_size = 10, .max_weight = 5}); }).find("max_weight") !=
               std::string::npos);
    BOOST_TEST(msg([] { cache<int, int> c(cache_options{.max_size = 100, .shards = 3}); }).find("shards") !=
               std::string::npos);
    BOOST_TEST(msg([] { cache<int, std::string, ev::lru, ex::never, cp::with_weigher<size_weigher>> c(cache_options{.max_size = 5}); })
                   .find("max_weight") != std::string::npos);
    BOOST_TEST(msg([] { ex::after_write w(0s); }).find("ttl") != std::string::npos);
    BOOST_TEST(msg([] { cache<int, int, ev::lru, ex::never, cp::single_threaded> c(cache_options{.max_size = 100, .shards = 2}); })
                   .find("shards") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(single_threaded_cache_works) {
    cache<int, int, ev::w_tinylfu, ex::never, cp::single_threaded> c(cache_options{.max_size = 64});
    BOOST_TEST(c.shard_count() == 1u);
    for (int i = 0; i < 1000; ++i) c.put(i % 100, i);
    BOOST_TEST(c.size() <= 64u);
    BOOST_TEST(c.get_or_load(5000, [] { return 1; }) == 1);
}

// ---- expiry ----

using expiring = boost::mpl::list<ex::after_write, ex::after_access, ex::per_entry>;

template <class X>
X make_expiry(std::chrono::nanoseconds d) { return X(d); }

BOOST_AUTO_TEST_CASE_TEMPLATE(expired_entries_are_never_returned, X, expiring) {
    cache<int, int, ev::lru, X, cp::with_clock<manual_clock>> c(cache_options{.max_size = 100}, make_expiry<X>(10s));
    c.put(1, 1);
    manual_clock::advance(9s);
    BOOST_TEST(c.get(1).value() == 1);
    BOOST_TEST(c.contains(1));
    manual_clock::advance(2s); // 11 s after the write, 2 s after the read
    if constexpr (std::is_same_v<X, ex::after_access>) {
        BOOST_TEST(c.get(1).value() == 1);
        manual_clock::advance(10s);
    }
    BOOST_TEST(!c.contains(1));
    BOOST_TEST(!c.get(1).has_value());
    BOOST_TEST(c.size() == 0u);
    // A per-call TTL overrides the default.
    c.put(2, 2, {.ttl = 1s});
    c.put(3, 3);
    manual_clock::advance(2s);
    BOOST_TEST(!c.get(2).has_value());
    BOOST_TEST(c.get(3).value() == 3);
    // get_or_load honours the TTL too, and reloads after expiry.
    int loads = 0;
    BOOST_TEST(c.get_or_load(4, [&] { return ++loads; }, {.ttl = 5s}) == 1);
    manual_clock::advance(4s);
    BOOST_TEST(c.get_or_load(4, [&] { return ++loads; }) == 1);
    // after_access: the read above restarted the (default, 10 s) period.
    manual_clock::advance(std::is_same_v<X, ex::after_access> ? 11s : 2s);
    BOOST_TEST(c.get_or_load(4, [&] { return ++loads; }) == 2);
}

BOOST_AUTO_TEST_CASE(timer_wheel_sweeps_expired_entries_without_reads) {
    // Random TTLs from 1 ms to 4 years; time moves in random steps; after cleanup() the
    // cache holds every entry whose TTL has not run out, and none that ran out more than
    // two wheel ticks (2^21 ns) ago. Reads never see an expired entry (tested above).
    std::vector<std::tuple<int, std::string, removal_cause>> log;
    cache<int, std::string, ev::fifo, ex::per_entry, cp::with_clock<manual_clock>, cp::with_listener<recorder>> c(
        cache_options{.max_size = 100000, .shards = 4}, ex::per_entry{}, {}, recorder{&log});
    std::mt19937_64 rng(3);
    std::map<int, std::int64_t> due; // key -> due (ns on manual_clock)
    int next_key = 0;
    for (int round = 0; round < 200; ++round) {
        for (int i = 0; i < 50; ++i) {
            const auto ttl = std::chrono::nanoseconds(std::int64_t(1'000'000) << (rng() % 38)); // 1 ms .. ~3 days
            const int k = next_key++;
            c.put(k, "v", {.ttl = ttl});
            due[k] = manual_clock::now().time_since_epoch().count() + ttl.count();
        }
        manual_clock::advance(std::chrono::nanoseconds(std::int64_t(1'000'000) << (rng() % 30)));
        c.cleanup();
        const std::int64_t now = manual_clock::now().time_since_epoch().count();
        std::size_t alive = 0, recent = 0;
        for (auto& [k, d] : due) {
            alive += d > now ? 1 : 0;
            recent += d > now - (std::int64_t(1) << 21) ? 1 : 0;
        }
        BOOST_REQUIRE_GE(c.size(), alive);
        BOOST_REQUIRE_LE(c.size(), recent);
    }
    for (auto& [k, v, cause] : log) BOOST_TEST((cause == removal_cause::expired));
    BOOST_TEST(c.stats().expirations == log.size());
    BOOST_TEST(log.size() > 0u);
}

BOOST_AUTO_TEST_CASE(w_tinylfu_keeps_a_hot_set_through_scans) {
    // 100 hot keys read all the time, with three one-time keys of a long scan after each
    // hot read: W-TinyLFU keeps the hot keys (scan keys lose admission), LRU does not.
    auto hot_hit_ratio = [](auto& c) {
        std::mt19937 rng(5);
        std::uniform_int_distribution<int> hot(0, 99);
        int scan = 1000, hits = 0, reads = 0;
        for (int i = 0; i < 60000; ++i) {
            const int k = hot(rng);
            const bool hit = c.get(k).has_value();
            if (!hit) c.put(k, k);
            if (i >= 20000) {
                ++reads;
                hits += hit ? 1 : 0;
            }
            for (int j = 0; j < 3; ++j, ++scan)
                if (!c.get(scan)) c.put(scan, scan);
        }
        return double(hits) / reads;
    };
    cache<int, int, ev::w_tinylfu> w(cache_options{.max_size = 200, .shards = 1});
    cache<int, int, ev::lru> l(cache_options{.max_size = 200, .shards = 1});
    const double hw = hot_hit_ratio(w), hl = hot_hit_ratio(l);
    BOOST_TEST_MESSAGE("hot-set hit ratio: w_tinylfu " << hw << ", lru " << hl);
    BOOST_TEST(hw > 0.9);
    BOOST_TEST(hl < 0.6);
}

BOOST_AUTO_TEST_CASE(count_min_sketch_counts_and_halves) {
    cistern::detail::count_min_sketch s;
    s.resize(64);
    for (int i = 0; i < 9; ++i) s.increment(42);
    BOOST_TEST(s.frequency(42) == 9u);
    for (int i = 0; i < 30; ++i) s.increment(42);
    BOOST_TEST(s.frequency(42) == 15u); // saturates at 4 bits
    // Fill up to the sample size with other keys: the halving brings 42 down.
    for (std::uint64_t i = 0; i < s.sample_size(); ++i) s.increment(1000 + i);
    BOOST_TEST(s.frequency(42) <= 8u);
}

// The default clock: monotonic, never ahead of steady_clock (it is steady_clock's time
// as of the last scheduler tick), and loads are timed with the precise clock.
BOOST_AUTO_TEST_CASE(coarse_clock_is_monotonic_and_lags_steady_clock) {
    static_assert(std::is_same_v<cache<int, int>::clock, cistern::coarse_steady_clock>);
    static_assert(std::is_same_v<cache<int, int>::load_clock, std::chrono::steady_clock>);
    static_assert(std::is_same_v<cache<int, int, ev::lru, cistern::expiry::never,
                                       cistern::cache_policy::with_clock<manual_clock>>::load_clock,
                                 manual_clock>);
    auto previous = cistern::coarse_steady_clock::now();
    for (int i = 0; i < 100000; ++i) {
        const auto c = cistern::coarse_steady_clock::now();
        const auto s = std::chrono::steady_clock::now();
        BOOST_REQUIRE(c >= previous);
        BOOST_REQUIRE_LE(c.time_since_epoch().count(), s.time_since_epoch().count());
        previous = c;
    }
}

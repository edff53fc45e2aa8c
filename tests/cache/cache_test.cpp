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
#include <cistern/error.hpp>

#include "support/manual_clock.hpp"

#include <boost/mpl/list.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <span>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
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

// A hit on an entry that never expires, in a shard whose wheel is empty, reads no clock
// and sweeps nothing (there is nothing to sweep). Once an entry with a TTL is in the
// shard, the same hits sweep again: the expired entry is removed by a read of another.
BOOST_AUTO_TEST_CASE(reads_of_entries_without_ttl_still_sweep_once_something_is_due) {
    std::vector<std::tuple<int, std::string, removal_cause>> log;
    cache<int, std::string, ev::lru, ex::per_entry, cp::with_clock<manual_clock>, cp::with_listener<recorder>> c(
        cache_options{.max_size = 100, .shards = 1}, ex::per_entry{}, {}, recorder{&log});
    c.put(1, "forever");
    for (int i = 0; i < 10; ++i) {
        manual_clock::advance(1h);
        BOOST_TEST(c.get(1).value_or("") == "forever");
    }
    c.put(2, "brief", {.ttl = 10ms});
    BOOST_TEST(c.get(2).value_or("") == "brief");
    manual_clock::advance(20ms);
    BOOST_TEST(c.get(1).value_or("") == "forever"); // sweeps 2 on the way
    BOOST_TEST(log.size() == 1u);
    BOOST_TEST((log.size() == 1u && std::get<0>(log[0]) == 2 && std::get<2>(log[0]) == removal_cause::expired));
    BOOST_TEST(c.size() == 1u);
    BOOST_TEST(!c.get(2));
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

// ---- put_if_absent, compute (issue 17) ----

BOOST_AUTO_TEST_CASE_TEMPLATE(put_if_absent_stores_only_when_no_live_entry, E, all_evictions) {
    std::vector<std::tuple<int, std::string, removal_cause>> log;
    cache<int, std::string, E, ex::after_write, cp::with_clock<manual_clock>, cp::with_listener<recorder>> c(
        cache_options{.max_size = 10, .shards = 1}, ex::after_write(10s), {}, recorder{&log});
    BOOST_TEST(!c.put_if_absent(1, "a").has_value()); // stored
    BOOST_TEST(c.put_if_absent(1, "b").value() == "a"); // found: not replaced
    BOOST_TEST(c.get(1).value() == "a");
    BOOST_TEST(log.empty());
    manual_clock::advance(11s); // an expired entry counts as absent
    BOOST_TEST(!c.put_if_absent(1, "c").has_value());
    BOOST_TEST(c.get(1).value() == "c");
    BOOST_REQUIRE_EQUAL(log.size(), 1u);
    BOOST_TEST((std::get<2>(log[0]) == removal_cause::expired));
    // With a TTL and tags of its own when it stores.
    BOOST_TEST(!c.put_if_absent(2, "t", {.ttl = std::chrono::nanoseconds(1s), .tags = {"x"}}).has_value());
    BOOST_TEST(c.invalidate_tag("x") == 1u);
    const auto st = c.stats();
    BOOST_TEST(st.replacements == 0u);
    BOOST_TEST(st.hits == 2u); // only the two get() calls
    BOOST_TEST(st.misses == 0u);
}

BOOST_AUTO_TEST_CASE(put_if_absent_during_a_load_keeps_its_value) {
    cache<int, std::string> c(cache_options{.max_size = 10});
    // The loader's own put_if_absent stands for another thread's, made while the load runs.
    const std::string got = c.get_or_load(5, [&] {
        BOOST_TEST(!c.put_if_absent(5, "put").has_value());
        return std::string("loaded");
    });
    BOOST_TEST(got == "loaded");             // the loader's callers get its value
    BOOST_TEST(c.get(5).value() == "put");    // the cache keeps the newer put
}

BOOST_AUTO_TEST_CASE_TEMPLATE(compute_reads_modifies_and_writes_one_entry, E, all_evictions) {
    std::vector<std::tuple<int, std::string, removal_cause>> log;
    cache<int, std::string, E, ex::per_entry, cp::with_clock<manual_clock>, cp::with_listener<recorder>> c(
        cache_options{.max_size = 10, .shards = 1}, ex::per_entry{}, {}, recorder{&log});
    auto append = [](const std::string& s) {
        return [s](const std::string* cur) { return std::optional<std::string>((cur ? *cur : std::string()) + s); };
    };
    BOOST_TEST(c.compute(1, append("a")).value() == "a"); // absent: fn sees nullptr
    BOOST_TEST(c.compute(1, append("b")).value() == "ab");
    BOOST_TEST(c.get(1).value() == "ab");
    BOOST_REQUIRE_EQUAL(log.size(), 1u);
    BOOST_TEST((log[0] == std::tuple<int, std::string, removal_cause>{1, "a", removal_cause::replaced}));
    // nullopt removes (explicit_), and on an absent key leaves it absent.
    BOOST_TEST(!c.compute(1, [](const std::string*) -> std::optional<std::string> { return std::nullopt; }).has_value());
    BOOST_TEST(!c.contains(1));
    BOOST_TEST((std::get<2>(log.back()) == removal_cause::explicit_));
    bool saw_null = false;
    BOOST_TEST(!c.compute(2, [&](const std::string* cur) -> std::optional<std::string> {
                    saw_null = cur == nullptr;
                    return std::nullopt;
                }).has_value());
    BOOST_TEST(saw_null);
    BOOST_TEST(!c.contains(2));
    // A throwing fn changes nothing.
    c.put(3, "keep");
    BOOST_CHECK_THROW(c.compute(3, [](const std::string*) -> std::optional<std::string> { throw std::runtime_error("no"); }),
                      std::runtime_error);
    BOOST_TEST(c.get(3).value() == "keep");
    // Its options apply to the write: TTL and tags.
    c.compute(4, append("t"), {.ttl = std::chrono::nanoseconds(5s), .tags = {"tag"}});
    manual_clock::advance(6s);
    BOOST_TEST(!c.get(4).has_value());
    c.compute(5, append("u"), {.tags = {"tag"}});
    BOOST_TEST(c.invalidate_tag("tag") == 1u);
    // An expired entry is absent to fn.
    c.put(6, "old", {.ttl = std::chrono::nanoseconds(1s)});
    manual_clock::advance(2s);
    BOOST_TEST(c.compute(6, append("new")).value() == "new");
    // The bound holds after compute inserts.
    for (int k = 100; k < 150; ++k) c.compute(k, append("x"));
    BOOST_TEST(c.size() <= 10u);
    const auto st = c.stats();
    BOOST_TEST(st.hits + st.misses == 3u); // only the three get() calls count
}

BOOST_AUTO_TEST_CASE(compute_during_a_load_keeps_its_value) {
    cache<int, int> c(cache_options{.max_size = 10});
    const int got = c.get_or_load(5, [&] {
        c.compute(5, [](const int* cur) { return std::optional<int>(cur ? *cur + 1 : 100); });
        return 1;
    });
    BOOST_TEST(got == 1);
    BOOST_TEST(c.get(5).value() == 100);
}

// ---- get_all, get_or_load_all (issue 17) ----

BOOST_AUTO_TEST_CASE(get_all_returns_the_values_in_the_order_of_the_keys) {
    cache<int, std::string> c(cache_options{.max_size = 100});
    c.put(1, "one");
    c.put(3, "three");
    const std::vector<int> keys{3, 2, 1, 3};
    const auto got = c.get_all(keys);
    BOOST_REQUIRE_EQUAL(got.size(), 4u);
    BOOST_TEST(got[0].value() == "three");
    BOOST_TEST(!got[1].has_value());
    BOOST_TEST(got[2].value() == "one");
    BOOST_TEST(got[3].value() == "three");
    const auto st = c.stats();
    BOOST_TEST(st.hits == 3u);
    BOOST_TEST(st.misses == 1u);
    BOOST_TEST(c.get_all({}).empty());
}

BOOST_AUTO_TEST_CASE(get_or_load_all_calls_the_bulk_loader_once_with_the_missing_keys) {
    cache<int, std::string, ev::lru, ex::per_entry, cp::with_clock<manual_clock>> c(cache_options{.max_size = 100});
    c.put(2, "cached");
    std::vector<std::vector<int>> calls;
    auto bulk = [&](std::span<const int> missing) {
        calls.emplace_back(missing.begin(), missing.end());
        std::map<int, std::string> out;
        for (int k : missing)
            if (k != 4) out[k] = "v" + std::to_string(k); // 4 does not exist
        out[99] = "not asked for";
        return out;
    };
    const std::vector<int> keys{1, 2, 3, 1, 4};
    const auto got = c.get_or_load_all(keys, bulk, {.ttl = std::chrono::nanoseconds(10s), .tags = {"bulk"}});
    BOOST_REQUIRE_EQUAL(calls.size(), 1u);
    BOOST_TEST((calls[0] == std::vector<int>{1, 3, 4})); // each missing key once, in order
    BOOST_REQUIRE_EQUAL(got.size(), 5u);
    BOOST_TEST(got[0].value() == "v1");
    BOOST_TEST(got[1].value() == "cached");
    BOOST_TEST(got[2].value() == "v3");
    BOOST_TEST(got[3].value() == "v1");
    BOOST_TEST(!got[4].has_value()); // not returned: absent, not stored
    BOOST_TEST(!c.contains(4));
    BOOST_TEST(!c.contains(99)); // not asked for: ignored
    BOOST_TEST(c.get(3).value() == "v3");
    auto st = c.stats();
    BOOST_TEST(st.loads == 1u);
    BOOST_TEST(st.hits == 2u);   // key 2, then the get(3)
    BOOST_TEST(st.misses == 4u); // 1, 3, 1 again, 4
    // Everything cached: no loader call.
    c.get_or_load_all(std::vector<int>{1, 3}, bulk);
    BOOST_TEST(calls.size() == 1u);
    // The options applied: the tag, and the TTL.
    BOOST_TEST(c.invalidate_tag("bulk") == 2u);
    c.get_or_load_all(std::vector<int>{1}, bulk, {.ttl = std::chrono::nanoseconds(5s)});
    manual_clock::advance(6s);
    BOOST_TEST(!c.contains(1));
}

BOOST_AUTO_TEST_CASE(get_or_load_all_failure_reaches_the_caller_and_stores_nothing) {
    cache<int, int> c(cache_options{.max_size = 100});
    auto failing = [](std::span<const int>) -> std::vector<std::pair<int, int>> { throw std::runtime_error("down"); };
    BOOST_CHECK_THROW(c.get_or_load_all({1, 2}, failing), std::runtime_error);
    BOOST_TEST(c.size() == 0u);
    BOOST_TEST(c.stats().load_failures == 1u);
    // Nothing stays in flight: the next call loads again.
    auto ok = [](std::span<const int> ks) {
        std::vector<std::pair<int, int>> out;
        for (int k : ks) out.emplace_back(k, k * 10);
        return out;
    };
    const auto got = c.get_or_load_all({1, 2}, ok);
    BOOST_TEST(got[0].value() == 10);
    BOOST_TEST(got[1].value() == 20);
    BOOST_TEST(c.get_or_load(1, [] { return -1; }) == 10);
}

// A get_or_load of a key a bulk load is loading waits for that load instead of loading.
BOOST_AUTO_TEST_CASE(get_or_load_waits_for_a_bulk_load_of_its_key) {
    cache<int, int> c(cache_options{.max_size = 100});
    int single_loads = 0, got_a = 0;
    bool not_loaded_b = false;
    std::thread a, b;
    auto bulk = [&](std::span<const int> ks) {
        BOOST_TEST(ks.size() == 2u);
        a = std::thread([&] { got_a = c.get_or_load(1, [&] { ++single_loads; return -1; }); });
        b = std::thread([&] {
            try {
                c.get_or_load(2, [&] { ++single_loads; return -2; });
            } catch (const cistern::not_loaded&) {
                not_loaded_b = true;
            }
        });
        // Both have missed (and found this load in flight) before it returns.
        while (c.stats().misses < 4) std::this_thread::yield();
        return std::vector<std::pair<int, int>>{{1, 100}}; // nothing for 2
    };
    const auto got = c.get_or_load_all({1, 2}, bulk);
    a.join();
    b.join();
    BOOST_TEST(got[0].value() == 100);
    BOOST_TEST(!got[1].has_value());
    BOOST_TEST(got_a == 100);
    BOOST_TEST(not_loaded_b);
    BOOST_TEST(single_loads == 0);
    BOOST_TEST(c.get_or_load(2, [] { return 2; }) == 2); // 2 loads again afterwards
}

// A bulk load waits for another call's load of one of its keys, after running its own.
BOOST_AUTO_TEST_CASE(get_or_load_all_waits_for_another_load_of_a_key) {
    cache<int, int> c(cache_options{.max_size = 100});
    std::vector<int> asked;
    std::thread t;
    const int single = c.get_or_load(1, [&] {
        t = std::thread([&] {
            const auto got = c.get_or_load_all({1, 2}, [&](std::span<const int> ks) {
                asked.assign(ks.begin(), ks.end());
                return std::vector<std::pair<int, int>>{{2, 20}};
            });
            BOOST_TEST(got[0].value() == 10);
            BOOST_TEST(got[1].value() == 20);
        });
        while (c.stats().misses < 3) std::this_thread::yield(); // 1 (here), 1 and 2 (there)
        return 10;
    });
    t.join();
    BOOST_TEST(single == 10);
    BOOST_TEST((asked == std::vector<int>{2}));
}

// ---- refresh_after_write (issue 17) ----

namespace {

// An executor that keeps the tasks until the test runs them.
struct queue_executor {
    std::vector<std::function<void()>>* tasks;
    void operator()(std::function<void()> task) const { tasks->push_back(std::move(task)); }
};

struct counting_reloader {
    int* calls;
    bool* fail;
    std::string operator()(const int& k, const std::string& old) const {
        ++*calls;
        if (*fail) throw std::runtime_error("reload failed");
        return old + "+" + std::to_string(k);
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(refresh_after_write_serves_the_old_value_and_reloads_once) {
    std::vector<std::function<void()>> tasks;
    int calls = 0;
    bool fail = false;
    using refreshing_cache = cache<int, std::string, ev::lru, ex::never, cp::with_clock<manual_clock>,
                                   cp::with_refresh<counting_reloader, queue_executor>>;
    refreshing_cache c(cache_options{.max_size = 10, .refresh_after_write = 5s}, {}, {}, {},
                       counting_reloader{&calls, &fail}, queue_executor{&tasks});
    c.put(1, "v");
    manual_clock::advance(4s);
    BOOST_TEST(c.get(1).value() == "v");
    BOOST_TEST(tasks.empty()); // not due yet
    manual_clock::advance(2s);
    BOOST_TEST(c.get(1).value() == "v"); // due: the current value at once, one reload started
    BOOST_TEST(c.get_or_load(1, [] { return std::string("loader"); }) == "v");
    BOOST_TEST(c.get_all({1})[0].value() == "v");
    BOOST_TEST(tasks.size() == 1u); // single flight: the later reads did not start another
    tasks[0]();
    tasks.clear();
    BOOST_TEST(calls == 1);
    BOOST_TEST(c.get(1).value() == "v+1");
    BOOST_TEST(tasks.empty()); // written again just now
    auto st = c.stats();
    BOOST_TEST(st.refreshes == 1u);
    BOOST_TEST(st.replacements == 1u);
    // A failed reload keeps the old value, is counted, and the next read tries again.
    manual_clock::advance(6s);
    fail = true;
    BOOST_TEST(c.get(1).value() == "v+1");
    BOOST_REQUIRE_EQUAL(tasks.size(), 1u);
    tasks[0]();
    tasks.clear();
    BOOST_TEST(c.get(1).value() == "v+1");
    BOOST_TEST(c.stats().refresh_failures == 1u);
    BOOST_REQUIRE_EQUAL(tasks.size(), 1u); // that read started the next attempt
    // A write while a reload runs wins: the reload's value is dropped.
    fail = false;
    c.put(1, "put");
    tasks[0]();
    tasks.clear();
    BOOST_TEST(c.get(1).value() == "put");
    st = c.stats();
    BOOST_TEST(st.refreshes == 2u);
    BOOST_TEST(st.refresh_failures == 1u);
    // An entry removed while its reload runs is not brought back.
    manual_clock::advance(6s);
    c.get(1);
    BOOST_REQUIRE_EQUAL(tasks.size(), 1u);
    c.erase(1);
    tasks[0]();
    tasks.clear();
    BOOST_TEST(!c.contains(1));
}

BOOST_AUTO_TEST_CASE(refresh_after_write_keeps_tags_and_expiry_still_applies) {
    std::vector<std::function<void()>> tasks;
    int calls = 0;
    bool fail = false;
    cache<int, std::string, ev::w_tinylfu, ex::after_write, cp::with_clock<manual_clock>,
          cp::with_refresh<counting_reloader, queue_executor>>
        c(cache_options{.max_size = 10, .refresh_after_write = 5s}, ex::after_write(10s), {}, {},
          counting_reloader{&calls, &fail}, queue_executor{&tasks});
    c.put(1, "a", {.tags = {"t"}});
    c.put(2, "b");
    manual_clock::advance(6s);
    BOOST_TEST(c.get(1).value() == "a");
    BOOST_REQUIRE_EQUAL(tasks.size(), 1u);
    tasks[0]();
    tasks.clear();
    // The reload restarted the entry's TTL (a write) and kept its tags.
    manual_clock::advance(6s); // 12 s after the put, 6 s after the reload
    BOOST_TEST(!c.get(2).has_value()); // never read while due: expired, no reload
    BOOST_TEST(tasks.empty());
    BOOST_TEST(c.get(1).value() == "a+1");
    BOOST_TEST(tasks.size() == 1u); // due again
    BOOST_TEST(c.invalidate_tag("t") == 1u);
    tasks[0](); // its entry is gone: nothing comes back
    BOOST_TEST(c.size() == 0u);
}

// inline_executor: the triggering read reloads before returning (and returns the value
// it read); a reloader of the key alone is accepted.
BOOST_AUTO_TEST_CASE(refresh_with_the_inline_executor) {
    struct by_key {
        std::string operator()(const int& k) const { return "fresh" + std::to_string(k); }
    };
    cache<int, std::string, ev::lru, ex::never, cp::with_clock<manual_clock>, cp::with_refresh<by_key, cp::inline_executor>> c(
        cache_options{.max_size = 10, .refresh_after_write = 1s});
    c.put(7, "stale");
    manual_clock::advance(2s);
    BOOST_TEST(c.get(7).value() == "stale");
    BOOST_TEST(c.get(7).value() == "fresh7");
    BOOST_TEST(c.stats().refreshes == 1u);
}

BOOST_AUTO_TEST_CASE(refresh_after_write_options_are_checked) {
    struct by_key {
        int operator()(const int& k) const { return k; }
    };
    auto field = [](auto f) {
        try {
            f();
        } catch (const cistern::config_error& e) {
            return e.field();
        }
        return std::string("no error");
    };
    BOOST_TEST(field([] { cache<int, int> c(cache_options{.max_size = 10, .refresh_after_write = 1s}); }) ==
               "cache_options.refresh_after_write");
    BOOST_TEST(field([] { cache<int, int, ev::lru, ex::never, cp::with_refresh<by_key>> c(cache_options{.max_size = 10}); }) ==
               "cache_options.refresh_after_write");
}

// ---- set_max_size / set_max_weight, evicted weight (issue 17) ----

BOOST_AUTO_TEST_CASE_TEMPLATE(set_max_size_evicts_down_at_once_and_allows_growth, E, all_evictions) {
    std::vector<std::tuple<int, std::string, removal_cause>> log;
    cache<int, std::string, E, ex::never, cp::with_listener<recorder>> c(cache_options{.max_size = 400, .shards = 4}, {}, {},
                                                                         recorder{&log});
    for (int k = 0; k < 400; ++k) c.put(k, "v");
    for (int k = 0; k < 400; k += 2) c.get(k);
    BOOST_TEST(c.size() <= 400u);
    const std::size_t before = c.size();
    log.clear();
    c.set_max_size(100);
    BOOST_TEST(c.bound() == 100u);
    BOOST_TEST(c.size() <= 100u);
    BOOST_TEST(log.size() == before - c.size());
    for (auto& [k, v, cause] : log) BOOST_TEST((cause == removal_cause::evicted));
    // It stays within the new bound through further use.
    std::mt19937 rng(3);
    for (int i = 0; i < 5000; ++i) {
        const int k = static_cast<int>(rng() % 1000);
        if (!c.get(k)) c.put(k, "w");
        BOOST_REQUIRE_LE(c.size(), 100u);
    }
    BOOST_TEST(c.size() == 100u);
    // Growing lets it fill up to the larger bound.
    c.set_max_size(600);
    for (int k = 2000; k < 3000; ++k) c.put(k, "g");
    BOOST_TEST(c.size() <= 600u);
    BOOST_TEST(c.size() >= 560u); // the shards' shares fill (each within its own)
    BOOST_CHECK_THROW(c.set_max_size(0), cistern::config_error);
    BOOST_CHECK_THROW(c.set_max_size(3), cistern::config_error); // below the 4 shards
    BOOST_TEST(c.bound() == 600u);
}

// LRU after a shrink keeps exactly the most recently used entries.
BOOST_AUTO_TEST_CASE(set_max_size_on_lru_keeps_the_most_recent) {
    cache<int, int, ev::lru> c(cache_options{.max_size = 100, .shards = 1});
    for (int k = 0; k < 100; ++k) c.put(k, k);
    for (int k = 0; k < 10; ++k) c.get(k); // 0..9 become the newest
    c.set_max_size(20);
    for (int k = 0; k < 10; ++k) BOOST_TEST(c.contains(k));
    for (int k = 90; k < 100; ++k) BOOST_TEST(c.contains(k));
    BOOST_TEST(c.size() == 20u);
}

// W-TinyLFU keeps its window's share of the bound and protected's 80 % of the rest.
BOOST_AUTO_TEST_CASE(w_tinylfu_set_capacity_rescales_its_segments) {
    ev::w_tinylfu p;
    p.reset(1000);
    BOOST_TEST(p.window_budget() == 10u);
    for (std::uint32_t s = 0; s < 1000; ++s) p.on_insert(s, std::uint64_t{s} * 0x9e3779b97f4a7c15ULL, 1);
    p.set_capacity(200);
    BOOST_TEST(p.window_budget() == 2u);
    BOOST_TEST(p.protected_budget() == (200u - 2u) - (200u - 2u) / 5);
    int evicted = 0;
    for (int i = 0; i < 800; ++i, ++evicted) p.evict();
    BOOST_TEST(evicted == 800);
    p.set_capacity(5000);
    BOOST_TEST(p.window_budget() == 50u);
}

BOOST_AUTO_TEST_CASE(set_max_weight_evicts_by_weight_and_counts_evicted_weight) {
    cache<int, std::string, ev::w_tinylfu, ex::never, cp::with_weigher<size_weigher>> c(
        cache_options{.max_weight = 1000, .shards = 1});
    for (int k = 0; k < 50; ++k) c.put(k, std::string(20, 'x')); // 1000
    BOOST_TEST(c.weight() == 1000u);
    c.set_max_weight(300);
    BOOST_TEST(c.weight() <= 300u);
    auto st = c.stats();
    BOOST_TEST(st.evictions == (1000u - c.weight()) / 20u);
    BOOST_TEST(st.evicted_weight == 1000u - c.weight());
    c.put(100, std::string(400, 'y')); // heavier than the bound: refused, counted
    st = c.stats();
    BOOST_TEST(st.evicted_weight == 1000u - c.weight() + 400u);
    BOOST_CHECK_THROW(c.set_max_weight(0), cistern::config_error);
    // Without a weigher, evicted weight equals the eviction count.
    cache<int, int> u(cache_options{.max_size = 10, .shards = 1});
    for (int k = 0; k < 30; ++k) u.put(k, k);
    BOOST_TEST(u.stats().evicted_weight == u.stats().evictions);
    BOOST_TEST(u.stats().evictions == 20u);
}

// A weighted cache's bound is in weight units (bytes, say): W-TinyLFU sizes its sketch by
// the entries it holds, not by the bound. Before the fix, a 64 MiB bound on one shard
// reserved a sketch for 2^26 entries (512 MiB, zeroed); here 1 000 entries of 1 KiB take
// a few KiB of sketch. The sketch still counts after growing: entries read often stay while a
// scan of one-time keys, ten times the bound, passes through.
BOOST_AUTO_TEST_CASE(a_weighted_cache_sizes_its_sketch_by_its_entries_not_its_bound) {
    cache<int, std::string, ev::w_tinylfu, ex::never, cp::with_weigher<size_weigher>> big(
        cache_options{.max_weight = std::uint64_t{1} << 26, .shards = 1});
    const std::size_t empty = big.memory_bytes();
    BOOST_TEST(empty < 64u * 1024u);
    for (int k = 0; k < 1000; ++k) big.put(k, std::string(1024, 'x'));
    BOOST_TEST(big.size() == 1000u);
    BOOST_TEST(big.memory_bytes() < 1024u * 1024u);

    cache<int, std::string, ev::w_tinylfu, ex::never, cp::with_weigher<size_weigher>> c(
        cache_options{.max_weight = 100 * 100, .shards = 1}); // 100 entries of 100 bytes
    for (int round = 0; round < 20; ++round)
        for (int k = 0; k < 50; ++k)
            if (!c.get(k)) c.put(k, std::string(100, 'h'));
    for (int k = 1000; k < 2000; ++k) c.put(k, std::string(100, 's')); // one-time keys
    int hot = 0;
    for (int k = 0; k < 50; ++k) hot += c.get(k) ? 1 : 0;
    BOOST_TEST(hot >= 45);
    BOOST_TEST(c.weight() <= 100u * 100u);
}

// A caller that misses after an invalidation must not wait for a load that started before
// it: that load may have read the data before the change. It loads anew, gets the fresh
// value, and the older load's value is not stored. (Before the fix, the second caller
// joined the first load and got "old".)
BOOST_AUTO_TEST_CASE(a_caller_after_an_invalidation_does_not_join_an_older_load) {
    for (int change = 0; change < 4; ++change) {
        cache<int, std::string> c(cache_options{.max_size = 64});
        std::promise<void> first_loading, release_first;
        auto release = release_first.get_future().share();
        auto older = std::async(std::launch::async, [&] {
            return c.get_or_load(1, [&] {
                first_loading.set_value();
                // Released by the second caller's loader, or after 10 s (so that a second
                // caller that wrongly waits for this load gets "old" instead of hanging).
                release.wait_for(10s);
                return std::string("old");
            }, cistern::entry_options{.tags = {"t"}});
        });
        first_loading.get_future().wait();
        switch (change) {
        case 0: c.invalidate_tag("t"); break;
        case 1: c.invalidate_tag("unrelated"); break; // any invalidation ends joining
        case 2: c.erase(1); break;
        case 3: c.clear(); break;
        }
        const std::string got = c.get_or_load(1, [&] {
            release_first.set_value();
            return std::string("new");
        });
        BOOST_TEST(got == "new", "change " << change);
        BOOST_TEST(older.get() == "old"); // the earlier caller keeps its own load's value
        BOOST_TEST(c.get(1).value_or("") == "new", "change " << change);
        BOOST_TEST(c.stats().loads == 2u);
    }
}

// ---- heterogeneous lookup (issue 17) ----

namespace {

// A composite key, a view of it, and a transparent hash and equality for both; counts the
// keys built from views.
struct name_view {
    std::string_view name;
    int version = 0;
};
struct name_key {
    std::string name;
    int version = 0;
    static inline int built = 0;
    name_key(std::string n, int v) : name(std::move(n)), version(v) {}
    explicit name_key(const name_view& v) : name(v.name), version(v.version) { ++built; }
    friend bool operator==(const name_key&, const name_key&) = default;
};
struct name_hash {
    using is_transparent = void;
    static std::size_t of(std::string_view n, int v) noexcept { return std::hash<std::string_view>{}(n) * 31 + static_cast<std::size_t>(v); }
    std::size_t operator()(const name_key& k) const noexcept { return of(k.name, k.version); }
    std::size_t operator()(const name_view& k) const noexcept { return of(k.name, k.version); }
};
struct name_equal {
    using is_transparent = void;
    bool operator()(const name_key& a, const name_key& b) const noexcept { return a == b; }
    bool operator()(const name_key& a, const name_view& b) const noexcept { return a.name == b.name && a.version == b.version; }
    bool operator()(const name_view& a, const name_key& b) const noexcept { return (*this)(b, a); }
};
using name_cache = cache<name_key, std::string, ev::lru, ex::never, cp::with_hash<name_hash, name_equal>>;

struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

} // namespace

// Transparent hash and equality are accepted, and select the lookup-key overloads; an
// ordinary hash does not (its lookups convert to K as before).
static_assert(name_cache::heterogeneous);
static_assert(!cache<std::string, int>::heterogeneous);
static_assert(!cache<name_key, int, ev::lru, ex::never, cp::with_hash<std::hash<int>, std::equal_to<name_key>>>::heterogeneous);
static_assert(cistern::TransparentHash<text_hash, std::equal_to<>>);
static_assert(cistern::LookupKey<name_view, name_key, name_hash, name_equal>);
static_assert(cistern::detail::check_lookup_key<name_view, name_key, name_hash, name_equal, true>());
static_assert(!cistern::LookupKey<std::string_view, name_key, name_hash, name_equal>); // not hashed by name_hash
static_assert(cistern::LookupKey<std::string_view, std::string, text_hash, std::equal_to<>>);
static_assert(!cistern::LookupKey<std::string_view, std::string, std::hash<std::string>, std::equal_to<std::string>>);

// Hits, misses, loads and stats through a view: nothing is built until a load stores the
// key; the view and the key it builds are one key, whichever was used to store it.
BOOST_AUTO_TEST_CASE(lookups_by_a_view_build_no_key_until_a_load_stores_one) {
    name_cache c(cache_options{.max_size = 10});
    name_key::built = 0;
    int loads = 0;
    auto loader = [&](const name_key& k) {
        ++loads;
        return k.name + "@" + std::to_string(k.version);
    };
    const std::string text = "users";
    BOOST_TEST(!c.get(name_view{text, 1}).has_value()); // a miss
    BOOST_TEST(!c.contains(name_view{text, 1}));
    BOOST_TEST(name_key::built == 0);
    BOOST_TEST(c.get_or_load(name_view{text, 1}, loader) == "users@1"); // a miss that loads: one key built
    BOOST_TEST(name_key::built == 1);
    BOOST_TEST(c.get_or_load(name_view{text, 1}, loader) == "users@1"); // hits
    BOOST_TEST(c.get(name_view{text, 1}).value_or("") == "users@1");
    BOOST_TEST(c.contains(name_view{text, 1}));
    BOOST_TEST(!c.contains(name_view{text, 2}));
    BOOST_TEST(name_key::built == 1);
    BOOST_TEST(loads == 1);
    BOOST_TEST(c.get(name_key{"users", 1}).value_or("") == "users@1"); // stored by a view, found by the key
    c.put(name_key{"orders", 3}, "o3");
    BOOST_TEST(c.get_or_load(name_view{"orders", 3}, loader) == "o3"); // stored by the key, found by a view
    BOOST_TEST(loads == 1);

    int made = 0; // options made only by a call that loads
    auto opts = [&] {
        ++made;
        return cistern::entry_options{.tags = {"t"}};
    };
    BOOST_TEST(c.get_or_load(name_view{text, 2}, loader, opts) == "users@2");
    BOOST_TEST(c.get_or_load(name_view{text, 2}, loader, opts) == "users@2");
    BOOST_TEST(made == 1);
    BOOST_TEST(name_key::built == 2);
    BOOST_TEST(c.invalidate_tag("t") == 1u);
    BOOST_TEST(!c.contains(name_view{text, 2}));

    auto failing = [](const name_key&) -> std::string { throw std::runtime_error("backend down"); };
    BOOST_CHECK_THROW(c.get_or_load(name_view{"bad", 0}, failing), std::runtime_error);
    BOOST_TEST(!c.contains(name_view{"bad", 0})); // not stored, and not stuck in flight:
    BOOST_TEST(c.get_or_load(name_view{"bad", 0}, loader) == "bad@0");

    BOOST_TEST(c.erase(name_view{"orders", 3}));
    BOOST_TEST(!c.erase(name_view{"orders", 3}));
    BOOST_TEST(c.size() == 2u); // users@1, bad@0
    const auto st = c.stats();
    BOOST_TEST(st.hits == 5u);   // get_or_load, get, get by key, get_or_load of orders, get_or_load of users@2
    BOOST_TEST(st.misses == 5u); // get, users@1, users@2, bad twice
    BOOST_TEST(st.loads == 3u);
    BOOST_TEST(st.load_failures == 1u);
    BOOST_TEST(st.explicit_removals == 2u); // the tag, the erase
}

// Single flight through a view: a second caller of the same key waits for the first's load
// (found by the view in the record of loads in flight); after erase(view) a later caller
// does not join the older load.
BOOST_AUTO_TEST_CASE(single_flight_through_a_view) {
    for (bool erase_between : {false, true}) {
        name_cache c(cache_options{.max_size = 10});
        std::promise<void> loading, release;
        auto released = release.get_future().share();
        std::atomic<int> loads{0};
        auto first = std::async(std::launch::async, [&] {
            return c.get_or_load(name_view{"k", 1}, [&](const name_key& k) {
                ++loads;
                loading.set_value();
                released.wait_for(10s); // so that a wrong wait cannot hang the test
                return k.name + "-first";
            });
        });
        loading.get_future().wait();
        if (erase_between) BOOST_TEST(!c.erase(name_view{"k", 1})); // nothing stored yet; the load goes stale
        auto second = std::async(std::launch::async, [&] {
            return c.get_or_load(name_view{"k", 1}, [&](const name_key& k) {
                ++loads;
                release.set_value(); // only reached when this caller loads (erase_between)
                return k.name + "-second";
            });
        });
        if (!erase_between) {
            while (c.stats().misses < 2) std::this_thread::yield(); // the second caller found the load in flight
            release.set_value();
        }
        const std::string a = first.get(), b = second.get();
        BOOST_TEST(a == "k-first");
        BOOST_TEST(b == (erase_between ? "k-second" : "k-first"), "erase_between " << erase_between);
        BOOST_TEST(loads.load() == (erase_between ? 2 : 1));
        BOOST_TEST(c.get(name_view{"k", 1}).value_or("") == b); // the stale load was not stored
        BOOST_TEST(c.stats().loads == (erase_between ? 2u : 1u));
    }
}

// std::string keys looked up by std::string_view (and by a literal) with a transparent
// hash and std::equal_to<>.
BOOST_AUTO_TEST_CASE(string_keys_by_string_view) {
    cache<std::string, int, ev::w_tinylfu, ex::never, cp::with_hash<text_hash, std::equal_to<>>> c(cache_options{.max_size = 64});
    const std::string owner = "alpha beta gamma delta epsilon"; // longer than the small-string buffer
    const std::string_view alpha = std::string_view(owner).substr(0, 5);
    int loads = 0;
    BOOST_TEST(c.get_or_load(alpha, [&](const std::string& k) {
        ++loads;
        BOOST_TEST(k == "alpha");
        return 1;
    }) == 1);
    BOOST_TEST(c.get_or_load(alpha, [&] { return ++loads; }) == 1);
    BOOST_TEST(c.get("alpha").value_or(0) == 1);
    BOOST_TEST(c.get(std::string("alpha")).value_or(0) == 1);
    BOOST_TEST(!c.get(std::string_view(owner).substr(0, 4)).has_value());
    BOOST_TEST(loads == 1);
}

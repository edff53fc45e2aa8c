#define BOOST_TEST_MODULE cistern cache reads without the lock
#include <boost/test/unit_test.hpp>

// cache::optimistic_reads: which caches read without the shard's lock, and that a single
// thread sees exactly what a cache with locked reads shows (values, evictions, statistics):
// every policy, every write in between, expiry on a manual clock, a bound changed at run
// time. The concurrent side is in cache_stress_test (under ThreadSanitizer).

#include <cistern/cache/cache.hpp>
#include <cistern/cache/detail/read_buffer.hpp>
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

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <future>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
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

namespace {

// A value whose copy is not trivial (copied without the lock only inside a grace period).
struct boxed {
    std::uint64_t v;
    boxed(std::uint64_t x) : v(x) {} // NOLINT: converts like the plain value
    boxed(const boxed& o) : v(o.v) {}
    boxed& operator=(const boxed& o) {
        v = o.v;
        return *this;
    }
};

struct ttl_weigher {
    std::uint64_t operator()(const std::uint64_t&, const std::uint64_t&) const { return 1; }
};
struct reload {
    std::uint64_t operator()(const std::uint64_t& k) const { return k; }
};

} // namespace

// Which caches read without the lock.
static_assert(cache<std::uint64_t, std::uint64_t>::optimistic_reads);
static_assert(cache<int, double, ev::lru, ex::after_write>::optimistic_reads);
static_assert(cache<int, int, ev::sieve, ex::per_entry>::optimistic_reads);
static_assert(!cache<std::uint64_t, std::uint64_t>::guarded_reads, "trivially copyable: copied under the sequence count");
static_assert(cache<int, std::string>::optimistic_reads && cache<int, std::string>::guarded_reads,
              "a std::string is copied inside a grace period");
static_assert(cache<std::string, int>::guarded_reads);
static_assert(cache<std::string, std::string, ev::lru, ex::after_write>::guarded_reads);
static_assert(cache<int, boxed>::guarded_reads);
static_assert(!cache<int, std::string, ev::lru, ex::never, cp::locked_reads>::optimistic_reads);
static_assert(!cache<int, int, ev::lru, ex::after_access>::optimistic_reads, "reads move the due time");
static_assert(!cache<std::uint64_t, std::uint64_t, ev::lru, ex::never, cp::with_weigher<ttl_weigher>>::optimistic_reads);
static_assert(!cache<std::uint64_t, std::uint64_t, ev::lru, ex::never, cp::with_refresh<reload>>::optimistic_reads);
static_assert(!cache<int, int, ev::lru, ex::never, cp::single_threaded>::optimistic_reads, "no lock to skip");
static_assert(!cache<int, int, ev::lru, ex::never, cp::locked_reads>::optimistic_reads);
static_assert(cache<int, int, ev::lru, ex::never, cp::multi_threaded>::optimistic_reads);
static_assert(cache<int, int>::sole_reader_locks, "the default: a shard's only reader locks");
static_assert(cache<int, int, ev::lru, ex::never, cp::lock_free_reads>::optimistic_reads);
static_assert(!cache<int, int, ev::lru, ex::never, cp::lock_free_reads>::sole_reader_locks);
static_assert(cache<int, std::string>::sole_reader_locks);

namespace {

using log_t = std::vector<std::tuple<std::uint64_t, std::uint64_t, removal_cause>>;
struct plain_recorder {
    log_t* log;
    void operator()(const std::uint64_t& k, const std::uint64_t& v, removal_cause c) const { log->emplace_back(k, v, c); }
};
struct boxed_recorder {
    log_t* log;
    void operator()(const std::uint64_t& k, const boxed& v, removal_cause c) const { log->emplace_back(k, v.v, c); }
};

std::optional<std::uint64_t> unbox(const std::optional<boxed>& b) {
    return b ? std::optional<std::uint64_t>(b->v) : std::nullopt;
}
std::uint64_t unbox(const boxed& b) { return b.v; }
std::uint64_t unbox(std::uint64_t v) { return v; }
std::optional<std::uint64_t> unbox(const std::optional<std::uint64_t>& v) { return v; }

// The same random calls on a cache that reads without the lock (A, values plain or boxed)
// and its twin with boxed values read under the lock (B, locked_reads); every answer,
// every removal and the counters agree.
// Each shard's policy sees its accesses in the same order; a policy with state shared by
// the shards (the default W-TinyLFU's window sampler) may see two shards' accesses
// interleaved otherwise, so with it and several shards only the totals are compared.
template <class E, class L, class X, class AV = std::uint64_t>
void run_twins_body(X expiry, std::size_t shards, std::uint32_t seed, bool advance_time) {
    const bool exact = shards == 1 || !std::is_same_v<E, ev::w_tinylfu>;
    log_t la, lb;
    using a_recorder = std::conditional_t<std::is_same_v<AV, boxed>, boxed_recorder, plain_recorder>;
    cache<std::uint64_t, AV, E, X, cp::with_listener<a_recorder>, cp::with_clock<manual_clock>, L> a(
        cache_options{.max_size = 96, .shards = shards, .record_stats = true}, expiry, {}, a_recorder{&la});
    cache<std::uint64_t, boxed, E, X, cp::with_listener<boxed_recorder>, cp::with_clock<manual_clock>, cp::locked_reads> b(
        cache_options{.max_size = 96, .shards = shards, .record_stats = true}, expiry, {}, boxed_recorder{&lb});
    static_assert(decltype(a)::optimistic_reads && !decltype(b)::optimistic_reads);
    static_assert(decltype(a)::guarded_reads == std::is_same_v<AV, boxed>);
    std::mt19937 rng(seed);
    // Skewed keys over four times the bound: hits, misses and evictions all happen.
    auto key = [&] { return static_cast<std::uint64_t>(rng() % 4 == 0 ? rng() % 400 : rng() % 40); };
    for (int i = 0; i < 30'000; ++i) {
        const std::uint64_t k = key();
        const unsigned op = rng() % 100;
        const std::size_t before = la.size();
        bool walked = false;
        if (op < 70) {
            const auto got = unbox(a.get(k));
            const auto want = unbox(b.get(k));
            if (exact) BOOST_REQUIRE((got == want));
        } else if (op < 85) {
            a.put(k, k * 3 + static_cast<std::uint64_t>(i));
            b.put(k, k * 3 + static_cast<std::uint64_t>(i));
        } else if (op < 90) {
            const auto got = unbox(a.get_or_load(k, [&] { return AV(k + 7); }));
            const auto want = unbox(b.get_or_load(k, [&] { return boxed(k + 7); }));
            if (exact) BOOST_REQUIRE(got == want);
        } else if (op < 93) {
            const bool got = a.erase(k), want = b.erase(k);
            if (exact) BOOST_REQUIRE(got == want);
        } else if (op < 95) {
            const auto got = unbox(a.put_if_absent(k, k));
            const auto want = unbox(b.put_if_absent(k, k));
            if (exact) BOOST_REQUIRE((got == want));
        } else if (op < 97) {
            a.compute(k, [](const AV* v) { return v ? std::optional<AV>(AV(unbox(*v) + 1)) : std::nullopt; });
            b.compute(k, [&](const boxed* v) { return v ? std::optional<boxed>(boxed(v->v + 1)) : std::nullopt; });
        } else if (op < 98 && advance_time) {
            manual_clock::advance(std::chrono::milliseconds(rng() % 40));
        } else if (op == 98 && i % 7 == 0) {
            const std::uint64_t n = 48 + rng() % 200; // shrink and grow the bound at run time
            a.set_max_size(n);
            b.set_max_size(n);
        } else if (i % 2000 == 0) {
            a.clear();
            b.clear();
            walked = true;
        }
        // The removals of one call in the same order, except those of a whole-shard walk
        // (clear): a shard's index is reserved for its bound when reads skip the lock,
        // so the walk meets the entries in another order.
        BOOST_REQUIRE(a.size() <= a.bound());
        if (!exact) continue;
        BOOST_REQUIRE(la.size() == lb.size());
        if (walked) {
            std::sort(la.begin() + static_cast<std::ptrdiff_t>(before), la.end());
            std::sort(lb.begin() + static_cast<std::ptrdiff_t>(before), lb.end());
        }
    }
    const auto sa = a.stats(), sb = b.stats();
    BOOST_TEST(sa.hits > 1000u);
    BOOST_TEST(sa.evictions > 300u);
    if (!exact) { // the same hit ratio within 2 % of the hits
        BOOST_TEST(static_cast<double>(sa.hits) == static_cast<double>(sb.hits), boost::test_tools::tolerance(0.02));
        return;
    }
    for (std::size_t j = 0; j < la.size() && j < lb.size(); ++j)
        if (la[j] != lb[j]) {
            BOOST_TEST_MESSAGE("first difference at removal " << j << ": " << std::get<0>(la[j]) << "=" << std::get<1>(la[j])
                               << " cause " << int(std::get<2>(la[j])) << " against " << std::get<0>(lb[j]) << "="
                               << std::get<1>(lb[j]) << " cause " << int(std::get<2>(lb[j])));
            break;
        }
    BOOST_TEST((la == lb));
    BOOST_TEST(sa.hits == sb.hits);
    BOOST_TEST(sa.misses == sb.misses);
    BOOST_TEST(sa.evictions == sb.evictions);
    BOOST_TEST(sa.expirations == sb.expirations);
    BOOST_TEST(a.size() == b.size());
}

// Both read paths that skip the lock: always (every read through the rings), and the
// default, where the thread, alone, soon claims the shards and reads them under the lock.
template <class E, class X>
void run_twins(X expiry, std::size_t shards, std::uint32_t seed, bool advance_time) {
    BOOST_TEST_CONTEXT("lock_free_reads, shards " << shards << ", seed " << seed)
    run_twins_body<E, cp::lock_free_reads>(expiry, shards, seed, advance_time);
    BOOST_TEST_CONTEXT("multi_threaded, shards " << shards << ", seed " << seed)
    run_twins_body<E, cp::multi_threaded>(expiry, shards, seed, advance_time);
    BOOST_TEST_CONTEXT("lock_free_reads, boxed values (guarded_reads), shards " << shards << ", seed " << seed)
    run_twins_body<E, cp::lock_free_reads, X, boxed>(expiry, shards, seed, advance_time);
    BOOST_TEST_CONTEXT("multi_threaded, boxed values (guarded_reads), shards " << shards << ", seed " << seed)
    run_twins_body<E, cp::multi_threaded, X, boxed>(expiry, shards, seed, advance_time);
}
using all_evictions = boost::mpl::list<ev::lru, ev::fifo, ev::slru, ev::lfu, ev::sieve, ev::s3fifo, ev::w_tinylfu>;

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(one_thread_sees_what_locked_reads_show, E, all_evictions) {
    run_twins<E>(ex::never{}, 1, 11, false);
    run_twins<E>(ex::never{}, 4, 12, false);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(one_thread_sees_what_locked_reads_show_with_expiry, E, all_evictions) {
    run_twins<E>(ex::after_write(300ms), 1, 21, true);
    run_twins<E>(ex::per_entry(200ms), 2, 22, true);
}

// Keys and values that are not trivially copyable (guarded_reads: a key compared in place,
// a value copied from its box): one thread sees what locked reads show, answers and
// counters, through puts that replace values, erasures and evictions.
template <class L>
void strings_like_locked_reads(std::uint32_t seed) {
    using string_cache = cache<std::string, std::string, ev::w_tinylfu, ex::after_write, L>;
    using locked_cache = cache<std::string, std::string, ev::w_tinylfu, ex::after_write, cp::locked_reads>;
    static_assert(string_cache::guarded_reads && !locked_cache::optimistic_reads);
    string_cache a(cache_options{.max_size = 64, .shards = 1, .record_stats = true}, ex::after_write(1h));
    locked_cache b(cache_options{.max_size = 64, .shards = 1, .record_stats = true}, ex::after_write(1h));
    std::mt19937 rng(seed);
    for (int i = 0; i < 20'000; ++i) {
        const std::string k = "a key longer than the small-string buffer #" + std::to_string(rng() % 4 == 0 ? rng() % 300 : rng() % 30);
        const unsigned op = rng() % 100;
        if (op < 75) {
            BOOST_REQUIRE(a.get(k) == b.get(k));
        } else if (op < 92) {
            const std::string v = k + " = value " + std::to_string(i);
            a.put(k, v);
            b.put(k, v);
        } else {
            BOOST_REQUIRE(a.erase(k) == b.erase(k));
        }
    }
    const auto sa = a.stats(), sb = b.stats();
    BOOST_TEST(sa.hits > 1000u);
    BOOST_TEST(sa.evictions > 100u);
    BOOST_TEST(sa.hits == sb.hits);
    BOOST_TEST(sa.misses == sb.misses);
    BOOST_TEST(sa.evictions == sb.evictions);
    BOOST_TEST(a.size() == b.size());
}

BOOST_AUTO_TEST_CASE(string_keys_and_values_read_as_locked_reads_show) {
    BOOST_TEST_CONTEXT("lock_free_reads") strings_like_locked_reads<cp::lock_free_reads>(31);
    BOOST_TEST_CONTEXT("multi_threaded") strings_like_locked_reads<cp::multi_threaded>(32);
}

// An expired entry read without the lock is a miss, and the locked retry removes it at
// once (the listener hears it), as a locked read would.
BOOST_AUTO_TEST_CASE(an_expired_entry_is_a_miss_and_is_removed_by_the_read) {
    log_t log;
    cache<std::uint64_t, std::uint64_t, ev::lru, ex::after_write, cp::with_listener<plain_recorder>, cp::with_clock<manual_clock>> c(
        cache_options{.max_size = 100, .record_stats = true}, ex::after_write(10s), {}, plain_recorder{&log});
    c.put(1, 10);
    BOOST_TEST((c.get(1) == std::optional<std::uint64_t>(10)));
    manual_clock::advance(11s);
    BOOST_TEST(!c.get(1));
    BOOST_REQUIRE(log.size() == 1u);
    BOOST_TEST((std::get<2>(log[0]) == removal_cause::expired));
    BOOST_TEST(c.size() == 0u);
    const auto st = c.stats();
    BOOST_TEST(st.hits == 1u);
    BOOST_TEST(st.misses == 1u);
}

// An entry without a TTL in an expiring cache (per_entry, put without one) is read without
// the lock also after time moved on: nothing is in the timer wheel, so there is nothing a
// locked read would sweep. (The wheel's time stays where it was, since no call advances an
// empty wheel: a read that took that for "time entered a new tick" took the lock every
// time.) The read runs while compute() holds the shard's lock; it must finish first. The
// 5 s wait is a bound for a read that takes microseconds.
BOOST_AUTO_TEST_CASE(an_entry_without_ttl_is_read_without_the_lock_after_time_passes) {
    cache<std::uint64_t, std::uint64_t, ev::lru, ex::per_entry, cp::with_clock<manual_clock>, cp::lock_free_reads> c(
        cache_options{.max_size = 64, .shards = 1, .record_stats = true}, ex::per_entry());
    c.put(1, 10);
    c.put(2, 20);
    manual_clock::advance(50ms); // dozens of the wheel's ticks (2^20 ns)
    bool finished_while_the_lock_was_held = false;
    std::future<std::optional<std::uint64_t>> read; // outlives compute(): a read that waits ends after it
    c.compute(2, [&](const std::uint64_t* v) {
        read = std::async(std::launch::async, [&] { return c.get(1); });
        finished_while_the_lock_was_held = read.wait_for(5s) == std::future_status::ready;
        return std::optional<std::uint64_t>(*v + 1);
    });
    BOOST_TEST(finished_while_the_lock_was_held);
    BOOST_TEST((read.get() == std::optional<std::uint64_t>(10)));
    BOOST_TEST((c.get(2) == std::optional<std::uint64_t>(21)));
    // An entry with a TTL is still read as a locked read would: once it is due, the read
    // takes the lock and removes it.
    c.put(3, 30, {.ttl = 10ms});
    manual_clock::advance(20ms);
    BOOST_TEST(!c.get(3));
    BOOST_TEST(c.size() == 2u);
}

// The index is reserved for the bound up front and grows with set_max_size; what it grew
// out of is kept (readers may still be in it) and counted in memory_bytes().
BOOST_AUTO_TEST_CASE(growing_the_bound_keeps_every_entry_readable) {
    cache<std::uint64_t, std::uint64_t> c(cache_options{.max_size = 64, .shards = 1});
    const std::size_t small = c.memory_bytes();
    for (std::uint64_t k = 0; k < 64; ++k) c.put(k, k);
    c.set_max_size(4096);
    for (std::uint64_t k = 64; k < 4096; ++k) c.put(k, k * 2);
    std::size_t found = 0;
    for (std::uint64_t k = 0; k < 4096; ++k)
        if (auto v = c.get(k)) {
            BOOST_REQUIRE(*v == (k < 64 ? k : k * 2));
            ++found;
        }
    BOOST_TEST(found == c.size());
    BOOST_TEST(found >= 4000u);
    BOOST_TEST(c.memory_bytes() > small);
}

// Reserving the index for the bound at construction takes one step: no array on the way
// to that size is kept (with reads that skip the lock, arrays grown out of are kept).
// Against a locked twin filled to the same bound: the same memory within the read rings
// and the store's live bits (tens of KiB), where the kept arrays would add 1 MiB.
BOOST_AUTO_TEST_CASE(reserving_the_index_keeps_no_array_on_the_way) {
    constexpr std::size_t bound = 1 << 16;
    cache<std::uint64_t, std::uint64_t> a(cache_options{.max_size = bound, .shards = 1});
    cache<std::uint64_t, std::uint64_t, ev::w_tinylfu, ex::never, cp::locked_reads> b(cache_options{.max_size = bound, .shards = 1});
    static_assert(decltype(a)::optimistic_reads && !decltype(b)::optimistic_reads);
    for (std::uint64_t k = 0; k < bound; ++k) {
        a.put(k, k);
        b.put(k, k);
    }
    BOOST_TEST(a.size() == b.size());
    BOOST_TEST(a.memory_bytes() <= b.memory_bytes() + 64 * 1024);
}

// The default's locked mode (detail::read_buffer): on at the start (reads take the lock);
// a read that found the lock taken turns it off; read_buffer::lock_after drains in a row
// that found one thread's records alone turn it back on, and a drain that found another
// thread's records starts that count again. Every record is replayed once.
BOOST_AUTO_TEST_CASE(locked_mode_ends_when_a_read_finds_the_lock_taken_and_returns_when_one_thread_reads_alone) {
    using cistern::detail::read_buffer;
    read_buffer rb;
    rb.init();
    BOOST_TEST(rb.locked());
    rb.contended();
    BOOST_TEST(!rb.locked());
    std::vector<std::uint64_t> seen;
    std::uint64_t next = 0;
    const auto read_and_drain = [&] {
        rb.record(next++, true);
        rb.drain_as_drainer([&](std::uint64_t r) { seen.push_back(r); }, true);
    };
    for (std::uint32_t i = 1; i < read_buffer::lock_after; ++i) read_and_drain();
    BOOST_TEST(!rb.locked());
    // A record by a thread on another stripe (stripes are a power of two, at least 2, and
    // taken by thread number: one of the next two threads has the other parity).
    const std::uint32_t mine = cistern::detail::thread_stripe();
    bool other_recorded = false;
    for (int attempt = 0; attempt < 2 && !other_recorded; ++attempt)
        std::thread([&] {
            if (cistern::detail::thread_stripe() % 2 == mine % 2) return;
            rb.record(1000, true);
            other_recorded = true;
        }).join();
    BOOST_REQUIRE(other_recorded);
    read_and_drain(); // finds the other thread's record: not alone
    BOOST_TEST(!rb.locked());
    for (std::uint32_t i = 1; i < read_buffer::lock_after; ++i) read_and_drain();
    BOOST_TEST(!rb.locked());
    read_and_drain(); // the lock_after-th drain alone in a row
    BOOST_TEST(rb.locked());
    std::vector<std::uint64_t> expected(next);
    for (std::uint64_t r = 0; r < next; ++r) expected[r] = r;
    expected.push_back(1000);
    std::sort(seen.begin(), seen.end());
    BOOST_TEST(seen == expected, boost::test_tools::per_element());
    BOOST_TEST(rb.recorded() == next + 1);
}

// Grace periods (detail::read_buffer::enter / advance, the reclamation of guarded_reads):
// while a reader that entered before a removal is inside, the epoch does not reach the
// removal's epoch + 2 (what was filed then is not freed), whichever epoch parity it
// entered with and whether it is on this thread's stripe or another's; once it leaves,
// advance() reaches it.
BOOST_AUTO_TEST_CASE(a_grace_period_waits_for_every_reader_inside) {
    using cistern::detail::read_buffer;
    read_buffer rb;
    rb.init();
    for (int round = 0; round < 4; ++round) { // epochs of both parities
        {
            const auto inside = rb.enter();
            const std::uint64_t filed = rb.epoch();
            BOOST_TEST(rb.advance() < filed + 2);
            BOOST_TEST(rb.advance() < filed + 2);
        }
        const std::uint64_t filed = rb.epoch();
        BOOST_TEST(rb.advance() >= filed + 2);
        // A reader on another thread, inside while this one files and advances.
        std::atomic<int> step{0};
        std::thread reader([&] {
            const auto inside = rb.enter();
            step = 1;
            while (step.load() != 2) std::this_thread::yield();
        });
        while (step.load() != 1) std::this_thread::yield();
        const std::uint64_t filed2 = rb.epoch();
        BOOST_TEST(rb.advance() < filed2 + 2);
        step = 2;
        reader.join();
        BOOST_TEST(rb.advance() >= filed2 + 2);
        rb.advance(); // moves the parity on for the next round
        if (round % 2) rb.advance();
    }
}

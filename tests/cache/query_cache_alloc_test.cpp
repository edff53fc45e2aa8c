#define BOOST_TEST_MODULE cistern query cache hits allocate nothing
// A query_cache hit looks its key up by the statement text and the parameters where the
// caller has them (heterogeneous lookup) and allocates nothing, with and without an
// admission attached: this binary replaces the global operator new and counts the
// allocations the calling thread makes while it counts. A real SQLite file database, as
// in query_cache_test.
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_admission.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/value.hpp>

#include "statement_snapshot.hpp"
#include "support/temp_dir.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

thread_local bool counting = false;
thread_local std::uint64_t allocations = 0;

void* allocate(std::size_t n) {
    if (counting) ++allocations;
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void* allocate_aligned(std::size_t n, std::align_val_t a) {
    if (counting) ++allocations;
    const auto al = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
    throw std::bad_alloc();
}

/// The allocations `f()` makes on this thread.
template <class F>
std::uint64_t allocations_of(F&& f) {
    allocations = 0;
    counting = true;
    f();
    counting = false;
    return allocations;
}

} // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

constexpr const char* by_id = "SELECT name FROM users WHERE id = ?";
constexpr const char* by_name = "SELECT id FROM users WHERE name = ? AND id > ?";
const std::string long_name = "a name longer than any small-string buffer, 1"; // heap-allocated in a std::string

using pool_type = cistern::pool<cistern::sqlite::factory>;

struct fixture {
    cistern::test::temp_dir dir;
    pool_type pool{cistern::sqlite::factory(dir.file("alloc.db")), cistern::pool_options{.min_idle = 0, .max_size = 2}};
    cistern::query_cache<pool_type> qc{pool, cistern::cache_options{.max_weight = 1 << 20}, std::chrono::minutes(10)};
    fixture() {
        auto c = pool.acquire();
        c->execute_script("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
                          "INSERT INTO users VALUES (1, 'ada'), (2, 'bob');");
        c->execute("INSERT INTO users VALUES (3, ?)", long_name);
    }
    // Parameters held by the caller (made before anything is counted).
    const std::vector<cistern::value> two{std::int64_t{2}};
    const std::array<cistern::value, 2> named{cistern::value(long_name), cistern::value(std::int64_t{0})};
    // Hits of three statements, the parameters given as a braced list, a vector, an array
    // and a span; `n` rounds. Returns the rows seen (so that nothing is optimised away).
    std::size_t hits(int n) {
        std::size_t rows = 0;
        for (int i = 0; i < n; ++i) {
            rows += qc.query(by_id, {std::int64_t{1}})->size();
            rows += qc.query(by_id, two)->size();
            rows += qc.query(by_name, named)->size();
            rows += qc.query(by_name, std::span<const cistern::value>(named))->size();
        }
        return rows;
    }
    // 1,000 rounds of hits() with the three statements cached: checks that they allocated
    // nothing and were all hits; returns the stats from before them.
    cistern::cache_stats thousand_rounds_allocate_nothing() {
        const auto before = qc.stats();
        BOOST_TEST(before.loads == 3u);
        std::size_t rows = 0;
        const std::uint64_t n = allocations_of([&] { rows = hits(1000); });
        BOOST_TEST(n == 0u);
        BOOST_TEST(rows == 4000u);
        BOOST_TEST(qc.stats().hits - before.hits == 4000u); // every call was a hit
        return before;
    }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_hit_allocates_nothing, fixture) {
    BOOST_TEST(hits(1) == 4u); // the misses: each statement and parameters loaded once
    const auto before = thousand_rounds_allocate_nothing();
    BOOST_TEST(qc.stats().loads == before.loads);
}

// The counter sees the allocations of a miss (so that the test above can fail), and a
// miss's key is the same as a hit's: the next call of the same statement and parameters
// is a hit and allocates nothing.
BOOST_FIXTURE_TEST_CASE(a_miss_allocates_and_the_next_call_hits, fixture) {
    const std::uint64_t miss = allocations_of([&] { (void)qc.query(by_id, {std::int64_t{2}}); });
    BOOST_TEST(miss > 0u);
    const std::uint64_t hit = allocations_of([&] { (void)qc.query(by_id, {std::int64_t{2}}); });
    BOOST_TEST(hit == 0u);
    BOOST_TEST(qc.stats().hits == 1u);
    BOOST_TEST(qc.stats().loads == 1u);
}

// With an admission attached and the statements admitted, a hit also allocates nothing
// (the admission's lookup reads the text where it is, hashed once with the cache's key).
BOOST_FIXTURE_TEST_CASE(an_admitted_hit_allocates_nothing, fixture) {
    std::uint64_t calls = 0;
    auto source = [&] {
        cistern::monitor_snapshot s = cistern::test::statement_snapshot(by_id, calls, 5ms);
        s.statements.push_back(cistern::test::statement_snapshot(by_name, calls, 5ms).statements.front());
        return s;
    };
    cistern::query_admission_options o;
    o.admit_after = 1;
    o.advice.min_mean_latency = 1us;
    o.advice.min_calls_per_second = 0.5;
    o.advice.min_hit_ratio = 0.0;
    o.advice.assumed_distinct_entries = 4;
    const auto t0 = std::chrono::steady_clock::now();
    cistern::query_admission adm(source, o, t0);
    qc.set_admission(&adm);
    BOOST_TEST(hits(1) == 4u); // first sight of the texts: passed through
    BOOST_TEST(qc.size() == 0u);
    calls += 100;
    adm.evaluate(t0 + 1s);
    BOOST_TEST(adm.stats().admitted == 2u);
    BOOST_TEST(hits(1) == 4u); // admitted: loaded into the cache
    thousand_rounds_allocate_nothing();
    BOOST_TEST(adm.stats().served >= 4000u);
    qc.set_admission(nullptr);
}

// A query_cache hit against running the same statement on SQLite, same binary, same run:
// a primary-key lookup (`SELECT v FROM kv WHERE id = ?`, 10,000 rows, :memory:, through a
// one-connection pool) either served from a warm query_cache (every key cached) or run on
// the pooled connection. The hit includes hashing and comparing the key (statement text and
// parameters, read in place: no key is built on a hit) and copying the shared_ptr to the
// rows out.
// The miss path (query_cache_miss, and the second paired line) runs the same lookup through
// the query cache with the table invalidated before every call: building the key, finding
// the tables the statement reads, running it on the pooled connection, storing the rows,
// plus one invalidate() of a one-entry cache.
//
// With automatic admission (query_admission attached, the statement admitted): the same
// hit, plus the admission's lookup of the statement text and its served counter
// (query_cache_hit_admitted, third paired line: hit without admission against with); and a
// statement the admission does not admit, run uncached through the query cache against
// acquiring a lease and running it (query_cache_pass_through, fifth paired line).
//
// Scaling (sixth paired line): one warm query cache read by 1 thread and by 2.
//
// The control (fourth paired line): the same rows in a cistern::cache keyed by the id alone,
// with the query cache's policies, against the query cache's hit: what hashing and comparing
// a statement text and its parameters adds to a cache hit.
//
// Default: Google Benchmark cases. --paired[=rounds]: interleaved A/B rounds (paired.hpp),
// median throughputs and median ratio.
#include "hot_statement.hpp"
#include "paired.hpp"

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_admission.hpp>
#include <cistern/cache/cache.hpp>
#include <cistern/cache/expiry/per_entry.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {

constexpr const char* point_lookup = "SELECT v FROM kv WHERE id = ?";
constexpr std::int64_t table_rows = 10'000;

using pool_type = cistern::pool<cistern::sqlite::factory>;

// One connection, so that the :memory: database the table is made in is the one queried.
struct fixture {
    pool_type pool{cistern::sqlite::factory(":memory:"), cistern::pool_options{.min_idle = 1, .max_size = 1}};
    cistern::query_cache<pool_type> qc{pool, cistern::cache_options{.max_weight = 64 << 20}};
    fixture() {
        {
            auto c = pool.acquire();
            c->execute_script("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            c->execute_script("BEGIN");
            for (std::int64_t i = 0; i < table_rows; ++i)
                c->execute("INSERT INTO kv (id, v) VALUES (?, ?)", i, "value " + std::to_string(i));
            c->execute_script("COMMIT");
        }
        for (std::int64_t i = 0; i < table_rows; ++i) qc.query(point_lookup, {i}); // warm
    }
};

// The control for a hit: the same rows in a cistern::cache keyed by the id alone, with the
// query cache's policies (W-TinyLFU, per-entry expiry, weighed by the rows' bytes, 64 MiB):
// what the query cache's key (statement text and parameters: hashed, compared) adds.
struct id_cache_weigher {
    std::uint64_t operator()(const std::int64_t&, const std::shared_ptr<const cistern::row_set>& r) const noexcept {
        return sizeof(std::int64_t) + r->byte_size();
    }
};
struct id_fixture {
    using rows_ptr = std::shared_ptr<const cistern::row_set>;
    cistern::cache<std::int64_t, rows_ptr, cistern::eviction::w_tinylfu, cistern::expiry::per_entry,
                   cistern::cache_policy::with_weigher<id_cache_weigher>>
        c{cistern::cache_options{.max_weight = 64 << 20}};
    explicit id_fixture(fixture& f) {
        auto lease = f.pool.acquire();
        for (std::int64_t i = 0; i < table_rows; ++i) c.put(i, std::make_shared<const cistern::row_set>(lease->query(point_lookup, i)));
    }
};
void run_id_cached(id_fixture& f, std::uint64_t ops, std::int64_t& i) {
    for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(f.c.get(++i % table_rows));
}

// The fixture with an admission attached: `admit` says whether the point lookup is
// admitted (then the cache is warm) or not (every call passes through).
struct admission_fixture : fixture {
    cistern_bench::hot_statement source{point_lookup};
    cistern::query_admission adm{source, options()};
    explicit admission_fixture(bool admit) {
        qc.clear();
        qc.set_admission(&adm);
        if (admit) {
            adm.evaluate(std::chrono::steady_clock::now() + std::chrono::seconds(1));
            for (std::int64_t i = 0; i < table_rows; ++i) qc.query(point_lookup, {i}); // warm
        }
    }
    static cistern::query_admission_options options() {
        cistern::query_admission_options o;
        o.admit_after = 1;
        o.advice.assumed_distinct_entries = table_rows;
        o.advice.min_hit_ratio = 0.0;
        return o;
    }
};

void run_cached(fixture& f, std::uint64_t ops, std::int64_t& i) {
    for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(f.qc.query(point_lookup, {++i % table_rows}));
}
template <class Lease>
void run_direct(Lease& lease, std::uint64_t ops, std::int64_t& i) {
    for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(lease->query(point_lookup, ++i % table_rows));
}

void run_missed(fixture& f, std::uint64_t ops, std::int64_t& i) {
    for (std::uint64_t n = 0; n < ops; ++n) {
        f.qc.invalidate("kv");
        benchmark::DoNotOptimize(f.qc.query(point_lookup, {++i % table_rows}));
    }
}

void query_cache_miss(benchmark::State& state) {
    fixture f;
    std::int64_t i = 0;
    for (auto _ : state) run_missed(f, 1, i);
    state.SetItemsProcessed(state.iterations());
}

void query_cache_hit(benchmark::State& state) {
    fixture f;
    std::int64_t i = 0;
    for (auto _ : state) run_cached(f, 1, i);
    state.SetItemsProcessed(state.iterations());
    const auto st = f.qc.stats();
    if (st.misses != static_cast<std::uint64_t>(table_rows)) state.SkipWithError("a measured call missed");
}

void query_cache_hit_admitted(benchmark::State& state) {
    admission_fixture f(true);
    std::int64_t i = 0;
    for (auto _ : state) run_cached(f, 1, i);
    state.SetItemsProcessed(state.iterations());
    if (f.qc.stats().misses != 2 * static_cast<std::uint64_t>(table_rows)) state.SkipWithError("a measured call missed"); // warmed twice
}

void query_cache_pass_through(benchmark::State& state) {
    admission_fixture f(false);
    std::int64_t i = 0;
    for (auto _ : state) run_cached(f, 1, i);
    state.SetItemsProcessed(state.iterations());
    if (f.qc.size() != 0) state.SkipWithError("a measured call was cached");
}

void sqlite_direct(benchmark::State& state) {
    fixture f;
    auto lease = f.pool.acquire();
    std::int64_t i = 0;
    for (auto _ : state) run_direct(lease, 1, i);
    state.SetItemsProcessed(state.iterations());
}

int run_paired_suite(int rounds) {
    fixture f;
    std::int64_t ia = 0, ib = 0;
    auto a = [&](int, std::uint64_t ops) {
        auto lease = f.pool.acquire();
        run_direct(lease, ops, ia);
    };
    auto b = [&](int, std::uint64_t ops) { run_cached(f, ops, ib); };
    const auto r = cistern_bench::run_paired(rounds, 1, 100'000, a, b);
    cistern_bench::print_paired("sqlite/point_lookup", "direct", "query_cache_hit", r);
    if (f.qc.stats().misses != static_cast<std::uint64_t>(table_rows)) {
        std::fprintf(stderr, "a measured call missed the cache\n");
        return 1;
    }
    fixture g;
    std::int64_t ic = 0, id = 0;
    auto c = [&](int, std::uint64_t ops) {
        auto lease = g.pool.acquire();
        run_direct(lease, ops, ic);
    };
    auto d = [&](int, std::uint64_t ops) { run_missed(g, ops, id); };
    const auto m = cistern_bench::run_paired(rounds, 1, 20'000, c, d);
    cistern_bench::print_paired("sqlite/point_lookup", "direct", "query_cache_miss", m);

    fixture h;
    admission_fixture ha(true);
    std::int64_t ie = 0, iff = 0;
    auto e = [&](int, std::uint64_t ops) { run_cached(h, ops, ie); };
    auto ff = [&](int, std::uint64_t ops) { run_cached(ha, ops, iff); };
    const auto ad = cistern_bench::run_paired(rounds, 1, 100'000, e, ff);
    cistern_bench::print_paired("sqlite/point_lookup", "query_cache_hit", "query_cache_hit_admitted", ad);
    if (h.qc.stats().misses != static_cast<std::uint64_t>(table_rows) ||
        ha.qc.stats().misses != 2 * static_cast<std::uint64_t>(table_rows)) { // warmed twice
        std::fprintf(stderr, "a measured call missed the cache\n");
        return 1;
    }

    fixture q;
    id_fixture qi(q);
    std::int64_t ij = 0, ik = 0;
    auto j = [&](int, std::uint64_t ops) { run_id_cached(qi, ops, ij); };
    auto k = [&](int, std::uint64_t ops) { run_cached(q, ops, ik); };
    const auto ck = cistern_bench::run_paired(rounds, 1, 100'000, j, k);
    cistern_bench::print_paired("sqlite/point_lookup", "cache_by_id_hit", "query_cache_hit", ck);
    if (q.qc.stats().misses != static_cast<std::uint64_t>(table_rows) || qi.c.stats().misses != 0) {
        std::fprintf(stderr, "a measured call missed the cache\n");
        return 1;
    }

    admission_fixture p(false);
    std::int64_t ig = 0, ih = 0;
    auto g2 = [&](int, std::uint64_t ops) { // a lease per call, as the pass-through takes
        for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(p.pool.acquire()->query(point_lookup, ++ig % table_rows));
    };
    auto h2 = [&](int, std::uint64_t ops) { run_cached(p, ops, ih); };
    const auto pt = cistern_bench::run_paired(rounds, 1, 50'000, g2, h2);
    cistern_bench::print_paired("sqlite/point_lookup", "acquire+direct", "query_cache_pass_through", pt);
    if (p.qc.size() != 0) {
        std::fprintf(stderr, "a measured call was cached\n");
        return 1;
    }

    // Scaling: the same warm query cache read by 1 thread (A) and by 2 (B), each thread
    // from its own position in the keys.
    fixture sc;
    std::array<std::int64_t, 2> at{0, table_rows / 2};
    auto s1 = [&](int t, std::uint64_t ops) { run_cached(sc, ops, at[static_cast<std::size_t>(t)]); };
    const auto sr = cistern_bench::run_paired_threads(rounds, 1, 2, 100'000, s1, s1);
    cistern_bench::print_paired("sqlite/point_lookup/1_vs_2_threads", "query_cache_hit 1 thread", "query_cache_hit 2 threads", sr);
    if (sc.qc.stats().misses != static_cast<std::uint64_t>(table_rows)) {
        std::fprintf(stderr, "a measured call missed the cache\n");
        return 1;
    }
    return 0;
}

} // namespace

BENCHMARK(sqlite_direct);
BENCHMARK(query_cache_hit);
BENCHMARK(query_cache_miss);
BENCHMARK(query_cache_hit_admitted);
BENCHMARK(query_cache_pass_through);

int main(int argc, char** argv) { return cistern_bench::paired_or_benchmark_main(argc, argv, run_paired_suite); }

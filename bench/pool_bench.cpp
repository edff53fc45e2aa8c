// Pool benchmark: cistern::pool versus soci::connection_pool (sqlite3 backend), side by
// side in one binary and one run.
//
//   pool_bench [--benchmark_repetitions=N ...]   (Google Benchmark flags)
//   pool_bench --fairness-only                   (skip the Google Benchmark cases)
//
// Cases (Google Benchmark, acquire + release with no statement in between):
//   threads:1 with 2 connections; threads:2 with 2 connections; threads:2 with 1;
//   threads:4 with 2 connections.
// Then, outside Google Benchmark (which gives every thread the same iteration count):
//   fairness: 4 threads on 2 connections for 1 s, acquisitions of the busiest thread over
//   the least busy one; spike: 50 requests at once against a factory whose connect takes
//   150 ms, min_idle 5, max_size 50, 2 ms per query; pool size afterwards and total time.
#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/pool/pool.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace soci {
class connection_pool;
}
namespace soci_side { // pool_bench_soci.cpp
soci::connection_pool* make(std::size_t n);
void destroy(soci::connection_pool* p);
const void* acquire_release(soci::connection_pool* p);
} // namespace soci_side

namespace {

struct soci_deleter {
    void operator()(soci::connection_pool* p) const { soci_side::destroy(p); }
};
using soci_pool_ptr = std::unique_ptr<soci::connection_pool, soci_deleter>;

using sqlite_pool = cistern::pool<cistern::sqlite::factory, cistern::with_listener<cistern::null_listener>>;

std::unique_ptr<sqlite_pool> make_cistern(std::size_t n) {
    cistern::pool_options o;
    o.name = "bench";
    o.min_idle = n;
    o.max_size = n;
    o.acquire_timeout = 60s;
    auto p = std::make_unique<sqlite_pool>(cistern::sqlite::factory(":memory:"), o);
    while (p->stats().idle < n) std::this_thread::sleep_for(1ms);
    return p;
}

soci_pool_ptr make_soci(std::size_t n) { return soci_pool_ptr(soci_side::make(n)); }

struct pools {
    std::unique_ptr<sqlite_pool> cistern1 = make_cistern(1), cistern2 = make_cistern(2);
    soci_pool_ptr soci1 = make_soci(1), soci2 = make_soci(2);
};
pools* g = nullptr;

void cistern_acquire_release(benchmark::State& state, sqlite_pool* p) {
    for (auto _ : state) {
        auto l = p->acquire();
        benchmark::DoNotOptimize(&*l);
    }
    state.SetItemsProcessed(state.iterations());
}

void soci_acquire_release(benchmark::State& state, soci::connection_pool* p) {
    for (auto _ : state) benchmark::DoNotOptimize(soci_side::acquire_release(p));
    state.SetItemsProcessed(state.iterations());
}

void BM_cistern_2conn(benchmark::State& s) { cistern_acquire_release(s, g->cistern2.get()); }
void BM_soci_2conn(benchmark::State& s) { soci_acquire_release(s, g->soci2.get()); }
void BM_cistern_1conn(benchmark::State& s) { cistern_acquire_release(s, g->cistern1.get()); }
void BM_soci_1conn(benchmark::State& s) { soci_acquire_release(s, g->soci1.get()); }

BENCHMARK(BM_cistern_2conn)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_soci_2conn)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_cistern_1conn)->Threads(2)->UseRealTime();
BENCHMARK(BM_soci_1conn)->Threads(2)->UseRealTime();

template <class Acquire>
double fairness(Acquire acquire_release, int threads, std::chrono::milliseconds run) {
    std::vector<long> counts(threads, 0);
    std::atomic<bool> stop{false};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            long n = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                acquire_release();
                ++n;
            }
            counts[t] = n;
        });
    std::this_thread::sleep_for(run);
    stop = true;
    for (auto& t : ts) t.join();
    const auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
    long total = 0;
    std::printf("  per-thread acquisitions:");
    for (long c : counts) {
        std::printf(" %ld", c);
        total += c;
    }
    std::printf("  (total %.2f M/s)\n", static_cast<double>(total) / 1e6 /
                                             std::chrono::duration<double>(run).count());
    return *lo ? static_cast<double>(*hi) / static_cast<double>(*lo) : 1e9;
}

/// A SQLite factory whose connect takes 150 ms, as a remote database's might.
struct slow_factory {
    cistern::sqlite::factory inner{":memory:"};
    cistern::sqlite::connection create() {
        std::this_thread::sleep_for(150ms);
        return inner.create();
    }
    std::string describe() const { return "slow " + inner.describe(); }
};

void spike() {
    cistern::pool_options o;
    o.name = "spike";
    o.min_idle = 5;
    o.max_size = 50;
    o.acquire_timeout = 30s;
    o.max_concurrent_connects = 2;
    cistern::pool<slow_factory, cistern::with_listener<cistern::null_listener>> p(slow_factory{}, o);
    while (p.stats().idle < 5) std::this_thread::sleep_for(1ms);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    for (int i = 0; i < 50; ++i)
        ts.emplace_back([&] {
            auto l = p.acquire();
            l->query("SELECT 1");
            std::this_thread::sleep_for(2ms); // the query's time
        });
    for (auto& t : ts) t.join();
    const auto took = std::chrono::steady_clock::now() - t0;
    const auto right_after = p.stats();
    std::this_thread::sleep_for(400ms); // let connects already in flight land
    const auto settled = p.stats();
    std::printf("spike: 50 requests, connect 150 ms, query 2 ms, min_idle 5, max_size 50\n"
                "  all served in %.1f ms; pool size right after %zu (pending connects %zu), 400 ms later %zu; "
                "max wait %.1f ms\n",
                std::chrono::duration<double, std::milli>(took).count(), right_after.size, right_after.pending,
                settled.size, std::chrono::duration<double, std::milli>(settled.max_wait).count());
}

} // namespace

int main(int argc, char** argv) {
    bool fairness_only = false;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--fairness-only") == 0) fairness_only = true;
    pools all;
    g = &all;
    if (!fairness_only) {
        benchmark::Initialize(&argc, argv);
        benchmark::RunSpecifiedBenchmarks();
        benchmark::Shutdown();
    }
    std::printf("\nfairness: 4 threads, 2 connections, 1 s each (busiest / least busy thread)\n");
    const double fc = fairness([&] { auto l = all.cistern2->acquire(); benchmark::DoNotOptimize(&*l); }, 4, 1s);
    std::printf("  cistern: %.3f\n", fc);
    const double fs = fairness([&] { benchmark::DoNotOptimize(soci_side::acquire_release(all.soci2.get())); }, 4, 1s);
    std::printf("  soci:    %.3f\n", fs);
    // Google Benchmark gives each thread the same iteration count, so with more threads
    // than connections it can end up timing threads that take turns in long runs; this
    // measures 2 threads alternating on 1 connection for a fixed time instead.
    std::printf("\n2 threads, 1 connection, 1 s (throughput; busiest / least busy thread)\n");
    const double oc = fairness([&] { auto l = all.cistern1->acquire(); benchmark::DoNotOptimize(&*l); }, 2, 1s);
    std::printf("  cistern: %.3f\n", oc);
    const double os = fairness([&] { benchmark::DoNotOptimize(soci_side::acquire_release(all.soci1.get())); }, 2, 1s);
    std::printf("  soci:    %.3f\n\n", os);
    spike();
    g = nullptr;
    return 0;
}

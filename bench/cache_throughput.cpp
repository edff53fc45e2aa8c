// Throughput of cistern::cache against a classic std::mutex + std::list + std::unordered_map
// LRU in the same binary: Zipf(0.99) over 2^20 uint64 keys, capacity 2^16, read-only and
// 90 % reads, on 1 and 2 threads; read scaling (2 threads against 1) for uint64 and for
// std::string keys and values; read-through against tbb::concurrent_lru_cache (oneTBB,
// when built with it). Also: bytes per entry at 1M entries.
#include <cistern/cache/cache.hpp>
#include <cistern/cache/eviction/lru.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>
#include <cistern/cache/expiry/after_write.hpp>

#include "paired.hpp"

#include <benchmark/benchmark.h>

#include <malloc.h>

#if CISTERN_BENCH_TBB
#define TBB_PREVIEW_CONCURRENT_LRU_CACHE 1
#include <tbb/concurrent_lru_cache.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t key_space = 1u << 20, capacity = 1u << 16, trace_len = 1u << 22;

// Zipf(alpha) ranks over n keys, by inverse CDF; rank r maps to a scrambled key.
std::vector<std::uint64_t> zipf_trace(double alpha, std::uint64_t n, std::size_t len, std::uint32_t seed) {
    std::vector<double> cdf(n);
    double sum = 0;
    for (std::uint64_t i = 0; i < n; ++i) cdf[i] = (sum += 1.0 / std::pow(double(i + 1), alpha));
    for (auto& c : cdf) c /= sum;
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<std::uint64_t> out(len);
    for (auto& k : out) {
        const auto r = std::uint64_t(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
        k = cistern::detail::mix64(r + 1); // popular keys spread over the key range
    }
    return out;
}
const std::vector<std::uint64_t>& trace() {
    static const auto t = zipf_trace(0.99, key_space, trace_len, 42);
    return t;
}

// The peer: one mutex around a list and a hash map.
class mutex_lru {
public:
    explicit mutex_lru(std::size_t cap) : cap_(cap) { map_.reserve(cap * 2); }
    std::optional<std::uint64_t> get(std::uint64_t k) {
        std::lock_guard lock(mu_);
        auto it = map_.find(k);
        if (it == map_.end()) return std::nullopt;
        order_.splice(order_.end(), order_, it->second);
        return it->second->second;
    }
    void put(std::uint64_t k, std::uint64_t v) {
        std::lock_guard lock(mu_);
        if (auto it = map_.find(k); it != map_.end()) {
            it->second->second = v;
            order_.splice(order_.end(), order_, it->second);
            return;
        }
        order_.emplace_back(k, v);
        map_.emplace(k, std::prev(order_.end()));
        if (map_.size() > cap_) {
            map_.erase(order_.front().first);
            order_.pop_front();
        }
    }

private:
    std::mutex mu_;
    std::size_t cap_;
    std::list<std::pair<std::uint64_t, std::uint64_t>> order_;
    std::unordered_map<std::uint64_t, std::list<std::pair<std::uint64_t, std::uint64_t>>::iterator> map_;
};

using tinylfu_cache = cistern::cache<std::uint64_t, std::uint64_t, cistern::eviction::w_tinylfu, cistern::expiry::after_write>;
// The same with every read under the shard's lock (the read path before issue 17's).
using locked_tinylfu_cache = cistern::cache<std::uint64_t, std::uint64_t, cistern::eviction::w_tinylfu,
                                            cistern::expiry::after_write, cistern::cache_policy::locked_reads>;
// And with every read that may skip the lock skipping it, even a shard's only reader's.
using lock_free_tinylfu_cache = cistern::cache<std::uint64_t, std::uint64_t, cistern::eviction::w_tinylfu,
                                               cistern::expiry::after_write, cistern::cache_policy::lock_free_reads>;
static_assert(tinylfu_cache::sole_reader_locks && !lock_free_tinylfu_cache::sole_reader_locks &&
              lock_free_tinylfu_cache::optimistic_reads && !locked_tinylfu_cache::optimistic_reads);
using lru_cache = cistern::cache<std::uint64_t, std::uint64_t, cistern::eviction::lru>;

template <class C>
C& instance();
template <>
mutex_lru& instance<mutex_lru>() {
    static mutex_lru c(capacity);
    return c;
}
template <>
tinylfu_cache& instance<tinylfu_cache>() {
    static tinylfu_cache c(cistern::cache_options{.max_size = capacity, .record_stats = true},
                           cistern::expiry::after_write(1h));
    return c;
}
template <>
lru_cache& instance<lru_cache>() {
    static lru_cache c(cistern::cache_options{.max_size = capacity});
    return c;
}

template <class C>
void warm(C& c) {
    const auto& t = trace();
    for (std::size_t i = 0; i < t.size(); ++i) c.put(t[i], t[i]);
}

// read_percent: 100 = read-only, 90 = 90 % get / 10 % put.
template <class C, int ReadPercent>
void bm_cache(benchmark::State& state) {
    C& c = instance<C>();
    if (state.thread_index() == 0) {
        static bool warmed = false;
        if (!warmed) {
            warm(c);
            warmed = true;
        }
    }
    const auto& t = trace();
    std::size_t i = (trace_len / 4) * static_cast<std::size_t>(state.thread_index());
    std::uint64_t hits = 0;
    for (auto _ : state) {
        const std::uint64_t k = t[i++ & (trace_len - 1)];
        if (ReadPercent == 100 || (i % 10) != 0) {
            auto v = c.get(k);
            hits += v.has_value();
            benchmark::DoNotOptimize(v);
        } else {
            c.put(k, k);
        }
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["hit_ratio"] = benchmark::Counter(double(hits), benchmark::Counter::kAvgIterations);
}

} // namespace

BENCHMARK(bm_cache<mutex_lru, 100>)->Name("read_only/mutex_list_lru")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(bm_cache<tinylfu_cache, 100>)->Name("read_only/cistern_w_tinylfu_expiry_stats")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(bm_cache<lru_cache, 100>)->Name("read_only/cistern_lru")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(bm_cache<mutex_lru, 90>)->Name("read_90/mutex_list_lru")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(bm_cache<tinylfu_cache, 90>)->Name("read_90/cistern_w_tinylfu_expiry_stats")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(bm_cache<lru_cache, 90>)->Name("read_90/cistern_lru")->Threads(1)->Threads(2)->UseRealTime();

// Stats on versus off, single thread, w_tinylfu without expiry.
template <bool Stats>
void bm_stats(benchmark::State& state) {
    static cistern::cache<std::uint64_t, std::uint64_t> c(cistern::cache_options{.max_size = capacity, .record_stats = Stats});
    static bool warmed = false;
    if (!warmed) {
        warm(c);
        warmed = true;
    }
    const auto& t = trace();
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(c.get(t[i++ & (trace_len - 1)]));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_stats<true>)->Name("read_only/cistern_w_tinylfu_stats_on");
BENCHMARK(bm_stats<false>)->Name("read_only/cistern_w_tinylfu_stats_off");

// Bytes per entry beyond the 16 bytes of key and value, at 1M entries: heap growth
// (mallinfo2: heap plus mmapped blocks) divided by the entry count.
std::size_t heap_bytes() {
    const auto m = mallinfo2();
    return m.uordblks + m.hblkhd;
}
template <class C, std::size_t Shards = 16>
void bm_memory(benchmark::State& state) {
    constexpr std::uint64_t n = 1u << 20;
    double per_entry = 0;
    for (auto _ : state) {
        const auto before = heap_bytes();
        auto c = std::make_unique<C>(cistern::cache_options{.max_size = n, .shards = Shards});
        for (std::uint64_t k = 0; k < n; ++k) c->put(k, k);
        const auto after = heap_bytes();
        per_entry = double(after - before) / double(c->size()) - 16.0;
        benchmark::DoNotOptimize(c);
    }
    state.counters["bytes_per_entry_overhead"] = per_entry;
}
BENCHMARK(bm_memory<cistern::cache<std::uint64_t, std::uint64_t, cistern::eviction::w_tinylfu>>)
    ->Name("memory_1M/cistern_w_tinylfu")->Iterations(1)->Unit(benchmark::kMillisecond);
// The default with the default sharding too (0: 64 shards of 16 384 on a 2-thread
// machine; one sampler for all of them), and the previous default (the hill climber).
BENCHMARK(bm_memory<cistern::cache<std::uint64_t, std::uint64_t, cistern::eviction::w_tinylfu>, 0>)
    ->Name("memory_1M/cistern_w_tinylfu_default_shards")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_memory<cistern::cache<std::uint64_t, std::uint64_t, cistern::eviction::w_tinylfu_hill>>)
    ->Name("memory_1M/cistern_w_tinylfu_hill")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_memory<cistern::cache<std::uint64_t, std::uint64_t, cistern::eviction::lru>>)
    ->Name("memory_1M/cistern_lru")->Iterations(1)->Unit(benchmark::kMillisecond);

void bm_memory_peer(benchmark::State& state) {
    constexpr std::uint64_t n = 1u << 20;
    double per_entry = 0;
    for (auto _ : state) {
        const auto before = heap_bytes();
        auto c = std::make_unique<mutex_lru>(n);
        for (std::uint64_t k = 0; k < n; ++k) c->put(k, k);
        per_entry = double(heap_bytes() - before) / double(n) - 16.0;
        benchmark::DoNotOptimize(c);
    }
    state.counters["bytes_per_entry_overhead"] = per_entry;
}
BENCHMARK(bm_memory_peer)->Name("memory_1M/mutex_list_lru")->Iterations(1)->Unit(benchmark::kMillisecond);

// --paired: the targets of issue 4 as interleaved A/B rounds (see paired.hpp), which a
// noisy machine disturbs far less than back-to-back Google Benchmark runs.
namespace {

// A contender: its own instance and its own position in the trace per thread.
template <class C>
struct contender {
    C& cache;
    int read_percent;
    std::size_t pos[8] = {};
    void operator()(int t, std::uint64_t ops) {
        const auto& tr = trace();
        std::size_t i = pos[t] ? pos[t] : (trace_len / 4) * static_cast<std::size_t>(t);
        std::uint64_t hits = 0;
        for (std::uint64_t n = 0; n < ops; ++n) {
            const std::uint64_t k = tr[i++ & (trace_len - 1)];
            if (read_percent == 100 || (i % 10) != 0) {
                auto v = cache.get(k);
                hits += v.has_value();
                benchmark::DoNotOptimize(v);
            } else {
                cache.put(k, k);
            }
        }
        pos[t] = i;
        benchmark::DoNotOptimize(hits);
    }
};

// The scaling control: the keys a warm cache holds in an open-addressing array of keys and
// values, probed linearly; read-only, so it shows what two cores give on this access
// pattern when nothing is shared but memory.
struct probe_table {
    std::vector<std::uint64_t> keys, values;
    std::uint64_t mask;
    explicit probe_table(tinylfu_cache& c) : keys(capacity * 2, 0), values(capacity * 2, 0), mask(capacity * 2 - 1) {
        for (std::uint64_t k : trace()) {
            if (!c.contains(k) || k == 0) continue;
            std::uint64_t i = (k >> 32) & mask;
            while (keys[i] != 0 && keys[i] != k) i = (i + 1) & mask;
            keys[i] = k;
            values[i] = k;
        }
    }
    std::optional<std::uint64_t> get(std::uint64_t k) const {
        if (k == 0) return std::nullopt; // 0 marks an empty slot: never stored
        for (std::uint64_t i = (k >> 32) & mask;; i = (i + 1) & mask) {
            if (keys[i] == k) return values[i];
            if (keys[i] == 0) return std::nullopt;
        }
    }
    void put(std::uint64_t, std::uint64_t) const {}
};

// std::string keys and values (16 hex digits each: beyond the small-string buffer, so a
// copy allocates as real keys do), the same Zipf trace by rank.
using string_cache = cistern::cache<std::string, std::string, cistern::eviction::w_tinylfu, cistern::expiry::after_write>;
// The same with every read under the shard's lock (strings before guarded reads).
using locked_string_cache = cistern::cache<std::string, std::string, cistern::eviction::w_tinylfu,
                                           cistern::expiry::after_write, cistern::cache_policy::locked_reads>;
static_assert(string_cache::guarded_reads && !locked_string_cache::optimistic_reads);
const std::vector<std::string>& string_keys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> k(key_space);
        char buf[32];
        for (std::uint64_t i = 0; i < key_space; ++i) {
            std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(cistern::detail::mix64(i + 1)));
            k[i] = buf;
        }
        return k;
    }();
    return keys;
}
template <class C = string_cache>
struct string_contender {
    C& cache;
    std::size_t pos[8] = {};
    void operator()(int t, std::uint64_t ops) {
        const auto& tr = trace();
        const auto& keys = string_keys();
        std::size_t i = pos[t] ? pos[t] : (trace_len / 4) * static_cast<std::size_t>(t);
        for (std::uint64_t n = 0; n < ops; ++n) {
            auto v = cache.get(keys[tr[i++ & (trace_len - 1)] & (key_space - 1)]);
            benchmark::DoNotOptimize(v);
        }
        pos[t] = i;
    }
};

// Eight hot std::string keys read over and over (a few very hot keys: their shards' lock
// and policy lines are what two cores would share with locked reads).
template <class C>
struct hot_string_contender {
    C& cache;
    void operator()(int, std::uint64_t ops) {
        const auto& keys = string_keys();
        for (std::uint64_t n = 0; n < ops; ++n) {
            auto v = cache.get(keys[n & 7]);
            benchmark::DoNotOptimize(v);
        }
    }
};

// Read-through (a miss loads and stores the key): cistern's get_or_load against
// tbb::concurrent_lru_cache's operator[], which loads through its value function.
thread_local std::uint64_t read_through_loads = 0;
std::uint64_t load_value(std::uint64_t k) {
    ++read_through_loads;
    return k;
}
template <class Lookup>
struct read_through_contender {
    Lookup lookup;
    std::size_t pos[8] = {};
    std::uint64_t requests = 0, loads = 0; // thread 0's, for the hit ratio
    void operator()(int t, std::uint64_t ops) {
        const auto& tr = trace();
        std::size_t i = pos[t] ? pos[t] : (trace_len / 4) * static_cast<std::size_t>(t);
        const std::uint64_t loads_before = read_through_loads;
        for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(lookup(tr[i++ & (trace_len - 1)]));
        pos[t] = i;
        if (t == 0) {
            requests += ops;
            loads += read_through_loads - loads_before;
        }
    }
    double hit_ratio() const { return requests ? 1.0 - double(loads) / double(requests) : 0; }
};

std::string paired_only; // --paired-only=climber_cost
using hill_cache = cistern::cache<std::uint64_t, std::uint64_t, cistern::eviction::w_tinylfu_hill, cistern::expiry::after_write>;

int run_paired_suite(int rounds) {
    using cistern_bench::print_paired;
    using cistern_bench::run_paired;
    using cistern_bench::run_paired_threads;
    constexpr std::uint64_t ops = 200'000;
    // The window climber's cost on reads: the same configuration with the previous
    // default, the hill climber (A), and the default sampled climber (B), 1 thread.
    // A and B: two policies in the same configuration (after_write(1h)), warmed, read-only.
    auto compare_policies = [&]<class A, class B>(std::type_identity<A>, std::type_identity<B>, int n, const char* label,
                                                 const char* a_name, const char* b_name) {
        static A x(cistern::cache_options{.max_size = capacity}, cistern::expiry::after_write(1h));
        static B y(cistern::cache_options{.max_size = capacity}, cistern::expiry::after_write(1h));
        warm(x);
        warm(y);
        contender<A> a{x, 100};
        contender<B> b{y, 100};
        print_paired(label, a_name, b_name, run_paired(n, 1, ops, a, b));
    };
    compare_policies(std::type_identity<hill_cache>{}, std::type_identity<tinylfu_cache>{}, rounds,
                     "climber_cost/read_only/threads:1", "w_tinylfu_hill (previous default)", "w_tinylfu (default)");
    if (paired_only == "climber_cost") {
        // The same with other sampler configurations (mini cache target size), to choose the default's.
        using variant_cache = cistern::cache<
            std::uint64_t, std::uint64_t,
            cistern::eviction::basic_w_tinylfu<cistern::detail::basic_sampled_window_climber<cistern::detail::basic_window_sampler<512, 16>>>,
            cistern::expiry::after_write>;
        compare_policies(std::type_identity<hill_cache>{}, std::type_identity<variant_cache>{}, rounds,
                         "climber_cost/read_only/threads:1/mini_512", "w_tinylfu_hill", "sampler with 512-entry mini caches");
        return 0;
    }
    // Read scaling: the same cistern instance on 1 thread (A) and on 2 threads (B).
    {
        // A warm instance on 1 thread (A) and on 2 threads (B).
        const auto scaling = [&](auto& c, const std::string& name, const std::string& who) {
            warm(c);
            contender<std::remove_reference_t<decltype(c)>> one{c, 100}, two{c, 100};
            print_paired("scaling/read_only/" + name + "/1_vs_2_threads", who + " 1 thread", who + " 2 threads",
                         run_paired_threads(rounds, 1, 2, ops, one, two));
        };
        auto& ours = instance<tinylfu_cache>();
        scaling(ours, "uint64", "cistern");
        // The same configuration with locked reads and with every read through the rings:
        // their scaling, and each read path against the default on 1 and on 2 threads.
        static locked_tinylfu_cache locked(cistern::cache_options{.max_size = capacity, .record_stats = true},
                                           cistern::expiry::after_write(1h));
        scaling(locked, "uint64_locked_reads", "locked");
        static lock_free_tinylfu_cache lock_free(cistern::cache_options{.max_size = capacity, .record_stats = true},
                                                 cistern::expiry::after_write(1h));
        scaling(lock_free, "uint64_lock_free_reads", "lock_free");
        for (int threads : {1, 2}) {
            contender<locked_tinylfu_cache> l{locked, 100};
            contender<tinylfu_cache> o{ours, 100};
            print_paired("read_path/read_only/threads:" + std::to_string(threads), "locked_reads", "multi_threaded (default)",
                         run_paired(rounds, threads, ops, l, o));
            contender<lock_free_tinylfu_cache> f{lock_free, 100};
            contender<tinylfu_cache> o2{ours, 100};
            print_paired("read_path/read_only/threads:" + std::to_string(threads), "lock_free_reads", "multi_threaded (default)",
                         run_paired(rounds, threads, ops, f, o2));
        }
        // Control: the machine's own scaling for this access pattern, a plain lookup of the
        // cached keys in an open-addressing array that nothing writes (no lock, no policy).
        static const probe_table probe(ours);
        contender<const probe_table> pa{probe, 100}, pb{probe, 100};
        print_paired("scaling/control/lock_free_probe/1_vs_2_threads", "probe 1 thread", "probe 2 threads",
                     run_paired_threads(rounds, 1, 2, ops, pa, pb));
        static string_cache strings(cistern::cache_options{.max_size = capacity}, cistern::expiry::after_write(1h));
        const auto& keys = string_keys();
        for (std::uint64_t k : trace()) strings.put(keys[k & (key_space - 1)], keys[k & (key_space - 1)]);
        string_contender<> sa{strings}, sb{strings};
        print_paired("scaling/read_only/string/1_vs_2_threads", "cistern 1 thread", "cistern 2 threads",
                     run_paired_threads(rounds, 1, 2, ops, sa, sb));
        // Strings read under the lock, against the default (guarded reads without the lock
        // while a shard's lock is contended), on 1 and 2 threads.
        static locked_string_cache locked_strings(cistern::cache_options{.max_size = capacity}, cistern::expiry::after_write(1h));
        for (std::uint64_t k : trace()) locked_strings.put(keys[k & (key_space - 1)], keys[k & (key_space - 1)]);
        string_contender<locked_string_cache> la{locked_strings}, lb{locked_strings};
        print_paired("scaling/read_only/string_locked_reads/1_vs_2_threads", "locked 1 thread", "locked 2 threads",
                     run_paired_threads(rounds, 1, 2, ops, la, lb));
        for (int threads : {1, 2}) {
            string_contender<locked_string_cache> l{locked_strings};
            string_contender<> o{strings};
            print_paired("read_path/read_only/string/threads:" + std::to_string(threads), "locked_reads",
                         "multi_threaded (default)", run_paired(rounds, threads, ops, l, o));
            hot_string_contender<locked_string_cache> hl{locked_strings};
            hot_string_contender<string_cache> ho{strings};
            print_paired("read_path/read_only/string_8_hot_keys/threads:" + std::to_string(threads), "locked_reads",
                         "multi_threaded (default)", run_paired(rounds, threads, ops, hl, ho));
        }
    }
#if CISTERN_BENCH_TBB
    // The oneTBB peer, read-through on the same trace, 1 and 2 threads.
    for (int threads : {1, 2}) {
        tbb::concurrent_lru_cache<std::uint64_t, std::uint64_t> peer(&load_value, capacity);
        cistern::cache<std::uint64_t, std::uint64_t> ours(cistern::cache_options{.max_size = capacity});
        auto tbb_lookup = [&peer](std::uint64_t k) { return peer[k].value(); };
        auto our_lookup = [&ours](std::uint64_t k) { return ours.get_or_load(k, load_value); };
        read_through_contender<decltype(tbb_lookup)> a{tbb_lookup};
        read_through_contender<decltype(our_lookup)> b{our_lookup};
        for (std::uint64_t k : trace()) { // warm both
            tbb_lookup(k);
            our_lookup(k);
        }
        const auto r = run_paired(rounds, threads, ops, a, b);
        print_paired("read_through/threads:" + std::to_string(threads), "tbb_concurrent_lru_cache", "cistern get_or_load", r);
        std::printf("  hit ratio (thread 0, timed slices): tbb %.4f, cistern %.4f\n", a.hit_ratio(), b.hit_ratio());
    }
#endif
    auto& peer = instance<mutex_lru>();
    auto& ours = instance<tinylfu_cache>();
    warm(peer);
    warm(ours);
    for (int read_percent : {100, 90}) {
        for (int threads : {1, 2}) {
            contender<mutex_lru> a{peer, read_percent};
            contender<tinylfu_cache> b{ours, read_percent};
            print_paired((read_percent == 100 ? "read_only/threads:" : "read_90/threads:") + std::to_string(threads),
                         "mutex_list_lru", "cistern_w_tinylfu_expiry_stats", run_paired(rounds, threads, ops, a, b));
        }
    }
    // Statistics on versus off: the same configuration (w_tinylfu, after_write, 1 thread).
    static tinylfu_cache off(cistern::cache_options{.max_size = capacity, .record_stats = false},
                             cistern::expiry::after_write(1h));
    static tinylfu_cache on(cistern::cache_options{.max_size = capacity, .record_stats = true},
                            cistern::expiry::after_write(1h));
    warm(off);
    warm(on);
    contender<tinylfu_cache> a{off, 100}, b{on, 100};
    print_paired("stats_cost/read_only/threads:1", "stats_off", "stats_on", run_paired(rounds, 1, ops, a, b));
    // Control (A/A): a second stats-off instance against the first. Two instances differ
    // in where their memory landed; this ratio is that bias, to read the one above by.
    static tinylfu_cache off2(cistern::cache_options{.max_size = capacity, .record_stats = false},
                              cistern::expiry::after_write(1h));
    warm(off2);
    contender<tinylfu_cache> a2{off, 100}, b2{off2, 100};
    print_paired("control/read_only/threads:1", "stats_off", "stats_off_2nd_instance", run_paired(rounds, 1, ops, a2, b2));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    // --paired-only=climber_cost: only the first paired line (with --paired=N).
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], "--paired-only=", 14) == 0) {
            paired_only = argv[i] + 14;
            for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
            --argc;
            break;
        }
    return cistern_bench::paired_or_benchmark_main(argc, argv, run_paired_suite);
}

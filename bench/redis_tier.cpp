// Redis tier benchmark on a throwaway PostgreSQL and redis-server (loopback TCP):
//   1. database: primary-key SELECT through cistern::pool (8 connections),
//   2. L2 hit: the same row from Redis (tier::fetch of the key with one tag + row_set decode,
//      what tiered_cache does on an L1 miss that Redis answers),
//   3. L1 hit, paired: cistern::cache::get_or_load vs tiered_cache::get_or_load on keys in memory,
//   4. invalidation propagation: invalidate_tag() on instance A until B's subscriber has
//      dropped B's entries (1,000 invalidations, one at a time).
// 8 client threads for 1-3; p50/p99 latency and throughput.
//
//   redis_tier_bench [seconds-per-case] [paired-rounds]   (defaults 3, 15)
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/cache/cache.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/redis/row_set_codec.hpp>
#include <cistern/redis/string_codec.hpp>
#include <cistern/redis/tier.hpp>
#include <cistern/redis/tiered_cache.hpp>

#include "latency_run.hpp"
#include "paired.hpp"
#include "support/postgres_server.hpp"
#include "support/redis_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int threads = 8;
constexpr long rows = 100'000;
constexpr long l2_keys = 10'000;

using result = cistern_bench::latency_result;

template <class Op>
result run(Op op, long key_space, std::chrono::duration<double> length) {
    return cistern_bench::run_for(op, threads, key_space, length);
}

void print(const char* name, const result& r) {
    std::printf("%-34s %10.0f ops/s   p50 %8.1f us   p99 %8.1f us\n", name, r.ops_per_s, r.p50_us, r.p99_us);
    std::fflush(stdout);
}

cistern::redis::tier_options tier_opts(const cistern::test::redis_server& rs) {
    cistern::redis::tier_options o;
    o.redis.port = static_cast<std::uint16_t>(rs.port());
    o.redis.password = cistern::test::redis_server::password;
    o.redis.key_prefix = "bench:";
    o.pool_size = threads;
    return o;
}

} // namespace

int main(int argc, char** argv) try {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
    const std::chrono::duration<double> length(seconds);
    cistern::test::postgres_server pg(60);
    cistern::test::redis_server rs;
    {
        auto c = cistern::postgres::factory(pg.conninfo()).create();
        c.execute_script("CREATE TABLE bench_kv(id bigint PRIMARY KEY, v bigint NOT NULL, name text NOT NULL);"
                         "INSERT INTO bench_kv SELECT i, i * 7, 'name-' || i FROM generate_series(1, 100000) i; ANALYZE bench_kv;");
    }
    std::printf("redis_tier_bench: %d threads, primary-key SELECT (3 columns) on %ld rows, %.1f s per case\n", threads, rows,
                seconds);
    const char* sql = "SELECT id, v, name FROM bench_kv WHERE id = $1";

    cistern::pool_options po;
    po.name = "bench";
    po.min_idle = threads;
    po.max_size = threads;
    cistern::pool<cistern::postgres::factory, cistern::with_listener<cistern::null_listener>> pool(
        cistern::postgres::factory(pg.conninfo()), po);
    while (pool.stats().idle < static_cast<std::size_t>(threads)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const result db = run([&](long id) { (void)pool.acquire()->query(sql, id); }, rows, length);
    print("database (pooled, prepared)", db);

    // L2: write l2_keys rows into Redis as tiered_cache stores them, then read them back.
    cistern::redis::tier tier(tier_opts(rs));
    const cistern::redis::row_set_codec codec;
    const std::vector<std::string> tags{"bench_kv"};
    for (long id = 1; id <= l2_keys; ++id) {
        const auto key = "rows:" + std::to_string(id);
        auto l = tier.fetch(key, tags, codec.version);
        std::string bytes;
        codec.encode(pool.acquire()->query(sql, id), bytes);
        tier.store(key, codec.version, bytes, l, std::chrono::minutes(10));
    }
    std::atomic<long> bad{0};
    const result l2 = run(
        [&](long id) {
            auto l = tier.fetch("rows:" + std::to_string(id), tags, codec.version);
            if (l.status != cistern::redis::lookup_status::hit || !codec.decode(l.payload)) ++bad;
        },
        l2_keys, length);
    print("L2 hit (Redis GET+PTTL+MGET, decode)", l2);
    std::printf("  L2 hit vs database: throughput %.2fx, p50 %.2fx faster, p99 %.2fx faster%s\n", l2.ops_per_s / db.ops_per_s,
                db.p50_us / l2.p50_us, db.p99_us / l2.p99_us, bad ? "  (SOME L2 READS MISSED)" : "");

    // L1 hit, paired: the same in-memory cache alone and behind the tier.
    using plain_t = cistern::cache<long, std::string, cistern::eviction::w_tinylfu, cistern::expiry::per_entry>;
    plain_t plain(cistern::cache_options{.max_size = 4096}, cistern::expiry::per_entry(std::chrono::minutes(10)));
    cistern::redis::tiered_cache<long, std::string, cistern::redis::string_codec> tiered(
        tier, "l1", cistern::cache_options{.max_size = 4096}, std::chrono::minutes(10));
    constexpr long hot = 1024;
    for (long k = 0; k < hot; ++k) {
        (void)plain.get_or_load(k, [&] { return std::to_string(k * 7); });
        (void)tiered.get_or_load(k, [&] { return std::to_string(k * 7); });
    }
    auto l1 = [&](auto& c) {
        return [&](int t, std::uint64_t ops) {
            std::uint64_t x = static_cast<std::uint64_t>(t) * 0x9e3779b97f4a7c15ULL + 1;
            for (std::uint64_t i = 0; i < ops; ++i) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                const long k = static_cast<long>((x >> 33) % hot);
                benchmark::DoNotOptimize(c.get_or_load(k, [&] { return std::string("miss"); }));
            }
        };
    };
    auto r = cistern_bench::run_paired(rounds, threads, 200'000, l1(plain), l1(tiered));
    cistern_bench::print_paired("L1 hit get_or_load, 8 threads", "cistern::cache", "redis::tiered_cache", r);

    // Propagation: A invalidates, B's subscriber drops the entry.
    cistern::redis::tier ta(tier_opts(rs)), tb(tier_opts(rs));
    while (!ta.subscribed() || !tb.subscribed()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::mutex mu;
    std::condition_variable cv;
    std::string seen;
    tb.attach({[&](const std::string& tag) {
                   std::lock_guard lk(mu);
                   seen = tag;
                   cv.notify_all();
               },
               [] {}});
    std::vector<double> prop;
    for (int i = 0; i < 1000; ++i) {
        const std::string tag = "t" + std::to_string(i);
        const auto a = std::chrono::steady_clock::now();
        ta.invalidate(tag);
        std::unique_lock lk(mu);
        if (!cv.wait_for(lk, std::chrono::seconds(5), [&] { return seen == tag; })) {
            std::printf("propagation: message %d not seen within 5 s\n", i);
            continue;
        }
        prop.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(prop.begin(), prop.end());
    std::printf("invalidation propagation A -> B     %zu of 1000 seen   p50 %8.1f us   p99 %8.1f us   max %8.1f us\n",
                prop.size(), cistern_bench::quantile(prop, 0.5), cistern_bench::quantile(prop, 0.99), prop.empty() ? 0.0 : prop.back());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "redis_tier_bench: %s\n", e.what());
    return 1;
}

// PostgreSQL benchmark on a local throwaway server (or $CISTERN_BENCH_PG_URL): 8 client
// threads run primary-key SELECTs on a 100k-row table for a fixed time, through
//   1. cistern::pool (8 connections, prepared statements),
//   2. soci::connection_pool with soci's postgresql backend (8 sessions),
//   3. a new cistern::postgres::connection per query (no pool).
// Prints throughput and p50/p99 latency of each, and the ratios.
//
//   postgres_bench [seconds-per-case]   (default 3)
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/pool/pool.hpp>

#include "latency_run.hpp"
#include "support/postgres_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace soci {
class connection_pool;
}
namespace soci_pg { // postgres_bench_soci.cpp
soci::connection_pool* make(std::size_t n, const std::string& conninfo);
void destroy(soci::connection_pool* p);
long lookup(soci::connection_pool* p, long id);
} // namespace soci_pg

namespace {

constexpr int threads = 8;
constexpr long rows = 100'000;

using result = cistern_bench::latency_result;

template <class Op>
result run(Op op, std::chrono::duration<double> length) {
    return cistern_bench::run_for(op, threads, rows, length);
}

void print(const char* name, const result& r) {
    std::printf("  %-34s %10.0f queries/s   p50 %8.1f us   p99 %8.1f us\n", name, r.ops_per_s, r.p50_us, r.p99_us);
}

} // namespace

int main(int argc, char** argv) try {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    const std::chrono::duration<double> length(seconds);
    std::optional<cistern::test::postgres_server> local;
    std::string conninfo;
    if (const char* url = std::getenv("CISTERN_BENCH_PG_URL"); url && *url) {
        conninfo = url;
    } else {
        local.emplace(60);
        conninfo = local->conninfo();
    }
    {
        auto c = cistern::postgres::factory(conninfo).create();
        c.execute_script("DROP TABLE IF EXISTS bench_kv; CREATE TABLE bench_kv(id bigint PRIMARY KEY, v bigint NOT NULL);"
                         "INSERT INTO bench_kv SELECT i, i * 7 FROM generate_series(1, 100000) i; ANALYZE bench_kv;");
    }
    std::printf("postgres_bench: %d threads, primary-key SELECT on %ld rows, %.1f s per case\n", threads, rows, seconds);

    cistern::pool_options o;
    o.name = "bench";
    o.min_idle = threads;
    o.max_size = threads;
    cistern::pool<cistern::postgres::factory, cistern::with_listener<cistern::null_listener>> pool(
        cistern::postgres::factory(conninfo), o);
    while (pool.stats().idle < static_cast<std::size_t>(threads)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto pooled = run([&](long id) { pool.acquire()->query("SELECT v FROM bench_kv WHERE id = $1", id); }, length);
    print("cistern::pool (8 connections)", pooled);

    auto* sp = soci_pg::make(threads, conninfo);
    const auto soci = run([&](long id) { soci_pg::lookup(sp, id); }, length);
    soci_pg::destroy(sp);
    print("soci::connection_pool (8 sessions)", soci);

    cistern::postgres::factory f(conninfo);
    const auto unpooled = run([&](long id) { f.create().query("SELECT v FROM bench_kv WHERE id = $1", id); }, length);
    print("new connection per query", unpooled);

    std::printf("  pooled / unpooled throughput: %.1fx;  cistern / soci throughput: %.2fx\n",
                pooled.ops_per_s / unpooled.ops_per_s, pooled.ops_per_s / soci.ops_per_s);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "postgres_bench: %s\n", e.what());
    return 1;
}

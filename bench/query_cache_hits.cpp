// Driver for counting instructions per query_cache hit (valgrind --tool=callgrind), without
// and with automatic admission: N hits of `SELECT v FROM kv WHERE id = ?` on 1,024 keys of
// a warm query cache over SQLite :memory:, admission off (plain) or attached with the
// statement admitted (admitted). Run with N and with 0 and subtract: the difference / N is
// the cost of one hit, the same on every run.
//
//   valgrind --tool=callgrind query_cache_hits_bench plain|admitted N
#include "hot_statement.hpp"

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_admission.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr const char* point_lookup = "SELECT v FROM kv WHERE id = ?";
using pool_type = cistern::pool<cistern::sqlite::factory>;

template <class Q>
[[gnu::noinline]] std::size_t hits(Q& qc, long n) {
    std::size_t s = 0;
    std::uint64_t x = 1;
    for (long i = 0; i < n; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        const auto k = static_cast<std::int64_t>((x >> 33) % 1024);
        s += qc.query(point_lookup, {k})->size();
    }
    return s;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "plain") != 0 && std::strcmp(argv[1], "admitted") != 0)) {
        std::fprintf(stderr, "usage: query_cache_hits_bench plain|admitted N\n");
        return 2;
    }
    const bool admitted = std::strcmp(argv[1], "admitted") == 0;
    const long n = std::atol(argv[2]);
    pool_type pool(cistern::sqlite::factory(":memory:"), cistern::pool_options{.min_idle = 1, .max_size = 1});
    {
        auto c = pool.acquire();
        c->execute_script("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
        for (std::int64_t i = 0; i < 1024; ++i) c->execute("INSERT INTO kv (id, v) VALUES (?, ?)", i, "value " + std::to_string(i));
    }
    cistern_bench::hot_statement source{point_lookup};
    cistern::query_admission_options o;
    o.admit_after = 1;
    o.advice.assumed_distinct_entries = 1024;
    const auto t0 = std::chrono::steady_clock::now();
    cistern::query_admission adm(source, o, t0);
    cistern::query_cache<pool_type> qc(pool, cistern::cache_options{.max_weight = 64 << 20});
    if (admitted) {
        qc.set_admission(&adm);
        adm.evaluate(t0 + std::chrono::seconds(1));
        if (adm.stats().admitted != 1) {
            std::fprintf(stderr, "the lookup was not admitted\n");
            return 1;
        }
    }
    for (std::int64_t k = 0; k < 1024; ++k) (void)qc.query(point_lookup, {k}); // warm
    const std::size_t rows = hits(qc, n);
    if (qc.stats().misses != 1024) {
        std::fprintf(stderr, "a measured call missed\n");
        return 1;
    }
    std::printf("%zu\n", rows);
    return 0;
}

// What sqlite::change_watcher costs, paired rounds (paired.hpp), same binary, same run:
//  1. a primary-key lookup on a connection without a write feed (sqlite::connection made
//     directly) against one made by sqlite::factory (update hook installed, the change
//     count compared after each statement), with a hook-only watcher subscribed;
//  2. an autocommit one-row UPDATE on the same two connections (the factory's reports its
//     table to the watcher's `changed`, here a counter);
//  3. query_cache hits (warm, SQLite file, one-connection pool) without a watcher against
//     hits while a watcher polls PRAGMA data_version every 1 ms on its own thread (made at
//     the start of each B slice: its thread start is in B's time);
//  4. the time of one poll: PRAGMA data_version on a WAL file connection.
// Each connection in 1 and 2 has its own :memory: database with the same 10,000 rows.
// Usage: bench_sqlite_change_watcher [--paired=rounds] (default 15).
#include "paired.hpp"

#include <cistern/adapter/sqlite/change_watcher.hpp>
#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace {

constexpr std::int64_t rows = 10'000;
constexpr const char* lookup = "SELECT v FROM kv WHERE id = ?";
constexpr const char* update = "UPDATE kv SET v = v + 1 WHERE id = ?";

void fill(cistern::sqlite::connection& c) {
    c.execute_script("CREATE TABLE kv (id INTEGER PRIMARY KEY, v INTEGER NOT NULL); BEGIN");
    for (std::int64_t i = 0; i < rows; ++i) c.execute("INSERT INTO kv VALUES (?, ?)", i, i);
    c.execute_script("COMMIT");
}

int run(int rounds) {
    using namespace std::chrono_literals;
    cistern::sqlite::connection plain(":memory:", cistern::sqlite::options{});
    cistern::sqlite::factory f(":memory:");
    cistern::sqlite::connection hooked = f.create();
    fill(plain);
    fill(hooked);
    std::atomic<std::uint64_t> reported{0};
    cistern::sqlite::change_watcher hook_only(f, {[&](std::string_view) { reported.fetch_add(1, std::memory_order_relaxed); }, {}},
                                              {.data_version_interval = 0ms});
    std::int64_t ia = 0, ib = 0;
    auto read_a = [&](int, std::uint64_t ops) {
        for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(plain.query(lookup, ++ia % rows));
    };
    auto read_b = [&](int, std::uint64_t ops) {
        for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(hooked.query(lookup, ++ib % rows));
    };
    cistern_bench::print_paired("sqlite/point_lookup", "no write feed", "factory conn + hook-only watcher",
                                cistern_bench::run_paired(rounds, 1, 100'000, read_a, read_b));
    auto write_a = [&](int, std::uint64_t ops) {
        for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(plain.execute(update, ++ia % rows));
    };
    auto write_b = [&](int, std::uint64_t ops) {
        for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(hooked.execute(update, ++ib % rows));
    };
    reported = 0;
    cistern_bench::print_paired("sqlite/autocommit_update", "no write feed", "factory conn + hook-only watcher",
                                cistern_bench::run_paired(rounds, 1, 50'000, write_a, write_b));
    if (reported.load() == 0) {
        std::fprintf(stderr, "the watcher heard no write\n");
        return 1;
    }

    std::string dir = (std::filesystem::temp_directory_path() / "cistern-bench-XXXXXX").string();
    if (!::mkdtemp(dir.data())) return 1;
    {
        using pool_type = cistern::pool<cistern::sqlite::factory>;
        pool_type pool(cistern::sqlite::factory(dir + "/w.db"), cistern::pool_options{.min_idle = 1, .max_size = 1});
        fill(*pool.acquire());
        cistern::query_cache<pool_type> qc(pool, cistern::cache_options{.max_weight = 64 << 20});
        for (std::int64_t i = 0; i < rows; ++i) qc.query(lookup, {i});
        std::optional<cistern::sqlite::change_watcher> polling;
        std::uint64_t polls = 0;
        auto hits_a = [&](int, std::uint64_t ops) {
            for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(qc.query(lookup, {++ia % rows}));
        };
        auto hits_b = [&](int, std::uint64_t ops) {
            polling.emplace(pool.factory(), cistern::sqlite::table_change_handlers{[](std::string_view) {}, [] {}},
                            cistern::sqlite::change_watcher_options{.data_version_interval = 1ms});
            for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(qc.query(lookup, {++ib % rows}));
            polls += polling->polls();
            polling.reset();
        };
        cistern_bench::print_paired("sqlite/query_cache_hit", "no watcher", "watcher polling every 1 ms",
                                    cistern_bench::run_paired(rounds, 1, 200'000, hits_a, hits_b));
        std::printf("polls during B slices: %llu; misses %llu (the warm-up's %lld)\n", static_cast<unsigned long long>(polls),
                    static_cast<unsigned long long>(qc.stats().misses), static_cast<long long>(rows));
        if (qc.stats().misses != static_cast<std::uint64_t>(rows)) return 1;
        // What one poll costs: PRAGMA data_version on a connection of the file (WAL).
        cistern::sqlite::factory own = pool.factory();
        auto c = own.create();
        constexpr int reads = 20'000;
        const auto t0 = std::chrono::steady_clock::now();
        for (int n = 0; n < reads; ++n) benchmark::DoNotOptimize(c.query("PRAGMA data_version"));
        const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / reads;
        std::printf("PRAGMA data_version through sqlite::connection::query, WAL file: %.2f us per read (mean of %d)\n", us, reads);
    }
    std::filesystem::remove_all(dir);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    int rounds = 15;
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]).starts_with("--paired=")) rounds = std::atoi(argv[i] + 9);
    return run(rounds);
}

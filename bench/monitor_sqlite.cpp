// Throughput of trivial SQLite queries on a plain cistern::sqlite::connection and on
// monitored<sqlite::connection> recording into a cistern::monitor, same binary, same run:
// `SELECT ?` (one row back, the cheapest statement there is) and a primary-key lookup in a
// 10,000-row table, both on :memory:. The difference is the monitor's overhead: two
// steady_clock reads plus one record().
//
// Default: Google Benchmark cases. --paired[=rounds]: interleaved A/B rounds (paired.hpp),
// median throughputs and median ratio, which a noisy machine disturbs far less.
#include "paired.hpp"

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

namespace {

constexpr const char* select_param = "SELECT ?";
constexpr const char* point_lookup = "SELECT v FROM kv WHERE id = ?";
constexpr std::int64_t table_rows = 10'000;

cistern::sqlite::connection open_db() {
    auto c = cistern::sqlite::factory(":memory:").create();
    c.execute_script("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    c.execute_script("BEGIN");
    for (std::int64_t i = 0; i < table_rows; ++i) c.execute("INSERT INTO kv (id, v) VALUES (?, ?)", i, "value " + std::to_string(i));
    c.execute_script("COMMIT");
    return c;
}

cistern::monitor_options bench_options() {
    cistern::monitor_options o;
    o.flush_on_shutdown = false;
    return o;
}

template <class Conn>
void run(Conn& c, const char* sql, std::uint64_t ops, std::int64_t& i) {
    for (std::uint64_t n = 0; n < ops; ++n) benchmark::DoNotOptimize(c.query(sql, ++i % table_rows));
}

void sqlite_plain(benchmark::State& state, const char* sql) {
    auto c = open_db();
    std::int64_t i = 0;
    for (auto _ : state) run(c, sql, 1, i);
    state.SetItemsProcessed(state.iterations());
}

void sqlite_monitored(benchmark::State& state, const char* sql) {
    cistern::monitor<> mon(bench_options());
    cistern::monitored<cistern::sqlite::connection> c(open_db(), mon);
    std::int64_t i = 0;
    for (auto _ : state) run(c, sql, 1, i);
    state.SetItemsProcessed(state.iterations());
    if (mon.snapshot().calls != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("calls not recorded");
}

int run_paired_suite(int rounds) {
    cistern::monitor<> mon(bench_options());
    auto plain = open_db();
    cistern::monitored<cistern::sqlite::connection> watched(open_db(), mon);
    std::uint64_t recorded = 0;
    for (const char* sql : {select_param, point_lookup}) {
        std::int64_t ia = 0, ib = 0;
        auto a = [&](int, std::uint64_t ops) { run(plain, sql, ops, ia); };
        auto b = [&](int, std::uint64_t ops) {
            run(watched, sql, ops, ib);
            recorded += ops;
        };
        const auto r = cistern_bench::run_paired(rounds, 1, 100'000, a, b);
        cistern_bench::print_paired(std::string("sqlite/") + sql, "plain", "monitored", r);
    }
    if (mon.snapshot().calls != recorded) {
        std::fprintf(stderr, "monitor lost statements\n");
        return 1;
    }
    return 0;
}

} // namespace

BENCHMARK_CAPTURE(sqlite_plain, select_param, select_param);
BENCHMARK_CAPTURE(sqlite_monitored, select_param, select_param);
BENCHMARK_CAPTURE(sqlite_plain, point_lookup, point_lookup);
BENCHMARK_CAPTURE(sqlite_monitored, point_lookup, point_lookup);

int main(int argc, char** argv) { return cistern_bench::paired_or_benchmark_main(argc, argv, run_paired_suite); }

// Throughput of a trivial SQLite query (`SELECT ?` on :memory:, one row back) on a plain
// cistern::sqlite::connection and on monitored<sqlite::connection> recording into a
// cistern::monitor, same binary, same run. The difference is the monitor's overhead on
// the cheapest statement there is.
#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>

namespace {

constexpr const char* sql = "SELECT ?";

void sqlite_plain(benchmark::State& state) {
    auto c = cistern::sqlite::factory(":memory:").create();
    std::int64_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(c.query(sql, ++i));
    state.SetItemsProcessed(state.iterations());
}

void sqlite_monitored(benchmark::State& state) {
    cistern::monitor_options o;
    o.flush_on_shutdown = false;
    cistern::monitor<> mon(o);
    cistern::monitored<cistern::sqlite::connection> c(cistern::sqlite::factory(":memory:").create(), mon);
    std::int64_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(c.query(sql, ++i));
    state.SetItemsProcessed(state.iterations());
    if (mon.snapshot().calls != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("calls not recorded");
}

} // namespace

BENCHMARK(sqlite_plain);
BENCHMARK(sqlite_monitored);

BENCHMARK_MAIN();

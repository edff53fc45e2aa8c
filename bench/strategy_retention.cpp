// Retention of one month out of 1M rows spread over the 12 months of 2024:
//   partitioned  - the strategy's retention plan: drop the expired partition (PostgreSQL:
//                  detach + drop; SQLite: drop the period table and rebuild view + trigger);
//   delete       - one table with an index on the time column: DELETE the month;
//   delete_vacuum- the same DELETE followed by VACUUM, which is what gets the space back.
// The data is rebuilt (untimed) before every measured run. Run:
//   build/strategy/bench/bench_strategy_retention --benchmark_repetitions=3
#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/strategy/partition/sqlite_table_per_period.hpp>
#ifdef CISTERN_BENCH_POSTGRES
#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/strategy/partition/postgres_range_by_time.hpp>
#include <support/postgres_server.hpp>
#endif

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

namespace sp = cistern::strategy::partition;
using namespace std::chrono;

namespace {

constexpr std::int64_t total_rows = 1'000'000;
const sys_seconds year_start{sys_days{2024y / January / 1}};
const sys_seconds year_end{sys_days{2025y / January / 1}};
const std::int64_t step_seconds = (year_end - year_start).count() / total_rows; // ~31 s between rows
const sys_seconds retention_now = sys_seconds{sys_days{2024y / February / 1}} + days{30}; // cutoff = 2024-02-01

std::string db_path() {
    static const std::string p = (std::filesystem::temp_directory_path() / ("cistern_bench_retention_" + std::to_string(::getpid()) + ".db")).string();
    return p;
}

cistern::sqlite::connection fresh_sqlite() {
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path() + suffix);
    cistern::sqlite::options o;
    o.journal_mode = "WAL";
    return cistern::sqlite::connection(db_path(), o);
}

sp::table_per_period_options sqlite_options() {
    sp::table_per_period_options o;
    o.table = "events";
    o.time_column = "ts";
    o.columns = {{"id", "INTEGER NOT NULL"}, {"ts", "TEXT NOT NULL"}, {"payload", "TEXT"}};
    o.every = sp::period::monthly;
    o.premake = 11;
    o.retention = days{30};
    o.indexes = {{"ts"}};
    return o;
}

// Rows i in [0, total): ts = 2024-01-01 + i * step, as ISO text; inserted into `table`
// (restricted to [lo, hi) rows when partitioned).
std::string sqlite_fill(const std::string& table, std::int64_t lo, std::int64_t hi) {
    return "WITH RECURSIVE n(i) AS (SELECT " + std::to_string(lo) + " UNION ALL SELECT i + 1 FROM n WHERE i + 1 < " + std::to_string(hi) +
           ") INSERT INTO \"" + table + "\" (id, ts, payload) SELECT i, datetime('2024-01-01', '+' || (i * " + std::to_string(step_seconds) +
           ") || ' seconds'), printf('payload %08d with some text to give rows a realistic width', i) FROM n";
}

// First row index whose ts is at or after t (clamped to the data set).
std::int64_t row_index_at(sys_seconds t) {
    const auto s = (t - year_start).count();
    return std::min<std::int64_t>(total_rows, s / step_seconds + (s % step_seconds ? 1 : 0));
}

void sqlite_partitioned(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto c = fresh_sqlite();
        sp::sqlite_table_per_period s(sqlite_options());
        s.create(c, year_start).apply(c);
        c.execute("BEGIN");
        for (int m = 0; m < 12; ++m) {
            const auto start = sp::period_add(sys_days{2024y / January / 1}, sp::period::monthly, m);
            const auto end = sp::period_add(start, sp::period::monthly, 1);
            c.execute_script(sqlite_fill(s.partition_name(start), row_index_at(sys_seconds{start}), row_index_at(sys_seconds{end})));
        }
        c.execute("COMMIT");
        state.ResumeTiming();
        auto p = s.retention(c, retention_now);
        p.apply(c);
        state.PauseTiming();
        state.counters["rows_left"] = static_cast<double>(c.query("SELECT count(*) FROM events").scalar<std::int64_t>());
        state.ResumeTiming();
    }
}

void sqlite_delete(benchmark::State& state, bool vacuum) {
    for (auto _ : state) {
        state.PauseTiming();
        auto c = fresh_sqlite();
        c.execute("CREATE TABLE events (id INTEGER NOT NULL, ts TEXT NOT NULL, payload TEXT)");
        c.execute("BEGIN");
        c.execute_script(sqlite_fill("events", 0, total_rows));
        c.execute("COMMIT");
        c.execute("CREATE INDEX events_ts ON events (ts)");
        state.ResumeTiming();
        c.execute("DELETE FROM events WHERE ts < '2024-02-01 00:00:00'");
        if (vacuum) c.execute("VACUUM");
        state.PauseTiming();
        state.counters["rows_left"] = static_cast<double>(c.query("SELECT count(*) FROM events").scalar<std::int64_t>());
        state.ResumeTiming();
    }
}

#ifdef CISTERN_BENCH_POSTGRES
cistern::test::postgres_server& pg_server() {
    static cistern::test::postgres_server server;
    return server;
}

cistern::postgres::connection pg_connect() { return cistern::postgres::factory(pg_server().conninfo()).create(); }

std::string pg_fill(const std::string& table) {
    return "INSERT INTO " + table + " (id, ts, payload) SELECT i, timestamptz '2024-01-01 00:00:00+00' + i * interval '" +
           std::to_string(step_seconds) + " seconds', 'payload ' || lpad(i::text, 8, '0') || ' with some text to give rows a realistic width' "
           "FROM generate_series(0, " + std::to_string(total_rows - 1) + ") AS i";
}

void pg_partitioned(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto c = pg_connect();
        c.execute("DROP TABLE IF EXISTS events CASCADE");
        sp::range_by_time_options o;
        o.table = "events";
        o.column = "ts";
        o.columns = {{"id", "bigint NOT NULL"}, {"ts", "timestamptz NOT NULL"}, {"payload", "text"}};
        o.premake = 11;
        o.retention = days{30};
        o.indexes = {{"ts"}};
        sp::range_by_time s(o);
        s.create(c, year_start).apply(c);
        c.execute(pg_fill("events"));
        c.execute("VACUUM ANALYZE events");
        state.ResumeTiming();
        s.retention(c, retention_now).apply(c);
        state.PauseTiming();
        state.counters["rows_left"] = static_cast<double>(c.query("SELECT count(*) FROM events").scalar<std::int64_t>());
        state.ResumeTiming();
    }
}

void pg_delete(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto c = pg_connect();
        c.execute("DROP TABLE IF EXISTS events CASCADE");
        c.execute("CREATE TABLE events (id bigint NOT NULL, ts timestamptz NOT NULL, payload text)");
        c.execute(pg_fill("events"));
        c.execute("CREATE INDEX events_ts ON events (ts)");
        c.execute("VACUUM ANALYZE events");
        state.ResumeTiming();
        c.execute("DELETE FROM events WHERE ts < timestamptz '2024-02-01 00:00:00+00'");
        c.execute("VACUUM events");
        state.PauseTiming();
        state.counters["rows_left"] = static_cast<double>(c.query("SELECT count(*) FROM events").scalar<std::int64_t>());
        state.ResumeTiming();
    }
}
#endif

} // namespace

BENCHMARK(sqlite_partitioned)->Name("retention/sqlite/drop_partition")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(sqlite_delete, plain, false)->Name("retention/sqlite/delete")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(sqlite_delete, vacuum, true)->Name("retention/sqlite/delete_vacuum")->Iterations(1)->Unit(benchmark::kMillisecond);
#ifdef CISTERN_BENCH_POSTGRES
BENCHMARK(pg_partitioned)->Name("retention/postgres/detach_drop_partition")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_delete)->Name("retention/postgres/delete_vacuum")->Iterations(1)->Unit(benchmark::kMillisecond);
#endif

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path() + suffix);
    return 0;
}

// Recording one statement into cistern::monitor, including both steady_clock reads (the
// cost an instrumented statement pays), on 1 and 2 threads into one shared monitor.
// Beside it, in the same binary: the two clock reads alone (the floor), and a classic
// recorder (std::mutex + std::unordered_map<std::string, counters>, no histogram, no
// fingerprint) as the naive peer.
#include <cistern/monitor/monitor.hpp>

#include "paired.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

// Eight statement texts, as an application issues them (two of them share a fingerprint).
constexpr std::array<std::string_view, 8> texts{
    "SELECT id, name, email FROM users WHERE id = ?",
    "SELECT id, name, email FROM users WHERE id = 42",
    "UPDATE users SET last_seen = ? WHERE id = ?",
    "INSERT INTO events (user_id, kind, payload) VALUES (?, ?, ?)",
    "SELECT count(*) FROM orders WHERE user_id = ? AND status = 'open'",
    "DELETE FROM sessions WHERE expires_at < ?",
    "SELECT o.id, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE u.id = ?",
    "SELECT value FROM settings WHERE key = ?",
};

cistern::monitor<>& shared_monitor() {
    static cistern::monitor<> m([] {
        cistern::monitor_options o;
        o.flush_on_shutdown = false;
        return o;
    }());
    return m;
}

struct naive_recorder {
    struct counters {
        std::uint64_t calls = 0, errors = 0, rows = 0, total_ns = 0;
    };
    std::mutex mu;
    std::unordered_map<std::string, counters> by_text;
    void record(std::string_view sql, std::chrono::nanoseconds d, std::uint64_t rows, bool ok) {
        std::lock_guard lk(mu);
        auto it = by_text.find(std::string(sql));
        if (it == by_text.end()) it = by_text.emplace(std::string(sql), counters{}).first;
        auto& c = it->second;
        ++c.calls;
        c.errors += ok ? 0 : 1;
        c.rows += rows;
        c.total_ns += static_cast<std::uint64_t>(d.count());
    }
};

naive_recorder& shared_naive() {
    static naive_recorder r;
    return r;
}

void clock_reads_only(benchmark::State& state) {
    std::size_t i = static_cast<std::size_t>(state.thread_index());
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto t1 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(t1 - t0);
        benchmark::DoNotOptimize(texts[++i & 7]);
    }
}

template <class Recorder>
void record_with(benchmark::State& state, Recorder& rec) {
    std::size_t i = static_cast<std::size_t>(state.thread_index());
    for (auto _ : state) {
        const auto sql = texts[++i & 7];
        const auto t0 = std::chrono::steady_clock::now();
        const auto t1 = std::chrono::steady_clock::now();
        rec.record(sql, t1 - t0, 1, true);
    }
}

// record(sql, start, end): the form scoped_timer uses; the two clock reads time the
// statement and date it in the rolling window.
void monitor_record(benchmark::State& state) {
    auto& m = shared_monitor();
    if (state.thread_index() == 0)
        for (auto t : texts) m.record(t, std::chrono::nanoseconds(1), 0, true);  // texts already seen
    std::size_t i = static_cast<std::size_t>(state.thread_index());
    for (auto _ : state) {
        const auto sql = texts[++i & 7];
        const auto t0 = std::chrono::steady_clock::now();
        const auto t1 = std::chrono::steady_clock::now();
        m.record(sql, t0, t1, 1, true);
    }
}

// record(sql, duration): the StatementRecorder form (monitored<C> uses it); the monitor
// reads coarse_steady_clock once more to date the statement.
void monitor_record_duration(benchmark::State& state) {
    auto& m = shared_monitor();
    if (state.thread_index() == 0)
        for (auto t : texts) m.record(t, std::chrono::nanoseconds(1), 0, true);
    record_with(state, m);
}

void monitor_scoped_timer(benchmark::State& state) {
    auto& m = shared_monitor();
    std::size_t i = static_cast<std::size_t>(state.thread_index());
    for (auto _ : state) {
        auto t = m.time(texts[++i & 7]);
        t.rows(1);
    }
}

void naive_mutex_map_record(benchmark::State& state) { record_with(state, shared_naive()); }

} // namespace

BENCHMARK(clock_reads_only)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(monitor_record)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(monitor_record_duration)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(monitor_scoped_timer)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(naive_mutex_map_record)->Threads(1)->Threads(2)->UseRealTime();

namespace {
// record(sql, start, end) into a monitor without history (A) and one with it (B): the
// history is rolled by the ticker thread off the recording path; `interval` 10 s is the
// default, 100 ms makes the ticker read the counters often while the slices run.
int run_paired_suite(int rounds) {
    auto make = [](std::chrono::milliseconds interval) {
        cistern::monitor_options o;
        o.flush_on_shutdown = false;
        o.history_interval = interval;
        return std::make_unique<cistern::monitor<>>(o);
    };
    for (auto interval : {std::chrono::milliseconds(10'000), std::chrono::milliseconds(100)}) {
        for (int threads : {1, 2}) {
            auto off = make(std::chrono::milliseconds(0));
            auto on = make(interval);
            auto body = [](cistern::monitor<>& m) {
                return [&m](int t, std::uint64_t ops) {
                    std::size_t i = static_cast<std::size_t>(t);
                    for (std::uint64_t k = 0; k < ops; ++k) {
                        const auto sql = texts[++i & 7];
                        const auto t0 = std::chrono::steady_clock::now();
                        const auto t1 = std::chrono::steady_clock::now();
                        m.record(sql, t0, t1, 1, true);
                    }
                };
            };
            auto a = body(*off);
            auto b = body(*on);
            cistern_bench::print_paired("monitor_record/history_interval:" + std::to_string(interval.count()) +
                                            "ms/threads:" + std::to_string(threads),
                                        "history_off", "history_on",
                                        cistern_bench::run_paired(rounds, threads, 2'000'000, a, b));
        }
    }
    return 0;
}
} // namespace

int main(int argc, char** argv) { return cistern_bench::paired_or_benchmark_main(argc, argv, run_paired_suite); }

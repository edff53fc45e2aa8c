#pragma once
// A/B comparison that survives a noisy, shared machine: the two contenders run in short
// alternating slices (A B B A per round, so a linear drift in machine speed cancels),
// each slice on `threads` threads released together, and the result is the median over
// rounds of each side's throughput and of the per-round ratio B/A. A steal of the CPU
// by another process hits one round, not one contender.
//
// Usage: run_paired(rounds, threads, ops_per_thread, a, b) where a and b are callables
// `void(int thread_index, std::uint64_t ops)` doing `ops` operations; they keep their own
// state (trace positions, instances) between slices.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace cistern_bench {

struct paired_result {
    std::vector<double> a_mops, b_mops, ratio; // per round: A and B in million ops/s, B/A
};

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Million operations per second of one slice of `f` on `threads` threads.
template <class F>
double slice_mops(int threads, std::uint64_t ops, F& f) {
    std::latch ready(threads), go(1);
    std::vector<std::thread> ts;
    ts.reserve(static_cast<std::size_t>(threads));
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            ready.count_down();
            go.wait();
            f(t, ops);
        });
    ready.wait();
    const auto t0 = std::chrono::steady_clock::now();
    go.count_down();
    for (auto& t : ts) t.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return static_cast<double>(ops) * threads / secs / 1e6;
}

// A on `threads_a` threads and B on `threads_b` (1 against 2: the ratio B/A is then the
// scaling of B's total throughput).
template <class FA, class FB>
paired_result run_paired_threads(int rounds, int threads_a, int threads_b, std::uint64_t ops_per_thread, FA&& a, FB&& b) {
    paired_result r;
    slice_mops(threads_a, ops_per_thread / 4 + 1, a);
    slice_mops(threads_b, ops_per_thread / 4 + 1, b);
    for (int i = 0; i < rounds; ++i) {
        const double a1 = slice_mops(threads_a, ops_per_thread, a);
        const double b1 = slice_mops(threads_b, ops_per_thread, b);
        const double b2 = slice_mops(threads_b, ops_per_thread, b);
        const double a2 = slice_mops(threads_a, ops_per_thread, a);
        r.a_mops.push_back((a1 + a2) / 2);
        r.b_mops.push_back((b1 + b2) / 2);
        r.ratio.push_back((b1 + b2) / (a1 + a2));
    }
    return r;
}

// The contenders on the same number of threads.
template <class FA, class FB>
paired_result run_paired(int rounds, int threads, std::uint64_t ops_per_thread, FA&& a, FB&& b) {
    return run_paired_threads(rounds, threads, threads, ops_per_thread, a, b);
}

// One line: "<label>  A <median> Mops/s  B <median> Mops/s  B/A median <x> (min <y>, max <z>)".
inline void print_paired(const std::string& label, const std::string& a_name, const std::string& b_name,
                         const paired_result& r) {
    std::printf("%-44s %-22s %8.2f Mops/s | %-34s %8.2f Mops/s | ratio median %.2fx (min %.2f, max %.2f, %zu rounds)\n",
                label.c_str(), a_name.c_str(), median(r.a_mops), b_name.c_str(), median(r.b_mops), median(r.ratio),
                *std::min_element(r.ratio.begin(), r.ratio.end()), *std::max_element(r.ratio.begin(), r.ratio.end()),
                r.ratio.size());
    std::fflush(stdout);
}

// main() of a benchmark with a paired suite: `--paired[=rounds]` (default 15) runs
// `suite(rounds)`; anything else runs the Google Benchmark cases.
template <class Suite>
int paired_or_benchmark_main(int argc, char** argv, Suite&& suite) {
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], "--paired", 8) == 0) return suite(argv[i][8] == '=' ? std::atoi(argv[i] + 9) : 15);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

} // namespace cistern_bench

#pragma once
// Benchmark support: `threads` callers run `op(key)` with uniform random keys in
// [1, key_space] for `length`; returns throughput and p50/p99 latency of one call.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <random>
#include <thread>
#include <vector>

namespace cistern_bench {

struct latency_result {
    double ops_per_s, p50_us, p99_us;
};

/// The q-quantile (0..1) of sorted values, 0 when there are none.
inline double quantile(const std::vector<double>& sorted, double q) {
    return sorted.empty() ? 0.0
                          : sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())))];
}

template <class Op>
latency_result run_for(Op op, int threads, long key_space, std::chrono::duration<double> length) {
    std::vector<std::vector<double>> lat(static_cast<std::size_t>(threads));
    std::atomic<bool> stop{false};
    std::vector<std::thread> ts;
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            std::mt19937_64 rng(static_cast<std::uint64_t>(t + 1));
            std::uniform_int_distribution<long> key(1, key_space);
            while (!stop.load(std::memory_order_relaxed)) {
                const auto a = std::chrono::steady_clock::now();
                op(key(rng));
                lat[static_cast<std::size_t>(t)].push_back(
                    std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
            }
        });
    std::this_thread::sleep_for(length);
    stop = true;
    for (auto& t : ts) t.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> all;
    for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    return {static_cast<double>(all.size()) / secs, quantile(all, 0.50), quantile(all, 0.99)};
}

} // namespace cistern_bench

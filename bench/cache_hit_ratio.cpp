// Trace replay: hit ratios of every cistern eviction policy beside Belady's optimum
// (computed offline) on synthetic traces, at several cache sizes; or on a trace file.
//
//   bench_cache_hit_ratio                      synthetic traces, sizes 1000 and 10000
//   bench_cache_hit_ratio --sizes 500,5000     other sizes
//   bench_cache_hit_ratio --trace FILE [--sizes ...]   one key per line (numbers or any text)
//
// Each cache has one shard, so the policy sees the whole trace. A request that misses
// is followed by a put of the key (read-through).
#include <cistern/cache/cache.hpp>
#include <cistern/cache/eviction/fifo.hpp>
#include <cistern/cache/eviction/lfu.hpp>
#include <cistern/cache/eviction/lru.hpp>
#include <cistern/cache/eviction/s3fifo.hpp>
#include <cistern/cache/eviction/sieve.hpp>
#include <cistern/cache/eviction/slru.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ev = cistern::eviction;
using trace_t = std::vector<std::uint64_t>;

namespace {

template <class Policy>
double replay(const trace_t& t, std::size_t size) {
    cistern::cache<std::uint64_t, std::uint64_t, Policy, cistern::expiry::never, cistern::cache_policy::single_threaded> c(
        cistern::cache_options{.max_size = size});
    std::uint64_t hits = 0;
    for (std::uint64_t k : t) {
        if (c.get(k)) ++hits;
        else c.put(k, k);
    }
    return double(hits) / double(t.size());
}

// Belady's MIN: on a miss with a full cache, evict the cached key used farthest ahead.
double belady(const trace_t& t, std::size_t size) {
    const std::size_t n = t.size();
    std::vector<std::size_t> next(n);
    std::unordered_map<std::uint64_t, std::size_t> last;
    for (std::size_t i = n; i-- > 0;) {
        auto it = last.find(t[i]);
        next[i] = it == last.end() ? std::numeric_limits<std::size_t>::max() - i : it->second;
        last[t[i]] = i;
    }
    std::set<std::pair<std::size_t, std::uint64_t>> by_next; // (next use, key)
    std::unordered_map<std::uint64_t, std::size_t> cached;   // key -> its next use
    std::uint64_t hits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t k = t[i];
        if (auto it = cached.find(k); it != cached.end()) {
            ++hits;
            by_next.erase({it->second, k});
            it->second = next[i];
            by_next.insert({next[i], k});
            continue;
        }
        if (cached.size() == size) {
            auto far = std::prev(by_next.end());
            if (far->first <= next[i]) continue; // bypass: k itself is needed last
            cached.erase(far->second);
            by_next.erase(far);
        }
        cached[k] = next[i];
        by_next.insert({next[i], k});
    }
    return double(hits) / double(n);
}

trace_t zipf(double alpha, std::uint64_t keys, std::size_t len, std::uint32_t seed, std::uint64_t offset = 0) {
    std::vector<double> cdf(keys);
    double sum = 0;
    for (std::uint64_t i = 0; i < keys; ++i) cdf[i] = (sum += 1.0 / std::pow(double(i + 1), alpha));
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, sum);
    trace_t out(len);
    for (auto& k : out) k = offset + std::uint64_t(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
    return out;
}
trace_t loop(std::uint64_t length, std::size_t len) {
    trace_t out(len);
    for (std::size_t i = 0; i < len; ++i) out[i] = i % length;
    return out;
}
// A hot set of `hot` keys read uniformly, interrupted every `every` requests by a scan
// of `scan` keys never seen before.
trace_t hot_and_scans(std::uint64_t hot, std::uint64_t scan, std::size_t every, std::size_t len) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint64_t> h(0, hot - 1);
    trace_t out;
    out.reserve(len);
    std::uint64_t fresh = 1u << 30;
    while (out.size() < len) {
        for (std::size_t i = 0; i < every && out.size() < len; ++i) out.push_back(h(rng));
        for (std::uint64_t i = 0; i < scan && out.size() < len; ++i) out.push_back(fresh++);
    }
    return out;
}
// Zipf(0.9) over one key set for the first half, over a disjoint one for the second.
trace_t shifting(std::uint64_t keys, std::size_t len) {
    trace_t a = zipf(0.9, keys, len / 2, 11, 0), b = zipf(0.9, keys, len - len / 2, 12, 1u << 30);
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

void row(const std::string& name, const trace_t& t, std::size_t size) {
    std::printf("| %-34s | %6zu | %5.1f | %5.1f | %5.1f | %5.1f | %5.1f | %5.1f | %5.1f | **%5.1f** |\n", name.c_str(),
                size, 100 * belady(t, size), 100 * replay<ev::lru>(t, size), 100 * replay<ev::fifo>(t, size),
                100 * replay<ev::slru>(t, size), 100 * replay<ev::lfu>(t, size), 100 * replay<ev::sieve>(t, size),
                100 * replay<ev::s3fifo>(t, size), 100 * replay<ev::w_tinylfu>(t, size));
    std::fflush(stdout);
}

trace_t read_trace(const char* path) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "cannot open %s\n", path);
        std::exit(2);
    }
    trace_t out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::uint64_t k = 0;
        auto r = std::from_chars(line.data(), line.data() + line.size(), k);
        if (r.ec != std::errc{} || r.ptr != line.data() + line.size()) k = std::hash<std::string>{}(line);
        out.push_back(k);
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes{1000, 10000};
    const char* file = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--trace") && i + 1 < argc) {
            file = argv[++i];
        } else if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc) {
            sizes.clear();
            for (char* s = std::strtok(argv[++i], ","); s; s = std::strtok(nullptr, ",")) sizes.push_back(std::stoul(s));
        } else {
            std::fprintf(stderr, "usage: %s [--trace FILE] [--sizes N,M,...]\n", argv[0]);
            return 2;
        }
    }
    std::printf("| trace | size | Belady | lru | fifo | slru | lfu | sieve | s3fifo | w_tinylfu |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    if (file) {
        const trace_t t = read_trace(file);
        for (std::size_t s : sizes) row(file, t, s);
        return 0;
    }
    constexpr std::size_t len = 1'000'000;
    for (double a : {0.6, 0.8, 1.0, 1.2}) {
        char name[64];
        std::snprintf(name, sizeof name, "zipf %.1f, 100k keys", a);
        const trace_t t = zipf(a, 100'000, len, 1);
        for (std::size_t s : sizes) row(name, t, s);
    }
    for (std::size_t s : sizes) row("loop of 1.5 x size", loop(s + s / 2, len), s);
    for (std::size_t s : sizes) row("hot set (size/2) + scans (2 x size)", hot_and_scans(s / 2, 2 * s, 4 * s, len), s);
    const trace_t sh = shifting(100'000, len);
    for (std::size_t s : sizes) row("zipf 0.9, working set shifts at 1/2", sh, s);
    return 0;
}

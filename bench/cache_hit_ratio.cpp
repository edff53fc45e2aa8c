// Trace replay: hit ratios of cistern's eviction policies on a suite of synthetic trace
// families that each stress one way an adaptive W-TinyLFU can fail, beside LRU, a
// fixed-window W-TinyLFU, the best of ten static windows for that cell (found by
// replaying all ten) and Belady's optimum (computed offline).
//
//   bench_cache_hit_ratio                        the suite at sizes 1000, 8192 and 65536
//   bench_cache_hit_ratio --sizes 500,5000       other sizes
//   bench_cache_hit_ratio --policies             every cistern policy on the suite
//   bench_cache_hit_ratio --variants             LRU beside other sampler configurations (mini size, densest rate, aging)
//   bench_cache_hit_ratio --speed                replay speed, default vs the previous default (hill climber), paired
//   bench_cache_hit_ratio --speed --rounds 1     the same, one A B B A round per cell (e.g. under callgrind)
//   bench_cache_hit_ratio --trace FILE [--sizes ...]   one key per line (numbers or any text)
//
// Each cache has one shard, so the policy sees the whole trace. A request that misses
// is followed by a put of the key (read-through). The summary gives each column's mean,
// the default policy's worst cell against LRU and against the best static window, and
// the default policy's replay speed (requests per second through cistern::cache).
#include <cistern/cache/cache.hpp>
#include <cistern/cache/detail/fixed_window.hpp>
#include <cistern/cache/detail/sampled_window_climber.hpp>
#include <cistern/cache/eviction/fifo.hpp>
#include <cistern/cache/eviction/lfu.hpp>
#include <cistern/cache/eviction/lru.hpp>
#include <cistern/cache/eviction/s3fifo.hpp>
#include <cistern/cache/eviction/sieve.hpp>
#include <cistern/cache/eviction/slru.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

// The climber of Caffeine's BoundedLocalCache (and of cistern before issue 17), kept
// here as a column: one decision per 10 x capacity requests; keep the direction while
// the hit ratio does not fall; step 6.25 % of capacity, decaying 2 % a step, restarted
// on a 5-point swing; the first step shrinks, from a previous hit ratio of 0.
class caffeine_climber {
public:
    std::uint64_t reset(std::uint64_t capacity) noexcept {
        capacity_ = capacity;
        period_ = 10 * std::max<std::uint64_t>(capacity, 16);
        hits_ = requests_ = 0;
        previous_ = 0;
        step_ = -0.0625 * static_cast<double>(capacity);
        return std::max<std::uint64_t>(1, capacity / 100);
    }
    bool record(bool hit) noexcept {
        hits_ += hit ? 1 : 0;
        return ++requests_ >= period_;
    }
    std::int64_t decide(std::uint64_t, std::uint64_t) noexcept {
        const double rate = static_cast<double>(hits_) / static_cast<double>(requests_);
        const double change = rate - previous_;
        const double amount = change >= 0 ? step_ : -step_;
        step_ = std::abs(change) >= 0.05 ? 0.0625 * static_cast<double>(capacity_) * (amount >= 0 ? 1 : -1) : 0.98 * amount;
        previous_ = rate;
        hits_ = requests_ = 0;
        return std::llround(amount);
    }

private:
    std::uint64_t capacity_ = 1, period_ = 160, hits_ = 0, requests_ = 0;
    double previous_ = 0, step_ = 0;
};

// Not inlined: one function per policy, so a profile (callgrind) gives each policy's cost.
template <class Policy>
[[gnu::noinline]] double replay(const trace_t& t, std::size_t size, double* seconds = nullptr) {
    cistern::cache<std::uint64_t, std::uint64_t, Policy, cistern::expiry::never, cistern::cache_policy::single_threaded> c(
        cistern::cache_options{.max_size = size});
    std::uint64_t hits = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t k : t) {
        if (c.get(k)) ++hits;
        else c.put(k, k);
    }
    if (seconds) *seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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

// ---- trace families; c is the cache size the trace is made for ----

// Zipf(alpha) ranks over `keys` keys by inverse CDF.
class zipf_gen {
public:
    zipf_gen(double alpha, std::uint64_t keys) : cdf_(keys) {
        double sum = 0;
        for (std::uint64_t i = 0; i < keys; ++i) cdf_[i] = (sum += 1.0 / std::pow(double(i + 1), alpha));
        for (double& x : cdf_) x /= sum;
    }
    template <class Rng>
    std::uint64_t operator()(Rng& rng) {
        return std::uint64_t(std::lower_bound(cdf_.begin(), cdf_.end(), u_(rng)) - cdf_.begin());
    }

private:
    std::vector<double> cdf_;
    std::uniform_real_distribution<double> u_{0, 1};
};

constexpr std::uint64_t space = 1ULL << 40; // key ranges of different kinds do not overlap

// Zipf 0.9 over 16 c keys: the frequency-skewed baseline (databases, search).
trace_t zipf_trace(std::uint64_t c, std::size_t len) {
    std::mt19937_64 rng(1);
    zipf_gen z(0.9, 16 * c);
    trace_t out(len);
    for (auto& k : out) k = z(rng);
    return out;
}
// A loop over 1.25 c keys: recency gets nothing; keeping any fixed c keys gets 80 %.
trace_t loop_trace(std::uint64_t c, std::size_t len) {
    const std::uint64_t n = c + c / 4;
    trace_t out(len);
    for (std::size_t i = 0; i < len; ++i) out[i] = i % n;
    return out;
}
// Two pools: half the requests uniform over 0.6 c hot keys, half uniform over 16 c cold
// ones. The cold traffic pushes hot keys out of an LRU; frequency keeps them.
trace_t pools_trace(std::uint64_t c, std::size_t len) {
    std::mt19937_64 rng(2);
    std::uniform_int_distribution<std::uint64_t> hot(0, c * 6 / 10 - 1), cold(space, space + 16 * c - 1);
    std::bernoulli_distribution which(0.5);
    trace_t out(len);
    for (auto& k : out) k = which(rng) ? hot(rng) : cold(rng);
    return out;
}
// Zipf 0.9 over 16 c keys, and every 4 c requests a scan of c keys never seen before.
trace_t scans_trace(std::uint64_t c, std::size_t len) {
    std::mt19937_64 rng(3);
    zipf_gen z(0.9, 16 * c);
    trace_t out;
    out.reserve(len);
    std::uint64_t fresh = space;
    while (out.size() < len) {
        for (std::uint64_t i = 0; i < 4 * c && out.size() < len; ++i) out.push_back(z(rng));
        for (std::uint64_t i = 0; i < c && out.size() < len; ++i) out.push_back(fresh++);
    }
    return out;
}
// Half the requests Zipf 0.8 over 16 c keys; the other half keys requested exactly twice,
// the second time c/16 to c/4 requests after the first. Only a large window (or LRU)
// keeps those keys until their second request; the sketch has seen them once.
trace_t pairs_trace(std::uint64_t c, std::size_t len) {
    std::mt19937_64 rng(4);
    zipf_gen z(0.8, 16 * c);
    std::uniform_int_distribution<std::uint64_t> gap(std::max<std::uint64_t>(c / 16, 2), std::max<std::uint64_t>(c / 4, 3));
    std::bernoulli_distribution pair(0.25); // a first request; its second doubles the share
    trace_t out(len, std::numeric_limits<std::uint64_t>::max());
    std::uint64_t fresh = space;
    for (std::size_t i = 0; i < len; ++i) {
        if (out[i] != std::numeric_limits<std::uint64_t>::max()) continue; // a second request
        if (pair(rng)) {
            out[i] = fresh;
            std::size_t j = i + gap(rng);
            while (j < len && out[j] != std::numeric_limits<std::uint64_t>::max()) ++j;
            if (j < len) out[j] = fresh;
            ++fresh;
        } else {
            out[i] = z(rng);
        }
    }
    return out;
}
// Zipf 0.9 over a working set of 2 c keys that moves by c keys every 8 c requests (each
// phase keeps half of the previous set, now with other ranks).
trace_t shifting_trace(std::uint64_t c, std::size_t len) {
    std::mt19937_64 rng(5);
    zipf_gen z(0.9, 2 * c);
    trace_t out(len);
    for (std::size_t i = 0; i < len; ++i) {
        const std::uint64_t phase = i / (8 * c), r = z(rng);
        // rank r of this phase: the set is [phase c, phase c + 2c), ranks scrambled per phase
        out[i] = phase * c + (r * 0x9E3779B1u + phase * 7919) % (2 * c);
    }
    return out;
}
// An ORM's requests: 70 % entity loads (Zipf 0.9 over 4 c entities), each followed by its
// two related rows; 20 % list pages (Zipf 0.6 over c/4 pages) reading 25 consecutive rows;
// 10 % one-off keys.
trace_t orm_trace(std::uint64_t c, std::size_t len) {
    std::mt19937_64 rng(6);
    zipf_gen entity(0.9, 4 * c), page(0.6, std::max<std::uint64_t>(c / 4, 1));
    std::uniform_int_distribution<int> kind(0, 99);
    trace_t out;
    out.reserve(len + 32);
    std::uint64_t fresh = 2 * space;
    while (out.size() < len) {
        const int k = kind(rng);
        if (k < 70) {
            const std::uint64_t e = entity(rng) * 4;
            for (std::uint64_t j = 0; j < 3; ++j) out.push_back(e + j);
        } else if (k < 90) {
            const std::uint64_t p = space + page(rng) * 25;
            for (std::uint64_t j = 0; j < 25; ++j) out.push_back(p + j);
        } else {
            out.push_back(fresh++);
        }
    }
    out.resize(len);
    return out;
}

struct family {
    const char* name;
    trace_t (*make)(std::uint64_t c, std::size_t len);
};
const family families[] = {
    {"zipf 0.9 (16 x size keys)", zipf_trace},
    {"loop of 1.25 x size", loop_trace},
    {"two pools (0.6 x size hot, 50 %)", pools_trace},
    {"zipf 0.9 + scans of size every 4 x", scans_trace},
    {"half once-repeated at size/16..size/4", pairs_trace},
    {"shifting working set (2 x size)", shifting_trace},
    {"ORM-like mix", orm_trace},
};
std::size_t trace_length(std::uint64_t c) { return std::clamp<std::size_t>(40 * c, 1'000'000, 2'700'000); }

// The static windows the best-static column chooses from, per mille of the capacity.
template <unsigned P> using static_wtlfu = ev::basic_w_tinylfu<cistern::detail::fixed_window<P>>;
constexpr unsigned static_windows[] = {0, 10, 30, 60, 100, 200, 350, 500, 700, 900};
template <std::size_t... I>
std::vector<double> static_replays(const trace_t& t, std::size_t size, std::index_sequence<I...>) {
    return {replay<static_wtlfu<static_windows[I]>>(t, size)...};
}

struct totals {
    std::vector<double> sums;
    std::size_t cells = 0;
    double worst_vs_lru = 1e9, worst_vs_best = 1e9;
    std::string worst_lru_cell, worst_best_cell;
    double seconds = 0, before_seconds = 0, hill_seconds = 0;
    std::uint64_t requests = 0;
};

void suite_row(const std::string& name, const trace_t& t, std::size_t size, totals& tot) {
    const double lru = replay<ev::lru>(t, size);
    const double fixed = replay<static_wtlfu<10>>(t, size);
    const double before = replay<ev::basic_w_tinylfu<caffeine_climber>>(t, size, &tot.before_seconds);
    const double hill = replay<ev::w_tinylfu_hill>(t, size, &tot.hill_seconds);
    const double adaptive = replay<ev::w_tinylfu>(t, size, &tot.seconds);
    tot.requests += t.size();
    const std::vector<double> st = static_replays(t, size, std::make_index_sequence<std::size(static_windows)>{});
    const std::size_t b = std::size_t(std::max_element(st.begin(), st.end()) - st.begin());
    const double opt = belady(t, size);
    const double cols[] = {lru, fixed, before, hill, adaptive, st[b], opt};
    if (tot.sums.empty()) tot.sums.assign(std::size(cols), 0);
    for (std::size_t i = 0; i < std::size(cols); ++i) tot.sums[i] += cols[i];
    ++tot.cells;
    const std::string cell = name + " @ " + std::to_string(size);
    if (adaptive - lru < tot.worst_vs_lru) tot.worst_vs_lru = adaptive - lru, tot.worst_lru_cell = cell;
    if (adaptive - st[b] < tot.worst_vs_best) tot.worst_vs_best = adaptive - st[b], tot.worst_best_cell = cell;
    std::printf("| %-38s | %6zu | %5.1f | %5.1f | %5.1f | %5.1f | **%5.1f** | %5.1f (%4.1f %%) | %5.1f | %+5.1f | %+5.1f |\n",
                name.c_str(), size, 100 * lru, 100 * fixed, 100 * before, 100 * hill, 100 * adaptive, 100 * st[b],
                static_windows[b] / 10.0, 100 * opt, 100 * (adaptive - lru), 100 * (adaptive - st[b]));
    std::fflush(stdout);
}

// Sampler configurations compared by --variants (mini cache target size, densest rate,
// candidate shares, eighths of the samples a decision keeps).
template <std::uint64_t Target, std::uint64_t MinRate,
          std::array<std::uint32_t, 6> Shares = std::array<std::uint32_t, 6>{10, 50, 150, 350, 650, 1000},
          std::uint64_t KeepEighths = 7>
using sampled_variant = ev::basic_w_tinylfu<
    cistern::detail::basic_sampled_window_climber<cistern::detail::basic_window_sampler<Target, MinRate, Shares, KeepEighths>>>;
constexpr std::array<std::uint32_t, 6> default_shares{10, 50, 150, 350, 650, 1000};

struct variant_totals {
    double sums[6] = {};
    double worst[6] = {1e9, 1e9, 1e9, 1e9, 1e9, 1e9};
    std::size_t cells = 0;
};

// LRU beside the default and other sampler configurations (no static windows, no Belady).
void variants_row(const std::string& name, const trace_t& t, std::size_t size, variant_totals& tot) {
    const double lru = replay<ev::lru>(t, size);
    const double v[] = {replay<ev::w_tinylfu>(t, size),
                        replay<sampled_variant<256, 16, default_shares, 4>>(t, size),
                        replay<sampled_variant<256, 32>>(t, size),
                        replay<sampled_variant<128, 32>>(t, size),
                        replay<sampled_variant<512, 32>>(t, size),
                        replay<ev::w_tinylfu_hill>(t, size)};
    std::printf("| %-38s | %6zu | %5.1f |", name.c_str(), size, 100 * lru);
    for (std::size_t i = 0; i < std::size(v); ++i) {
        std::printf(" %5.1f |", 100 * v[i]);
        tot.sums[i] += v[i];
        tot.worst[i] = std::min(tot.worst[i], v[i] - lru);
    }
    std::printf("\n");
    std::fflush(stdout);
    ++tot.cells;
}

void policies_row(const std::string& name, const trace_t& t, std::size_t size) {
    std::printf("| %-38s | %6zu | %5.1f | %5.1f | %5.1f | %5.1f | %5.1f | %5.1f | %5.1f | **%5.1f** |\n", name.c_str(),
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
    std::vector<std::size_t> sizes{1000, 8192, 65536};
    const char* file = nullptr;
    bool all_policies = false, speed = false, variants = false;
    int rounds = 3;
    std::string only;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--trace") && i + 1 < argc) {
            file = argv[++i];
        } else if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc) {
            sizes.clear();
            for (char* s = std::strtok(argv[++i], ","); s; s = std::strtok(nullptr, ",")) sizes.push_back(std::stoul(s));
        } else if (!std::strcmp(argv[i], "--policies")) {
            all_policies = true;
        } else if (!std::strcmp(argv[i], "--variants")) {
            variants = true;
        } else if (!std::strcmp(argv[i], "--speed")) {
            speed = true;
        } else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = std::max(1, std::atoi(argv[++i]));
        } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else {
            std::fprintf(stderr, "usage: %s [--policies | --speed [--rounds N] | --variants] [--trace FILE] [--sizes N,M,...] [--only NAME-PREFIX]\n", argv[0]);
            return 2;
        }
    }
    if (speed) {
        // Replay speed, paired: the previous default, the hill climber (A), and the default (B) alternate
        // A B B A on every trace of the suite, `rounds` rounds (3 unless --rounds); one line per cell
        // (its own ratio), then the totals of each.
        double a = 0, b = 0;
        std::uint64_t n = 0;
        for (const family& f : families)
            for (std::size_t s : sizes) {
                if (!only.empty() && std::strncmp(f.name, only.c_str(), only.size()) != 0) continue;
                const trace_t t = f.make(s, trace_length(s));
                double ca = 0, cb = 0;
                for (int r = 0; r < rounds; ++r) {
                    replay<ev::w_tinylfu_hill>(t, s, &ca);
                    replay<ev::w_tinylfu>(t, s, &cb);
                    replay<ev::w_tinylfu>(t, s, &cb);
                    replay<ev::w_tinylfu_hill>(t, s, &ca);
                    n += 2 * t.size();
                }
                std::printf("  %-38s %6zu: hill %6.2f, default %6.2f M requests/s, ratio %.3f\n", f.name, s,
                            double(2 * rounds) * double(t.size()) / ca / 1e6, double(2 * rounds) * double(t.size()) / cb / 1e6, ca / cb);
                std::fflush(stdout);
                a += ca;
                b += cb;
            }
        std::printf("replay speed, paired (A B B A, %d rounds, %llu requests each): previous default (w_tinylfu_hill) %.2f M requests/s, "
                    "default (w_tinylfu) %.2f M requests/s, ratio %.3f\n",
                    rounds, static_cast<unsigned long long>(n), double(n) / a / 1e6, double(n) / b / 1e6, a / b);
        return 0;
    }
    if (variants) {
        std::fputs("| trace | size | LRU | default | samples halved (before) | 256, 32 | 128, 32 | 512, 32 | hill climber |\n|---|---|---|---|---|---|---|---|---|\n", stdout);
        variant_totals vt;
        for (const family& f : families) {
            if (!only.empty() && std::strncmp(f.name, only.c_str(), only.size()) != 0) continue;
            for (std::size_t s : sizes) variants_row(f.name, f.make(s, trace_length(s)), s, vt);
        }
        std::printf("mean:");
        for (double x : vt.sums) std::printf(" %6.2f", 100 * x / double(vt.cells));
        std::printf("\nworst vs LRU:");
        for (double x : vt.worst) std::printf(" %+6.2f", 100 * x);
        std::printf("\n");
        return 0;
    }
    if (all_policies) {
        std::printf("| trace | size | Belady | lru | fifo | slru | lfu | sieve | s3fifo | w_tinylfu |\n");
        std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    } else {
        std::printf("| trace | size | LRU | W-TinyLFU 1 %% | Caffeine's climber | hill climber (previous default) | **default** | best static (window) "
                    "| Belady | default - LRU | default - best |\n");
        std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    }
    totals tot;
    auto run = [&](const std::string& name, const trace_t& t, std::size_t s) {
        if (all_policies) policies_row(name, t, s);
        else suite_row(name, t, s, tot);
    };
    if (file) {
        const trace_t t = read_trace(file);
        for (std::size_t s : sizes) run(file, t, s);
    } else {
        for (const family& f : families) {
            if (!only.empty() && std::strncmp(f.name, only.c_str(), only.size()) != 0) continue;
            for (std::size_t s : sizes) run(f.name, f.make(s, trace_length(s)), s);
        }
    }
    if (!all_policies && tot.cells > 0) {
        const double n = double(tot.cells);
        std::printf("| **mean of %zu cells** | | %5.2f | %5.2f | %5.2f | %5.2f | **%5.2f** | %5.2f | %5.2f | | |\n", tot.cells,
                    100 * tot.sums[0] / n, 100 * tot.sums[1] / n, 100 * tot.sums[2] / n, 100 * tot.sums[3] / n,
                    100 * tot.sums[4] / n, 100 * tot.sums[5] / n, 100 * tot.sums[6] / n);
        std::printf("\nw_tinylfu (default): worst cell vs LRU: %+.2f pp (%s); worst vs best static: %+.2f pp (%s)\n", 100 * tot.worst_vs_lru,
                    tot.worst_lru_cell.c_str(), 100 * tot.worst_vs_best, tot.worst_best_cell.c_str());
        std::printf("replay speed (get + put on miss, one shard, %llu requests): w_tinylfu (default) %.2f M requests/s, "
                    "w_tinylfu_hill (previous default) %.2f M requests/s, Caffeine's climber %.2f M requests/s\n",
                    static_cast<unsigned long long>(tot.requests), double(tot.requests) / tot.seconds / 1e6,
                    double(tot.requests) / tot.hill_seconds / 1e6, double(tot.requests) / tot.before_seconds / 1e6);
    }
    return 0;
}

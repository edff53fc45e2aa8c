// Driver for counting instructions per L1 hit (valgrind --tool=callgrind): N get_or_load
// hits on 1,024 keys in memory, on cistern::cache alone or on redis::tiered_cache (whose
// tier points at a port nothing listens on; a hit never asks it). Run with N and with 0
// and subtract: the difference / N is the cost of one hit, the same on every run.
//
//   valgrind --tool=callgrind l1_hits_bench plain|tiered N
#include <cistern/cache/cache.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>
#include <cistern/cache/expiry/per_entry.hpp>
#include <cistern/redis/parse_url.hpp>
#include <cistern/redis/string_codec.hpp>
#include <cistern/redis/tiered_cache.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {
template <class C>
[[gnu::noinline]] std::size_t hits(C& c, long n) {
    std::size_t s = 0;
    std::uint64_t x = 1;
    for (long i = 0; i < n; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        const long k = static_cast<long>((x >> 33) % 1024);
        s += c.get_or_load(k, [&] { return std::string("miss"); }).size();
    }
    return s;
}
} // namespace

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "plain") != 0 && std::strcmp(argv[1], "tiered") != 0)) {
        std::fprintf(stderr, "usage: l1_hits_bench plain|tiered N\n");
        return 2;
    }
    const bool tiered = std::strcmp(argv[1], "tiered") == 0;
    const long n = std::atol(argv[2]);
    cistern::redis::tier_options to;
    to.redis = cistern::redis::parse_url("redis://127.0.0.1:1/0");
    to.subscribe = false;
    cistern::redis::tier t(to);
    using plain_t = cistern::cache<long, std::string, cistern::eviction::w_tinylfu, cistern::expiry::per_entry>;
    plain_t plain(cistern::cache_options{.max_size = 4096}, cistern::expiry::per_entry(std::chrono::minutes(10)));
    cistern::redis::tiered_cache<long, std::string, cistern::redis::string_codec> tc(t, "l1", cistern::cache_options{.max_size = 4096},
                                                                                     std::chrono::minutes(10));
    for (long k = 0; k < 1024; ++k) {
        (void)plain.get_or_load(k, [&] { return std::to_string(k * 7); });
        (void)tc.get_or_load(k, [&] { return std::to_string(k * 7); });
    }
    std::printf("%zu\n", tiered ? hits(tc, n) : hits(plain, n));
    return 0;
}

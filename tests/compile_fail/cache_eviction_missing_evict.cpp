// expect: cistern::EvictionPolicy: the type needs .std::uint32_t evict\(\).
// A policy that cannot choose a victim is not an EvictionPolicy; the check names evict().
#include <cistern/cache/cache.hpp>

#include <cstdint>

struct no_evict {
    void reset(std::uint64_t) {}
    void on_insert(std::uint32_t, std::uint64_t, std::uint64_t) {}
    void on_access(std::uint32_t, std::uint64_t) {}
    void on_update(std::uint32_t, std::uint64_t, std::uint64_t) {}
    void on_erase(std::uint32_t) {}
};

int main() {
    cistern::cache<int, int, no_evict> c(cistern::cache_options{.max_size = 10});
    return c.get(1).value_or(0);
}

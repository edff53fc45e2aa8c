// expect: cistern::cache: unknown policy
// Anything after the expiry policy must be one of the cache_policy:: policies.
#include <cistern/cache/cache.hpp>
#include <cistern/cache/eviction/lru.hpp>

struct not_a_policy {};

int main() {
    cistern::cache<int, int, cistern::eviction::lru, cistern::expiry::never, not_a_policy> c(
        cistern::cache_options{.max_size = 10});
    return c.get(1).value_or(0);
}

// Conan test_package: a cache and a monitor from cistern::core.
#include <cistern/cistern.hpp>
#include <cistern/version.hpp>

#include <cstdio>

int main() {
    cistern::cache<int, int, cistern::eviction::lru> c(cistern::cache_options{.max_size = 8});
    c.put(1, 42);
    const auto v = c.get(1);
    std::printf("cistern %s: cache read %d\n", CISTERN_VERSION_STRING, v ? *v : -1);
    return v && *v == 42 ? 0 : 1;
}

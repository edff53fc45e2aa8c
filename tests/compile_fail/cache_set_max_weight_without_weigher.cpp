// expect: set_max_weight: needs cache_policy::with_weigher
// A cache bounded by entry count cannot be given a weight bound at runtime.
#include <cistern/cache/cache.hpp>

int main() {
    cistern::cache<int, int> c(cistern::cache_options{.max_size = 10});
    c.set_max_weight(100);
    return 0;
}

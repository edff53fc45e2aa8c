// expect: cistern::adaptive_ttl: the clock needs `static time_point now\(\)`
#include <cistern/cache/adaptive_ttl.hpp>

struct no_clock {
    static constexpr bool is_steady = true;
};

int main() {
    cistern::basic_adaptive_ttl<no_clock> t;
    return 0;
}

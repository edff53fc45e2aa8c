// expect: with_refresh<R, E>: R needs .V operator\(\)\(const K&, const V& old\)
// A reloader that cannot produce a value from the key is rejected with a message naming
// the call it needs (the conforming form is tested in tests/cache/cache_test.cpp).
#include <cistern/cache/cache.hpp>

#include <string>

struct wrong_reloader {
    void operator()(const std::string&) const {}
};

int main() {
    cistern::cache<int, int, cistern::eviction::w_tinylfu, cistern::expiry::never,
                   cistern::cache_policy::with_refresh<wrong_reloader>>
        c(cistern::cache_options{.max_size = 10, .refresh_after_write = std::chrono::seconds(1)});
    return c.get(1).value_or(0);
}

// expect: a lookup key of another type than the key type needs the hasher of with_hash<Hash, Eq> to hash it
// A cache with a transparent hash and equality takes lookup keys of other types, but only
// ones its hasher hashes: looking up by a type it cannot hash is rejected with a message
// naming the call the hasher needs (the conforming form is tested in
// tests/cache/cache_test.cpp, lookups_by_a_view_build_no_key_until_a_load_stores_one).
#include <cistern/cache/cache.hpp>

#include <functional>
#include <string>
#include <string_view>

struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct ticket {
    int number = 0;
    friend bool operator==(const std::string& s, const ticket& t) { return s == std::to_string(t.number); }
};

int main() {
    cistern::cache<std::string, int, cistern::eviction::w_tinylfu, cistern::expiry::never,
                   cistern::cache_policy::with_hash<text_hash, std::equal_to<>>>
        c(cistern::cache_options{.max_size = 10});
    return c.get(ticket{7}).value_or(0);
}

// expect: get_or_load: a lookup key of another type than the key type must build the key stored on a miss
// get_or_load by a lookup key stores a key built from it on a miss: a lookup type the key
// cannot be constructed from is rejected (get and contains by it are fine).
#include <cistern/cache/cache.hpp>

#include <cstddef>
#include <functional>
#include <string>

struct id_key {
    std::string text;
    friend bool operator==(const id_key&, const id_key&) = default;
};
struct id_number {
    int n = 0;
};
struct id_hash {
    using is_transparent = void;
    std::size_t operator()(const id_key& k) const noexcept { return std::hash<std::string>{}(k.text); }
    std::size_t operator()(const id_number& k) const noexcept { return std::hash<std::string>{}(std::to_string(k.n)); }
};
struct id_equal {
    using is_transparent = void;
    bool operator()(const id_key& a, const id_key& b) const noexcept { return a == b; }
    bool operator()(const id_key& a, const id_number& b) const { return a.text == std::to_string(b.n); }
    bool operator()(const id_number& a, const id_key& b) const { return b.text == std::to_string(a.n); }
};

int main() {
    cistern::cache<id_key, int, cistern::eviction::w_tinylfu, cistern::expiry::never,
                   cistern::cache_policy::with_hash<id_hash, id_equal>>
        c(cistern::cache_options{.max_size = 10});
    (void)c.contains(id_number{1});
    return c.get_or_load(id_number{7}, [] { return 7; });
}

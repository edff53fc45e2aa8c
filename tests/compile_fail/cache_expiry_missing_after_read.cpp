// expect: cistern::ExpiryPolicy: the type needs .std::chrono::nanoseconds after_read
// An expiry policy without after_read is rejected with a message naming it.
#include <cistern/cache/cache.hpp>
#include <cistern/cache/eviction/lru.hpp>

#include <chrono>
#include <optional>

struct no_read {
    static constexpr bool expires = true;
    template <class K, class V>
    std::chrono::nanoseconds after_create(const K&, const V&, std::optional<std::chrono::nanoseconds>) const {
        return std::chrono::seconds(1);
    }
    template <class K, class V>
    std::chrono::nanoseconds after_update(const K&, const V&, std::optional<std::chrono::nanoseconds>,
                                          std::chrono::nanoseconds) const {
        return std::chrono::seconds(1);
    }
};

int main() {
    cistern::cache<int, int, cistern::eviction::lru, no_read> c(cistern::cache_options{.max_size = 10});
    return c.get(1).value_or(0);
}

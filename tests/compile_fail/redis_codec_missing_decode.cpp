// expect: ValueCodec: the codec needs .std::optional<V> decode
#include <cistern/redis/tiered_cache.hpp>
#include <string>

struct no_decode {
    static constexpr std::uint8_t version = 1;
    void encode(const std::string&, std::string&) const {}
};
using bad = cistern::redis::tiered_cache<std::string, std::string, no_decode>;
int n = sizeof(bad);

// expect: cistern::pool: unknown policy
#include <cistern/pool/pool.hpp>
#include <string>

struct conn {
    bool is_open() const { return true; }
    bool ping() { return true; }
    void reset() {}
};
struct factory {
    conn create() { return {}; }
    std::string describe() const { return "x"; }
};
struct not_a_policy {};
int n = sizeof(cistern::pool<factory, not_a_policy>);

// expect: ConnectionFactory: the type needs .std::string describe\(\) const.
#include <cistern/pool/pool.hpp>

struct conn {
    bool is_open() const { return true; }
    bool ping() { return true; }
    void reset() {}
};
struct factory {
    conn create() { return {}; }
};
int n = sizeof(cistern::pool<factory>);

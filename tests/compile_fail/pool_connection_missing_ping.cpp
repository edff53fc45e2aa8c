// expect: Connection: the type needs .bool ping\(\).
#include <cistern/pool/pool.hpp>
#include <string>

struct no_ping {
    bool is_open() const { return true; }
    void reset() {}
};
struct factory {
    no_ping create() { return {}; }
    std::string describe() const { return "x"; }
};
cistern::pool<factory>* p = nullptr;
int n = sizeof(cistern::pool<factory>);

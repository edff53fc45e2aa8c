// The soci side of pool_bench, in its own translation unit: soci's sqlite3 backend header
// wraps <sqlite3.h> in a namespace, which cannot share a TU with code using sqlite3 itself.
#include <soci/connection-pool.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cstddef>

namespace soci_side {

soci::connection_pool* make(std::size_t n) {
    auto* p = new soci::connection_pool(n);
    for (std::size_t i = 0; i < n; ++i) p->at(i).open(soci::sqlite3, "db=:memory:");
    return p;
}

void destroy(soci::connection_pool* p) { delete p; }

/// One acquire + release, soci's idiomatic way: a session leases in its constructor and
/// gives back in its destructor. Returns the session's backend so it cannot be elided.
const void* acquire_release(soci::connection_pool* p) {
    soci::session s(*p);
    return s.get_backend();
}

} // namespace soci_side

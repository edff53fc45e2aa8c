// The soci side of postgres_bench, in its own translation unit (soci's postgresql backend
// header wraps libpq in a namespace and cannot share a TU with code that uses libpq).
#include <soci/connection-pool.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <cstddef>
#include <string>

namespace soci_pg {

soci::connection_pool* make(std::size_t n, const std::string& conninfo) {
    auto* p = new soci::connection_pool(n);
    for (std::size_t i = 0; i < n; ++i) p->at(i).open(soci::postgresql, conninfo);
    return p;
}

void destroy(soci::connection_pool* p) { delete p; }

/// One primary-key lookup through soci's pool (lease, query, give back).
long lookup(soci::connection_pool* p, long id) {
    soci::session s(*p);
    long v = 0;
    s << "SELECT v FROM bench_kv WHERE id = :id", soci::use(id), soci::into(v);
    return v;
}

} // namespace soci_pg

// The core umbrella must not drag in a database client library.
#include <cistern/cistern.hpp>
#if defined(LIBPQ_FE_H) || defined(SQLITECPP_VERSION) || defined(__HIREDIS_H)
#error "cistern/cistern.hpp must not include libpq-fe.h, SQLiteCpp or hiredis"
#endif

// ... and it brings every built-in eviction and expiry policy: a newcomer who includes
// only the umbrella can name any of them.
#include <type_traits>
namespace {
template <class E, class X>
using umbrella_cache = cistern::cache<int, int, E, X>;
static_assert(std::is_class_v<umbrella_cache<cistern::eviction::lru, cistern::expiry::never>>);
static_assert(std::is_class_v<umbrella_cache<cistern::eviction::fifo, cistern::expiry::after_write>>);
static_assert(std::is_class_v<umbrella_cache<cistern::eviction::slru, cistern::expiry::after_access>>);
static_assert(std::is_class_v<umbrella_cache<cistern::eviction::lfu, cistern::expiry::per_entry>>);
static_assert(std::is_class_v<umbrella_cache<cistern::eviction::sieve, cistern::expiry::never>>);
static_assert(std::is_class_v<umbrella_cache<cistern::eviction::s3fifo, cistern::expiry::never>>);
static_assert(std::is_class_v<umbrella_cache<cistern::eviction::w_tinylfu, cistern::expiry::never>>);
} // namespace

// The core umbrella must not drag in a database client library.
#include <cistern/cistern.hpp>
#if defined(LIBPQ_FE_H) || defined(SQLITECPP_VERSION) || defined(__HIREDIS_H)
#error "cistern/cistern.hpp must not include libpq-fe.h, SQLiteCpp or hiredis"
#endif

// expect: ConnectionFactory: the type needs .create\(\). returning a Connection
// A pool is built over a factory, not over a connection: passing
// cistern::postgres::connection where the factory belongs must name what is missing.
#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/pool/pool.hpp>

int n = sizeof(cistern::pool<cistern::postgres::connection>);

// expect: TableAwareConnection: the type needs .sql::table_access tables_of
// postgres::connection models cistern::TableAwareConnection (static_assert in its header);
// a wrapper that forwards only the Connection members does not, and is told what is missing.
#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/sql/table_aware_connection.hpp>

struct forwards_only_the_connection {
    cistern::postgres::connection c;
    bool is_open() const noexcept { return c.is_open(); }
    bool ping() noexcept { return c.ping(); }
    void reset() { c.reset(); }
};

static_assert(cistern::detail::check_table_aware_connection<forwards_only_the_connection>());

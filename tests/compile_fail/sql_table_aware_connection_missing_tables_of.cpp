// expect: TableAwareConnection: the type needs .sql::table_access tables_of\(std::string_view sql\).
#include <cistern/sql/table_aware_connection.hpp>

// A Connection without tables_of is not a TableAwareConnection; the check names the member.
struct plain {
    bool is_open() const { return true; }
    bool ping() { return true; }
    void reset() {}
};
static_assert(cistern::detail::check_table_aware_connection<plain>());

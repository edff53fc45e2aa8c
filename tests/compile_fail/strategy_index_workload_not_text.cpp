// expect: the workload must be SQL statements
// A workload is text (or workload_statement): a range of numbers is rejected, readably.
#include <cistern/strategy/index/sqlite_missing_from_workload.hpp>

#include <vector>

void make() {
    const std::vector<int> not_statements{1, 2, 3};
    cistern::strategy::index::sqlite_missing_from_workload advisor(not_statements);
    (void)advisor;
}

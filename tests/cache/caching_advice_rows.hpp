#pragma once
// Test support for caching_advice_test and caching_advice_postgres_test: printing the
// advice's enums in Boost.Test messages, and finding a statement's advice row.

#include <boost/test/unit_test.hpp>

#include <cistern/inspect/caching_advice.hpp>
#include <cistern/monitor/fingerprint.hpp>

#include <ostream>
#include <string>

namespace cistern::inspect {
inline std::ostream& boost_test_print_type(std::ostream& os, caching_reason r) { return os << to_string(r); }
inline std::ostream& boost_test_print_type(std::ostream& os, availability a) { return os << to_string(a); }
} // namespace cistern::inspect

namespace cistern::test {

/// The advice row of the statement `sql` (matched by its fingerprint); fails the test when there is none.
inline const inspect::caching_advice_row& advice_row(const inspect::check_result<inspect::caching_advice_row>& r,
                                                     const std::string& sql) {
    const std::string key = cistern::fingerprint(sql).text;
    for (const auto& row : r.rows)
        if (row.fingerprint == key) return row;
    BOOST_FAIL("no advice row for " + key);
    return r.rows.front();
}

} // namespace cistern::test

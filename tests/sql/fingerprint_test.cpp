#include <boost/test/unit_test.hpp>

#include <cistern/sql/fingerprint.hpp>

#include <string>
#include <utility>
#include <vector>

namespace sql = cistern::sql;
using sql::dialect;

BOOST_AUTO_TEST_SUITE(fingerprints)

// (input, expected) pairs; the monitor's own cases live in tests/monitor/fingerprint_test.cpp.
BOOST_AUTO_TEST_CASE(table_of_inputs_and_fingerprints) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"SELECT 1", "SELECT ?"},
        {"select  2 -- c", "SELECT ?"},
        {"SELECT * FROM t WHERE created_at > timestamp '2026-11-30 23:00:00'",
         "SELECT * FROM t WHERE created_at > CAST(? AS timestamp)"},
        {"SELECT * FROM t WHERE d = DATE '2026-01-01' AND i < interval '1 day'",
         "SELECT * FROM t WHERE d = CAST(? AS date) AND i < CAST(? AS interval)"},
        {"SELECT timestamp with time zone '2026-01-01 00:00+00'", "SELECT CAST(? AS timestamp with time zone)"},
        {"SELECT double precision '1.5'", "SELECT CAST(? AS double precision)"},
        {"SELECT x::timestamp FROM t WHERE y = '2026-01-01'::date", "SELECT x::timestamp FROM t WHERE y = ?::date"},
        {"SELECT E'\\' FROM a' AS s FROM b", "SELECT ? AS s FROM b"},
        {"SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT * FROM t WHERE id IN (?)"},
        {"INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')", "INSERT INTO t(a, b) VALUES (?, ?)"},
        {"SELECT \"Users\".id FROM public.\"Users\"", "SELECT \"Users\".id FROM public.\"Users\""},
    };
    for (auto& [in, want] : cases) BOOST_TEST(sql::fingerprint_of(in, dialect::postgres).normalized == want, in);
}

BOOST_AUTO_TEST_CASE(literals_do_not_change_the_hash) {
    BOOST_TEST(sql::fingerprint_of("SELECT 1").hash == sql::fingerprint_of("SELECT 2").hash);
    BOOST_TEST(sql::fingerprint_of("SELECT * FROM t WHERE t > timestamp '2026-01-01'").hash ==
               sql::fingerprint_of("select * from t where t > TIMESTAMP '1999-12-31'").hash);
    BOOST_TEST(sql::fingerprint_of("SELECT 1").hash != sql::fingerprint_of("SELECT 1 FROM t").hash);
    BOOST_TEST(sql::fingerprint_id(0x1234abcdULL) == "000000001234abcd");
}

BOOST_AUTO_TEST_CASE(unreadable_text_is_marked_and_never_leaks_the_literal) {
    auto f = sql::fingerprint_of("SELECT * FROM t WHERE secret = 'hunter2");
    BOOST_TEST(!f.exact);
    BOOST_TEST(f.normalized.find("hunter2") == std::string::npos);
    BOOST_TEST(sql::fingerprint_of("SELECT 1").exact);
}

BOOST_AUTO_TEST_SUITE_END()

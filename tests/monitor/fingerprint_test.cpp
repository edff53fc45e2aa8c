#include <boost/test/unit_test.hpp>

#include <cistern/monitor/fingerprint.hpp>

#include <string>

using cistern::fingerprint;

BOOST_AUTO_TEST_SUITE(fingerprint_suite)

BOOST_AUTO_TEST_CASE(literals_whitespace_and_keyword_case_fold) {
    const auto a = fingerprint("SELECT * FROM users WHERE id = 7");
    const auto b = fingerprint("select *\n  from Users\twhere id=8");
    BOOST_TEST(a.text == "SELECT * FROM users WHERE id = ?");
    BOOST_TEST(a.text == b.text);
    BOOST_TEST(a.hash == b.hash);
    BOOST_TEST(a.parameters == 0u);
    BOOST_TEST(fingerprint("SELECT 1").hash != fingerprint("SELECT 1 FROM t").hash);
}

BOOST_AUTO_TEST_CASE(strings_with_escapes_and_prefixes) {
    BOOST_TEST(fingerprint("SELECT 'it''s' , 'x'").text == "SELECT ?, ?");
    BOOST_TEST(fingerprint("SELECT E'a\\'b' || 'c'").text == "SELECT ? || ?");
    BOOST_TEST(fingerprint("INSERT INTO b VALUES (X'00ff')").text == "INSERT INTO b VALUES (?)");
    BOOST_TEST(fingerprint("SELECT 'a -- not a comment' FROM t").text == "SELECT ? FROM t");
}

BOOST_AUTO_TEST_CASE(dollar_quoting) {
    BOOST_TEST(fingerprint("SELECT $$it's $1$$, $tag$ a $$ b $tag$").text == "SELECT ?, ?");
    BOOST_TEST(fingerprint("SELECT $$it's $1$$").parameters == 0u);
}

BOOST_AUTO_TEST_CASE(comments_are_dropped) {
    BOOST_TEST(fingerprint("SELECT a -- trailing\nFROM t /* block /* nested */ still */ WHERE b = 1").text ==
               "SELECT a FROM t WHERE b = ?");
}

BOOST_AUTO_TEST_CASE(numbers) {
    BOOST_TEST(fingerprint("SELECT 1, -2, 3.5, -.25, 1e10, 2.5E-3, 0x1F").text == "SELECT ?, ?, ?, ?, ?, ?, ?");
    // minus after an operand is the operator
    BOOST_TEST(fingerprint("SELECT a-1, a - -1, (b)-2").text == "SELECT a - ?, a - ?, (b) - ?");
    BOOST_TEST(fingerprint("SELECT x FROM t WHERE y > -3").text == "SELECT x FROM t WHERE y > ?");
    // digits inside names are not numbers
    BOOST_TEST(fingerprint("SELECT col1 FROM t2").text == "SELECT col1 FROM t2");
}

BOOST_AUTO_TEST_CASE(parameters_are_counted_and_normalized) {
    const auto pg = fingerprint("SELECT * FROM t WHERE a = $1 AND b = $2");
    const auto qm = fingerprint("SELECT * FROM t WHERE a = ? AND b = ?");
    const auto named = fingerprint("SELECT * FROM t WHERE a = :a AND b = :b_2");
    BOOST_TEST(pg.text == "SELECT * FROM t WHERE a = ? AND b = ?");
    BOOST_TEST(pg.text == qm.text);
    BOOST_TEST(pg.text == named.text);
    BOOST_TEST(pg.parameters == 2u);
    BOOST_TEST(qm.parameters == 2u);
    BOOST_TEST(named.parameters == 2u);
    // a PostgreSQL cast is not a named parameter
    const auto cast = fingerprint("SELECT a::text FROM t");
    BOOST_TEST(cast.text == "SELECT a::text FROM t");
    BOOST_TEST(cast.parameters == 0u);
}

BOOST_AUTO_TEST_CASE(in_lists_and_values_collapse) {
    const auto a = fingerprint("SELECT * FROM t WHERE id IN (1, 2, 3)");
    const auto b = fingerprint("select * from t where id in (4)");
    const auto c = fingerprint("SELECT * FROM t WHERE id IN ($1,$2)");
    BOOST_TEST(a.text == "SELECT * FROM t WHERE id IN (?)");
    BOOST_TEST(a.text == b.text);
    BOOST_TEST(a.text == c.text);
    // a subquery is not collapsed
    BOOST_TEST(fingerprint("SELECT 1 WHERE x IN (SELECT y FROM u WHERE z = 2)").text ==
               "SELECT ? WHERE x IN (SELECT y FROM u WHERE z = ?)");
    BOOST_TEST(fingerprint("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')").text ==
               "INSERT INTO t(a, b) VALUES (?, ?)");
    BOOST_TEST(fingerprint("insert into t(a,b) values (9,'q')").text == "INSERT INTO t(a, b) VALUES (?, ?)");
}

BOOST_AUTO_TEST_CASE(quoted_names_keep_their_case) {
    BOOST_TEST(fingerprint("SELECT \"MyCol\" FROM \"My\"\"Table\" WHERE Name = 'x'").text ==
               "SELECT \"MyCol\" FROM \"My\"\"Table\" WHERE name = ?");
    BOOST_TEST(fingerprint("SELECT count(*) FROM t").text == "SELECT count(*) FROM t");
}

BOOST_AUTO_TEST_CASE(unterminated_input_does_not_overrun) {
    BOOST_TEST(fingerprint("SELECT 'abc").text == "SELECT ?");
    BOOST_TEST(fingerprint("SELECT /* open").text == "SELECT");
    BOOST_TEST(fingerprint("SELECT $$x").text == "SELECT ?");
    BOOST_TEST(fingerprint("").text.empty());
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE cistern sql front-end
#include <boost/test/unit_test.hpp>

#include <cistern/sql/lexer.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace sql = cistern::sql;
using sql::dialect;
using sql::token_kind;

namespace {
std::vector<std::string> texts(std::string_view s, dialect d) {
    std::vector<std::string> out;
    for (auto& t : sql::tokenize(s, d)) out.emplace_back(t.text);
    return out;
}
using strings = std::vector<std::string>;
} // namespace

BOOST_AUTO_TEST_SUITE(lexer)

BOOST_AUTO_TEST_CASE(strings_comments_and_quoted_identifiers_are_tokens_not_text) {
    auto t = sql::tokenize("SELECT 'a -- not a comment', \"we\"\"ird\" /* SELECT * */ FROM [t x] -- WHERE\n WHERE $$x'y$$ = E'\\''");
    BOOST_REQUIRE_EQUAL(t.size(), 10u);
    BOOST_TEST((t[1].kind == token_kind::string));
    BOOST_TEST(t[1].lower == "a -- not a comment");
    BOOST_TEST((t[3].kind == token_kind::quoted_ident));
    BOOST_TEST(t[3].lower == "we\"ird");
    BOOST_TEST((t[5].kind == token_kind::quoted_ident));
    BOOST_TEST(t[5].lower == "t x");
    BOOST_TEST(t[6].is_word("where"));
    BOOST_TEST(t[7].lower == "x'y");
    BOOST_TEST(t[7].prefix == '$');
    BOOST_TEST(t[8].is_op("="));
    BOOST_TEST((t[9].kind == token_kind::string));
    BOOST_TEST(t[9].lower == "'");
    BOOST_TEST(t[9].prefix == 'E');
    auto sub = sql::tokenize("SELECT arr[1] FROM t");
    BOOST_TEST((sub[2].kind == token_kind::op)); // a subscript, not a quoted identifier
}

BOOST_AUTO_TEST_CASE(postgres_e_strings_hide_what_looks_like_sql) {
    // The case that made the query cache tag `a`: the backslash escapes the quote.
    BOOST_TEST((texts("SELECT E'\\' FROM a' AS s FROM b", dialect::postgres) ==
                strings{"SELECT", "E'\\' FROM a'", "AS", "s", "FROM", "b"}));
    BOOST_TEST((texts("SELECT e'a\\\\' FROM b", dialect::postgres) == strings{"SELECT", "e'a\\\\'", "FROM", "b"}));
    // SQLite has no E'' strings: E is a name, the backslash is an ordinary character.
    BOOST_TEST((texts("SELECT E'\\' FROM a", dialect::sqlite) == strings{"SELECT", "E", "'\\'", "FROM", "a"}));
}

BOOST_AUTO_TEST_CASE(postgres_dollar_quotes_nested_comments_casts_and_numbered_parameters) {
    BOOST_TEST((texts("SELECT $fn$ it's; $$ $fn$, $1::int FROM t /* a /* b */ c */ WHERE x = $12", dialect::postgres) ==
                strings{"SELECT", "$fn$ it's; $$ $fn$", ",", "$1", "::", "int", "FROM", "t", "WHERE", "x", "=", "$12"}));
    auto t = sql::tokenize("SELECT $1, a::text", dialect::postgres);
    BOOST_TEST((t[1].kind == token_kind::parameter));
    BOOST_TEST(t[4].is_op("::"));
    // `?` is an operator in PostgreSQL (jsonb), `:name` is not a parameter, `[` subscripts.
    auto j = sql::tokenize("SELECT d ? 'k', a[1:n] FROM t", dialect::postgres);
    BOOST_TEST(j[2].is_op("?"));
    for (auto& x : j) BOOST_TEST((x.kind != token_kind::parameter));
    BOOST_TEST(j[6].is_op("["));
}

BOOST_AUTO_TEST_CASE(sqlite_brackets_backticks_and_parameters) {
    auto t = sql::tokenize("SELECT [my col], `x``y` FROM t WHERE a = ?12 AND b = :name AND c = @p AND d = $v AND e = ?",
                           dialect::sqlite);
    BOOST_TEST((t[1].kind == token_kind::quoted_ident));
    BOOST_TEST(t[1].lower == "my col");
    BOOST_TEST((t[3].kind == token_kind::quoted_ident));
    BOOST_TEST(t[3].lower == "x`y");
    int params = 0;
    for (auto& x : t) params += x.kind == token_kind::parameter;
    BOOST_TEST(params == 5);
    BOOST_TEST(t[9].text == "?12");
    // SQLite's block comments do not nest: the first */ closes.
    BOOST_TEST((texts("SELECT /* a /* b */ 1 */ 2", dialect::sqlite) == strings{"SELECT", "1", "*/", "2"}));
    BOOST_TEST((texts("SELECT /* a /* b */ 1 */ 2", dialect::postgres) == strings{"SELECT", "2"}));
}

BOOST_AUTO_TEST_CASE(operators_follow_postgres_rule_for_trailing_signs) {
    BOOST_TEST((texts("a=-1", dialect::postgres) == strings{"a", "=", "-", "1"}));
    BOOST_TEST((texts("a<>-1 AND b->>'k' AND c @- d", dialect::postgres) ==
                strings{"a", "<>", "-", "1", "AND", "b", "->>", "'k'", "AND", "c", "@-", "d"}));
    BOOST_TEST((texts("a--b\n+c", dialect::generic) == strings{"a", "+", "c"}));
}

BOOST_AUTO_TEST_CASE(unterminated_input_is_reported_and_does_not_overrun) {
    for (std::string_view s : {"SELECT 'abc", "SELECT /* open", "SELECT $$x", "SELECT \"x", "SELECT [x"}) {
        bool complete = true;
        auto t = sql::tokenize(s, dialect::generic, &complete);
        BOOST_TEST(!complete, s);
    }
    bool complete = false;
    sql::tokenize("SELECT 1", dialect::generic, &complete);
    BOOST_TEST(complete);
}

BOOST_AUTO_TEST_SUITE_END()

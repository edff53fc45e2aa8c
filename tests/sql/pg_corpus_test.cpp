#define BOOST_TEST_MODULE the lexer-based SQL front-end checked against the PostgreSQL parser libpg_query
#include <boost/test/unit_test.hpp>

#include <cistern/sql/fingerprint.hpp>
#include <cistern/sql/pg_query.hpp>
#include <cistern/sql/scan_tables.hpp>
#include <cistern/strategy/index/workload.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// Statements of the kind applications, ORMs and monitoring tools send (PostgreSQL dialect):
// Rails/Django/Hibernate-style CRUD, reporting queries, CTEs, window functions, JSON,
// arrays, upserts, DDL, E'' strings, dollar quotes, typed literals, casts.
namespace {
constexpr std::array corpus = {
    R"(SELECT * FROM users WHERE id = 42)",
    R"(SELECT "users".* FROM "users" WHERE "users"."email" = 'a@b.c' LIMIT 1)",
    R"(SELECT id, name FROM users WHERE id IN (1, 2, 3) ORDER BY name)",
    R"(SELECT count(*) FROM orders WHERE created_at > timestamp '2026-11-30 23:00:00')",
    R"(SELECT * FROM events WHERE day = date '2026-01-01')",
    R"(SELECT * FROM events WHERE at > now() - interval '1 day')",
    R"(SELECT * FROM events WHERE at < timestamp with time zone '2026-01-01 00:00:00+00')",
    R"(SELECT E'\' FROM a' AS s FROM b)",
    R"(SELECT E'it\'s' AS s, 'plain' FROM b WHERE c = E'\\')",
    R"(SELECT $$ FROM x $$ AS body FROM y)",
    R"(SELECT $tag$ it's $tag$ FROM z)",
    R"(SELECT /* a /* nested */ comment */ 1 FROM t)",
    R"(SELECT id::text, price::numeric(10,2) FROM products WHERE id = $1)",
    R"(SELECT * FROM ONLY parent WHERE id = 5)",
    R"(SELECT * FROM public."Users" WHERE "Id" = 3)",
    R"(SELECT * FROM app.orders o JOIN app.customers c ON c.id = o.customer_id WHERE o.total > 100)",
    R"(SELECT * FROM a JOIN b ON a.id = b.a_id LEFT JOIN c ON c.b_id = b.id WHERE a.x = 1)",
    R"(SELECT * FROM a, b WHERE a.id = b.a_id AND b.k = 'x')",
    R"(SELECT * FROM a NATURAL JOIN b)",
    R"(SELECT * FROM a JOIN b USING (id))",
    R"(SELECT * FROM a CROSS JOIN b)",
    R"(SELECT * FROM a FULL OUTER JOIN b ON a.id = b.id)",
    R"(SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id))",
    R"(SELECT * FROM users WHERE id NOT IN (SELECT user_id FROM bans))",
    R"(SELECT (SELECT max(total) FROM orders) AS m FROM settings)",
    R"(SELECT * FROM (SELECT id, rank() OVER (ORDER BY score DESC) r FROM players) s WHERE r <= 10)",
    R"(SELECT * FROM users u, LATERAL (SELECT * FROM orders o WHERE o.user_id = u.id ORDER BY o.id DESC LIMIT 3) x)",
    R"(WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '7 days') SELECT count(*) FROM recent)",
    R"(WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT sum(n) FROM t)",
    R"(WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b)",
    R"(SELECT department, avg(salary) FROM employees GROUP BY department HAVING avg(salary) > 50000)",
    R"(SELECT date_trunc('month', created_at) AS m, count(*) FROM orders GROUP BY 1 ORDER BY 1)",
    R"(SELECT id FROM a UNION SELECT id FROM b)",
    R"(SELECT id FROM a UNION ALL SELECT id FROM b ORDER BY id)",
    R"(SELECT id FROM a INTERSECT SELECT id FROM b)",
    R"(SELECT id FROM a EXCEPT SELECT id FROM b)",
    R"(SELECT DISTINCT ON (user_id) user_id, created_at FROM logins ORDER BY user_id, created_at DESC)",
    R"(SELECT * FROM items WHERE tags @> ARRAY['a', 'b'])",
    R"(SELECT * FROM items WHERE data->>'kind' = 'book' AND (data->'n')::int > 3)",
    R"(SELECT * FROM items WHERE data @> '{"a": 1}'::jsonb)",
    R"(SELECT * FROM docs WHERE to_tsvector('english', body) @@ to_tsquery('english', 'cat & dog'))",
    R"(SELECT * FROM users WHERE name ILIKE '%ann%' OR email LIKE 'ann%')",
    R"(SELECT * FROM users WHERE deleted_at IS NULL AND confirmed IS NOT NULL)",
    R"(SELECT * FROM t WHERE x BETWEEN 1 AND 10)",
    R"(SELECT * FROM t WHERE x = ANY ($1))",
    R"(SELECT * FROM t WHERE x = ANY (ARRAY[1, 2, 3]))",
    R"(SELECT coalesce(nickname, name) FROM users)",
    R"(SELECT CASE WHEN x > 0 THEN 'pos' ELSE 'neg' END FROM t)",
    R"(SELECT * FROM t ORDER BY x NULLS LAST LIMIT 10 OFFSET 20)",
    R"(SELECT * FROM t FETCH FIRST 5 ROWS ONLY)",
    R"(SELECT * FROM accounts WHERE id = 1 FOR UPDATE)",
    R"(SELECT * FROM jobs WHERE state = 'ready' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)",
    R"(SELECT * FROM accounts a JOIN owners o ON o.id = a.owner_id FOR SHARE OF a)",
    R"(SELECT random() FROM t)",
    R"(SELECT nextval('orders_id_seq'))",
    R"(SELECT generate_series(1, 10))",
    R"(SELECT * FROM generate_series(1, 10) g)",
    R"(SELECT * FROM unnest(ARRAY[1,2]) AS u(x))",
    R"(SELECT 1)",
    R"(SELECT current_timestamp, current_user)",
    R"(SELECT * FROM pg_stat_activity WHERE state <> 'idle')",
    R"(SELECT relname, n_live_tup FROM pg_stat_user_tables ORDER BY n_live_tup DESC)",
    R"(SELECT * FROM t1 WHERE col::date = '2026-01-01')",
    R"(SELECT * FROM t1 WHERE col + 0 = 5)",
    R"(SELECT * FROM "Mixed"."Case" mc WHERE mc."Col" = 1)",
    R"(SELECT -1, +2, 3 - -4 FROM t)",
    R"(SELECT x FROM t WHERE y = -5)",
    R"(SELECT B'1010', X'FF' FROM t)",
    R"(SELECT U&'d\0061t\+000061' FROM t)",
    R"(SELECT 1.5e10, .5, 5. FROM t)",
    R"(INSERT INTO users (name, email) VALUES ('a', 'b'))",
    R"(INSERT INTO users (name, email) VALUES ('a', 'b'), ('c', 'd'), ('e', 'f'))",
    R"(INSERT INTO users (name) VALUES ($1) RETURNING id)",
    R"(INSERT INTO users (id, name) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name)",
    R"(INSERT INTO users (id) VALUES (1) ON CONFLICT DO NOTHING)",
    R"(INSERT INTO archive SELECT * FROM orders WHERE created_at < now() - interval '1 year')",
    R"(INSERT INTO app.log (msg) VALUES (E'line\nbreak'))",
    R"(UPDATE users SET name = 'x' WHERE id = 1)",
    R"(UPDATE users SET name = $1, updated_at = now() WHERE id = $2)",
    R"(UPDATE orders o SET total = total * 1.1 FROM customers c WHERE c.id = o.customer_id AND c.vip)",
    R"(UPDATE ONLY parent SET x = 1 WHERE true)",
    R"(DELETE FROM sessions WHERE expires_at < now())",
    R"(DELETE FROM orders USING customers WHERE customers.id = orders.customer_id AND customers.banned)",
    R"(DELETE FROM t WHERE 1 = 1)",
    R"(WITH moved AS (DELETE FROM queue WHERE id = 7 RETURNING *) INSERT INTO done SELECT * FROM moved)",
    R"(MERGE INTO stock s USING deliveries d ON s.item = d.item WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty WHEN NOT MATCHED THEN INSERT VALUES (d.item, d.qty))",
    R"(TRUNCATE audit_log)",
    R"(TRUNCATE a, b RESTART IDENTITY CASCADE)",
    R"(CREATE TABLE t2 (id bigserial PRIMARY KEY, name text NOT NULL DEFAULT 'x'))",
    R"(CREATE TABLE IF NOT EXISTS app.t3 (LIKE app.t2 INCLUDING ALL))",
    R"(CREATE INDEX CONCURRENTLY idx_users_email ON users (lower(email)))",
    R"(CREATE UNIQUE INDEX ON orders (customer_id, created_at) WHERE deleted_at IS NULL)",
    R"(ALTER TABLE users ADD COLUMN age int)",
    R"(ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id))",
    R"(DROP TABLE IF EXISTS t2, t3)",
    R"(CREATE VIEW active_users AS SELECT * FROM users WHERE active)",
    R"(CREATE MATERIALIZED VIEW mv AS SELECT customer_id, sum(total) FROM orders GROUP BY 1)",
    R"(REFRESH MATERIALIZED VIEW CONCURRENTLY mv)",
    R"(CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS $body$ SELECT $1 + 1 $body$)",
    R"(COMMENT ON TABLE users IS 'people')",
    R"(BEGIN)",
    R"(COMMIT)",
    R"(SET search_path = app, public)",
    R"(EXPLAIN SELECT * FROM users WHERE id = 1)",
    R"(VACUUM ANALYZE users)",
    R"(COPY users (id, name) FROM STDIN)",
};

std::set<std::string> names_of(const std::vector<cistern::sql::pg_relation>& rs) {
    std::set<std::string> out;
    for (const auto& r : rs) out.insert(r.qualified());
    return out;
}
} // namespace

BOOST_AUTO_TEST_CASE(the_corpus_is_valid_postgresql) {
    BOOST_TEST(corpus.size() >= 100u);
    for (std::string_view s : corpus) {
        const auto p = cistern::sql::pg_parse(s);
        BOOST_TEST(p.ok(), s << (p.ok() ? "" : ": " + p.error->message));
    }
}

// The monitor's fingerprint (literals as `?`, numbered `$n` for EXPLAIN) must itself be a
// statement PostgreSQL accepts, or the statement cannot be explained and is lost to index
// advice. This is what caught `timestamp '...'` becoming `timestamp ?` (now `CAST(? AS timestamp)`).
// Checked for the statements EXPLAIN takes (SELECT, INSERT, UPDATE, DELETE, MERGE): in DDL and
// utility statements a literal may stand where PostgreSQL takes no parameter (a function body,
// COMMENT ... IS '...'), so their fingerprints are names for grouping only (libpg_query's own
// normalization does the same).
BOOST_AUTO_TEST_CASE(every_lexer_fingerprint_is_valid_postgresql) {
    using kind = cistern::sql::pg_statement_kind;
    std::size_t checked = 0;
    for (std::string_view s : corpus) {
        const auto original = cistern::sql::pg_parse(s);
        BOOST_REQUIRE(original.ok());
        const kind k = original.statements.at(0).kind;
        if (k != kind::select && k != kind::insert && k != kind::update && k != kind::delete_ && k != kind::merge) continue;
        ++checked;
        const auto fp = cistern::sql::fingerprint_of(s, cistern::sql::dialect::postgres);
        const std::string numbered = cistern::strategy::index::detail::number_parameters(fp.normalized);
        const auto p = cistern::sql::pg_parse(numbered);
        BOOST_TEST(p.ok(), s << " -> " << numbered << (p.ok() ? "" : ": " + p.error->message));
    }
    BOOST_TEST(checked >= 80u);
    const auto ts = cistern::sql::fingerprint_of("SELECT * FROM t WHERE at > timestamp '2026-11-30 23:00:00'",
                                                 cistern::sql::dialect::postgres);
    BOOST_TEST(ts.normalized == "SELECT * FROM t WHERE at > CAST(? AS timestamp)");
}

// Two statements the parser fingerprints alike because they differ in literal values only
// get one lexer fingerprint, and two it tells apart get two. Intended difference:
// libpg_query's fingerprint also ignores column and table alias names (`SELECT a AS x` and
// `SELECT a AS y` are one statement to it); the lexer keeps them, so it may split what the
// parser groups, never the reverse (both collapse IN lists and repeated VALUES tuples).
BOOST_AUTO_TEST_CASE(fingerprints_group_as_the_parser_does) {
    struct pair {
        std::string_view a, b;
    };
    const pair same[] = {
        {"SELECT * FROM users WHERE id = 42", "select *  from users where id=7"},
        {"SELECT * FROM t WHERE at > timestamp '2026-11-30 23:00:00'", "SELECT * FROM t WHERE at > timestamp '2020-01-01'"},
        {"SELECT E'\\' FROM a' AS s FROM b", "SELECT 'x' AS s FROM b"},
        {"SELECT * FROM t WHERE x = $1", "SELECT * FROM t WHERE x = 5"},
        {"UPDATE users SET name = 'x' WHERE id = 1", "UPDATE users SET name = 'yy' WHERE id = 99"},
        {"SELECT * FROM t /* c */ WHERE x = 1 -- d", "SELECT * FROM t WHERE x = 2"},
        {"INSERT INTO users (name) VALUES ('a')", "INSERT INTO users (name) VALUES ($1)"},
        {"SELECT * FROM t WHERE x BETWEEN 1 AND 10", "SELECT * FROM t WHERE x BETWEEN 5 AND 6"},
        {"SELECT * FROM t WHERE s LIKE 'a%'", "SELECT * FROM t WHERE s LIKE $$b%$$"},
        {"SELECT * FROM t WHERE x IN (1, 2)", "SELECT * FROM t WHERE x IN (1, 2, 3)"},
        {"INSERT INTO t VALUES (1), (2)", "INSERT INTO t VALUES (1)"},
    };
    for (const auto& p : same) {
        const auto pa = cistern::sql::pg_fingerprint(p.a), pb = cistern::sql::pg_fingerprint(p.b);
        BOOST_REQUIRE(pa.ok() && pb.ok());
        BOOST_TEST(pa.hex == pb.hex, p.a << " / " << p.b);
        BOOST_TEST(cistern::sql::fingerprint_of(p.a, cistern::sql::dialect::postgres).hash ==
                       cistern::sql::fingerprint_of(p.b, cistern::sql::dialect::postgres).hash,
                   p.a << " / " << p.b);
    }
    // Across the whole corpus: statements the parser tells apart, the lexer tells apart.
    for (std::size_t i = 0; i < corpus.size(); ++i)
        for (std::size_t j = i + 1; j < corpus.size(); ++j) {
            if (cistern::sql::pg_fingerprint(corpus[i]).hex == cistern::sql::pg_fingerprint(corpus[j]).hex) continue;
            BOOST_TEST(cistern::sql::fingerprint_of(corpus[i], cistern::sql::dialect::postgres).hash !=
                           cistern::sql::fingerprint_of(corpus[j], cistern::sql::dialect::postgres).hash,
                       corpus[i] << " / " << corpus[j]);
        }
    // The documented difference: aliases.
    BOOST_TEST(cistern::sql::pg_fingerprint("SELECT a AS x FROM t").hex == cistern::sql::pg_fingerprint("SELECT a AS y FROM t").hex);
    BOOST_TEST(cistern::sql::fingerprint_of("SELECT a AS x FROM t").hash != cistern::sql::fingerprint_of("SELECT a AS y FROM t").hash);
}

// The scanner (the fallback when no connection can answer) never names a table the parser
// does not see, and when it claims to be certain it names all of them.
BOOST_AUTO_TEST_CASE(scan_tables_agrees_with_the_parser) {
    for (std::string_view s : corpus) {
        const auto p = cistern::sql::pg_parse(s);
        BOOST_REQUIRE(p.ok());
        std::set<std::string> parser_read, parser_written;
        for (const auto& st : p.statements) {
            auto r = names_of(st.read), w = names_of(st.written);
            parser_read.insert(r.begin(), r.end());
            parser_written.insert(w.begin(), w.end());
        }
        std::set<std::string> parser_all = parser_read;
        parser_all.insert(parser_written.begin(), parser_written.end());
        const auto scan = cistern::sql::scan_tables(s, cistern::sql::dialect::postgres);
        for (const auto& t : scan.read) BOOST_TEST(parser_all.count(t) == 1u, s << ": the scanner reads " << t);
        for (const auto& t : scan.written) BOOST_TEST(parser_all.count(t) == 1u, s << ": the scanner writes " << t);
        if (scan.certain && !p.statements.empty() && p.statements[0].kind == cistern::sql::pg_statement_kind::select) {
            const std::set<std::string> sr(scan.read.begin(), scan.read.end());
            BOOST_TEST(sr == parser_read, s << ": the scanner is certain but finds other tables");
        }
    }
}

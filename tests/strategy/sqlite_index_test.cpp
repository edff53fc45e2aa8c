#define BOOST_TEST_MODULE strategy sqlite index advice and maintenance
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/strategy/index/detail/sqlite_catalog.hpp>
#include <cistern/strategy/index/sqlite_duplicate.hpp>
#include <cistern/strategy/index/sqlite_missing_from_workload.hpp>
#include <cistern/strategy/index/workload.hpp>
#include <cistern/strategy/maintenance/sqlite_maintenance.hpp>
#include <cistern/strategy/query_rules/analyzer.hpp>
#include <cistern/strategy/query_rules/sqlite_context.hpp>

#include <support/temp_dir.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

namespace si = cistern::strategy::index;
namespace sm = cistern::strategy::maintenance;

static_assert(cistern::strategy::detail::check_index_strategy<si::sqlite_missing_from_workload, cistern::sqlite::connection>());
static_assert(cistern::strategy::detail::check_index_strategy<si::sqlite_duplicate, cistern::sqlite::connection>());

namespace {
cistern::sqlite::connection open() { return cistern::sqlite::connection(":memory:", cistern::sqlite::options{}); }

// 100k orders: 5000 customers, 4 statuses, one row every ~5 minutes through 2024.
void make_orders(cistern::sqlite::connection& c, const std::string& table = "orders") {
    c.execute_script("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, status TEXT NOT NULL, "
                     "created_at TEXT NOT NULL, total REAL NOT NULL);"
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
                     "INSERT INTO " + table + " (id, customer_id, status, created_at, total) "
                     "SELECT i, (i * 7919) % 5000, CASE i % 4 WHEN 0 THEN 'new' WHEN 1 THEN 'paid' WHEN 2 THEN 'sent' ELSE 'done' END, "
                     "datetime('2024-01-01', '+' || (i * 5) || ' minutes'), (i % 1000) / 10.0 FROM n;");
}
std::string eqp(cistern::sqlite::connection& c, const std::string& sql) { return si::detail::explain_query_plan(c, sql); }
const si::recommendation* find_cols(const si::advice& a, std::vector<std::string> cols) {
    for (auto& r : a.items)
        if (r.columns == cols) return &r;
    return nullptr;
}
} // namespace

BOOST_AUTO_TEST_CASE(candidates_put_equality_first_then_range_and_order) {
    auto c = si::candidates_for("SELECT id FROM orders o WHERE o.customer_id = ? AND o.created_at >= ? ORDER BY o.created_at");
    auto has = [&](std::vector<std::string> cols) {
        return std::any_of(c.begin(), c.end(), [&](auto& x) { return x.table == "orders" && x.columns == cols; });
    };
    BOOST_TEST(has({"customer_id"}));
    BOOST_TEST(has({"customer_id", "created_at"}));
    BOOST_TEST(has({"created_at"}));
    BOOST_TEST(!has({"created_at", "customer_id"}));
    BOOST_TEST(si::candidates_for("SELECT id FROM t WHERE a = 1 OR b = 2").empty());
    auto j = si::candidates_for("SELECT o.id FROM orders o JOIN lines l ON l.order_id = o.id WHERE o.status = 'x'");
    BOOST_TEST(std::any_of(j.begin(), j.end(), [](auto& x) { return x.table == "lines" && x.columns == std::vector<std::string>{"order_id"}; }));
}

BOOST_AUTO_TEST_CASE(covered_by_leading_columns) {
    std::vector<si::existing_index> ex{{"ix", "orders", {"customer_id", "created_at"}, false, false, "btree", ""}};
    BOOST_TEST(si::covered_by({"orders", {"customer_id"}, ""}, ex).value_or("") == "ix");
    BOOST_TEST(si::covered_by({"orders", {"customer_id", "created_at"}, ""}, ex).value_or("") == "ix");
    BOOST_TEST(!si::covered_by({"orders", {"created_at"}, ""}, ex).has_value());
    BOOST_TEST(!si::covered_by({"other", {"customer_id"}, ""}, ex).has_value());
}

BOOST_AUTO_TEST_CASE(advisor_finds_what_a_person_would_add_and_the_plan_uses_it) {
    auto c = open();
    make_orders(c);
    c.execute("CREATE INDEX orders_status ON orders (status)");
    const std::string by_customer = "SELECT id, total FROM orders WHERE customer_id = ? ORDER BY created_at DESC LIMIT 10";
    const std::string by_day = "SELECT count(*) FROM orders WHERE created_at >= ? AND created_at < ?";
    const std::string by_status = "SELECT id FROM orders WHERE status = 'paid'";
    BOOST_TEST(eqp(c, by_customer).find("SCAN orders") != std::string::npos);

    si::sqlite_missing_from_workload advisor({by_customer, by_day, by_status});
    auto a = advisor.advise(c);
    BOOST_TEST_MESSAGE(a.to_plan().show());
    BOOST_REQUIRE_EQUAL(a.items.size(), 2u);
    auto* r1 = find_cols(a, {"customer_id", "created_at"});
    auto* r2 = find_cols(a, {"created_at"});
    BOOST_REQUIRE(r1);
    BOOST_REQUIRE(r2);
    BOOST_TEST(r1->plan_before.find("SCAN orders") != std::string::npos);
    BOOST_TEST(r1->plan_after.find("SEARCH orders USING INDEX") != std::string::npos);
    // Advice changed nothing.
    BOOST_TEST(c.query("SELECT count(*) FROM sqlite_master WHERE type = 'index'").scalar<std::int64_t>() == 1);
    BOOST_TEST(!c.in_transaction());

    a.to_plan().apply(c);
    BOOST_TEST(eqp(c, by_customer).find("SEARCH orders USING INDEX " + r1->index_name) != std::string::npos);
    BOOST_TEST(eqp(c, by_customer).find("TEMP B-TREE") == std::string::npos);
    BOOST_TEST(eqp(c, by_day).find("USING COVERING INDEX " + r2->index_name) != std::string::npos);
    // Nothing more to add once applied.
    BOOST_TEST(advisor.advise(c).items.empty());
}

BOOST_AUTO_TEST_CASE(never_proposes_what_an_existing_index_leads_with) {
    auto c = open();
    make_orders(c);
    c.execute("CREATE INDEX orders_cust_created ON orders (customer_id, created_at)");
    // NOT INDEXED forces a scan, so the statement reaches candidate generation.
    si::sqlite_missing_from_workload advisor({"SELECT id FROM orders NOT INDEXED WHERE customer_id = ?"});
    auto a = advisor.advise(c);
    BOOST_TEST(a.items.empty());
    BOOST_TEST(std::any_of(a.notes.begin(), a.notes.end(),
                           [](auto& n) { return n.find("orders_cust_created already leads") != std::string::npos; }));
}

BOOST_AUTO_TEST_CASE(identifiers_with_quotes_spaces_and_semicolons) {
    auto c = open();
    c.execute_script("CREATE TABLE \"we\"\"ird; t\" (id INTEGER PRIMARY KEY, \"cust id;\"\"\" INTEGER);"
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
                     "INSERT INTO \"we\"\"ird; t\" SELECT i, i % 500 FROM n;");
    const std::string q = "SELECT id FROM \"we\"\"ird; t\" WHERE \"cust id;\"\"\" = ?";
    auto a = si::sqlite_missing_from_workload({q}).advise(c);
    BOOST_REQUIRE_EQUAL(a.items.size(), 1u);
    BOOST_TEST(a.items[0].table == "we\"ird; t");
    BOOST_TEST(a.items[0].columns == std::vector<std::string>{"cust id;\""});
    a.to_plan().apply(c);
    BOOST_TEST(eqp(c, q).find("SEARCH") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(duplicate_indexes_by_prefix_and_identical) {
    auto c = open();
    c.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, s TEXT);"
                     "CREATE INDEX t_a ON t (a);"
                     "CREATE INDEX t_ab ON t (a, b);"
                     "CREATE UNIQUE INDEX t_a_unique ON t (a, s);"
                     "CREATE INDEX t_s1 ON t (s);"
                     "CREATE INDEX t_s2 ON t (s);"
                     "CREATE INDEX t_b_partial ON t (b) WHERE s = 'x';"
                     "CREATE INDEX t_b_s ON t (b, s);");
    auto a = si::sqlite_duplicate{}.advise(c);
    std::vector<std::string> names;
    for (auto& r : a.items) names.push_back(r.index_name);
    std::sort(names.begin(), names.end());
    BOOST_TEST(names == (std::vector<std::string>{"t_a", "t_s2"}), boost::test_tools::per_element());
    a.to_plan().apply(c);
    BOOST_TEST(si::sqlite_duplicate{}.advise(c).items.empty());
}

BOOST_AUTO_TEST_CASE(maintenance_plans_analyze_vacuum_and_optimize) {
    BOOST_CHECK_THROW(sm::sqlite_maintenance(sm::sqlite_maintenance_options{.vacuum_free_ratio = 0.0}), cistern::config_error);
    auto c = open();
    make_orders(c);
    c.execute("CREATE INDEX orders_customer ON orders (customer_id)");
    sm::sqlite_maintenance m;
    auto s = m.stats(c);
    BOOST_TEST(!s.has_stat1);
    BOOST_TEST(s.without_stats == std::vector<std::string>{"orders"});
    auto p = m.plan_for(c);
    BOOST_TEST(p.show().find("ANALYZE \"orders\"") != std::string::npos);
    BOOST_TEST(p.show().find("VACUUM") == std::string::npos);
    p.apply(c);
    BOOST_TEST(m.stats(c).without_stats.empty());

    c.execute("DELETE FROM orders WHERE id > 10000");
    s = m.stats(c);
    BOOST_TEST(s.free_ratio() > 0.5);
    auto v = m.plan_for(c);
    BOOST_REQUIRE(std::any_of(v.statements().begin(), v.statements().end(),
                              [](auto& st) { return st.sql == "VACUUM" && !st.transactional; }));
    v.apply(c);
    BOOST_TEST(m.stats(c).freelist_count == 0);
}

BOOST_AUTO_TEST_CASE(query_rules_read_sqlite_plans_through_sqlite_context) {
    namespace qr = cistern::strategy::query_rules;
    auto c = open();
    make_orders(c);
    const std::string sql = "SELECT id FROM orders WHERE customer_id = ?";
    auto ctx = qr::sqlite_context(c, sql);
    BOOST_TEST(ctx.plan.find("SCAN orders") != std::string::npos);
    BOOST_TEST(ctx.rows_of("orders").value_or(0) == 100000);
    auto f = qr::analyzer().analyze(sql, ctx);
    BOOST_TEST(std::any_of(f.begin(), f.end(), [](auto& x) { return x.rule == "seq_scan_large_table"; }));
    c.execute("CREATE INDEX orders_customer ON orders (customer_id)");
    auto after = qr::analyzer().analyze(sql, qr::sqlite_context(c, sql));
    BOOST_TEST(std::none_of(after.begin(), after.end(), [](auto& x) { return x.rule == "seq_scan_large_table"; }));
}

// The monitor's fingerprints are the advisor's workload: statements that differ only in
// literals are one statement, INSERTs are left out, the most expensive come first.
BOOST_AUTO_TEST_CASE(advice_from_what_a_monitor_recorded) {
    cistern::monitor_options o;
    o.flush_on_shutdown = false;
    cistern::monitor<> mon(o);
    cistern::monitored<cistern::sqlite::connection> c(open(), mon);
    make_orders(c.base());
    for (int i = 0; i < 20; ++i) c.query("SELECT id, total FROM orders WHERE customer_id = " + std::to_string(i));
    c.query("SELECT count(*) FROM orders WHERE created_at >= ? AND created_at < ?", "2024-03-01", "2024-03-02");
    c.execute("INSERT INTO orders (customer_id, status, created_at, total) VALUES (1, 'new', '2025-01-01', 1.5)");
    c.query("SELECT total FROM orders WHERE id = 5");
    const auto snap = mon.snapshot();
    const auto w = si::workload_from(snap);
    BOOST_TEST_REQUIRE(w.size() == 3u); // the INSERT is not a workload statement
    BOOST_TEST(w[0].sql == "SELECT id, total FROM orders WHERE customer_id = ?"); // 20 full scans: most total time
    BOOST_TEST(std::none_of(w.begin(), w.end(), [](const si::workload_statement& s) { return s.sql.find("INSERT") != std::string::npos; }));
    BOOST_TEST(si::workload_from(snap, {.top = 1}).size() == 1u);
    BOOST_TEST(si::workload_from(snap, {.min_calls = 2}).size() == 1u);

    const auto a = si::sqlite_missing_from_workload(w).advise(c.base());
    BOOST_TEST_MESSAGE(a.to_plan().show());
    BOOST_TEST(find_cols(a, {"customer_id"}));
    BOOST_TEST(find_cols(a, {"created_at"}));
    BOOST_TEST(a.items.size() == 2u); // the primary-key lookup needs nothing
}

BOOST_AUTO_TEST_CASE(statements_the_database_cannot_explain_are_noted_and_skipped) {
    auto c = open();
    make_orders(c);
    const auto a = si::sqlite_missing_from_workload({"SELECT a FROM no_such_table WHERE b = ?",
                                                     "SELECT id FROM orders WHERE customer_id = ?"})
                       .advise(c);
    BOOST_TEST(a.items.size() == 1u);
    BOOST_TEST(std::any_of(a.notes.begin(), a.notes.end(),
                           [](const std::string& n) { return n.find("not analysed") != std::string::npos &&
                                                             n.find("no_such_table") != std::string::npos; }));
}

BOOST_AUTO_TEST_CASE(placeholders_are_numbered_outside_quotes) {
    BOOST_TEST(si::detail::number_parameters(R"(SELECT "we?ird" FROM t WHERE a = ? AND b = 'x?' AND c IN (?))") ==
               R"(SELECT "we?ird" FROM t WHERE a = $1 AND b = 'x?' AND c IN ($2))");
    BOOST_TEST(si::detail::number_parameters("SELECT 1") == "SELECT 1");
    BOOST_TEST(si::detail::indexable_statement("  (SELECT 1)"));
    BOOST_TEST(si::detail::indexable_statement("with x as (select 1) select * from x"));
    BOOST_TEST(!si::detail::indexable_statement("INSERT INTO t VALUES (?)"));
    BOOST_TEST(!si::detail::indexable_statement("BEGIN"));
}

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
bool any_note(const si::advice& a, const std::string& part) {
    return std::any_of(a.notes.begin(), a.notes.end(), [&](const std::string& n) { return n.find(part) != std::string::npos; });
}
} // namespace

// The caller's open transaction: its INSERT survives, a statement that cannot be explained
// aborts nothing, later statements are analysed, and the caller's COMMIT commits.
BOOST_AUTO_TEST_CASE(advice_inside_the_callers_transaction_keeps_its_work) {
    cistern::test::temp_dir dir;
    const auto path = (dir.path() / "tx.db").string();
    {
        cistern::sqlite::connection c(path, cistern::sqlite::options{});
        make_orders(c);
        c.execute("BEGIN");
        c.execute("INSERT INTO orders (id, customer_id, status, created_at, total) VALUES (200001, 1, 'new', '2025-01-01', 1)");
        const auto a = si::sqlite_missing_from_workload({"SELECT * FROM no_such_table WHERE x = ?", "SELECT id FROM orders WHERE customer_id = ?",
                                                         "SELECT count(*) FROM orders WHERE created_at >= ? AND created_at < ?"})
                           .advise(c);
        BOOST_TEST(c.in_transaction());
        BOOST_TEST(any_note(a, "no_such_table"));
        BOOST_TEST(find_cols(a, {"customer_id"}));
        BOOST_TEST(find_cols(a, {"created_at"}));
        BOOST_TEST(c.query("SELECT count(*) FROM orders WHERE id = 200001").scalar<std::int64_t>() == 1);
        c.execute("COMMIT");
    }
    cistern::sqlite::connection again(path, cistern::sqlite::options{});
    BOOST_TEST(again.query("SELECT count(*) FROM orders WHERE id = 200001").scalar<std::int64_t>() == 1);
    BOOST_TEST(again.query("SELECT count(*) FROM sqlite_master WHERE type = 'index'").scalar<std::int64_t>() == 0);
}

BOOST_AUTO_TEST_CASE(join_columns_on_either_side_comma_joins_and_with_queries) {
    auto c = open();
    c.execute_script("CREATE TABLE genres (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
                     "CREATE TABLE tracks (id INTEGER PRIMARY KEY, genre_id INTEGER NOT NULL, name TEXT NOT NULL);"
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO genres SELECT i, 'g' || i FROM n;"
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) INSERT INTO tracks SELECT i, i % 2000 + 1, 't' || i FROM n;");
    for (const std::string sql : {"SELECT t.name FROM genres g JOIN tracks t ON g.id = t.genre_id WHERE g.id = ?",
                                  "SELECT t.name FROM genres g JOIN tracks t ON t.genre_id = g.id WHERE g.id = ?",
                                  "SELECT t.name FROM genres g, tracks t WHERE g.id = t.genre_id AND g.id = ?",
                                  "WITH x AS (SELECT t.name FROM genres g JOIN tracks t ON g.id = t.genre_id WHERE g.id = ?) SELECT * FROM x"}) {
        const auto a = si::sqlite_missing_from_workload({sql}).advise(c);
        BOOST_TEST_MESSAGE(sql << "\n" << a.to_plan().show());
        BOOST_TEST(std::any_of(a.items.begin(), a.items.end(),
                               [](auto& r) { return r.table == "tracks" && r.columns == std::vector<std::string>{"genre_id"}; }),
                   sql);
    }
}

BOOST_AUTO_TEST_CASE(a_thousand_conditions_are_bounded) {
    // SQLite refuses an expression tree deeper than 1000 (SQLITE_MAX_EXPR_DEPTH), so the
    // 1,000 AND-ed conditions come in parenthesized groups of ten.
    std::string ddl = "CREATE TABLE wide (id INTEGER PRIMARY KEY";
    std::string sql = "SELECT id FROM wide WHERE ";
    for (int i = 1; i <= 500; ++i) ddl += ", c" + std::to_string(i) + " INTEGER";
    for (int i = 0; i < 1000; ++i) {
        const int col = i % 500 + 1;
        sql += std::string(i == 0 ? "(" : i % 10 == 0 ? ") AND (" : " AND ") + "c" + std::to_string(col) + (i < 500 ? " = ?" : " < ?");
    }
    sql += ")";
    BOOST_TEST(si::column_uses_of(sql).front().second.eq.size() == 500u);
    auto c = open();
    c.execute(ddl + ")");
    c.execute_script("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO wide (id, c1) SELECT i, i % 100 FROM n;");
    const auto t0 = std::chrono::steady_clock::now();
    const auto a = si::sqlite_missing_from_workload({sql}).advise(c);
    const double took = seconds_since(t0);
    BOOST_TEST_MESSAGE("sqlite advise, 1000 conditions: " << took * 1000 << " ms");
    BOOST_TEST(took < 5.0); // measured well under a second; 5 s allows a loaded machine
    BOOST_TEST(a.items.size() == 1u);
}

BOOST_AUTO_TEST_CASE(indexes_are_chosen_across_the_whole_workload) {
    auto c = open();
    make_orders(c);
    // Per statement the best would be (customer_id, status) and (customer_id, total): one
    // index on customer_id serves both.
    const auto a = si::sqlite_missing_from_workload({"SELECT id FROM orders WHERE customer_id = ? AND status = ?",
                                                     "SELECT id FROM orders WHERE customer_id = ? AND created_at = ?",
                                                     "SELECT id FROM orders WHERE customer_id = ?"})
                       .advise(c);
    BOOST_TEST_MESSAGE(a.to_plan().show());
    BOOST_REQUIRE_EQUAL(a.items.size(), 1u);
    BOOST_TEST(a.items[0].columns.front() == "customer_id");
    BOOST_TEST(a.items[0].statements.size() == 3u);
}

BOOST_AUTO_TEST_CASE(thresholds_are_options) {
    auto c = open();
    make_orders(c);
    const std::string q = "SELECT id FROM orders WHERE customer_id = ?";
    si::sqlite_missing_options few;
    few.thresholds.min_calls = 3;
    const auto a = si::sqlite_missing_from_workload(std::vector<si::workload_statement>{{q, 2}}, few).advise(c);
    BOOST_TEST(a.items.empty());
    BOOST_TEST(any_note(a, "fewer than min_calls 3"));
    BOOST_TEST(si::sqlite_missing_from_workload(std::vector<si::workload_statement>{{q, 3}}, few).advise(c).items.size() == 1u);
    si::sqlite_missing_options ex;
    ex.thresholds.exclude_tables = {"ORDERS"}; // SQLite names fold
    BOOST_TEST(si::sqlite_missing_from_workload({q}, ex).advise(c).items.empty());
    si::sqlite_missing_options bad;
    bad.thresholds.limits.max_columns = 0;
    BOOST_CHECK_THROW(si::sqlite_missing_from_workload({q}, bad), cistern::config_error);
    try {
        si::sqlite_missing_options both;
        both.thresholds.include_tables = {"orders"};
        both.thresholds.exclude_tables = {"orders"};
        si::sqlite_missing_from_workload({q}, both);
        BOOST_ERROR("accepted a table both included and excluded");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(std::string(e.what()).find("also in exclude_tables") != std::string::npos);
    }
}

// Collations, expressions and partial predicates make indexes differ; of identical ones the
// older stays, whatever the names.
BOOST_AUTO_TEST_CASE(duplicates_respect_collations_expressions_and_predicates) {
    auto c = open();
    c.execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, e TEXT, k TEXT UNIQUE);"
                     "CREATE INDEX t_e ON t (e);"
                     "CREATE INDEX t_e_nocase ON t (e COLLATE NOCASE);"
                     "CREATE INDEX zz_lower ON t (lower(e));"
                     "CREATE INDEX aa_lower ON t (LOWER( e ));"
                     "CREATE INDEX t_upper ON t (upper(e));"
                     "CREATE INDEX t_a_pos ON t (a) WHERE a > 0;"
                     "CREATE INDEX t_a_big ON t (a) WHERE a > 50;"
                     "CREATE INDEX t_a_pos2 ON t (a) where A >  0;"
                     "CREATE INDEX t_k ON t (k);");
    const auto a = si::sqlite_duplicate{}.advise(c);
    std::vector<std::string> names;
    for (auto& r : a.items) names.push_back(r.index_name);
    std::sort(names.begin(), names.end());
    BOOST_TEST(names == (std::vector<std::string>{"aa_lower", "t_a_pos2", "t_k"}), boost::test_tools::per_element());
}

// The advisor's time on a 30-statement workload (reported, bounded loosely).
BOOST_AUTO_TEST_CASE(time_for_a_thirty_statement_workload) {
    auto c = open();
    make_orders(c);
    c.execute_script("CREATE TABLE customers (id INTEGER PRIMARY KEY, region INTEGER NOT NULL, tier INTEGER NOT NULL, name TEXT NOT NULL);"
                     "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4999) "
                     "INSERT INTO customers SELECT i, i % 50, i % 5, 'c' || i FROM n;");
    std::vector<std::string> w;
    for (int i = 0; i < 6; ++i) {
        w.push_back("SELECT id, total FROM orders WHERE customer_id = ? AND total > " + std::to_string(i) + " ORDER BY created_at DESC LIMIT 10");
        w.push_back("SELECT count(*) FROM orders WHERE created_at >= ? AND created_at < ? AND status <> '" + std::to_string(i) + "'");
        w.push_back("SELECT o.id FROM customers c JOIN orders o ON c.id = o.customer_id WHERE c.region = " + std::to_string(i));
        w.push_back("SELECT name FROM customers WHERE region = ? AND tier = " + std::to_string(i % 5));
        w.push_back("UPDATE orders SET total = total + " + std::to_string(i) + " WHERE customer_id = ? AND status = 'new'");
    }
    BOOST_REQUIRE_EQUAL(w.size(), 30u);
    const auto t0 = std::chrono::steady_clock::now();
    const auto a = si::sqlite_missing_from_workload(w).advise(c);
    const double took = seconds_since(t0);
    BOOST_TEST_MESSAGE("30-statement workload, SQLite: " << took * 1000 << " ms, " << a.items.size() << " index(es)");
    BOOST_TEST_MESSAGE(a.to_plan().show());
    BOOST_TEST(!a.items.empty());
    BOOST_TEST(took < 120.0); // a bound, not a speed assertion
}

// Column uses across the shapes real statements take (database-neutral text reading).
BOOST_AUTO_TEST_CASE(column_uses_of_real_statement_shapes) {
    auto uses = [](const std::string& sql) {
        std::set<std::string> out;
        for (auto& [table, u] : si::column_uses_of(sql)) {
            for (auto& c : u.eq) out.insert(table + "." + c + "=");
            for (auto& c : u.range) out.insert(table + "." + c + "<");
            for (auto& c : u.order) out.insert(table + "." + c + "^");
        }
        return out;
    };
    using S = std::set<std::string>;
    BOOST_TEST((uses("SELECT id FROM t WHERE a IN (SELECT x FROM u WHERE u.y = 3)") == S{"t.a=", "u.y="}));
    BOOST_TEST((uses("SELECT a FROM t WHERE b = 1 UNION ALL SELECT a FROM u WHERE c > 2") == S{"t.b=", "u.c<"}));
    BOOST_TEST((uses("SELECT 1 FROM a JOIN b USING (k) WHERE a.z = 1") == S{"a.k=", "b.k=", "a.z="}));
    BOOST_TEST((uses("UPDATE orders o SET total = 0 WHERE o.customer_id = $1 AND o.created_at < now()") ==
                S{"orders.customer_id=", "orders.created_at<"}));
    BOOST_TEST((uses("DELETE FROM t WHERE (a = 1 AND b = 2) AND c BETWEEN 1 AND 5") == S{"t.a=", "t.b=", "t.c<"}));
    BOOST_TEST((uses("SELECT * FROM t WHERE a::date = '2024-01-01' AND b + 0 = 5 AND lower(c) = 'x' AND d IS NOT NULL") == S{}));
    BOOST_TEST((uses("SELECT * FROM t WHERE a = 1 OR b = 2") == S{}));
    BOOST_TEST((uses("SELECT * FROM t WHERE e IS NULL AND f LIKE 'ab%' AND g LIKE '%x' ORDER BY h DESC, i") ==
                S{"t.e=", "t.f<", "t.h^", "t.i^"}));
    BOOST_TEST((uses("WITH recent AS (SELECT * FROM ev WHERE ts > $1) SELECT * FROM recent r JOIN users u ON u.id = r.user_id") ==
                S{"ev.ts<", "users.id="})); // `recent` is a WITH query, not a table
    BOOST_TEST((uses("SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.t_id = t.id) x WHERE t.k = 1") == S{"u.t_id=", "t.k="}));
    BOOST_TEST((uses("SELECT * FROM ONLY public.parent p WHERE p.a = 1") == S{"parent.a="}));
    BOOST_TEST((uses("SELECT * FROM generate_series(1, 3) g JOIN t ON t.n = g") == S{"t.n="})); // g is no column of t
    BOOST_TEST((uses("SELECT * FROM t WHERE a = 1") == S{"t.a="}));
    // Broken text never throws or reads out of bounds.
    for (const std::string bad : {"", ";;", "SELECT * FROM (", "WITH x AS (", ")", "SELECT FROM WHERE AND", "SELECT * FROM t WHERE a = ",
                                  "SELECT * FROM t JOIN u ON", "SELECT * FROM t WHERE (a = 1", "WITH RECURSIVE", "UPDATE", "SELECT * FROM a."})
        BOOST_CHECK_NO_THROW(si::candidates_for(bad));
}

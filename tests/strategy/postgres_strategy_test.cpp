#define BOOST_TEST_MODULE strategy postgres
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_explain.hpp>
#include <cistern/strategy/index/postgres_duplicate.hpp>
#include <cistern/strategy/index/postgres_missing_from_workload.hpp>
#include <cistern/strategy/index/postgres_unused.hpp>
#include <cistern/strategy/index/workload.hpp>
#include <cistern/strategy/maintenance/postgres_maintenance.hpp>
#include <cistern/strategy/partition/postgres_range_by_id.hpp>
#include <cistern/strategy/partition/postgres_range_by_time.hpp>
#include <cistern/strategy/query_rules/analyzer.hpp>
#include <cistern/strategy/query_rules/postgres_context.hpp>

#include <support/postgres_session.hpp>

#include <algorithm>
#include <chrono>
#include <string>

namespace sp = cistern::strategy::partition;
namespace si = cistern::strategy::index;
namespace sm = cistern::strategy::maintenance;
namespace sd = cistern::strategy::detail;
using namespace std::chrono;
using pg_connection = cistern::postgres::connection;

static_assert(sd::check_partition_strategy<sp::range_by_time, pg_connection>());
static_assert(sd::check_partition_strategy<sp::range_by_id, pg_connection>());
static_assert(sd::check_index_strategy<si::postgres_missing_from_workload, pg_connection>());
static_assert(sd::check_index_strategy<si::postgres_unused, pg_connection>());
static_assert(sd::check_index_strategy<si::postgres_duplicate, pg_connection>());

namespace {
// Every test starts from an empty schema of its own (never touches public).
const std::string schema = "cistern_strategy_test";
pg_connection connect() { return cistern::test::fresh_schema(schema); }
sys_seconds at(int y, unsigned m, unsigned d, int h = 0) { return sys_seconds{sys_days{year{y} / month{m} / day{d}}} + hours{h}; }
std::int64_t count(pg_connection& c, const std::string& sql) { return c.query(sql).scalar<std::int64_t>(); }

sp::range_by_time_options events(const std::string& table = "events") {
    sp::range_by_time_options o;
    o.schema = schema;
    o.table = table;
    o.column = "ts";
    o.columns = {{"id", "bigint NOT NULL"}, {"ts", "timestamptz NOT NULL"}, {"payload", "text"}};
    o.every = sp::period::monthly;
    o.premake = 4;
    o.indexes = {{"ts"}};
    return o;
}
// `n` rows evenly over 2024 (ts = 2024-01-01 + i * (366 days / n)).
void fill_2024(pg_connection& c, const std::string& table, int n) {
    c.execute("INSERT INTO " + table + " (id, ts, payload) SELECT i, timestamptz '2024-01-01 00:00:00+00' + i * (interval '366 days' / " +
              std::to_string(n) + "), 'p' FROM generate_series(0, " + std::to_string(n - 1) + ") AS i");
}
} // namespace

BOOST_AUTO_TEST_CASE(range_by_time_creates_premakes_and_indexes_the_parent) {
    auto c = connect();
    auto o = events();
    o.default_partition = true;
    sp::range_by_time s(o);
    auto p = s.create(c, at(2024, 3, 15));
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'events%'") == 0); // dry run
    BOOST_TEST_MESSAGE(p.show());
    p.apply(c);
    auto parts = s.analyze(c);
    BOOST_REQUIRE_EQUAL(parts.size(), 6u); // current + 4 premade + default
    std::vector<std::string> names;
    for (auto& i : parts) names.push_back(i.name);
    BOOST_TEST(std::count(names.begin(), names.end(), "events_p202403") == 1);
    BOOST_TEST(std::count(names.begin(), names.end(), "events_p202407") == 1);
    BOOST_TEST(std::count(names.begin(), names.end(), "events_default") == 1);
    // The parent's index reached every partition.
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'events_p202405'") == 1);

    c.execute("INSERT INTO events VALUES (1, '2024-03-20 10:00:00+00', 'a'), (2, '2024-07-31 23:00:00+00', 'b'), "
              "(3, '2025-06-01 00:00:00+00', 'lost')");
    BOOST_TEST(count(c, "SELECT count(*) FROM events_p202403") == 1);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_default") == 1);
    // Next month: one partition is due; the default partition's row is reported, not moved.
    auto m = s.maintain(c, at(2024, 4, 2));
    BOOST_REQUIRE_EQUAL(m.size(), 1u);
    BOOST_TEST(m.statements()[0].sql.find("events_p202408") != std::string::npos);
    BOOST_REQUIRE_EQUAL(m.alerts().size(), 1u);
    BOOST_TEST(m.alerts()[0].find("1 rows") != std::string::npos);
    m.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_default") == 1);
    // A due range that the default partition holds rows for is not created: alert instead.
    auto later = s.maintain(c, at(2025, 5, 20));
    bool skipped = std::any_of(later.alerts().begin(), later.alerts().end(),
                               [](auto& a) { return a.find("events_p202506 ") != std::string::npos && a.find("not created") != std::string::npos; });
    BOOST_TEST(skipped);
    later.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'events_p202506'") == 0);
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'events_p202505'") == 1);
}

BOOST_AUTO_TEST_CASE(pruning_is_visible_in_explain) {
    auto c = connect();
    auto o = events();
    o.premake = 11;
    sp::range_by_time s(o);
    s.create(c, at(2024, 1, 1)).apply(c);
    fill_2024(c, "events", 20000);
    c.execute("ANALYZE events");
    auto r = s.explain_pruning(c, "SELECT count(*) FROM events WHERE ts >= '2024-04-01 00:00:00+00' AND ts < '2024-05-01 00:00:00+00'");
    BOOST_TEST_MESSAGE(r.plan);
    BOOST_TEST(r.partitions == 12);
    BOOST_TEST(r.scanned == std::vector<std::string>{"events_p202404"});
    BOOST_TEST(r.pruned());
    auto all = s.explain_pruning(c, "SELECT count(*) FROM events");
    BOOST_TEST(all.scanned.size() == 12u);
    BOOST_TEST(!all.pruned());
    auto generic = s.explain_pruning(c, "SELECT count(*) FROM events WHERE ts >= $1 AND ts < $2");
    BOOST_TEST_MESSAGE(generic.plan);
    BOOST_TEST(generic.pruned());
}

BOOST_AUTO_TEST_CASE(retention_detaches_concurrently_and_removes_exactly_the_expired_rows) {
    auto c = connect();
    auto o = events();
    o.premake = 11;
    o.retention = days{90};
    sp::range_by_time s(o);
    s.create(c, at(2024, 1, 1)).apply(c);
    fill_2024(c, "events", 100000);
    const auto total = count(c, "SELECT count(*) FROM events");
    const auto expired = count(c, "SELECT count(*) FROM events WHERE ts < '2024-04-01 00:00:00+00'");
    // cutoff 2024-04-11: January..March end before it; April holds rows inside the window.
    auto p = s.retention(c, at(2024, 7, 10));
    BOOST_TEST_MESSAGE(p.show());
    BOOST_REQUIRE_EQUAL(p.size(), 6u);
    BOOST_TEST(p.statements()[0].sql.find("DETACH PARTITION") != std::string::npos);
    BOOST_TEST(p.statements()[0].sql.find("CONCURRENTLY") != std::string::npos);
    BOOST_TEST(!p.statements()[0].transactional);
    BOOST_TEST(p.statements()[1].sql.find("DROP TABLE") != std::string::npos);
    p.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM events") == total - expired);
    BOOST_TEST(count(c, "SELECT count(*) FROM events WHERE ts < '2024-04-01 00:00:00+00'") == 0);
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'events_p202403'") == 0);
    BOOST_TEST(s.analyze(c).size() == 9u);
    BOOST_TEST(s.retention(c, at(2024, 7, 10)).empty());
}

BOOST_AUTO_TEST_CASE(retention_with_a_default_partition_detaches_plainly_and_can_keep_tables) {
    auto c = connect();
    auto o = events();
    o.default_partition = true;
    o.retention = days{40};
    o.expiry = sp::on_expiry::keep_detached;
    sp::range_by_time s(o);
    s.create(c, at(2024, 1, 1)).apply(c);
    fill_2024(c, "events", 3660); // 10 a day; rows after May go to the default partition
    auto p = s.retention(c, at(2024, 3, 15)); // cutoff 2024-02-04: January only
    BOOST_REQUIRE_EQUAL(p.size(), 1u);
    BOOST_TEST(p.statements()[0].sql.find("CONCURRENTLY") == std::string::npos);
    BOOST_TEST(p.statements()[0].transactional);
    p.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_p202401") == 310); // kept, detached
    BOOST_TEST(count(c, "SELECT count(*) FROM events WHERE ts < '2024-02-01 00:00:00+00'") == 0);
}

BOOST_AUTO_TEST_CASE(converts_an_empty_table_refuses_a_full_one_and_quotes_identifiers) {
    auto c = connect();
    c.execute("DROP TABLE IF EXISTS plain CASCADE");
    c.execute("CREATE TABLE plain (id bigint NOT NULL, ts timestamptz NOT NULL DEFAULT now(), CHECK (id > 0))");
    auto o = events("plain");
    o.columns.clear();
    sp::range_by_time s(o);
    s.create(c, at(2024, 3, 1)).apply(c);
    BOOST_TEST(c.query("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('plain')").scalar<std::string>() == "p");
    BOOST_CHECK_THROW(c.execute("INSERT INTO plain (id, ts) VALUES (0, '2024-03-02+00')"), cistern::query_error); // CHECK kept

    c.execute("DROP TABLE IF EXISTS full_table CASCADE");
    c.execute("CREATE TABLE full_table (id bigint, ts timestamptz)");
    c.execute("INSERT INTO full_table VALUES (1, now())");
    auto f = events("full_table");
    f.columns.clear();
    BOOST_CHECK_THROW(sp::range_by_time(f).create(c, at(2024, 3, 1)), cistern::query_error);

    const std::string weird = "ev\"ents; DROP TABLE x; --";
    c.execute("DROP TABLE IF EXISTS \"ev\"\"ents; DROP TABLE x; --\" CASCADE");
    sp::range_by_time_options w;
    w.schema = schema;
    w.table = weird;
    w.column = "when \"it\"; happened";
    w.columns = {{"my id", "bigint"}, {"when \"it\"; happened", "timestamptz NOT NULL"}};
    w.indexes = {{"when \"it\"; happened", "my id"}};
    w.default_partition = true;
    w.premake = 1;
    w.retention = days{31};
    sp::range_by_time ws(w);
    ws.create(c, at(2024, 3, 1)).apply(c);
    c.execute("INSERT INTO \"ev\"\"ents; DROP TABLE x; --\" VALUES (1, '2024-03-05+00'), (2, '2024-04-05+00')");
    BOOST_TEST(count(c, "SELECT count(*) FROM \"ev\"\"ents; DROP TABLE x; --_p202403\"") == 1);
    ws.retention(c, at(2024, 5, 10)).apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM \"ev\"\"ents; DROP TABLE x; --\"") == 1);
}

BOOST_AUTO_TEST_CASE(range_by_id_premakes_ahead_of_the_highest_key) {
    auto c = connect();
    c.execute("DROP TABLE IF EXISTS items CASCADE");
    sp::range_by_id_options o;
    o.schema = schema;
    o.table = "items";
    o.column = "id";
    o.columns = {{"id", "bigint NOT NULL"}, {"name", "text"}};
    o.interval = 1000;
    o.premake = 4;
    sp::range_by_id s(o);
    auto bad = o;
    bad.interval = 0;
    BOOST_CHECK_THROW(sp::range_by_id{bad}, cistern::config_error);
    s.create(c, 0).apply(c);
    BOOST_TEST(s.analyze(c).size() == 5u);
    c.execute("INSERT INTO items SELECT i, 'n' FROM generate_series(1, 2500) AS i");
    auto m = s.maintain(c);
    BOOST_REQUIRE_EQUAL(m.size(), 2u); // keys up to 2500: partitions through 6000 are due
    m.apply(c);
    auto parts = s.analyze(c);
    BOOST_REQUIRE_EQUAL(parts.size(), 7u);
    BOOST_TEST(parts.back().lower == "6000");
    BOOST_TEST(parts.back().upper == "7000");
    auto r = s.explain_pruning(c, "SELECT * FROM items WHERE id = 1500");
    BOOST_TEST(r.scanned == std::vector<std::string>{"items_p1000"});
}

namespace {
void make_orders(pg_connection& c) {
    c.execute("DROP TABLE IF EXISTS orders CASCADE");
    c.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, "
              "created_at timestamptz NOT NULL, total numeric NOT NULL)");
    c.execute("INSERT INTO orders SELECT i, (i * 7919) % 5000, (ARRAY['new','paid','sent','done'])[i % 4 + 1], "
              "timestamptz '2024-01-01 00:00:00+00' + i * interval '5 minutes', (i % 1000) / 10.0 FROM generate_series(1, 100000) AS i");
    c.execute("CREATE INDEX orders_status ON orders (status)");
    c.execute("ANALYZE orders");
}
const si::recommendation* find_cols(const si::advice& a, std::vector<std::string> cols) {
    for (auto& r : a.items)
        if (r.columns == cols) return &r;
    return nullptr;
}
} // namespace

BOOST_AUTO_TEST_CASE(missing_indexes_found_costed_and_used_after_apply) {
    auto c = connect();
    make_orders(c);
    const std::string by_customer = "SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10";
    const std::string by_day = "SELECT count(*) FROM orders WHERE created_at >= $1 AND created_at < $2";
    const std::string by_status = "SELECT id FROM orders WHERE status = 'paid'";
    for (auto mode : {si::hypothetical::real_index, si::hypothetical::automatic}) {
        si::postgres_missing_options opts;
        opts.mode = mode;
        opts.schema = schema;
        si::postgres_missing_from_workload advisor({by_customer, by_day, by_status}, opts);
        auto a = advisor.advise(c);
        BOOST_TEST_MESSAGE(a.to_plan().show());
        BOOST_REQUIRE_EQUAL(a.items.size(), 2u);
        auto* r1 = find_cols(a, {"customer_id", "created_at"});
        auto* r2 = find_cols(a, {"created_at"});
        BOOST_REQUIRE(r1);
        BOOST_REQUIRE(r2);
        BOOST_TEST(*r1->cost_after <= *r1->cost_before * 0.5);
        BOOST_TEST(*r2->cost_after <= *r2->cost_before * 0.5);
        BOOST_TEST(count(c, "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'orders'") == 2); // pkey + status: nothing left behind
    }
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'") == 1);

    si::postgres_missing_options opts;
    opts.schema = schema;
    si::postgres_missing_from_workload advisor({by_customer, by_day, by_status}, opts);
    auto a = advisor.advise(c);
    const double before = sd::postgres_plan_cost(sd::postgres_explain(c, by_customer));
    a.to_plan().apply(c);
    c.execute("ANALYZE orders");
    const auto plan = sd::postgres_explain(c, by_customer);
    BOOST_TEST(plan.find(find_cols(a, {"customer_id", "created_at"})->index_name) != std::string::npos);
    BOOST_TEST(sd::postgres_plan_cost(plan) <= before * 0.5);
    BOOST_TEST(sd::postgres_explain(c, by_day).find(find_cols(a, {"created_at"})->index_name) != std::string::npos);
    auto again = advisor.advise(c);
    BOOST_TEST(again.items.empty());
    BOOST_TEST(std::any_of(again.notes.begin(), again.notes.end(), [](auto& n) { return n.find("already leads") != std::string::npos; }));
}

// What a monitor recorded on PostgreSQL, as the advisor's workload: fingerprints with `?`
// become `$n` statements costed by their generic plan.
BOOST_AUTO_TEST_CASE(advice_from_what_a_monitor_recorded) {
    cistern::monitor_options mo;
    mo.flush_on_shutdown = false;
    cistern::monitor<> mon(mo);
    cistern::monitored<pg_connection> c(connect(), mon);
    make_orders(c.base());
    for (int i = 0; i < 10; ++i)
        c.query("SELECT id, total FROM orders WHERE customer_id = " + std::to_string(i) + " ORDER BY created_at DESC LIMIT 10");
    c.query("SELECT count(*) FROM orders WHERE created_at >= '2024-03-01' AND created_at < '2024-03-02'");
    c.query("SELECT $1::int + 1", 41); // explainable only with the cast: kept, costs nothing to index
    const auto w = si::workload_from(mon.snapshot(), {.numbered_parameters = true});
    BOOST_TEST_REQUIRE(w.size() == 3u);
    BOOST_TEST(w[0].sql == "SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2");
    si::postgres_missing_options opts;
    opts.schema = schema;
    const auto a = si::postgres_missing_from_workload(w, opts).advise(c.base());
    BOOST_TEST_MESSAGE(a.to_plan().show());
    BOOST_TEST(find_cols(a, {"customer_id", "created_at"}));
    BOOST_TEST(find_cols(a, {"created_at"}));

    // A fingerprint PostgreSQL cannot prepare (a parameter of unknown type) is noted, not fatal.
    const auto b = si::postgres_missing_from_workload({si::workload_statement{"SELECT ? AS x"}, w[0]}, opts).advise(c.base());
    BOOST_TEST(find_cols(b, {"customer_id", "created_at"}));
    BOOST_TEST(std::any_of(b.notes.begin(), b.notes.end(), [](const std::string& n) { return n.find("not analysed") != std::string::npos; }));
}

BOOST_AUTO_TEST_CASE(unused_and_duplicate_indexes) {
    auto c = connect();
    c.execute("DROP TABLE IF EXISTS t CASCADE");
    c.execute("CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, s text)");
    c.execute("INSERT INTO t SELECT i, i % 100, i % 7, 'x' || (i % 10) FROM generate_series(1, 20000) AS i");
    c.execute("CREATE INDEX t_a ON t (a)");
    c.execute("CREATE INDEX t_ab ON t (a, b)");
    c.execute("CREATE UNIQUE INDEX t_id_s ON t (id, s)");
    c.execute("CREATE INDEX t_s1 ON t (s)");
    c.execute("CREATE INDEX t_s2 ON t (s)");
    c.execute("CREATE INDEX t_s_hash ON t USING hash (s)");
    c.execute("CREATE INDEX t_b_partial ON t (b) WHERE s = 'x1'");
    c.execute("CREATE INDEX t_b_s ON t (b, s)");
    c.execute("ANALYZE t");

    auto d = si::postgres_duplicate{schema}.advise(c);
    std::vector<std::string> names;
    for (auto& r : d.items) names.push_back(r.index_name);
    std::sort(names.begin(), names.end());
    BOOST_TEST(names == (std::vector<std::string>{"t_a", "t_s2"}), boost::test_tools::per_element());

    // Use t_ab a few times; flush this backend's statistics so the advisor sees them.
    c.execute("SET enable_seqscan = off");
    for (int i = 0; i < 3; ++i) c.query("SELECT count(*) FROM t WHERE a = 5 AND b = 3");
    c.execute("RESET enable_seqscan");
    c.query("SELECT pg_stat_force_next_flush()");
    c.query("SELECT 1");
    c.query("SELECT pg_stat_clear_snapshot()");
    si::postgres_unused_options uo;
    uo.schema = schema;
    auto u = si::postgres_unused{uo}.advise(c);
    std::vector<std::string> unused;
    for (auto& r : u.items) {
        unused.push_back(r.index_name);
        BOOST_TEST(*r.size_bytes > 0);
    }
    BOOST_TEST(std::count(unused.begin(), unused.end(), "t_ab") == 0);
    BOOST_TEST(std::count(unused.begin(), unused.end(), "t_id_s") == 0); // unique
    BOOST_TEST(std::count(unused.begin(), unused.end(), "t_pkey") == 0);
    BOOST_TEST(std::count(unused.begin(), unused.end(), "t_s1") == 1);
    BOOST_TEST(!u.notes.empty());
    d.to_plan().apply(c);
    BOOST_TEST(si::postgres_duplicate{schema}.advise(c).items.empty());
}

BOOST_AUTO_TEST_CASE(unused_and_duplicate_indexes_of_partitioned_tables_are_dropped_through_the_parent) {
    auto c = connect();
    c.execute("DROP TABLE IF EXISTS pt CASCADE");
    c.execute("CREATE TABLE pt (id bigint NOT NULL, a int, b int) PARTITION BY RANGE (id)");
    c.execute("CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (1000)");
    c.execute("CREATE TABLE pt_2 PARTITION OF pt FOR VALUES FROM (1000) TO (2000)");
    c.execute("INSERT INTO pt SELECT i, i % 10, i % 3 FROM generate_series(0, 1999) AS i");
    c.execute("CREATE INDEX pt_a ON pt (a)");
    c.execute("CREATE INDEX pt_ab ON pt (a, b)");
    c.execute("ANALYZE pt");
    si::postgres_unused_options uo;
    uo.schema = schema;
    auto u = si::postgres_unused{uo}.advise(c);
    std::vector<std::string> unused;
    for (auto& r : u.items) {
        unused.push_back(r.index_name);
        if (r.index_name == "pt_a") {
            BOOST_TEST(r.sql.find("CONCURRENTLY") == std::string::npos); // not possible on a partitioned index
            BOOST_TEST(*r.size_bytes > 0);                                  // its partitions' sizes, summed
        }
    }
    BOOST_TEST(std::count(unused.begin(), unused.end(), "pt_a") == 1);
    for (auto& n : unused) BOOST_TEST(n.rfind("pt_1", 0) != 0); // no attached partition index on its own
    auto d = si::postgres_duplicate{schema}.advise(c);
    BOOST_REQUIRE(d.items.size() == 1u);
    BOOST_TEST(d.items[0].index_name == "pt_a");
    BOOST_TEST(d.items[0].sql.find("CONCURRENTLY") == std::string::npos);
    d.to_plan().apply(c); // runs on the real server
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'pt_1%'") == 1);
    BOOST_TEST(si::postgres_duplicate{schema}.advise(c).items.empty());
}

BOOST_AUTO_TEST_CASE(maintenance_plans_vacuum_analyze_and_reindex) {
    auto c = connect();
    c.execute("DROP TABLE IF EXISTS m1, m2 CASCADE");
    c.execute("CREATE TABLE m1 (id bigint, v text) WITH (autovacuum_enabled = off)");
    c.execute("CREATE TABLE m2 (id bigint, v text) WITH (autovacuum_enabled = off)");
    c.execute("INSERT INTO m1 SELECT i, 'v' FROM generate_series(1, 20000) AS i");
    c.execute("INSERT INTO m2 SELECT i % 10, 'v' FROM generate_series(1, 5000) AS i");
    c.execute("ANALYZE m1");
    c.execute("DELETE FROM m1 WHERE id <= 10000");
    BOOST_CHECK_THROW(c.execute("CREATE UNIQUE INDEX CONCURRENTLY m2_id ON m2 (id)"), cistern::query_error); // leaves it invalid
    c.query("SELECT pg_stat_force_next_flush()");
    c.query("SELECT 1");
    c.query("SELECT pg_stat_clear_snapshot()");
    sm::postgres_maintenance_options mo;
    mo.schema = schema;
    sm::postgres_maintenance m(mo);
    auto st = m.stats(c);
    auto m1 = std::find_if(st.begin(), st.end(), [](auto& t) { return t.table == "m1"; });
    BOOST_REQUIRE(m1 != st.end());
    BOOST_TEST(m1->dead == 10000);
    auto p = m.plan_for(c);
    BOOST_TEST_MESSAGE(p.show());
    auto has = [&](const std::string& sql) {
        return std::any_of(p.statements().begin(), p.statements().end(), [&](auto& s) { return s.sql == sql; });
    };
    BOOST_TEST(has("VACUUM (ANALYZE) \"cistern_strategy_test\".\"m1\""));
    BOOST_TEST(has("ANALYZE \"cistern_strategy_test\".\"m2\""));
    BOOST_TEST(has("REINDEX INDEX CONCURRENTLY \"cistern_strategy_test\".\"m2_id\""));
    // Remove the duplicates that made the build fail; then the plan applies and the index is valid.
    c.execute("DELETE FROM m2 WHERE ctid NOT IN (SELECT min(ctid) FROM m2 GROUP BY id)");
    p.apply(c);
    BOOST_TEST(c.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'm2_id'::regclass").scalar<bool>());
    BOOST_TEST(c.query("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'm2'").scalar<bool>());
    sm::postgres_maintenance_options bad;
    bad.vacuum_dead_ratio = 0;
    BOOST_CHECK_THROW(sm::postgres_maintenance{bad}, cistern::config_error);
}

BOOST_AUTO_TEST_CASE(query_rules_read_postgres_plans_through_postgres_context) {
    namespace qr = cistern::strategy::query_rules;
    auto c = connect();
    make_orders(c);
    const std::string sql = "SELECT id FROM orders WHERE customer_id = $1";
    auto ctx = qr::postgres_context(c, sql);
    BOOST_TEST(ctx.plan.find("Seq Scan on orders") != std::string::npos);
    BOOST_TEST(ctx.rows_of("orders").value_or(0) == 100000);
    auto f = qr::analyzer().analyze(sql, ctx);
    BOOST_TEST(std::any_of(f.begin(), f.end(), [](auto& x) { return x.rule == "seq_scan_large_table"; }));
    c.execute("CREATE INDEX orders_customer ON orders (customer_id)");
    auto after = qr::analyzer().analyze(sql, qr::postgres_context(c, sql));
    BOOST_TEST(std::none_of(after.begin(), after.end(), [](auto& x) { return x.rule == "seq_scan_large_table"; }));
}

BOOST_AUTO_TEST_CASE(weekly_on_a_date_column_and_yearly_on_timestamp) {
    auto c = connect();
    sp::range_by_time_options w;
    w.schema = schema;
    w.table = "visits";
    w.column = "day";
    w.columns = {{"day", "date NOT NULL"}, {"n", "int"}};
    w.every = sp::period::weekly;
    w.premake = 2;
    sp::range_by_time weekly(w);
    weekly.create(c, at(2024, 3, 14)).apply(c); // a Thursday: the week starts Monday 2024-03-11
    auto parts = weekly.analyze(c);
    BOOST_REQUIRE_EQUAL(parts.size(), 3u);
    BOOST_TEST(parts[0].name == "visits_p20240311");
    BOOST_TEST(parts[2].name == "visits_p20240325");
    c.execute("INSERT INTO visits VALUES ('2024-03-17', 1), ('2024-03-18', 2)");
    BOOST_TEST(count(c, "SELECT count(*) FROM visits_p20240311") == 1);
    BOOST_TEST(count(c, "SELECT count(*) FROM visits_p20240318") == 1);

    sp::range_by_time_options y;
    y.schema = schema;
    y.table = "ledger";
    y.column = "at";
    y.columns = {{"at", "timestamp NOT NULL"}, {"amount", "numeric"}};
    y.every = sp::period::yearly;
    y.premake = 1;
    sp::range_by_time yearly(y);
    yearly.create(c, at(2024, 6, 1)).apply(c);
    c.execute("INSERT INTO ledger VALUES ('2025-12-31 23:59:59', 1)");
    BOOST_TEST(count(c, "SELECT count(*) FROM ledger_p2025") == 1);
    BOOST_CHECK_THROW(c.execute("INSERT INTO ledger VALUES ('2026-01-01 00:00:00', 1)"), cistern::query_error);
}

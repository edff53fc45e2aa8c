#define BOOST_TEST_MODULE strategy postgres index advice
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_explain.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/strategy/index/postgres_duplicate.hpp>
#include <cistern/strategy/index/postgres_missing_from_workload.hpp>
#include <cistern/strategy/index/postgres_unused.hpp>
#include <cistern/strategy/index/workload.hpp>

#include <support/postgres_session.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace si = cistern::strategy::index;
namespace sd = cistern::strategy::detail;
using pg_connection = cistern::postgres::connection;
using namespace std::chrono_literals;

static_assert(sd::check_index_strategy<si::postgres_missing_from_workload, pg_connection>());

namespace {
constexpr auto& server = cistern::test::shared_postgres_server;
const std::string schema = "cistern_index_test";
pg_connection open_session() { return cistern::test::session_in(schema); }
// Every test starts from an empty schema of its own.
pg_connection connect() { return cistern::test::fresh_schema(schema); }
std::int64_t count(pg_connection& c, const std::string& sql) { return c.query(sql).scalar<std::int64_t>(); }
void make_orders(pg_connection& c) {
    c.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, "
              "created_at timestamptz NOT NULL, total numeric NOT NULL)");
    c.execute("INSERT INTO orders SELECT i, (i * 7919) % 5000, (ARRAY['new','paid','sent','done'])[i % 4 + 1], "
              "timestamptz '2024-01-01 00:00:00+00' + i * interval '5 minutes', (i % 1000) / 10.0 FROM generate_series(1, 100000) AS i");
    c.execute("ANALYZE orders");
}
const si::recommendation* find_cols(const si::advice& a, const std::string& table, std::vector<std::string> cols) {
    for (auto& r : a.items)
        if (r.table == table && r.columns == cols) return &r;
    return nullptr;
}
bool any_note(const si::advice& a, const std::string& part) {
    return std::any_of(a.notes.begin(), a.notes.end(), [&](const std::string& n) { return n.find(part) != std::string::npos; });
}
si::postgres_missing_options options(si::hypothetical mode) {
    si::postgres_missing_options o;
    o.schema = schema;
    o.mode = mode;
    return o;
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
} // namespace

// The caller's open transaction: its earlier INSERT survives advice in every mode, a
// statement that cannot be explained neither aborts it nor leaves later statements
// unanalysed, and the caller's COMMIT commits.
BOOST_AUTO_TEST_CASE(advice_inside_the_callers_transaction_keeps_its_work) {
    {
        auto c = connect();
        make_orders(c);
    }
    std::int64_t id = 1000000;
    for (auto mode : {si::hypothetical::real_index, si::hypothetical::hypopg, si::hypothetical::automatic}) {
        auto c = open_session();
        c.execute("CREATE EXTENSION IF NOT EXISTS hypopg");
        c.execute("BEGIN");
        ++id;
        c.execute("INSERT INTO orders VALUES (" + std::to_string(id) + ", 1, 'new', now(), 1)");
        const auto a = si::postgres_missing_from_workload(
                           {"SELECT * FROM no_such_table WHERE x = $1", "SELECT id FROM orders WHERE customer_id = $1",
                            "SELECT count(*) FROM orders WHERE created_at >= $1 AND created_at < $2"},
                           options(mode))
                           .advise(c);
        BOOST_TEST_MESSAGE(a.to_plan().show());
        BOOST_TEST(c.in_transaction());
        BOOST_TEST(any_note(a, "no_such_table"));
        BOOST_TEST(find_cols(a, "orders", {"customer_id"}));  // statements after the failing one were analysed
        BOOST_TEST(find_cols(a, "orders", {"created_at"}));
        BOOST_TEST(count(c, "SELECT count(*) FROM orders WHERE id = " + std::to_string(id)) == 1);
        BOOST_TEST(count(c, "SELECT count(*) FROM pg_prepared_statements WHERE name = 'cistern_explain'") == 0);
        BOOST_TEST(count(c, "SELECT count(*) FROM hypopg()") == 0);
        c.execute("COMMIT");
        auto other = open_session();
        BOOST_TEST(count(other, "SELECT count(*) FROM orders WHERE id = " + std::to_string(id)) == 1);
        BOOST_TEST(count(other, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'cistern_index_test' AND tablename = 'orders'") == 1);
    }
    // Outside a transaction nothing is left open either.
    auto c = open_session();
    const auto a = si::postgres_missing_from_workload({"SELECT * FROM no_such_table", "SELECT id FROM orders WHERE customer_id = $1"},
                                                      options(si::hypothetical::real_index))
                       .advise(c);
    BOOST_TEST(!c.in_transaction());
    BOOST_TEST(find_cols(a, "orders", {"customer_id"}));
    // A caller's own hypothetical index survives (only the advisor's are dropped).
    c.query("SELECT * FROM hypopg_create_index('CREATE INDEX ON cistern_index_test.orders (total)')");
    si::postgres_missing_from_workload({"SELECT id FROM orders WHERE customer_id = $1"}, options(si::hypothetical::hypopg)).advise(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM hypopg()") == 1);
    c.query("SELECT hypopg_reset()");
    // A transaction that already failed is refused, not rolled back for the caller.
    c.execute("BEGIN");
    BOOST_CHECK_THROW(c.execute("SELECT 1/0"), cistern::query_error);
    BOOST_CHECK_THROW(si::postgres_missing_from_workload({"SELECT 1"}, options(si::hypothetical::hypopg)).advise(c), cistern::query_error);
    BOOST_TEST(c.in_transaction());
    c.execute("ROLLBACK");
}

// Without HypoPG, inside the caller's transaction: CREATE EXTENSION would commit with the
// caller's work, so automatic mode uses real indexes in savepoints and hypopg mode refuses.
BOOST_AUTO_TEST_CASE(no_hypopg_inside_a_transaction_is_never_created_there) {
    auto c = connect();
    make_orders(c);
    auto admin = cistern::postgres::factory(server().superuser_conninfo()).create();
    admin.execute("SET client_min_messages = warning");
    admin.execute("DROP EXTENSION IF EXISTS hypopg");
    c.execute("BEGIN");
    c.execute("INSERT INTO orders VALUES (2000001, 1, 'new', now(), 1)");
    const std::vector<std::string> w{"SELECT id FROM orders WHERE customer_id = $1"};
    BOOST_CHECK_THROW(si::postgres_missing_from_workload(w, options(si::hypothetical::hypopg)).advise(c), cistern::query_error);
    BOOST_TEST(c.in_transaction());
    const auto a = si::postgres_missing_from_workload(w, options(si::hypothetical::automatic)).advise(c);
    BOOST_TEST(find_cols(a, "orders", {"customer_id"}));
    BOOST_TEST(any_note(a, "not created inside the caller's transaction"));
    c.execute("COMMIT");
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'") == 0);
    BOOST_TEST(count(c, "SELECT count(*) FROM orders WHERE id = 2000001") == 1);
    admin.execute("CREATE EXTENSION hypopg");
}

// Real-index mode takes a SHARE lock per trial: it waits at most lock_timeout for it,
// skips that candidate with a note, and the plan says that the trials blocked writers.
BOOST_AUTO_TEST_CASE(real_index_mode_bounds_its_lock_wait_and_says_it_blocks_writers) {
    auto c = connect();
    make_orders(c);
    c.execute("SET statement_timeout = '30s'"); // without lock_timeout the trial would wait this long, then fail
    auto o = options(si::hypothetical::real_index);
    o.lock_timeout = 200ms;
    const std::vector<std::string> w{"SELECT id FROM orders WHERE customer_id = $1"};
    {
        auto writer = open_session();
        writer.execute("BEGIN");
        writer.execute("UPDATE orders SET total = total WHERE id = 1"); // ROW EXCLUSIVE: conflicts with SHARE
        const auto t0 = std::chrono::steady_clock::now();
        const auto a = si::postgres_missing_from_workload(w, o).advise(c);
        const double took = seconds_since(t0);
        BOOST_TEST_MESSAGE("advice with a writer holding the table: " << took << " s");
        BOOST_TEST(took < 10.0); // one 200 ms lock wait per candidate; 10 s allows a loaded machine
        BOOST_TEST(a.items.empty());
        BOOST_TEST(any_note(a, "lock timeout"));
        writer.execute("ROLLBACK");
    }
    const auto a = si::postgres_missing_from_workload(w, o).advise(c);
    BOOST_TEST(find_cols(a, "orders", {"customer_id"}));
    const auto plan = a.to_plan().show();
    BOOST_TEST_MESSAGE(plan);
    BOOST_TEST(plan.find("blocked writers") != std::string::npos);
    BOOST_TEST(plan.find("lock_timeout 200 ms") != std::string::npos);
    BOOST_CHECK_THROW(si::postgres_missing_from_workload(w, [] {
                          si::postgres_missing_options bad;
                          bad.lock_timeout = 0ms;
                          return bad;
                      }()),
                      cistern::config_error);
}

// A join column on the right of ON, in a comma join or inside a WITH query is proposed
// like one on the left.
BOOST_AUTO_TEST_CASE(join_columns_on_either_side_comma_joins_and_with_queries) {
    auto cols = [](const std::string& sql) {
        std::set<std::pair<std::string, std::vector<std::string>>> out;
        for (auto& c : si::candidates_for(sql)) out.insert({c.table, c.columns});
        return out;
    };
    const auto left = cols("SELECT t.name FROM genres g JOIN tracks t ON t.genre_id = g.id WHERE g.name = $1");
    const auto right = cols("SELECT t.name FROM genres g JOIN tracks t ON g.id = t.genre_id WHERE g.name = $1");
    BOOST_TEST(left.count({"tracks", {"genre_id"}}) == 1);
    BOOST_TEST((left == right));
    BOOST_TEST((cols("SELECT t.name FROM genres g, tracks t WHERE g.id = t.genre_id AND g.name = $1") == right));
    BOOST_TEST((cols("WITH picked AS (SELECT t.name FROM genres g JOIN tracks t ON g.id = t.genre_id WHERE g.name = $1) "
                     "SELECT * FROM picked") == right));
    BOOST_TEST(cols("SELECT 1 FROM tracks WHERE 5 < length_s").count({"tracks", {"length_s"}}) == 1);

    auto c = connect();
    c.execute("CREATE TABLE genres (id int PRIMARY KEY, name text NOT NULL)");
    c.execute("CREATE TABLE tracks (id bigint PRIMARY KEY, genre_id int NOT NULL, name text NOT NULL)");
    c.execute("INSERT INTO genres SELECT i, 'g' || i FROM generate_series(1, 2000) AS i");
    c.execute("INSERT INTO tracks SELECT i, i % 2000 + 1, 't' || i FROM generate_series(1, 200000) AS i");
    c.execute("ANALYZE genres");
    c.execute("ANALYZE tracks");
    for (const std::string sql : {"SELECT t.name FROM genres g JOIN tracks t ON g.id = t.genre_id WHERE g.id = $1",
                                  "SELECT t.name FROM genres g JOIN tracks t ON t.genre_id = g.id WHERE g.id = $1",
                                  "SELECT t.name FROM genres g, tracks t WHERE g.id = t.genre_id AND g.id = $1",
                                  "WITH x AS (SELECT t.name FROM genres g JOIN tracks t ON g.id = t.genre_id WHERE g.id = $1) SELECT * FROM x"}) {
        const auto a = si::postgres_missing_from_workload({sql}, options(si::hypothetical::hypopg)).advise(c);
        BOOST_TEST_MESSAGE(sql << "\n" << a.to_plan().show());
        BOOST_TEST(find_cols(a, "tracks", {"genre_id"}), sql);
    }
}

// 1,000 AND-ed conditions over 500 columns: candidate generation is bounded (at most
// max_candidates per statement) and the whole advice stays quick.
BOOST_AUTO_TEST_CASE(a_thousand_conditions_are_bounded) {
    std::string ddl = "CREATE TABLE wide (id bigint PRIMARY KEY";
    std::string sql = "SELECT id FROM wide WHERE ";
    for (int i = 1; i <= 500; ++i) {
        ddl += ", c" + std::to_string(i) + " int";
        sql += (i > 1 ? " AND " : "") + std::string("c") + std::to_string(i) + " = " + std::to_string(i);
    }
    for (int i = 1; i <= 500; ++i) sql += " AND c" + std::to_string(i) + " < " + std::to_string(1000 + i);
    ddl += ")";
    auto t0 = std::chrono::steady_clock::now();
    const auto cands = si::candidates_for(sql);
    const double gen = seconds_since(t0);
    BOOST_TEST_MESSAGE("candidates_for, 1000 conditions: " << gen * 1000 << " ms, " << cands.size() << " candidates");
    BOOST_TEST(cands.size() <= si::candidate_limits{}.max_candidates);
    BOOST_TEST(gen < 5.0); // measured well under 0.1 s; 5 s allows a loaded machine

    auto c = connect();
    c.execute(ddl);
    c.execute("INSERT INTO wide (id, c1, c2, c3) SELECT i, i % 1000, i % 7, i % 13 FROM generate_series(1, 20000) AS i");
    c.execute("ANALYZE wide");
    t0 = std::chrono::steady_clock::now();
    const auto a = si::postgres_missing_from_workload({sql}, options(si::hypothetical::hypopg)).advise(c);
    const double adv = seconds_since(t0);
    BOOST_TEST_MESSAGE("advise (HypoPG), 1000 conditions: " << adv * 1000 << " ms");
    BOOST_TEST(adv < 5.0);
    BOOST_TEST(a.items.size() == 1u);
}

// Across the whole workload: one index serving two statements instead of two that lead
// with the same column; the total cost saved per index; no index leading with a column an
// existing index already leads with.
BOOST_AUTO_TEST_CASE(indexes_are_chosen_across_the_whole_workload) {
    auto c = connect();
    c.execute("CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL, c int NOT NULL, pad text)");
    c.execute("INSERT INTO t SELECT i, i % 20000, i % 10, i % 7, repeat('x', 40) FROM generate_series(1, 200000) AS i");
    c.execute("ANALYZE t");
    const std::vector<si::workload_statement> w{{"SELECT pad FROM t WHERE a = $1 AND b = $2", 100},
                                                {"SELECT pad FROM t WHERE a = $1 AND c = $2", 10}};
    for (auto mode : {si::hypothetical::hypopg, si::hypothetical::real_index}) {
        const auto a = si::postgres_missing_from_workload(w, options(mode)).advise(c);
        BOOST_TEST_MESSAGE(a.to_plan().show());
        BOOST_REQUIRE_EQUAL(a.items.size(), 1u);
        const auto& r = a.items[0];
        BOOST_TEST(r.columns.front() == "a");
        BOOST_TEST(r.statements.size() == 2u);
        BOOST_REQUIRE(r.cost_saved && r.cost_before && r.cost_after);
        BOOST_TEST(*r.cost_saved > 10 * (*r.cost_before - *r.cost_after)); // weighted by calls (100 and 10)
        BOOST_TEST(r.reason.find("total estimated cost saved") != std::string::npos);
    }
    c.execute("CREATE INDEX t_b ON t (b)");
    c.execute("ANALYZE t");
    const auto a = si::postgres_missing_from_workload({"SELECT pad FROM t WHERE b = $1 AND c = $2"}, options(si::hypothetical::hypopg)).advise(c);
    for (auto& r : a.items) BOOST_TEST(r.columns.front() != "b");
    BOOST_TEST(any_note(a, "t_b already leads with b"));
}

// Thresholds are options: a 1.9x win on a 500k-row table is proposed by default (the fixed
// 50 % missed it), minimum calls and total time skip statements, tables can be included or
// excluded, and bad values are rejected.
BOOST_AUTO_TEST_CASE(thresholds_are_options) {
    auto c = connect();
    c.execute("CREATE TABLE big (id bigint PRIMARY KEY, v int NOT NULL, pad text NOT NULL)");
    c.execute("INSERT INTO big SELECT i, ((i::bigint * 7919) % 500000)::int, repeat('x', 60) FROM generate_series(1, 500000) AS i");
    // ANALYZE samples 300 x the statistics target rows at random: at the default target the
    // estimated win wandered around the 2.0 bound between runs (2.06 once in CI). A target
    // of 10 000 samples every row, so the statistics, the estimate and the test are the same
    // on every run.
    c.execute("ALTER TABLE big ALTER COLUMN v SET STATISTICS 10000");
    c.execute("ANALYZE big");
    const std::string q = "SELECT sum(length(pad)) FROM big WHERE v < 3000";
    const auto a = si::postgres_missing_from_workload({q}, options(si::hypothetical::hypopg)).advise(c);
    BOOST_TEST_MESSAGE(a.to_plan().show());
    const auto* r = find_cols(a, "big", {"v"});
    BOOST_REQUIRE(r);
    const double win = *r->cost_before / *r->cost_after;
    BOOST_TEST_MESSAGE("estimated win: " << win << "x");
    BOOST_TEST(win > 1.43);
    BOOST_TEST(win < 2.0); // below what the fixed 50 % threshold accepted
    auto strict = options(si::hypothetical::hypopg);
    strict.min_cost_reduction = 0.5;
    BOOST_TEST(si::postgres_missing_from_workload({q}, strict).advise(c).items.empty());

    auto few = options(si::hypothetical::hypopg);
    few.thresholds.min_calls = 5;
    few.thresholds.min_total_time = 10ms;
    const std::vector<si::workload_statement> w{{q, 4, 1s}, {q + " AND id > 0", 50, 1ms}};
    const auto b = si::postgres_missing_from_workload(w, few).advise(c);
    BOOST_TEST(b.items.empty());
    BOOST_TEST(any_note(b, "fewer than min_calls 5"));
    BOOST_TEST(any_note(b, "below min_total_time"));
    auto excluded = options(si::hypothetical::hypopg);
    excluded.thresholds.exclude_tables = {"big"};
    BOOST_TEST(si::postgres_missing_from_workload({q}, excluded).advise(c).items.empty());
    auto included = options(si::hypothetical::hypopg);
    included.thresholds.include_tables = {"other"};
    BOOST_TEST(si::postgres_missing_from_workload({q}, included).advise(c).items.empty());
    included.thresholds.include_tables = {"big"};
    BOOST_TEST(si::postgres_missing_from_workload({q}, included).advise(c).items.size() == 1u);

    auto rejects = [&](auto change, const std::string& field) {
        auto o = options(si::hypothetical::hypopg);
        change(o);
        try {
            si::postgres_missing_from_workload({q}, o);
            BOOST_ERROR("accepted a bad " << field);
        } catch (const cistern::config_error& e) {
            BOOST_TEST(e.field() == field);
        }
    };
    rejects([](auto& o) { o.min_cost_reduction = 0; }, "postgres_missing_options::min_cost_reduction");
    rejects([](auto& o) { o.min_cost_reduction = 1.5; }, "postgres_missing_options::min_cost_reduction");
    rejects([](auto& o) { o.thresholds.min_calls = 0; }, "postgres_missing_options::thresholds.min_calls");
    rejects([](auto& o) { o.thresholds.min_total_time = -1ms; }, "postgres_missing_options::thresholds.min_total_time");
    rejects([](auto& o) { o.thresholds.limits.max_candidates = 0; }, "postgres_missing_options::thresholds.limits.max_candidates");
    rejects([](auto& o) {
        o.thresholds.include_tables = {"big"};
        o.thresholds.exclude_tables = {"big"};
    },
            "postgres_missing_options::thresholds.include_tables");
    rejects([](auto& o) { o.thresholds.exclude_tables = {""}; }, "postgres_missing_options::thresholds.exclude_tables");
}

// On a partitioned parent the advice is the non-blocking form; applied, the parent's index is
// valid (every partition attached, also through a sub-partitioned one) and used.
BOOST_AUTO_TEST_CASE(partitioned_parent_gets_the_non_blocking_form) {
    auto c = connect();
    c.execute("CREATE TABLE ev (id bigint NOT NULL, a int NOT NULL, pad text) PARTITION BY RANGE (id)");
    c.execute("CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM (0) TO (100000)");
    c.execute("CREATE TABLE ev_2 PARTITION OF ev FOR VALUES FROM (100000) TO (200000) PARTITION BY RANGE (id)");
    c.execute("CREATE TABLE ev_2a PARTITION OF ev_2 FOR VALUES FROM (100000) TO (150000)");
    c.execute("CREATE TABLE ev_2b PARTITION OF ev_2 FOR VALUES FROM (150000) TO (200000)");
    c.execute("INSERT INTO ev SELECT i, i % 5000, 'x' FROM generate_series(0, 199999) AS i");
    c.execute("ANALYZE ev");
    const std::string q = "SELECT id FROM ev WHERE a = $1";
    const auto a = si::postgres_missing_from_workload({q}, options(si::hypothetical::hypopg)).advise(c);
    const auto plan = a.to_plan();
    BOOST_TEST_MESSAGE(plan.show());
    BOOST_REQUIRE_EQUAL(a.items.size(), 1u);
    const auto& s = a.items[0].steps;
    BOOST_REQUIRE(s.size() == 9u); // ev ON ONLY; ev_1 + attach; ev_2 ON ONLY; ev_2a + attach; ev_2b + attach; attach ev_2
    BOOST_TEST(s[0].find("ON ONLY \"cistern_index_test\".\"ev\"") != std::string::npos);
    BOOST_TEST(std::count_if(s.begin(), s.end(), [](auto& x) { return x.find("CREATE INDEX CONCURRENTLY") != std::string::npos; }) == 3);
    BOOST_TEST(std::count_if(s.begin(), s.end(), [](auto& x) { return x.find("ATTACH PARTITION") != std::string::npos; }) == 4);
    plan.apply(c);
    BOOST_TEST(c.query("SELECT bool_and(x.indisvalid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                       "WHERE i.relname = '" + a.items[0].index_name + "'").scalar<bool>());
    BOOST_TEST(sd::postgres_explain(c, q).find("Index") != std::string::npos);
}

// Duplicates: INCLUDE columns, operator classes, collations, predicates and expressions
// count; of identical ones the constraint's index and then the older one stay, never chosen
// by name; a primary key or unique constraint's index is never proposed.
BOOST_AUTO_TEST_CASE(duplicates_respect_what_makes_indexes_differ) {
    auto c = connect();
    c.execute("CREATE TABLE d (id bigint PRIMARY KEY, a int, b int, k int, s text, e text)");
    c.execute("INSERT INTO d SELECT i, i % 100, i % 7, i, 'x' || i, 'E' || (i % 10) FROM generate_series(1, 5000) AS i");
    c.execute("CREATE INDEX d_a ON d (a)");
    c.execute("CREATE INDEX d_a_cover ON d (a) INCLUDE (b)");
    c.execute("CREATE INDEX d_b_cover ON d (b) INCLUDE (s)");
    c.execute("CREATE INDEX d_b_ba ON d (b, a)");
    c.execute("CREATE INDEX d_s ON d (s)");
    c.execute("CREATE INDEX d_s_pattern ON d (s text_pattern_ops)");
    c.execute("CREATE INDEX d_s_c ON d (s COLLATE \"C\")");
    c.execute("CREATE INDEX d_b_pos ON d (b) WHERE a > 0");
    c.execute("CREATE INDEX d_b_big ON d (b) WHERE a > 50");
    c.execute("CREATE INDEX zz_lower_e ON d (lower(e))");     // older
    c.execute("CREATE INDEX aa_lower_e ON d (lower(e))");     // newer: goes, whatever its name
    c.execute("CREATE INDEX d_upper_e ON d (upper(e))");
    c.execute("CREATE INDEX d_k ON d (k)");                   // older than the constraint's index, still goes
    c.execute("ALTER TABLE d ADD CONSTRAINT d_k_key UNIQUE (k)");
    c.execute("CREATE INDEX d_id ON d (id)");
    const auto a = si::postgres_duplicate{schema}.advise(c);
    std::vector<std::string> names;
    for (auto& r : a.items) {
        names.push_back(r.index_name);
        BOOST_TEST_MESSAGE(r.index_name << ": " << r.reason);
    }
    std::sort(names.begin(), names.end());
    BOOST_TEST(names == (std::vector<std::string>{"aa_lower_e", "d_a", "d_id", "d_k"}), boost::test_tools::per_element());
    a.to_plan().apply(c);
    BOOST_TEST(si::postgres_duplicate{schema}.advise(c).items.empty());
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_indexes WHERE indexname IN ('d_pkey', 'd_k_key', 'zz_lower_e', 'd_a_cover', 'd_b_cover')") == 5);
}

// Unused: an index serving a foreign key's referencing side and a constraint's index are
// kept with why, not listed as droppable; the statistics reset time is shown.
BOOST_AUTO_TEST_CASE(unused_keeps_foreign_key_and_constraint_indexes_and_shows_the_reset) {
    auto c = connect();
    c.execute("CREATE TABLE parent (id int PRIMARY KEY)");
    c.execute("CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent, code text, note text)");
    c.execute("CREATE INDEX child_parent ON child (parent_id)");
    c.execute("CREATE UNIQUE INDEX child_code ON child (code)");
    c.execute("CREATE INDEX child_note ON child (note)");
    auto admin = cistern::postgres::factory(server().superuser_conninfo()).create();
    admin.query("SELECT pg_stat_reset()");
    const auto reset = c.query("SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()").scalar<std::string>();
    si::postgres_unused_options uo;
    uo.schema = schema;
    const auto a = si::postgres_unused{uo}.advise(c);
    BOOST_TEST_MESSAGE(a.to_plan().show());
    std::vector<std::string> drop, kept;
    for (auto& r : a.items) drop.push_back(r.index_name);
    for (auto& r : a.kept) kept.push_back(r.index_name);
    std::sort(drop.begin(), drop.end());
    std::sort(kept.begin(), kept.end());
    BOOST_TEST(drop == (std::vector<std::string>{"child_note"}), boost::test_tools::per_element());
    BOOST_TEST(kept == (std::vector<std::string>{"child_code", "child_parent", "child_pkey", "parent_pkey"}), boost::test_tools::per_element());
    for (auto& r : a.kept)
        if (r.index_name == "child_parent") BOOST_TEST(r.reason.find("foreign key child_parent_id_fkey") != std::string::npos);
    BOOST_TEST(any_note(a, reset));
    BOOST_TEST(a.items[0].reason.find(reset) != std::string::npos);
    BOOST_TEST(a.to_plan().show().find("keep child_parent") != std::string::npos);
}

// The advisor's time on a 30-statement workload, in both modes (reported, bounded loosely).
BOOST_AUTO_TEST_CASE(time_for_a_thirty_statement_workload) {
    auto c = connect();
    make_orders(c);
    c.execute("CREATE TABLE customers (id int PRIMARY KEY, region int NOT NULL, tier int NOT NULL, name text NOT NULL)");
    c.execute("INSERT INTO customers SELECT i, i % 50, i % 5, 'c' || i FROM generate_series(0, 4999) AS i");
    c.execute("ANALYZE customers");
    std::vector<std::string> w;
    for (int i = 0; i < 6; ++i) {
        w.push_back("SELECT id, total FROM orders WHERE customer_id = $1 AND total > " + std::to_string(i) + " ORDER BY created_at DESC LIMIT 10");
        w.push_back("SELECT count(*) FROM orders WHERE created_at >= $1 AND created_at < $2 AND status <> '" + std::to_string(i) + "'");
        w.push_back("SELECT o.id FROM customers c JOIN orders o ON c.id = o.customer_id WHERE c.region = " + std::to_string(i));
        w.push_back("SELECT name FROM customers WHERE region = $1 AND tier = " + std::to_string(i % 5));
        w.push_back("UPDATE orders SET total = total + " + std::to_string(i) + " WHERE customer_id = $1 AND status = 'new'");
    }
    BOOST_REQUIRE_EQUAL(w.size(), 30u);
    for (auto mode : {si::hypothetical::hypopg, si::hypothetical::real_index}) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto a = si::postgres_missing_from_workload(w, options(mode)).advise(c);
        const double took = seconds_since(t0);
        BOOST_TEST_MESSAGE("30-statement workload, " << (mode == si::hypothetical::hypopg ? "HypoPG" : "real-index")
                                                       << " mode: " << took * 1000 << " ms, " << a.items.size() << " index(es)\n"
                                                       << a.to_plan().show());
        BOOST_TEST(!a.items.empty());
        BOOST_TEST(took < 120.0); // a bound, not a speed assertion
    }
}

#define BOOST_TEST_MODULE strategy postgres partitioning
#include <boost/test/unit_test.hpp>

// PostgreSQL range partitioning on real names and real data (issue 13): identifiers at the
// 63-byte limit, rows in the default partition (retention report, partition_default),
// partitioning a table that holds rows, and retention by key for range_by_id.

#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/adapter/postgres/detail/quote.hpp>
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/strategy/detail/postgres_identifier.hpp>
#include <cistern/strategy/detail/quote.hpp>
#include <cistern/strategy/partition/postgres_range_by_id.hpp>
#include <cistern/strategy/partition/postgres_range_by_time.hpp>

#include <support/postgres_session.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

namespace sp = cistern::strategy::partition;
namespace sd = cistern::strategy::detail;
using namespace std::chrono;
using pg_connection = cistern::postgres::connection;

namespace {
constexpr auto& server = cistern::test::shared_postgres_server;
const std::string schema = "cistern_partition_test";
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
    o.premake = 2;
    o.default_partition = true;
    o.indexes = {{"ts"}, {"id"}};
    return o;
}
// One row a day of 2024 (366 rows), ids 1..366.
void fill_2024_daily(pg_connection& c, const std::string& table) {
    c.execute("INSERT INTO " + table + " (id, ts, payload) SELECT i, timestamptz '2024-01-01 12:00:00+00' + (i - 1) * interval '1 day', "
              "'p' || i FROM generate_series(1, 366) AS i");
}
std::vector<std::string> table_names(pg_connection& c, const std::string& like) {
    std::vector<std::string> out;
    for (auto r : c.query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'cistern_partition_test' AND tablename LIKE '" + like +
                          "' ORDER BY 1"))
        out.push_back(r.get<std::string>(0));
    return out;
}
bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        const std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}
// Creates the table, premakes through `months` monthly partitions from January 2024, puts one
// row in each and checks every partition got a distinct name of at most 63 bytes.
void exercise_long_name(pg_connection& c, const std::string& table) {
    auto o = events(table);
    o.premake = 11;
    sp::range_by_time s(o);
    s.create(c, at(2024, 1, 10)).apply(c);
    fill_2024_daily(c, cistern::postgres::detail::quote_identifier(c.native(), table));
    const auto parts = s.analyze(c);
    BOOST_REQUIRE_EQUAL(parts.size(), 13u); // 12 months + default
    std::set<std::string> names;
    for (auto& p : parts) {
        BOOST_TEST(p.name.size() <= 63u, p.name);
        BOOST_TEST(valid_utf8(p.name), p.name);
        names.insert(p.name);
        if (!p.is_default) BOOST_TEST(p.rows >= 28);
    }
    BOOST_TEST(names.size() == 13u);
    BOOST_TEST(count(c, "SELECT count(*) FROM " + cistern::postgres::detail::quote_identifier(c.native(), table)) == 366);
    BOOST_TEST(s.partition_name(sys_days{2024y / March / 1}).size() <= 63u);
    // The parent's two indexes got names of their own (indexes share the schema's namespace).
    BOOST_TEST(count(c, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'cistern_partition_test' AND tablename = " +
                            sd::quote_literal(table)) == 2);
    // maintain() finds the partitions it made (same derived names): nothing due.
    BOOST_TEST(s.maintain(c, at(2024, 1, 20)).empty());
}
} // namespace

BOOST_AUTO_TEST_CASE(derived_names_fit_in_63_bytes_and_never_cut_a_character) {
    BOOST_TEST(sd::postgres_derived_name("events", "_p202403") == "events_p202403");
    const std::string a(59, 'a');
    const auto n1 = sd::postgres_derived_name(a, "_p202403"), n2 = sd::postgres_derived_name(a, "_p202404");
    BOOST_TEST(n1.size() == 63u);
    BOOST_TEST(n1 != n2);
    BOOST_TEST(n1.ends_with("_p202403"));
    // Stable: the same name on every run and platform (docs/partitioning.md shows this one).
    BOOST_TEST(sd::postgres_derived_name("sensor_readings_from_the_north_sea_platform_alpha_1_archive", "_p202403") ==
               "sensor_readings_from_the_north_sea_platform_al_a6b75b48_p202403");
    // Two long names that share their first 50 bytes still differ.
    BOOST_TEST(sd::postgres_derived_name(std::string(50, 'x') + "_first_table", "_p2024") !=
               sd::postgres_derived_name(std::string(50, 'x') + "_other_table", "_p2024"));
    // "é" is two bytes: the cut must not fall between them.
    std::string accents;
    for (int i = 0; i < 30; ++i) accents += "\xc3\xa9";
    const auto n3 = sd::postgres_derived_name(accents, "_p20240101");
    BOOST_TEST(n3.size() <= 63u);
    BOOST_TEST(valid_utf8(n3));
    BOOST_CHECK_THROW(sd::check_postgres_identifier("t", std::string(64, 'a')), cistern::config_error);
    BOOST_CHECK_NO_THROW(sd::check_postgres_identifier("t", std::string(63, 'a')));
}

BOOST_AUTO_TEST_CASE(a_59_byte_table_name_gets_distinct_partitions) {
    auto c = connect();
    // Before: every "<59 chars>_p2024MM" was truncated by the server to "<59 chars>_p20".
    exercise_long_name(c, "sensor_readings_from_the_north_sea_platform_alpha_1_archive"); // 59 bytes
}

BOOST_AUTO_TEST_CASE(a_63_byte_table_name_gets_distinct_partitions) {
    auto c = connect();
    const std::string name = "t" + std::string(62, 'x');
    BOOST_REQUIRE_EQUAL(name.size(), 63u);
    exercise_long_name(c, name);
    // A second table sharing the first 50 bytes lives next to it without a clash.
    exercise_long_name(c, std::string(50, 'x') + "_second_table");
}

BOOST_AUTO_TEST_CASE(multibyte_names_are_cut_between_characters) {
    auto c = connect();
    std::string name = "mesures_";
    while (name.size() + 3 <= 61) name += "\xe6\xb8\xac"; // 測, 3 bytes
    name += "\xc3\xa9";                                     // é
    BOOST_TEST_MESSAGE(name.size() << " bytes");
    exercise_long_name(c, name);
}

BOOST_AUTO_TEST_CASE(names_that_cannot_work_are_refused_up_front) {
    auto o = events(std::string(64, 'a'));
    BOOST_CHECK_THROW(sp::range_by_time{o}, cistern::config_error);
    o = events();
    o.schema = std::string(70, 's');
    BOOST_CHECK_THROW(sp::range_by_time{o}, cistern::config_error);
    o = events();
    o.columns.push_back({std::string(64, 'c'), "int"});
    BOOST_CHECK_THROW(sp::range_by_time{o}, cistern::config_error);
    o = events();
    o.indexes = {{"ts", std::string(64, 'i')}};
    BOOST_CHECK_THROW(sp::range_by_time{o}, cistern::config_error);
    sp::range_by_id_options id;
    id.table = std::string(64, 'k');
    id.column = "id";
    BOOST_CHECK_THROW(sp::range_by_id{id}, cistern::config_error);
}

BOOST_AUTO_TEST_CASE(retention_reports_rows_of_the_default_partition_older_than_the_cutoff) {
    auto c = connect();
    auto o = events();
    o.retention = days{30};
    sp::range_by_time s(o);
    s.create(c, at(2024, 6, 1)).apply(c); // June, July, August + default
    fill_2024_daily(c, "events");         // January..May and September..December land in the default
    BOOST_REQUIRE_EQUAL(count(c, "SELECT count(*) FROM events_default"), 366 - 30 - 31 - 31);
    // Cutoff 2024-07-02: June expires; January..May in the default are older than the cutoff.
    auto p = s.retention(c, at(2024, 8, 1));
    BOOST_TEST_MESSAGE(p.show());
    BOOST_REQUIRE_EQUAL(p.size(), 2u); // detach + drop June
    const auto old = count(c, "SELECT count(*) FROM events_default WHERE ts < '2024-07-02 00:00:00+00'");
    BOOST_TEST(old == 152);
    BOOST_TEST(std::any_of(p.alerts().begin(), p.alerts().end(), [](auto& a) {
        return a.find("events_default holds 152 rows older than the cutoff") != std::string::npos;
    }));
}

BOOST_AUTO_TEST_CASE(partition_default_max_rows_bounds_the_rows_of_one_plan_in_whole_ranges) {
    auto c = connect();
    sp::range_by_time s(events());
    s.create(c, at(2024, 6, 1)).apply(c);
    fill_2024_daily(c, "events");
    BOOST_REQUIRE_EQUAL(count(c, "SELECT count(*) FROM events_default"), 274); // January 31, February 29, March 31, ...
    auto batches = [](const cistern::strategy::plan& p) {
        std::size_t n = 0;
        for (auto& st : p.statements()) n += st.sql.rfind("WITH moved AS", 0) == 0;
        return n;
    };
    sp::move_options m;
    m.max_rows = 10; // below the first range: that range still moves, alone (a range is never split)
    BOOST_TEST(batches(s.partition_default(c, m)) == 1u);
    m.max_rows = 60; // January + February exactly
    auto two = s.partition_default(c, m);
    BOOST_TEST(batches(two) == 2u);
    BOOST_TEST(std::any_of(two.alerts().begin(), two.alerts().end(), [](auto& a) {
        return a.find("214 rows from 2024-03-01 00:00:00+00 on are left in events_default (max_rows = 60)") != std::string::npos;
    }));
    m.max_rows = 59;
    BOOST_TEST(batches(s.partition_default(c, m)) == 1u);
    two.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_default") == 274 - 60);
    m.max_rows = -1;
    BOOST_CHECK_THROW(s.partition_default(c, m), cistern::config_error);
}

BOOST_AUTO_TEST_CASE(partition_default_moves_rows_in_batches_and_is_idempotent) {
    auto c = connect();
    sp::range_by_time s(events());
    s.create(c, at(2024, 6, 1)).apply(c); // June, July, August + default
    fill_2024_daily(c, "events");
    const auto in_default = count(c, "SELECT count(*) FROM events_default");
    BOOST_REQUIRE_EQUAL(in_default, 274);

    sp::move_options m;
    m.max_batches = 2;
    auto first = s.partition_default(c, m);
    BOOST_TEST_MESSAGE(first.show());
    BOOST_TEST(count(c, "SELECT count(*) FROM events_default") == 274); // a plan changes nothing
    BOOST_TEST(first.show().find("events_p202401") != std::string::npos);
    BOOST_TEST(first.show().find("events_p202402") != std::string::npos);
    BOOST_TEST(first.show().find("events_p202403") == std::string::npos);
    BOOST_TEST(std::any_of(first.alerts().begin(), first.alerts().end(),
                           [](auto& a) { return a.find("214 rows from 2024-03-01 00:00:00+00 on are left") != std::string::npos; }));
    first.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_default") == 274 - 31 - 29);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_p202401") == 31);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_p202402") == 29);

    auto rest = s.partition_default(c);
    rest.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_default") == 0);
    BOOST_TEST(count(c, "SELECT count(*) FROM events") == 366);
    const auto parts = s.analyze(c);
    BOOST_TEST(parts.size() == 13u); // 12 months + default
    for (auto& p : parts) {
        if (p.is_default) continue;
        // Attached with the right bounds and the parent's indexes (ts, id) on each.
        BOOST_TEST(count(c, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'cistern_partition_test' AND tablename = '" + p.name + "'") == 2,
                   p.name);
        BOOST_TEST(count(c, "SELECT count(*) FROM pg_constraint WHERE conrelid = to_regclass('" + p.name + "') AND conname = "
                            "'cistern_partition_bound'") == 0);
    }
    BOOST_TEST(count(c, "SELECT count(*) FROM ONLY events_p202410 WHERE ts < '2024-10-01+00' OR ts >= '2024-11-01+00'") == 0);
    // Pruning sees the new partitions: a November query reads only events_p202411.
    BOOST_TEST(s.explain_pruning(c, "SELECT count(*) FROM events WHERE ts >= '2024-11-02+00' AND ts < '2024-11-03+00'").scanned ==
               std::vector<std::string>{"events_p202411"});
    // Idempotent: nothing left to move.
    BOOST_TEST(s.partition_default(c).empty());
    BOOST_TEST(s.partition_default(c).alerts().empty());
}

BOOST_AUTO_TEST_CASE(inside_the_callers_transaction_batches_commit_nothing) {
    auto c = connect();
    sp::range_by_time s(events());
    s.create(c, at(2024, 6, 1)).apply(c);
    fill_2024_daily(c, "events");
    const auto p = s.partition_default(c);
    c.execute("BEGIN");
    p.apply(c); // joins the caller's transaction: no batch commits
    BOOST_TEST(count(c, "SELECT count(*) FROM events_default") == 0);
    BOOST_TEST(c.in_transaction());
    c.execute("ROLLBACK");
    BOOST_TEST(count(c, "SELECT count(*) FROM events_default") == 274);
    BOOST_TEST(table_names(c, "events_p2024%").size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_failing_batch_rolls_back_alone_and_loses_no_row) {
    auto c = connect();
    sp::range_by_time s(events());
    s.create(c, at(2024, 6, 1)).apply(c);
    fill_2024_daily(c, "events");
    auto p = s.partition_default(c);
    // Something takes the name of the second batch's partition after planning.
    c.execute("CREATE TABLE events_p202402 (x int)");
    BOOST_CHECK_THROW(p.apply(c), cistern::query_error);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_p202401") == 31);       // batch 1 committed
    BOOST_TEST(count(c, "SELECT count(*) FROM events_default") == 274 - 31); // batch 2 rolled back: its rows are still there
    BOOST_TEST(count(c, "SELECT count(*) FROM events") == 366);
    BOOST_TEST(!c.in_transaction());
}

BOOST_AUTO_TEST_CASE(partition_default_refuses_a_table_referenced_by_a_foreign_key) {
    auto c = connect();
    auto o = events();
    o.columns = {{"id", "bigint NOT NULL"}, {"ts", "timestamptz NOT NULL"}, {"payload", "text"}};
    sp::range_by_time s(o);
    s.create(c, at(2024, 6, 1)).apply(c);
    fill_2024_daily(c, "events");
    c.execute("ALTER TABLE events ADD PRIMARY KEY (id, ts)");
    c.execute("CREATE TABLE notes (id bigint, ts timestamptz, FOREIGN KEY (id, ts) REFERENCES events ON DELETE CASCADE)");
    c.execute("INSERT INTO notes SELECT id, ts FROM events");
    BOOST_CHECK_THROW(s.partition_default(c), cistern::query_error);
    BOOST_TEST(count(c, "SELECT count(*) FROM notes") == 366);
}

BOOST_AUTO_TEST_CASE(partition_existing_converts_a_table_with_rows) {
    auto c = connect();
    c.execute("CREATE TABLE legacy (id bigserial PRIMARY KEY, ts timestamptz NOT NULL, payload text, "
              "payload_len int GENERATED ALWAYS AS (length(payload)) STORED, CHECK (id > 0))");
    c.execute("INSERT INTO legacy (ts, payload) SELECT timestamptz '2024-01-01 12:00:00+00' + (i - 1) * interval '1 day', 'p' || i "
              "FROM generate_series(1, 366) AS i");
    auto o = events("legacy");
    o.columns.clear();
    o.indexes = {{"ts"}};
    sp::range_by_time s(o);
    BOOST_CHECK_THROW(s.create(c, at(2024, 12, 15)), cistern::query_error); // create() converts only empty tables
    auto p = s.partition_existing(c, at(2024, 12, 15));
    BOOST_TEST_MESSAGE(p.show());
    BOOST_TEST(c.query("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('legacy')").scalar<std::string>() == "r"); // dry run
    p.apply(c);
    BOOST_TEST(c.query("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('legacy')").scalar<std::string>() == "p");
    BOOST_TEST(count(c, "SELECT count(*) FROM legacy") == 366);
    BOOST_TEST(count(c, "SELECT count(*) FROM legacy_default") == 0);
    BOOST_TEST(count(c, "SELECT count(*) FROM legacy_p202402") == 29);
    // Premade January and February 2025 exist (empty); generated column and CHECK survived.
    BOOST_TEST(count(c, "SELECT count(*) FROM legacy_p202502") == 0);
    BOOST_TEST(count(c, "SELECT sum(payload_len) FROM legacy") == count(c, "SELECT sum(length(payload)) FROM legacy"));
    c.execute("INSERT INTO legacy (ts, payload) VALUES ('2025-01-05+00', 'new')"); // the serial default still works
    BOOST_TEST(count(c, "SELECT count(*) FROM legacy_p202501") == 1);
    BOOST_TEST(count(c, "SELECT max(id) FROM legacy") == 367);
    BOOST_CHECK_THROW(c.execute("INSERT INTO legacy (id, ts, payload) VALUES (-1, '2025-01-05+00', 'x')"), cistern::query_error);
    BOOST_TEST(s.analyze(c).size() == 15u); // 2024's 12 months, 2 premade, default
    BOOST_TEST(s.partition_default(c).empty());
    BOOST_CHECK_THROW(s.partition_existing(c, at(2024, 12, 15)), cistern::query_error); // already partitioned

    // Refused before anything is planned: an identity column, a table that foreign keys reference.
    c.execute("CREATE TABLE ident (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL)");
    c.execute("INSERT INTO ident (ts) VALUES ('2024-03-01+00')");
    auto io = events("ident");
    io.columns.clear();
    io.indexes.clear();
    BOOST_CHECK_THROW(sp::range_by_time(io).partition_existing(c, at(2024, 3, 1)), cistern::query_error);
    c.execute("CREATE TABLE parent_rows (id bigint PRIMARY KEY, ts timestamptz NOT NULL)");
    c.execute("INSERT INTO parent_rows VALUES (1, '2024-03-01+00')");
    c.execute("CREATE TABLE child_rows (parent_id bigint REFERENCES parent_rows ON DELETE CASCADE)");
    c.execute("INSERT INTO child_rows VALUES (1)");
    auto ro = events("parent_rows");
    ro.columns.clear();
    ro.indexes.clear();
    BOOST_CHECK_THROW(sp::range_by_time(ro).partition_existing(c, at(2024, 3, 1)), cistern::query_error);
    BOOST_TEST(c.query("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('parent_rows')").scalar<std::string>() == "r");
    BOOST_TEST(count(c, "SELECT count(*) FROM child_rows") == 1);
}

BOOST_AUTO_TEST_CASE(range_by_id_moves_default_rows_and_drops_partitions_below_a_key) {
    auto c = connect();
    sp::range_by_id_options o;
    o.schema = schema;
    o.table = "items";
    o.column = "id";
    o.columns = {{"id", "bigint"}, {"name", "text"}};
    o.interval = 1000;
    o.premake = 2;
    o.default_partition = true;
    sp::range_by_id s(o);
    s.create(c, 0).apply(c); // [0, 3000) + default
    c.execute("INSERT INTO items SELECT i, 'n' FROM generate_series(1, 5500) AS i");
    c.execute("INSERT INTO items VALUES (NULL, 'no key'), (-5, 'negative')");
    auto mv = s.partition_default(c);
    BOOST_TEST_MESSAGE(mv.show());
    BOOST_TEST(std::any_of(mv.alerts().begin(), mv.alerts().end(), [](auto& a) { return a.find("1 rows in items_default have a NULL") != std::string::npos; }));
    mv.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM \"items_p-1000\"") == 1); // key range [-1000, 0)
    BOOST_TEST(count(c, "SELECT count(*) FROM items_p5000") == 501);
    BOOST_TEST(count(c, "SELECT count(*) FROM items_default") == 1); // the NULL key
    BOOST_TEST(count(c, "SELECT count(*) FROM items") == 5502);

    // Retention by key: partitions wholly below 2000 go ([-1000,0), [0,1000), [1000,2000)).
    auto r = s.retention(c, 2000);
    BOOST_TEST_MESSAGE(r.show());
    BOOST_REQUIRE_EQUAL(r.size(), 6u);
    BOOST_TEST(r.statements()[0].transactional); // a default partition forbids CONCURRENTLY
    r.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM items") == 5502 - 1 - 999 - 1000);
    BOOST_TEST(count(c, "SELECT min(id) FROM items") == 2000);
    BOOST_TEST(s.retention(c, 2000).empty());
    // 2500 is inside [2000, 3000): that partition is not wholly below and stays.
    BOOST_TEST(s.retention(c, 2500).empty());
}

BOOST_AUTO_TEST_CASE(range_by_id_retention_without_default_detaches_concurrently_or_keeps_tables) {
    auto c = connect();
    sp::range_by_id_options o;
    o.schema = schema;
    o.table = "ledger";
    o.column = "id";
    o.columns = {{"id", "bigint NOT NULL"}};
    o.interval = 100;
    o.premake = 4;
    o.expiry = sp::on_expiry::keep_detached;
    sp::range_by_id s(o);
    s.create(c, 0).apply(c);
    c.execute("INSERT INTO ledger SELECT generate_series(0, 499)");
    auto r = s.retention(c, 200);
    BOOST_REQUIRE_EQUAL(r.size(), 2u);
    BOOST_TEST(!r.statements()[0].transactional);
    BOOST_TEST(r.statements()[0].sql.find("CONCURRENTLY") != std::string::npos);
    r.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM ledger") == 300);
    BOOST_TEST(count(c, "SELECT count(*) FROM ledger_p0") == 100); // detached, kept
    BOOST_TEST(table_names(c, "ledger_p%").size() == 5u);
}

// What the plan's reasons say about locks, checked with a second session while one batch is
// open: before ATTACH readers of the parent and writers to other partitions go on and writers
// routed to the default wait; from ATTACH to COMMIT readers of the default wait too.
BOOST_AUTO_TEST_CASE(a_batch_blocks_what_its_plan_says_and_nothing_else) {
    auto c = connect();
    sp::range_by_time s(events());
    s.create(c, at(2024, 6, 1)).apply(c);
    fill_2024_daily(c, "events");
    sp::move_options m;
    m.max_batches = 1;
    const auto p = s.partition_default(c, m);
    BOOST_REQUIRE_EQUAL(p.size(), 8u);
    BOOST_REQUIRE(p.statements()[5].sql.find("ATTACH PARTITION") != std::string::npos);

    auto other = cistern::postgres::factory(server().conninfo()).create();
    other.execute("SET search_path = cistern_partition_test");
    other.execute("SET lock_timeout = '300ms'");
    c.execute("BEGIN");
    for (std::size_t i = 0; i < 5; ++i) c.execute(p.statements()[i].sql); // up to the CHECK, before ATTACH
    BOOST_TEST(count(other, "SELECT count(*) FROM events") == 366); // reads go on, and still see January in the default
    BOOST_CHECK_NO_THROW(other.execute("INSERT INTO events VALUES (1000, '2024-06-15 00:00:00+00', 'june')"));
    BOOST_CHECK_THROW(other.execute("INSERT INTO events VALUES (1001, '2023-06-15 00:00:00+00', 'to the default')"),
                      cistern::query_error); // lock timeout: writes routed to the default wait
    c.execute(p.statements()[5].sql);        // ATTACH
    BOOST_CHECK_THROW(count(other, "SELECT count(*) FROM events"), cistern::query_error); // the default is locked now
    BOOST_TEST(count(other, "SELECT count(*) FROM events WHERE ts >= '2024-06-01+00' AND ts < '2024-07-01+00'") == 31); // pruned: no wait
    for (std::size_t i = 6; i < p.size(); ++i) c.execute(p.statements()[i].sql);
    c.execute("COMMIT");
    BOOST_TEST(count(other, "SELECT count(*) FROM events") == 367);
    BOOST_TEST(count(other, "SELECT count(*) FROM events_p202401") == 31);
}

BOOST_AUTO_TEST_CASE(partition_default_on_date_and_timestamp_keys_leaves_infinity_alone) {
    auto c = connect();
    sp::range_by_time_options w;
    w.schema = schema;
    w.table = "visits";
    w.column = "day";
    w.columns = {{"day", "date"}, {"n", "int"}};
    w.every = sp::period::weekly;
    w.premake = 0;
    w.default_partition = true;
    sp::range_by_time weekly(w);
    weekly.create(c, at(2024, 3, 14)).apply(c); // the week of Monday 2024-03-11 + default
    c.execute("INSERT INTO visits SELECT date '2024-02-26' + i, i FROM generate_series(0, 27) AS i"); // 4 weeks
    c.execute("INSERT INTO visits VALUES ('infinity', -1), (NULL, -2)");
    auto p = weekly.partition_default(c);
    BOOST_TEST_MESSAGE(p.show());
    BOOST_TEST(std::any_of(p.alerts().begin(), p.alerts().end(),
                           [](auto& a) { return a.find("2 rows in visits_default have a NULL or infinite day") != std::string::npos; }));
    p.apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM visits_p20240226") == 7);
    BOOST_TEST(count(c, "SELECT count(*) FROM visits_p20240304") == 7);
    BOOST_TEST(count(c, "SELECT count(*) FROM visits_p20240311") == 7); // made by create()
    BOOST_TEST(count(c, "SELECT count(*) FROM visits_p20240318") == 7);
    BOOST_TEST(count(c, "SELECT count(*) FROM visits_default") == 2);
    BOOST_TEST(weekly.partition_default(c).empty());

    sp::range_by_time_options y;
    y.schema = schema;
    y.table = "ledger";
    y.column = "at";
    y.columns = {{"at", "timestamp NOT NULL"}, {"amount", "numeric"}};
    y.every = sp::period::daily;
    y.premake = 0;
    y.default_partition = true;
    sp::range_by_time daily(y);
    daily.create(c, at(2024, 6, 1)).apply(c);
    c.execute("INSERT INTO ledger VALUES ('2024-05-31 23:59:59', 1), ('2024-06-02 00:00:00', 2), ('2024-06-02 23:59:59', 3)");
    daily.partition_default(c).apply(c);
    BOOST_TEST(count(c, "SELECT count(*) FROM ledger_p20240531") == 1);
    BOOST_TEST(count(c, "SELECT count(*) FROM ledger_p20240602") == 2);
    BOOST_TEST(count(c, "SELECT count(*) FROM ledger_default") == 0);
}

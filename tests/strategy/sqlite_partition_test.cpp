#define BOOST_TEST_MODULE strategy sqlite table_per_period
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/plan.hpp>
#include <cistern/strategy/partition/sqlite_table_per_period.hpp>

#include <chrono>
#include <string>

namespace sp = cistern::strategy::partition;
using namespace std::chrono;

static_assert(cistern::strategy::detail::check_partition_strategy<sp::sqlite_table_per_period, cistern::sqlite::connection>());

namespace {
cistern::sqlite::connection open() { return cistern::sqlite::connection(":memory:", cistern::sqlite::options{}); }
sys_seconds at(int y, unsigned m, unsigned d, int h = 0) {
    return sys_seconds{sys_days{year{y} / month{m} / day{d}}} + hours{h};
}
sp::table_per_period_options events(std::string table = "events") {
    sp::table_per_period_options o;
    o.table = std::move(table);
    o.time_column = "ts";
    o.columns = {{"id", "INTEGER NOT NULL"}, {"ts", "TEXT NOT NULL"}, {"payload", "TEXT"}};
    o.every = sp::period::monthly;
    o.premake = 4;
    o.indexes = {{"ts"}};
    return o;
}
std::int64_t count(cistern::sqlite::connection& c, const std::string& sql) {
    return c.query(sql).scalar<std::int64_t>();
}
} // namespace

BOOST_AUTO_TEST_CASE(period_arithmetic) {
    BOOST_TEST((sp::period_floor(at(2024, 3, 15, 13), sp::period::monthly) == sys_days{2024y / March / 1}));
    BOOST_TEST((sp::period_floor(at(2024, 3, 15, 13), sp::period::yearly) == sys_days{2024y / January / 1}));
    BOOST_TEST((sp::period_floor(at(2024, 3, 14), sp::period::weekly) == sys_days{2024y / March / 11})); // Monday
    BOOST_TEST((sp::period_add(sys_days{2024y / December / 1}, sp::period::monthly, 2) == sys_days{2025y / February / 1}));
    BOOST_TEST(sp::period_suffix(sys_days{2024y / March / 1}, sp::period::monthly) == "202403");
    BOOST_TEST((sp::parse_period_suffix("202403", sp::period::monthly) == sys_days{2024y / March / 1}));
    BOOST_TEST(!sp::parse_period_suffix("20240312", sp::period::weekly).has_value()); // a Tuesday
    BOOST_TEST(!sp::parse_period_suffix("2024x3", sp::period::monthly).has_value());
    BOOST_TEST(sp::format_timestamp(at(2024, 3, 5, 7)) == "2024-03-05 07:00:00");
}

BOOST_AUTO_TEST_CASE(bad_options_throw_config_error) {
    auto o = events();
    o.time_column = "nope";
    BOOST_CHECK_THROW(sp::sqlite_table_per_period{o}, cistern::config_error);
    o = events();
    o.premake = -1;
    BOOST_CHECK_THROW(sp::sqlite_table_per_period{o}, cistern::config_error);
    o = events();
    o.indexes = {{"missing"}};
    BOOST_CHECK_THROW(sp::sqlite_table_per_period{o}, cistern::config_error);
}

BOOST_AUTO_TEST_CASE(create_premakes_and_routes_inserts) {
    auto c = open();
    sp::sqlite_table_per_period s(events());
    auto p = s.create(c, at(2024, 3, 15));
    // Dry run changes nothing.
    BOOST_TEST(p.show().find("premade future period 4") != std::string::npos);
    BOOST_TEST(count(c, "SELECT count(*) FROM sqlite_master") == 0);
    p.apply(c);
    auto parts = s.existing(c);
    BOOST_REQUIRE_EQUAL(parts.size(), 5u); // current + 4 premade
    BOOST_TEST((parts.front() == sys_days{2024y / March / 1}));
    BOOST_TEST((parts.back() == sys_days{2024y / July / 1}));

    c.execute("INSERT INTO events (id, ts, payload) VALUES (1, '2024-03-20 10:00:00', 'a')");
    c.execute("INSERT INTO events (id, ts, payload) VALUES (2, '2024-07-31 23:59:59', 'b')");
    BOOST_TEST(count(c, "SELECT count(*) FROM events_p202403") == 1);
    BOOST_TEST(count(c, "SELECT count(*) FROM events_p202407") == 1);
    BOOST_TEST(count(c, "SELECT count(*) FROM events") == 2);
    // Outside every period: the trigger aborts, nothing is written.
    BOOST_CHECK_THROW(c.execute("INSERT INTO events (id, ts, payload) VALUES (3, '2025-01-01 00:00:00', 'c')"),
                      cistern::query_error);
    BOOST_CHECK_THROW(c.execute("INSERT INTO events (id, ts, payload) VALUES (4, NULL, 'd')"), cistern::query_error);
    BOOST_TEST(count(c, "SELECT count(*) FROM events") == 2);
    // Direct inserts into a period table respect its range.
    BOOST_CHECK_THROW(c.execute("INSERT INTO events_p202403 (id, ts) VALUES (5, '2024-04-01 00:00:00')"),
                      cistern::query_error);

    // Nothing due a week later; a month later one more period is made and the view includes it.
    BOOST_TEST(s.maintain(c, at(2024, 3, 22)).empty());
    auto m = s.maintain(c, at(2024, 4, 2));
    BOOST_TEST(!m.empty());
    m.apply(c);
    BOOST_REQUIRE_EQUAL(s.existing(c).size(), 6u);
    c.execute("INSERT INTO events (id, ts, payload) VALUES (6, '2024-08-03 00:00:00', 'e')");
    BOOST_TEST(count(c, "SELECT count(*) FROM events_p202408") == 1);
    BOOST_TEST(count(c, "SELECT count(*) FROM events") == 3);
}

BOOST_AUTO_TEST_CASE(retention_drops_exactly_the_expired_periods) {
    auto c = open();
    auto o = events();
    o.premake = 11;
    o.retention = days{90};
    sp::sqlite_table_per_period s(o);
    s.create(c, at(2024, 1, 1)).apply(c);
    BOOST_REQUIRE_EQUAL(s.existing(c).size(), 12u);
    c.execute("BEGIN");
    std::int64_t id = 0;
    for (unsigned m = 1; m <= 12; ++m)
        for (unsigned d = 1; d <= 28; d += 3)
            c.execute("INSERT INTO events (id, ts, payload) VALUES (?, ?, 'x')", ++id,
                      sp::format_timestamp(at(2024, m, d, 12)));
    c.execute("COMMIT");
    const auto total = count(c, "SELECT count(*) FROM events");
    const auto now = at(2024, 7, 10);
    // cutoff = 2024-04-11: January..March lie entirely before it; April straddles it and stays.
    const auto expired = count(c, "SELECT count(*) FROM events WHERE ts < '2024-04-01 00:00:00'");
    auto p = s.retention(c, now);
    BOOST_TEST(p.size() == 3u + 3u); // 3 drops, view drop + create, trigger
    BOOST_TEST(p.show().find("entirely before the cutoff 2024-04-11") != std::string::npos);
    p.apply(c);
    BOOST_TEST(s.existing(c).size() == 9u);
    BOOST_TEST(count(c, "SELECT count(*) FROM events") == total - expired);
    BOOST_TEST(count(c, "SELECT count(*) FROM events WHERE ts < '2024-04-01 00:00:00'") == 0);
    BOOST_TEST(count(c, "SELECT count(*) FROM events WHERE ts >= '2024-04-01 00:00:00'") == total - expired);
    // Nothing more to do at the same time; the trigger no longer routes to dropped periods.
    BOOST_TEST(s.retention(c, now).empty());
    BOOST_CHECK_THROW(c.execute("INSERT INTO events (id, ts) VALUES (999, '2024-02-02 00:00:00')"), cistern::query_error);
    auto info = s.analyze(c);
    BOOST_REQUIRE_EQUAL(info.size(), 9u);
    BOOST_TEST(info.front().name == "events_p202404");
    BOOST_TEST(info.front().lower == "2024-04-01 00:00:00");
    BOOST_TEST(info.front().upper == "2024-05-01 00:00:00");
    BOOST_TEST(info.front().rows == 10);
}

BOOST_AUTO_TEST_CASE(retention_keeps_a_table_holding_rows_inside_the_window) {
    auto c = open();
    auto o = events();
    o.retention = days{30};
    sp::sqlite_table_per_period s(o);
    s.create(c, at(2024, 1, 5)).apply(c);
    // A hand-made table matching the naming scheme but without the range CHECK.
    c.execute("CREATE TABLE events_p202312 (id INTEGER, ts TEXT, payload TEXT)");
    c.execute("INSERT INTO events_p202312 VALUES (1, '2024-05-01 00:00:00', 'misfiled')");
    auto p = s.retention(c, at(2024, 3, 5)); // cutoff 2024-02-04
    BOOST_REQUIRE_EQUAL(p.alerts().size(), 1u);
    BOOST_TEST(p.alerts()[0].find("events_p202312") != std::string::npos);
    BOOST_TEST(p.show().find("DROP TABLE \"events_p202312\"") == std::string::npos);
    BOOST_TEST(p.show().find("DROP TABLE \"events_p202401\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(converts_an_empty_table_and_refuses_a_full_one) {
    auto c = open();
    c.execute("CREATE TABLE events (id INTEGER, ts TEXT, payload TEXT)");
    sp::sqlite_table_per_period s(events());
    auto p = s.create(c, at(2024, 3, 1));
    BOOST_TEST(p.statements().front().sql == "DROP TABLE \"events\"");
    p.apply(c);
    BOOST_TEST(c.query("SELECT type FROM sqlite_master WHERE name = 'events'").scalar<std::string>() == "view");

    auto c2 = open();
    c2.execute("CREATE TABLE events (id INTEGER, ts TEXT, payload TEXT)");
    c2.execute("INSERT INTO events VALUES (1, '2024-03-01 00:00:00', 'x')");
    BOOST_CHECK_THROW(s.create(c2, at(2024, 3, 1)), cistern::query_error);
}

BOOST_AUTO_TEST_CASE(identifiers_with_quotes_spaces_and_semicolons_are_quoted) {
    auto c = open();
    sp::table_per_period_options o;
    o.table = "ev\"ents; DROP TABLE x; --";
    o.time_column = "when \"it\"; happened";
    o.columns = {{"my id", "INTEGER"}, {"when \"it\"; happened", "TEXT NOT NULL"}, {"pay'load", "TEXT"}};
    o.indexes = {{"when \"it\"; happened", "my id"}};
    o.every = sp::period::daily;
    o.premake = 2;
    o.retention = days{1};
    sp::sqlite_table_per_period s(o);
    s.create(c, at(2024, 3, 1)).apply(c);
    BOOST_REQUIRE_EQUAL(s.existing(c).size(), 3u);
    c.execute("INSERT INTO \"ev\"\"ents; DROP TABLE x; --\" (\"my id\", \"when \"\"it\"\"; happened\", \"pay'load\") "
              "VALUES (1, '2024-03-01 05:00:00', 'a'), (2, '2024-03-03 05:00:00', 'b')");
    BOOST_TEST(count(c, "SELECT count(*) FROM \"ev\"\"ents; DROP TABLE x; --\"") == 2);
    BOOST_TEST(count(c, "SELECT count(*) FROM \"ev\"\"ents; DROP TABLE x; --_p20240301\"") == 1);
    s.retention(c, at(2024, 3, 3, 6)).apply(c);
    BOOST_TEST(s.existing(c).size() == 2u);
    BOOST_TEST(count(c, "SELECT count(*) FROM \"ev\"\"ents; DROP TABLE x; --\"") == 1);
}

BOOST_AUTO_TEST_CASE(a_failing_plan_rolls_back_its_transaction) {
    auto c = open();
    cistern::strategy::plan p;
    p.add("CREATE TABLE a (x INTEGER)", "first");
    p.add("CREATE TABLE a (x INTEGER)", "fails: exists");
    BOOST_CHECK_THROW(p.apply(c), cistern::query_error);
    BOOST_TEST(count(c, "SELECT count(*) FROM sqlite_master") == 0);
    BOOST_TEST(!c.in_transaction());
    cistern::strategy::plan v;
    v.add_outside_transaction("VACUUM", "outside");
    c.execute("BEGIN");
    BOOST_CHECK_THROW(v.apply(c), cistern::query_error);
    c.execute("ROLLBACK");
    BOOST_TEST(v.apply(c) == 1u);
}

BOOST_AUTO_TEST_CASE(unix_seconds_storage_and_daily_periods) {
    auto c = open();
    sp::table_per_period_options o;
    o.table = "ticks";
    o.time_column = "t";
    o.columns = {{"t", "INTEGER NOT NULL"}, {"v", "REAL"}};
    o.every = sp::period::daily;
    o.premake = 1;
    o.storage = sp::time_storage::unix_seconds;
    o.retention = hours{24};
    sp::sqlite_table_per_period s(o);
    s.create(c, at(2024, 3, 1, 12)).apply(c);
    const auto t0 = at(2024, 3, 1, 5).time_since_epoch().count();
    const auto t1 = at(2024, 3, 2, 5).time_since_epoch().count();
    c.execute("INSERT INTO ticks (t, v) VALUES (?, 1.0)", t0);
    c.execute("INSERT INTO ticks (t, v) VALUES (?, 2.0)", t1);
    BOOST_TEST(count(c, "SELECT count(*) FROM ticks_p20240301") == 1);
    BOOST_TEST(count(c, "SELECT count(*) FROM ticks_p20240302") == 1);
    BOOST_CHECK_THROW(c.execute("INSERT INTO ticks (t, v) VALUES (?, 3.0)", at(2024, 3, 3).time_since_epoch().count()),
                      cistern::query_error);
    s.retention(c, at(2024, 3, 2, 23)).apply(c); // cutoff 2024-03-01 23:00: day 1 ends after it, kept
    BOOST_TEST(s.existing(c).size() == 2u);
    s.retention(c, at(2024, 3, 3, 0)).apply(c);  // cutoff 2024-03-02 00:00: day 1 goes
    BOOST_TEST(s.existing(c).size() == 1u);
    BOOST_TEST(count(c, "SELECT count(*) FROM ticks") == 1);
}

BOOST_AUTO_TEST_CASE(period_checks_accept_only_real_date_times) {
    auto c = open();
    sp::sqlite_table_per_period s(events());
    s.create(c, at(2025, 12, 15)).apply(c); // December 2025 .. April 2026
    // Good values land in their period table, directly and through the view.
    BOOST_CHECK_NO_THROW(c.execute("INSERT INTO events (id, ts, payload) VALUES (1, '2025-12-31 23:59:59', 'a')"));
    BOOST_CHECK_NO_THROW(c.execute("INSERT INTO events_p202602 (id, ts, payload) VALUES (2, '2026-02-28 00:00:00', 'b')"));
    // Text that sorts inside a period but is no date-time: the CHECK compared text before.
    for (const char* bad : {"2025-12-45 99:99:99", "2025-12-31 24:00:00", "2026-02-30 00:00:00", "2025-12-01T10:00:00",
                            "2025-12-1 10:00:00", "2025-12-31 23:59:59 junk"}) {
        BOOST_CHECK_THROW(c.execute(std::string("INSERT INTO events_p202512 (id, ts, payload) VALUES (3, '") + bad + "', 'x')"),
                          cistern::query_error);
        BOOST_CHECK_THROW(c.execute(std::string("INSERT INTO events_p202602 (id, ts, payload) VALUES (3, '") + bad + "', 'x')"),
                          cistern::query_error);
        BOOST_CHECK_THROW(c.execute(std::string("INSERT INTO events (id, ts, payload) VALUES (3, '") + bad + "', 'x')"),
                          cistern::query_error);
    }
    // The value: '2025-13-45 99:99:99' sorts between December 2025 and January 2026.
    BOOST_CHECK_THROW(c.execute("INSERT INTO events (id, ts, payload) VALUES (4, '2025-13-45 99:99:99', 'x')"), cistern::query_error);
    try {
        c.execute("INSERT INTO events (id, ts, payload) VALUES (4, '2025-13-45 99:99:99', 'x')");
    } catch (const cistern::query_error& e) {
        BOOST_TEST(std::string(e.what()).find("is not a 'YYYY-MM-DD HH:MM:SS' date-time") != std::string::npos, e.what());
    }
    BOOST_TEST(count(c, "SELECT count(*) FROM events") == 2);

    // unix_seconds: an integer only (text or a real in range is refused).
    auto u = events("ticks");
    u.columns = {{"id", "INTEGER NOT NULL"}, {"ts", "INTEGER NOT NULL"}, {"payload", "TEXT"}};
    u.storage = sp::time_storage::unix_seconds;
    sp::sqlite_table_per_period ticks(u);
    ticks.create(c, at(2024, 3, 15)).apply(c);
    const auto t = std::to_string(at(2024, 3, 20).time_since_epoch().count());
    BOOST_CHECK_NO_THROW(c.execute("INSERT INTO ticks (id, ts, payload) VALUES (1, " + t + ", 'a')"));
    BOOST_CHECK_THROW(c.execute("INSERT INTO ticks_p202403 (id, ts, payload) VALUES (2, " + t + ".5, 'b')"), cistern::query_error);
    BOOST_TEST(count(c, "SELECT count(*) FROM ticks") == 1);
}

BOOST_AUTO_TEST_CASE(plan_batches_commit_one_by_one_also_when_appended) {
    auto c = open();
    cistern::strategy::plan batches;
    batches.new_transaction().add("INSERT INTO kept (i) VALUES (1)", "batch 1");
    batches.new_transaction().add("INSERT INTO kept (i) VALUES (2)", "batch 2");
    batches.add("INSERT INTO missing (i) VALUES (3)", "batch 2 fails");
    cistern::strategy::plan p;
    p.add("CREATE TABLE kept (i INTEGER)", "first group");
    p.append(batches);
    BOOST_TEST(p.show().find("-- (new transaction: the statements above are committed first)\n-- batch 1") != std::string::npos);
    BOOST_CHECK_THROW(p.apply(c), cistern::query_error);
    // The first group and batch 1 are committed; batch 2 rolled back as a whole.
    BOOST_TEST(count(c, "SELECT count(*) FROM kept") == 1);
    BOOST_TEST(count(c, "SELECT max(i) FROM kept") == 1);
}

#define BOOST_TEST_MODULE cistern CLI on SQLite
#include <boost/test/unit_test.hpp>

#include "run_cli.hpp"

#include <cistern/adapter/sqlite/connection.hpp>
#include <support/temp_dir.hpp>

#include <nlohmann/json.hpp>

#include <string>

using cistern::test::run_cli;
using nlohmann::json;

namespace {

/// A SQLite file with a planted duplicate index (i_a leads i_ab) and no ANALYZE.
std::string planted_db(const std::string& dir) {
    const std::string path = dir + "/planted.db";
    cistern::sqlite::connection c(path, cistern::sqlite::options{});
    c.execute_script("CREATE TABLE t (a INTEGER, b INTEGER, c TEXT);"
                     "CREATE INDEX i_a ON t (a); CREATE INDEX i_ab ON t (a, b);"
                     "INSERT INTO t VALUES (1, 2, 'x'), (2, 3, 'y');");
    return path;
}

const json* section(const json& doc, const std::string& id) {
    for (auto& s : doc.at("sections"))
        if (s.at("id") == id) return &s;
    return nullptr;
}

} // namespace

BOOST_AUTO_TEST_CASE(version_and_help_exit_zero_and_every_command_has_an_example) {
    auto v = run_cli("--version");
    BOOST_TEST(v.rc == 0);
    BOOST_TEST(v.out.find("cistern 0.") != std::string::npos);
    auto h = run_cli("--help");
    BOOST_TEST(h.rc == 0);
    BOOST_TEST(h.out.find("Exit codes") != std::string::npos);
    for (const char* cmd : {"health", "loadtest", "demo", "monitor", "monitor slow-queries", "monitor activity", "monitor tables",
                            "monitor indexes", "monitor summary"}) {
        auto r = run_cli(std::string(cmd) + " --help");
        BOOST_TEST_CONTEXT(cmd) {
            BOOST_TEST(r.rc == 0);
            BOOST_TEST(r.out.find("Example") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_3) {
    BOOST_TEST(run_cli("").rc == 3);                       // a subcommand is required
    BOOST_TEST(run_cli("frobnicate").rc == 3);             // unknown command
    BOOST_TEST(run_cli("health --no-such-option").rc == 3); // unknown option
    BOOST_TEST(run_cli("health --format yaml").rc == 3);   // checked at parse time
    auto r = run_cli("health --url 'mysql://root:hunter2@127.0.0.1/db'");
    BOOST_TEST(r.rc == 3);
    BOOST_TEST(r.err.find("unsupported database URL") != std::string::npos);
    BOOST_TEST(r.err.find("hunter2") == std::string::npos);
    auto m = run_cli("health --url sqlite:/nonexistent/dir/x.db");
    BOOST_TEST(m.rc == 3);
    BOOST_TEST(m.err.find("cannot connect") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unreachable_postgres_is_exit_3_within_the_connect_timeout_and_hides_the_password) {
    // Port 1 on loopback: refused at once. The bound is the connect timeout (2 s) plus a
    // generous allowance for a loaded machine.
    auto r = run_cli("health --connect-timeout 2 --url 'postgresql://app:hunter2@127.0.0.1:1/db'");
    BOOST_TEST(r.rc == 3);
    BOOST_TEST(r.err.find("cannot connect") != std::string::npos);
    BOOST_TEST(r.err.find("hunter2") == std::string::npos);
    BOOST_TEST(r.took.count() < 2000 + 8000);
}

BOOST_AUTO_TEST_CASE(health_json_reports_the_planted_duplicate_index_and_exits_1) {
    cistern::test::temp_dir dir;
    const auto db = planted_db(dir.path().string());
    auto r = run_cli("--format json health --url sqlite:" + db);
    BOOST_TEST(r.rc == 1);
    auto j = json::parse(r.out);
    BOOST_TEST(j.at("schema_version") == 1);
    BOOST_TEST(j.at("status") == "warning");
    BOOST_TEST(j.at("exit_code") == 1);
    const json* dup = section(j, "duplicate_indexes");
    BOOST_REQUIRE(dup);
    BOOST_REQUIRE(dup->at("findings").size() == 1u);
    BOOST_TEST(dup->at("findings")[0].at("rule") == "duplicate_index");
    BOOST_TEST(dup->at("findings")[0].at("reason").get<std::string>().find("i_a ") != std::string::npos);
    const json* st = section(j, "storage");
    BOOST_REQUIRE(st);
    bool missing_analyze = false;
    for (auto& f : st->at("findings")) missing_analyze |= f.at("rule") == "missing_analyze";
    BOOST_TEST(missing_analyze);

    // --fail-on critical: warnings no longer fail; DATABASE_URL is the fallback target.
    auto c = run_cli("health --fail-on critical", "DATABASE_URL=sqlite:" + db);
    BOOST_TEST(c.rc == 0);
    BOOST_TEST(c.out.find("duplicate indexes") != std::string::npos);
    BOOST_TEST(c.out.find("\033[") == std::string::npos); // not a TTY: no colour
    auto q = run_cli("health --quiet --url sqlite:" + db);
    BOOST_TEST(q.rc == 1);
    BOOST_TEST(q.out.find("warning duplicate_index") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_clean_database_is_healthy_and_exits_0) {
    cistern::test::temp_dir dir;
    const std::string db = dir.path().string() + "/clean.db";
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{});
        c.execute_script("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX t_b ON t (b); INSERT INTO t VALUES (1, 'x'); ANALYZE;");
    }
    auto r = run_cli("--format json health --url sqlite:" + db);
    BOOST_TEST(r.rc == 0);
    BOOST_TEST(json::parse(r.out).at("status") == "ok");
}

BOOST_AUTO_TEST_CASE(monitor_commands_on_sqlite) {
    cistern::test::temp_dir dir;
    const auto db = planted_db(dir.path().string());
    auto t = run_cli("--format json monitor tables --url sqlite:" + db);
    BOOST_TEST(t.rc == 0);
    auto tj = json::parse(t.out);
    BOOST_TEST(tj.at("sections")[0].at("rows")[0].at("table") == "t");
    BOOST_TEST(tj.at("sections")[0].at("rows")[0].at("rows") == 2);
    auto i = run_cli("--format json monitor indexes --url sqlite:" + db);
    BOOST_TEST(i.rc == 1);
    BOOST_TEST(json::parse(i.out).at("sections")[0].at("rows")[0].at("index") == "i_a");
    auto s = run_cli("monitor summary --url sqlite:" + db);
    BOOST_TEST(s.rc == 1);
    BOOST_TEST(s.out.find("quick_check") != std::string::npos);
    // Commands without a meaning on SQLite say so and why (usage error).
    auto q = run_cli("monitor slow-queries --url sqlite:" + db);
    BOOST_TEST(q.rc == 3);
    BOOST_TEST(q.err.find("no meaning on SQLite") != std::string::npos);
    BOOST_TEST(run_cli("monitor activity --url sqlite:" + db).rc == 3);
}

BOOST_AUTO_TEST_CASE(loadtest_needs_apply_and_a_short_compare_run_gives_well_formed_json) {
    cistern::test::temp_dir dir;
    const std::string db = dir.path().string() + "/load.db";
    // Without --apply nothing is created.
    auto plan = run_cli("loadtest --rows 500 --url sqlite:" + db);
    BOOST_TEST(plan.rc == 0);
    BOOST_TEST(plan.out.find("nothing was changed") != std::string::npos);
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{});
        BOOST_TEST(c.query("SELECT count(*) FROM sqlite_master WHERE name = 'events'").scalar<std::int64_t>() == 0);
    }
    // A short run; its figures are not asserted (benchmarks are not tests).
    auto r = run_cli("--format json loadtest --apply --compare --rows 2000 --users 4 --duration 0.9 --url sqlite:" + db);
    BOOST_TEST_INFO(r.err);
    BOOST_TEST(r.rc <= 1);
    auto j = json::parse(r.out);
    BOOST_TEST(j.at("command") == "loadtest");
    for (const char* id : {"operations", "comparison", "statements", "pool_cache", "monitor_health", "index_advice"})
        BOOST_TEST_CONTEXT(id) { BOOST_TEST(section(j, id) != nullptr); }
    BOOST_TEST(section(j, "operations")->at("rows").size() == 5u);
    // --keep reuses the tables (rows were loaded by the previous run)
    auto k = run_cli("--format json loadtest --keep --rows 100 --users 2 --duration 0.3 --url sqlite:" + db);
    BOOST_TEST_INFO(k.err);
    BOOST_TEST(k.rc <= 1);
    BOOST_TEST(json::parse(k.out).at("command") == "loadtest");
}

BOOST_AUTO_TEST_CASE(demo_builds_its_own_database_and_reports) {
    cistern::test::temp_dir dir;
    auto r = run_cli("--format json demo --rows 1000 --users 4 --duration 0.9 --file " + dir.path().string() + "/demo.db");
    BOOST_TEST_INFO(r.err);
    BOOST_TEST(r.rc <= 1);
    auto j = json::parse(r.out);
    BOOST_TEST(j.at("command") == "demo");
    BOOST_TEST(section(j, "index_advice") != nullptr);
}

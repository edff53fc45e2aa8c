#define BOOST_TEST_MODULE cistern CLI on SQLite
#include <boost/test/unit_test.hpp>

#include "run_cli.hpp"

#include <cistern/adapter/sqlite/connection.hpp>
#include <support/temp_dir.hpp>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <map>
#include <set>
#include <sstream>
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

bool has_note(const json& s, const std::string& text) {
    for (auto& n : s.at("notes"))
        if (n.get<std::string>().find(text) != std::string::npos) return true;
    return false;
}

std::int64_t count_of(const std::string& db, const std::string& sql) {
    cistern::sqlite::connection c(db, cistern::sqlite::options{.journal_mode = "", .create = false});
    return c.query(sql).scalar<std::int64_t>();
}

/// One HTTP/1.1 request to 127.0.0.1:port; returns the whole response (status line, headers, body).
std::string http_request(int port, const std::string& method, const std::string& path) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string body = method == "POST" ? "{\"action\":\"health_check\"}" : "";
        const std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
        (void)::send(fd, req.data(), req.size(), 0);
        char buf[65536];
        for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path);
    f << text;
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
                            "monitor indexes", "monitor summary", "optimize", "optimize indexes", "optimize maintenance",
                            "optimize config", "optimize cache", "partition", "partition create", "partition list", "partition analyze",
                            "partition maintain", "partition cleanup", "partition move-default", "report", "serve"}) {
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

BOOST_AUTO_TEST_CASE(loadtest_cache_modes_report_savings_memory_and_no_stale_read) {
    cistern::test::temp_dir dir;
    const std::string db = dir.path().string() + "/modes.db";
    auto r = run_cli("--format json loadtest --apply --rows 2000 --users 2 --duration 0.6 --cache off,all,auto --url sqlite:" + db);
    BOOST_TEST_INFO(r.err);
    BOOST_TEST(r.rc <= 1);
    auto j = json::parse(r.out);
    const auto* modes = section(j, "cache_modes");
    BOOST_REQUIRE(modes != nullptr);
    BOOST_REQUIRE(modes->at("rows").size() == 3u);
    const auto& off = modes->at("rows")[0];
    const auto& all = modes->at("rows")[1];
    const auto& aut = modes->at("rows")[2];
    BOOST_TEST(off.at("mode") == "off");
    BOOST_TEST(off.at("db_queries_saved") == 0);
    BOOST_TEST(off.at("memory_bytes") == 0);
    BOOST_TEST(all.at("mode") == "all");
    BOOST_TEST(all.at("db_queries_saved").get<std::int64_t>() > 0); // 80 % of the reads go to 2 % of the keys
    BOOST_TEST(all.at("memory_bytes").get<std::int64_t>() > 0);
    BOOST_TEST(all.at("sampled").get<std::int64_t>() > 0);
    BOOST_TEST(aut.at("mode") == "auto");
    for (const auto* row : {&off, &all, &aut}) BOOST_TEST(row->at("stale_reads") == 0);
    // a bad mode is a usage error
    auto bad = run_cli("loadtest --keep --cache sometimes --url sqlite:" + db);
    BOOST_TEST(bad.rc != 0);
}

BOOST_AUTO_TEST_CASE(demo_builds_its_own_database_and_reports) {
    cistern::test::temp_dir dir;
    auto r = run_cli("--format json demo --rows 1000 --users 4 --duration 0.9 --file " + dir.path().string() + "/demo.db");
    BOOST_TEST_INFO(r.err);
    BOOST_TEST(r.rc <= 1);
    auto j = json::parse(r.out);
    BOOST_TEST(j.at("command") == "demo");
    BOOST_TEST(section(j, "index_advice") != nullptr);
    // the first phase's health is shown, not graded; the graded one is after the advice
    BOOST_TEST(section(j, "monitor_health_before") != nullptr);
    BOOST_TEST(section(j, "monitor_health")->at("title").get<std::string>().find("after the index advice") != std::string::npos);
    // writes went through the one-connection writer pool
    bool writer = false;
    for (auto& r : section(j, "pool_cache")->at("rows")) writer |= r.at("figure") == "writer pool waited";
    BOOST_TEST(writer);
    // a partition plan, shown and not applied
    const json* part = section(j, "partition_plan");
    BOOST_REQUIRE(part);
    BOOST_TEST(part->at("rows").size() >= 3u);
    BOOST_TEST(part->at("rows")[0].at("status") == "planned");
    cistern::sqlite::connection c(dir.path().string() + "/demo.db", cistern::sqlite::options{.journal_mode = "", .create = false});
    BOOST_TEST(c.query("SELECT count(*) FROM sqlite_master WHERE name LIKE 'events_by_month%'").scalar<std::int64_t>() == 0);
    // and the report as a self-contained page beside the database
    std::ifstream html(dir.path().string() + "/demo.db.html");
    std::stringstream page;
    page << html.rdbuf();
    BOOST_TEST(page.str().find("partition plan") != std::string::npos);
    BOOST_TEST(page.str().find("<script") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(optimize_indexes_plans_without_apply_applies_once_and_then_has_nothing_to_do) {
    cistern::test::temp_dir dir;
    const auto db = planted_db(dir.path().string());
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{});
        c.execute("BEGIN");
        for (int i = 0; i < 3000; ++i) c.execute("INSERT INTO t VALUES (?, ?, ?)", i % 50, i, "v" + std::to_string(i % 700));
        c.execute("COMMIT");
    }
    const std::string workload = dir.path().string() + "/workload.sql";
    write_file(workload, "-- the statements to serve\nSELECT a, b FROM t WHERE c = 'v7';\n"
                         "SELECT * FROM t WHERE b > 10 ORDER BY b LIMIT 5; -- trailing comment\n");
    const std::string args = "--format json optimize indexes --workload " + workload + " --url sqlite:" + db;
    const auto before = count_of(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'");
    auto dry = run_cli(args);
    BOOST_TEST_INFO(dry.err);
    BOOST_TEST(dry.rc == 1);
    auto j = json::parse(dry.out);
    const json* missing = section(j, "missing_indexes");
    BOOST_REQUIRE(missing);
    BOOST_TEST(has_note(*missing, "2 statement(s) from the workload file"));
    std::set<std::string> cols;
    for (auto& r : missing->at("rows")) cols.insert(r.at("columns").get<std::string>());
    BOOST_TEST(cols.count("c") == 1u);
    BOOST_TEST(cols.count("b") == 1u);
    const json* dup = section(j, "duplicate_indexes");
    BOOST_REQUIRE(dup);
    BOOST_TEST(dup->at("rows")[0].at("index") == "i_a");
    const json* plan = section(j, "plan");
    BOOST_REQUIRE(plan);
    BOOST_TEST(plan->at("rows").size() == 3u);
    BOOST_TEST(plan->at("rows")[0].at("status") == "planned");
    BOOST_TEST(has_note(*plan, "dry run"));
    BOOST_TEST(count_of(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'") == before); // nothing changed

    auto apply = run_cli(args + " --apply");
    BOOST_TEST_INFO(apply.err);
    BOOST_TEST(apply.rc == 0);
    BOOST_TEST(section(json::parse(apply.out), "plan")->at("rows")[0].at("status") == "applied");
    BOOST_TEST(count_of(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'i_a'") == 0);
    BOOST_TEST(count_of(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql LIKE '%(\"c\")%'") == 1);

    auto again = run_cli("optimize indexes --workload " + workload + " --url sqlite:" + db);
    BOOST_TEST(again.rc == 0);
    BOOST_TEST(again.out.find("nothing to do") != std::string::npos);
    // the section of indexes considered and not proposed is always there (on SQLite the
    // advisors keep no index on purpose; statements an index already serves are not weighed)
    BOOST_TEST(again.out.find("indexes considered and not proposed") != std::string::npos);
    const auto after_doc = json::parse(run_cli(args).out);
    const json* np_after = section(after_doc, "not_proposed");
    BOOST_REQUIRE(np_after);
    BOOST_TEST(np_after->at("rows").size() == 0u);
    // before the apply, every candidate was proposed: the list was empty
    BOOST_TEST(section(j, "not_proposed")->at("rows").size() == 0u);
}

BOOST_AUTO_TEST_CASE(optimize_maintenance_analyzes_once_and_a_rerun_has_nothing_to_do) {
    cistern::test::temp_dir dir;
    const auto db = planted_db(dir.path().string());
    auto dry = run_cli("--format json optimize maintenance --url sqlite:" + db);
    BOOST_TEST_INFO(dry.err);
    BOOST_TEST(dry.rc == 1);
    auto j = json::parse(dry.out);
    BOOST_TEST(section(j, "plan")->at("rows")[0].at("sql") == "ANALYZE \"t\"");
    BOOST_TEST(count_of(db, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'") == 0);
    auto apply = run_cli("optimize maintenance --apply --url sqlite:" + db);
    BOOST_TEST(apply.rc == 0);
    BOOST_TEST(count_of(db, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'") == 1);
    // PRAGMA optimize is proposed only when SQLite says it would act: the re-run is empty.
    auto again = run_cli("--format json optimize maintenance --url sqlite:" + db);
    BOOST_TEST(again.rc == 0);
    BOOST_TEST(has_note(*section(json::parse(again.out), "plan"), "nothing to do"));
}

BOOST_AUTO_TEST_CASE(optimize_config_recommends_wal_and_per_connection_settings) {
    cistern::test::temp_dir dir;
    const std::string db = dir.path().string() + "/cfg.db";
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{.journal_mode = "DELETE"});
        c.execute_script("CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (id INTEGER PRIMARY KEY,"
                         " parent_id INTEGER REFERENCES parent (id));");
    }
    auto dry = run_cli("--format json optimize config --url sqlite:" + db);
    BOOST_TEST_INFO(dry.err);
    BOOST_TEST(dry.rc == 1);
    auto j = json::parse(dry.out);
    const json* s = section(j, "settings");
    BOOST_REQUIRE(s);
    std::map<std::string, json> rows;
    for (auto& r : s->at("rows")) rows[r.at("setting").get<std::string>()] = r;
    BOOST_TEST(rows.at("journal_mode").at("current") == "delete");
    BOOST_TEST(rows.at("journal_mode").at("recommended") == "wal");
    BOOST_TEST(rows.at("journal_mode").at("verdict") == "warning");
    BOOST_TEST(rows.at("foreign_keys").at("verdict") == "warning"); // declared but not enforced by default
    BOOST_TEST(rows.at("busy_timeout").at("verdict") == "advice");
    for (const char* name : {"synchronous", "cache_size", "mmap_size"}) BOOST_TEST(rows.count(name) == 1u);
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{.journal_mode = "", .create = false});
        BOOST_TEST(c.query("PRAGMA journal_mode").scalar<std::string>() == "delete"); // the dry run changed nothing
    }
    auto apply = run_cli("optimize config --apply --url sqlite:" + db);
    BOOST_TEST_INFO(apply.err);
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{.journal_mode = "", .create = false});
        BOOST_TEST(c.query("PRAGMA journal_mode").scalar<std::string>() == "wal");
    }
    auto again = run_cli("--format json optimize config --url sqlite:" + db);
    auto a = json::parse(again.out);
    BOOST_TEST(has_note(*section(a, "plan"), "nothing to do"));
    // foreign_keys stays a warning: it is a per-connection setting no plan can change.
    BOOST_TEST(again.rc == 1);
}

BOOST_AUTO_TEST_CASE(partition_move_default_says_it_has_no_meaning_on_sqlite) {
    cistern::test::temp_dir dir;
    const std::string db = dir.path().string() + "/md.db";
    { cistern::sqlite::connection c(db, cistern::sqlite::options{}); }
    auto r = run_cli("partition move-default events --column at --url sqlite:" + db);
    BOOST_TEST(r.rc == 3);
    BOOST_TEST(r.err.find("no meaning on SQLite") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("no default partition") != std::string::npos, r.err);
}

namespace {
bool has_progress_control(const std::string& s) { return s.find('\r') != std::string::npos || s.find("\x1b[") != std::string::npos; }
} // namespace

BOOST_AUTO_TEST_CASE(progress_bar_only_on_a_terminal) {
    cistern::test::temp_dir dir;
    const std::string db = dir.path().string() + "/progress.db";
    // not a terminal (run_cli redirects both streams to files): no bar, no control characters,
    // although generating the rows and the 1.5 s phase each take over a second
    auto plain = run_cli("loadtest --apply --rows 30000 --users 2 --duration 1.5 --url sqlite:" + db);
    BOOST_TEST_INFO(plain.err);
    BOOST_TEST(plain.rc <= 1);
    BOOST_TEST(!has_progress_control(plain.out));
    BOOST_TEST(!has_progress_control(plain.err));
    BOOST_TEST(plain.err.find("workload [") == std::string::npos);
    // a terminal (script(1) gives the program a pseudo-terminal; its output is what the
    // terminal showed): the bar is drawn in place on stderr, coloured unless NO_COLOR
    const std::string cli = CISTERN_CLI_PATH;
    const std::string load = " loadtest --keep --users 2 --duration 1.5 --url sqlite:" + db;
    auto shown = cistern::test::run_cli_raw("script -qec '" + cli + load + "' /dev/null");
    BOOST_TEST(shown.find("\r\x1b[Kworkload [") != std::string::npos, shown);
    BOOST_TEST(shown.find("workload [\x1b[32m#") != std::string::npos);
    BOOST_TEST(shown.find("] 100%") != std::string::npos);
    auto no_color = cistern::test::run_cli_raw("NO_COLOR=1 script -qec '" + cli + load + "' /dev/null");
    BOOST_TEST(no_color.find("\r\x1b[Kworkload [#") != std::string::npos, no_color);
    BOOST_TEST(no_color.find("\x1b[32m") == std::string::npos);
    // --quiet and --format json: no bar even on a terminal
    auto quiet = cistern::test::run_cli_raw("script -qec '" + cli + " --quiet" + load + "' /dev/null");
    BOOST_TEST(quiet.find("workload [") == std::string::npos, quiet);
    auto js = cistern::test::run_cli_raw("script -qec '" + cli + " --format json" + load + "' /dev/null");
    BOOST_TEST(js.find("workload [") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(optimize_cache_recommends_the_slow_read_of_a_quiet_table_and_not_the_read_of_a_busy_one) {
    cistern::test::temp_dir dir;
    const std::string db = dir.path().string() + "/cache.db";
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{});
        c.execute_script("CREATE TABLE catalog (k INTEGER PRIMARY KEY, v INTEGER NOT NULL);"
                         "CREATE TABLE events (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, at INTEGER NOT NULL);"
                         "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 1000) "
                         "INSERT INTO catalog SELECT i, (i * 7919) % 1000 FROM g;");
    }
    const std::string workload = dir.path().string() + "/hot.sql";
    // a slow hot read of a table nobody writes; a hot read of a table written three times per read
    write_file(workload, "SELECT count(*) FROM catalog a, catalog b WHERE a.v < b.v + 0;\n"
                         "INSERT INTO events (kind, at) VALUES (1, 1);\nINSERT INTO events (kind, at) VALUES (2, 1);\n"
                         "INSERT INTO events (kind, at) VALUES (3, 1);\nSELECT count(*) FROM events WHERE kind >= 0;\n");
    const std::string args = "optimize cache --workload " + workload + " --interval 1.5 --min-latency-ms 0 --url sqlite:" + db;
    auto r = run_cli("--format json " + args);
    BOOST_TEST_INFO(r.err + r.out);
    BOOST_REQUIRE(r.rc == 0);
    auto j = json::parse(r.out);
    BOOST_TEST(j.at("command") == "optimize cache");
    const json* s = section(j, "caching_advice");
    BOOST_REQUIRE(s);
    const json *slow = nullptr, *busy = nullptr, *insert = nullptr;
    for (auto& row : s->at("rows")) {
        const auto fp = row.at("fingerprint").get<std::string>();
        BOOST_TEST(fp.find("+ 0") == std::string::npos); // fingerprints, never literal values
        if (fp.find("FROM catalog") != std::string::npos) slow = &row;
        if (fp.find("FROM events") != std::string::npos) busy = &row;
        if (fp.rfind("INSERT", 0) == 0) insert = &row;
    }
    BOOST_REQUIRE((slow && busy && insert));
    BOOST_TEST(slow->at("advice") == "cache");
    BOOST_TEST(slow->at("reason_code") == "recommended");
    BOOST_TEST(slow->at("rank") == 1);
    BOOST_TEST(slow->at("ttl_s") == 3600.0); // never written: the longest TTL
    BOOST_TEST(slow->at("memory").get<std::int64_t>() > 0);
    BOOST_TEST(slow->at("write_rate_s") == 0.0);
    BOOST_TEST(busy->at("advice") == "skip");
    BOOST_TEST(busy->at("reason_code") == "tables_change_too_often");
    BOOST_TEST(busy->at("reason").get<std::string>().find("written") != std::string::npos);
    BOOST_TEST(busy->at("write_rate_s").get<double>() > 0.0);
    BOOST_TEST(insert->at("reason_code") == "not_a_read");
    BOOST_TEST(has_note(*s, "rolled back"));
    BOOST_TEST(count_of(db, "SELECT count(*) FROM events") == 0); // the replay's writes were rolled back
    auto text = run_cli(args);
    BOOST_TEST(text.rc == 0);
    BOOST_TEST(text.out.find("caching advice") != std::string::npos, text.out);
    BOOST_TEST(text.out.find("tables_change_too_often") != std::string::npos);
    // without a workload SQLite has nothing to measure: said so, exit 3
    auto none = run_cli("optimize cache --url sqlite:" + db);
    BOOST_TEST(none.rc == 3);
    BOOST_TEST(none.err.find("--workload") != std::string::npos, none.err);
}

BOOST_AUTO_TEST_CASE(partition_create_list_cleanup_on_sqlite) {
    cistern::test::temp_dir dir;
    const std::string db = dir.path().string() + "/part.db";
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{});
    }
    const std::string common = " --url sqlite:" + db + " --column at --interval monthly --premake 2";
    const std::string create = "partition create events" + common + " --columns 'id INTEGER NOT NULL, at TEXT NOT NULL, v REAL'";
    auto dry = run_cli("--format json " + create);
    BOOST_TEST_INFO(dry.err);
    BOOST_TEST(dry.rc == 0);
    BOOST_TEST(section(json::parse(dry.out), "plan")->at("rows").size() >= 3u);
    BOOST_TEST(count_of(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'events%'") == 0);
    auto apply = run_cli(create + " --apply");
    BOOST_TEST_INFO(apply.err);
    BOOST_TEST(apply.rc == 0);
    BOOST_TEST(count_of(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'events\\_p%' ESCAPE '\\'") == 3);
    auto again = run_cli(create);
    BOOST_TEST(again.rc == 0);
    BOOST_TEST(again.out.find("nothing to do") != std::string::npos);

    // an old period table (as an earlier maintenance made it) and a row through the view
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{});
        c.execute("CREATE TABLE events_p202001 (id INTEGER NOT NULL, at TEXT NOT NULL, v REAL)");
        c.execute("INSERT INTO events_p202001 VALUES (1, '2020-01-05 10:00:00', 1.5)");
    }
    auto list = run_cli("--format json partition list events" + common);
    BOOST_TEST_INFO(list.err);
    BOOST_TEST(list.rc == 0);
    const auto lj = json::parse(list.out);
    const auto& rows = section(lj, "partitions")->at("rows");
    BOOST_REQUIRE(rows.size() == 4u);
    BOOST_TEST(rows[0].at("partition") == "events_p202001");
    BOOST_TEST(rows[0].at("rows") == 1);
    BOOST_TEST(rows[0].at("lower") == "2020-01-01 00:00:00");

    auto clean = run_cli("--format json partition cleanup events" + common + " --retention 365d");
    BOOST_TEST(clean.rc == 0);
    bool drops = false;
    const auto cj = json::parse(clean.out);
    for (auto& r : section(cj, "plan")->at("rows"))
        drops |= r.at("sql").get<std::string>().find("DROP TABLE \"events_p202001\"") != std::string::npos;
    BOOST_TEST(drops);
    BOOST_TEST(count_of(db, "SELECT count(*) FROM sqlite_master WHERE name = 'events_p202001'") == 1);
    BOOST_TEST(run_cli("partition cleanup events" + common + " --retention 365d --apply").rc == 0);
    BOOST_TEST(count_of(db, "SELECT count(*) FROM sqlite_master WHERE name = 'events_p202001'") == 0);
    auto clean2 = run_cli("partition cleanup events" + common + " --retention 365d");
    BOOST_TEST(clean2.out.find("nothing to do") != std::string::npos);
    // usage errors
    BOOST_TEST(run_cli("partition cleanup events" + common).rc == 3); // no --retention
    BOOST_TEST(run_cli("partition list events --url sqlite:" + db).rc == 3); // SQLite needs --column
    BOOST_TEST(run_cli("partition create events" + common + " --interval 1000").rc == 3);
}

BOOST_AUTO_TEST_CASE(report_in_text_json_and_self_contained_html_escapes_names) {
    cistern::test::temp_dir dir;
    const std::string db = dir.path().string() + "/rep.db";
    {
        cistern::sqlite::connection c(db, cistern::sqlite::options{});
        c.execute_script("CREATE TABLE \"t<script>alert(1)</script>\" (a INTEGER, b INTEGER);"
                         "CREATE INDEX i_a ON \"t<script>alert(1)</script>\" (a);"
                         "CREATE INDEX i_ab ON \"t<script>alert(1)</script>\" (a, b);");
    }
    auto j = run_cli("--format json report --url sqlite:" + db);
    BOOST_TEST_INFO(j.err);
    BOOST_TEST(j.rc == 1);
    auto doc = json::parse(j.out);
    BOOST_TEST(doc.at("command") == "report");
    for (const char* id : {"storage", "duplicate_indexes", "missing_indexes", "caching_advice", "partitions", "settings", "maintenance",
                           "maintenance_plan"})
        BOOST_TEST_CONTEXT(id) { BOOST_TEST(section(doc, id) != nullptr); }
    BOOST_TEST(has_note(*section(doc, "caching_advice"), "optimize cache --workload"));
    const std::string html = dir.path().string() + "/report.html";
    auto h = run_cli("report --format html -o " + html + " --url sqlite:" + db);
    BOOST_TEST_INFO(h.err);
    BOOST_TEST(h.rc == 1);
    BOOST_TEST(h.out.find("wrote " + html) != std::string::npos);
    std::ifstream f(html);
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string page = ss.str();
    BOOST_TEST(page.rfind("<!DOCTYPE html>", 0) == 0u);
    BOOST_TEST(page.find("&lt;script&gt;alert(1)") != std::string::npos);
    BOOST_TEST(page.find("<script") == std::string::npos);
    BOOST_TEST(page.find("http://") == std::string::npos);
    BOOST_TEST(page.find("https://") == std::string::npos);
    BOOST_TEST(page.find("duplicate_index") != std::string::npos);
    BOOST_TEST(page.find("</html>") != std::string::npos);
    // html is the report's format only
    BOOST_TEST(run_cli("--format html health --url sqlite:" + db).rc == 3);
    auto text = run_cli("report --url sqlite:" + db);
    BOOST_TEST(text.out.find("settings: current, recommended, why") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(serve_runs_the_dashboard_with_the_database_page) {
    cistern::test::temp_dir dir;
    const auto db = planted_db(dir.path().string());
    const std::string base = dir.path().string() + "/serve";
    // in the background for 6 s; its exit code lands in serve.rc
    const std::string cmd = std::string("( ") + CISTERN_CLI_PATH + " serve --url sqlite:" + db +
                            " --listen 127.0.0.1:0 --duration 6 > " + base + ".out 2> " + base + ".err < /dev/null; echo $? > " + base +
                            ".rc ) &";
    BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
    int port = 0;
    for (int i = 0; i < 100 && port == 0; ++i) {
        const auto out = slurp(base + ".out");
        const auto at = out.find("serving http://127.0.0.1:");
        if (at != std::string::npos) port = std::atoi(out.c_str() + at + 25);
        else std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_TEST_INFO(slurp(base + ".err"));
    BOOST_REQUIRE(port > 0);
    const auto page = http_request(port, "GET", "/database");
    BOOST_TEST(page.rfind("HTTP/1.1 200", 0) == 0u);
    BOOST_TEST(page.find("<!DOCTYPE html>") != std::string::npos);
    BOOST_TEST(page.find("duplicate_index") != std::string::npos); // the planted duplicate, from the report collectors
    BOOST_TEST(page.find("<script") == std::string::npos);
    BOOST_TEST(http_request(port, "GET", "/healthz").rfind("HTTP/1.1 200", 0) == 0u);
    const auto api = http_request(port, "GET", "/api/performance");
    BOOST_TEST(api.rfind("HTTP/1.1 200", 0) == 0u);
    BOOST_TEST(api.find("\"statements\"") != std::string::npos);
    // no token configured: actions are refused
    BOOST_TEST(http_request(port, "POST", "/api/performance").rfind("HTTP/1.1 403", 0) == 0u);
    std::string rc;
    for (int i = 0; i < 150 && rc.empty(); ++i) {
        rc = slurp(base + ".rc");
        if (rc.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    BOOST_TEST(std::atoi(rc.c_str()) == 1); // the last database report had a warning (the duplicate index)
}

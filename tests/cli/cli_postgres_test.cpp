#define BOOST_TEST_MODULE cistern CLI on PostgreSQL
#include <boost/test/unit_test.hpp>

#include "run_cli.hpp"

#include <cistern/adapter/postgres/connection.hpp>
#include <support/postgres_server.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <thread>

using cistern::test::run_cli;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

cistern::test::postgres_server& server() {
    static cistern::test::postgres_server s;
    return s;
}

/// Plants what the tests look for, once: pg_stat_statements, a duplicate index, a sequence
/// near its maximum, rows in a default partition, a slow statement, and a role without
/// pg_read_all_stats.
struct planted {
    planted() {
        cistern::postgres::connection c(server().conninfo());
        c.execute_script(
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;"
            "CREATE TABLE orders (id bigserial PRIMARY KEY, customer int NOT NULL, placed date NOT NULL);"
            "CREATE INDEX orders_customer ON orders (customer);"
            "CREATE INDEX orders_customer_placed ON orders (customer, placed);"
            "CREATE SEQUENCE ticket_seq AS integer MAXVALUE 1000;"
            "SELECT setval('ticket_seq', 990);"
            "CREATE TABLE events (at date NOT NULL, v int) PARTITION BY RANGE (at);"
            "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');"
            "CREATE TABLE events_default PARTITION OF events DEFAULT;"
            "INSERT INTO events VALUES ('2031-05-05', 1), ('2031-05-06', 2);"
            "SELECT pg_stat_statements_reset();");
        for (int i = 0; i < 3; ++i) c.query("SELECT pg_sleep(0.15), 'planted slow statement'");
        server().psql("DROP ROLE IF EXISTS plain; CREATE ROLE plain LOGIN PASSWORD 'plain-pw'");
        server().psql("GRANT CONNECT ON DATABASE cistern TO plain");
    }
};
const planted& plant() {
    static planted p;
    return p;
}

std::string url() { return "'" + server().url() + "'"; }

const json* section(const json& doc, const std::string& id) {
    for (auto& s : doc.at("sections"))
        if (s.at("id") == id) return &s;
    return nullptr;
}
bool has_rule(const json& s, const std::string& rule, const std::string& text = "") {
    for (auto& f : s.at("findings"))
        if (f.at("rule") == rule && f.at("reason").get<std::string>().find(text) != std::string::npos) return true;
    return false;
}

} // namespace

BOOST_AUTO_TEST_CASE(health_finds_the_planted_problems) {
    plant();
    auto r = run_cli("--format json health --url " + url());
    BOOST_TEST_INFO(r.err);
    BOOST_TEST(r.rc >= 1);
    BOOST_TEST(r.rc <= 2);
    auto j = json::parse(r.out);
    BOOST_TEST(j.at("target").get<std::string>().find(cistern::test::postgres_server::app_password) == std::string::npos);
    const json* dup = section(j, "duplicate_indexes");
    BOOST_REQUIRE(dup);
    BOOST_TEST(has_rule(*dup, "duplicate_index", "orders_customer "));
    const json* seq = section(j, "sequences");
    BOOST_REQUIRE(seq);
    BOOST_TEST(has_rule(*seq, "sequence_near_max", "ticket_seq"));
    const json* def = section(j, "default_partitions");
    BOOST_REQUIRE(def);
    BOOST_TEST(has_rule(*def, "default_partition_rows", "2 row(s)"));
    for (const char* id : {"connections", "activity", "wraparound", "invalid_indexes", "unused_indexes", "tables",
                           "cache_hit", "replication", "pg_stat_statements"})
        BOOST_TEST_CONTEXT(id) {
            const json* s = section(j, id);
            BOOST_REQUIRE(s);
            BOOST_TEST(s->at("state") == "ok");
        }
    // text form: one line per check
    auto t = run_cli("health --url " + url());
    BOOST_TEST(t.rc == r.rc);
    BOOST_TEST(t.out.find("sequences near their maximum") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(slow_queries_lists_the_planted_slow_statement_first) {
    plant();
    auto r = run_cli("--format json monitor slow-queries --limit 5 --url " + url());
    BOOST_TEST_INFO(r.err);
    BOOST_TEST(r.rc == 0);
    auto j = json::parse(r.out);
    const auto& rows = j.at("sections")[0].at("rows");
    BOOST_REQUIRE(!rows.empty());
    BOOST_TEST(rows[0].at("query").get<std::string>().find("pg_sleep") != std::string::npos);
    BOOST_TEST(rows[0].at("calls") == 3);
    BOOST_TEST(rows[0].at("total_ms").get<double>() >= 400.0);
    BOOST_TEST(rows.size() <= 5u);
    auto few = run_cli("--format json monitor slow-queries --min-calls 1000 --url " + url());
    BOOST_TEST(json::parse(few.out).at("sections")[0].at("rows").empty());
}

BOOST_AUTO_TEST_CASE(a_role_without_pg_read_all_stats_is_told_what_is_missing) {
    plant();
    const std::string plain = "'postgresql://plain:plain-pw@127.0.0.1:" + std::to_string(server().port()) + "/cistern'";
    auto r = run_cli("--format json monitor slow-queries --url " + plain);
    BOOST_TEST_INFO(r.err + r.out);
    BOOST_TEST(r.rc == 0);
    auto j = json::parse(r.out);
    bool named = false;
    for (auto& n : j.at("sections")[0].at("notes")) named |= n.get<std::string>().find("pg_read_all_stats") != std::string::npos;
    BOOST_TEST(named);
    BOOST_TEST(r.out.find("plain-pw") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(activity_finds_an_idle_in_transaction_session_and_terminates_it_only_with_apply) {
    plant();
    cistern::postgres::connection idle(server().conninfo());
    idle.execute("BEGIN");
    idle.query("SELECT count(*) FROM orders");
    const auto pid = idle.backend_pid();
    std::this_thread::sleep_for(1500ms);
    auto r = run_cli("--format json monitor activity --idle-seconds 1 --url " + url());
    BOOST_TEST_INFO(r.err);
    BOOST_TEST(r.rc == 1);
    auto j = json::parse(r.out);
    BOOST_TEST(has_rule(j.at("sections")[0], "idle_in_transaction", "pid " + std::to_string(pid)));

    auto dry = run_cli("monitor activity --terminate " + std::to_string(pid) + " --url " + url());
    BOOST_TEST(dry.rc == 0);
    BOOST_TEST(dry.out.find("dry run") != std::string::npos);
    BOOST_TEST(idle.ping());
    auto apply = run_cli("monitor activity --terminate " + std::to_string(pid) + " --apply --url " + url());
    BOOST_TEST_INFO(apply.err);
    BOOST_TEST(apply.rc == 0);
    BOOST_TEST(!idle.ping());
    // Again: that pid no longer exists; the command says so (exit 3), nothing else is signalled.
    auto again = run_cli("monitor activity --terminate " + std::to_string(pid) + " --apply --url " + url());
    BOOST_TEST(again.rc == 3);
    BOOST_TEST(again.err.find("not a session") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(other_monitor_listings) {
    plant();
    auto t = run_cli("--format json monitor tables --url " + url());
    BOOST_TEST(t.rc == 0);
    BOOST_TEST_INFO(t.out);
    bool orders = false;
    const auto tj = json::parse(t.out);
    for (auto& row : tj.at("sections")[0].at("rows")) orders |= row.at("table") == "public.orders";
    BOOST_TEST(orders);
    auto i = run_cli("--format json monitor indexes --url " + url());
    BOOST_TEST(i.rc == 1);
    BOOST_TEST(has_rule(*section(json::parse(i.out), "duplicate_indexes"), "duplicate_index"));
    auto s = run_cli("monitor summary --url " + url());
    BOOST_TEST_INFO(s.err);
    BOOST_TEST(s.rc == 0);
    BOOST_TEST(s.out.find("connections") != std::string::npos);
    // libpq's environment is the last fallback.
    auto env = run_cli("--format json monitor summary", "PGHOST=127.0.0.1 PGPORT=" + std::to_string(server().port()) +
                                                           " PGUSER=cistern_app PGDATABASE=cistern PGPASSWORD=" +
                                                           cistern::test::postgres_server::app_password);
    BOOST_TEST_INFO(env.err);
    BOOST_TEST(env.rc == 0);
}

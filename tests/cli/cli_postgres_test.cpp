#define BOOST_TEST_MODULE cistern CLI on PostgreSQL
#include <boost/test/unit_test.hpp>

#include "run_cli.hpp"

#include <cistern/adapter/postgres/connection.hpp>
#include <support/postgres_server.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <vector>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

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

namespace {
bool has_note(const json& s, const std::string& text) {
    for (auto& n : s.at("notes"))
        if (n.get<std::string>().find(text) != std::string::npos) return true;
    return false;
}
std::int64_t count_of(const std::string& sql) {
    cistern::postgres::connection c(server().conninfo());
    return c.query(sql).scalar<std::int64_t>();
}
} // namespace

BOOST_AUTO_TEST_CASE(optimize_indexes_from_pg_stat_statements_dry_run_apply_and_nothing_to_do) {
    plant();
    {
        cistern::postgres::connection c(server().conninfo());
        c.execute_script("CREATE SCHEMA opt;"
                         "CREATE TABLE opt.orders2 (id bigserial PRIMARY KEY, customer int NOT NULL, note text);"
                         "INSERT INTO opt.orders2 (customer, note) SELECT g % 5000, 'n' || g FROM generate_series(1, 50000) g;"
                         "CREATE TABLE opt.items (a int, b int);"
                         "CREATE INDEX items_a ON opt.items (a); CREATE INDEX items_ab ON opt.items (a, b);"
                         "ANALYZE opt.orders2; ANALYZE opt.items;");
        for (int i = 0; i < 5; ++i) c.query("SELECT id, note FROM opt.orders2 WHERE customer = " + std::to_string(40 + i));
    }
    const std::string args = "--format json optimize indexes --schema opt --url " + url();
    const auto indexes_before = count_of("SELECT count(*) FROM pg_indexes WHERE schemaname = 'opt'");
    auto dry = run_cli(args);
    BOOST_TEST_INFO(dry.err + dry.out);
    BOOST_TEST(dry.rc == 1);
    auto j = json::parse(dry.out);
    const json* missing = section(j, "missing_indexes");
    BOOST_REQUIRE(missing);
    BOOST_REQUIRE(!missing->at("rows").empty());
    const auto& row = missing->at("rows")[0];
    BOOST_TEST(row.at("table") == "orders2");
    BOOST_TEST(row.at("columns") == "customer");
    BOOST_TEST(row.at("statements").get<std::string>().find("customer = $1") != std::string::npos);
    BOOST_TEST(row.at("cost_after").get<double>() < row.at("cost_before").get<double>());
    BOOST_TEST(row.at("sql").get<std::string>().find("CREATE INDEX CONCURRENTLY") == 0u);
    BOOST_TEST(has_note(*missing, "pg_stat_statements"));
    BOOST_TEST(has_note(*missing, "rolled-back")); // no HypoPG in the database: real indexes, rolled back
    BOOST_TEST(has_rule(*section(j, "duplicate_indexes"), "duplicate_index", "items_a "));
    // considered and not proposed: the never-scanned primary key is kept, with why
    const json* np = section(j, "not_proposed");
    BOOST_REQUIRE(np);
    bool pkey_kept = false;
    for (auto& r : np->at("rows"))
        if (r.at("index") == "orders2_pkey") {
            pkey_kept = true;
            BOOST_TEST(r.at("table") == "orders2");
            BOOST_TEST(r.at("outcome") == "kept (not dropped)");
            BOOST_TEST(r.at("reason").get<std::string>().find("enforces constraint orders2_pkey") != std::string::npos, r.dump());
        }
    BOOST_TEST(pkey_kept, np->dump());
    BOOST_TEST(count_of("SELECT count(*) FROM pg_indexes WHERE schemaname = 'opt'") == indexes_before); // nothing left behind
    BOOST_TEST(count_of("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'") == 0);            // nor created

    // The report never builds trial indexes: without HypoPG it says so instead.
    auto rep = run_cli("--format json report --schema opt --url " + url());
    BOOST_TEST_INFO(rep.err);
    const auto rj = json::parse(rep.out);
    BOOST_TEST(has_note(*section(rj, "missing_indexes"), "missing-index advice skipped"));
    BOOST_TEST(section(rj, "missing_indexes")->at("rows").empty());

    // --include / --exclude filter the tables
    auto excl = run_cli(args + " --exclude orders2,items");
    BOOST_TEST(excl.rc == 0);
    BOOST_TEST(section(json::parse(excl.out), "missing_indexes")->at("rows").empty());

    // With HypoPG created the trials are hypothetical; --apply creates and drops for real.
    {
        cistern::postgres::connection c(server().conninfo());
        c.execute("CREATE EXTENSION hypopg");
    }
    auto apply = run_cli(args + " --apply");
    BOOST_TEST_INFO(apply.err + apply.out);
    BOOST_TEST(apply.rc == 0);
    auto aj = json::parse(apply.out);
    BOOST_TEST(!has_note(*section(aj, "missing_indexes"), "rolled-back"));
    BOOST_TEST(count_of("SELECT count(*) FROM pg_indexes WHERE schemaname = 'opt' AND indexdef LIKE '%(customer)%'") == 1);
    BOOST_TEST(count_of("SELECT count(*) FROM pg_indexes WHERE schemaname = 'opt' AND indexname = 'items_a'") == 0);

    auto again = run_cli("optimize indexes --schema opt --url " + url());
    BOOST_TEST_INFO(again.out);
    BOOST_TEST(again.rc == 0);
    BOOST_TEST(again.out.find("nothing to do") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(optimize_indexes_from_a_workload_file) {
    plant();
    {
        cistern::postgres::connection c(server().conninfo());
        c.execute_script("CREATE SCHEMA wl; CREATE TABLE wl.visits (id bigserial PRIMARY KEY, page int NOT NULL, at timestamptz NOT NULL);"
                         "INSERT INTO wl.visits (page, at) SELECT g % 3000, now() - g * interval '1 minute' FROM generate_series(1, 40000) g;"
                         "ANALYZE wl.visits;");
    }
    const std::string file = "/tmp/cistern-cli-workload-" + std::to_string(::getpid()) + ".sql";
    {
        std::ofstream f(file);
        f << "SELECT id FROM wl.visits WHERE page = 17 ORDER BY at DESC LIMIT 10;\n-- done\n";
    }
    auto r = run_cli("--format json optimize indexes --schema wl --workload " + file + " --url " + url());
    std::remove(file.c_str());
    BOOST_TEST_INFO(r.err + r.out);
    BOOST_TEST(r.rc == 1);
    auto j = json::parse(r.out);
    const json* m = section(j, "missing_indexes");
    BOOST_REQUIRE(!m->at("rows").empty());
    BOOST_TEST(m->at("rows")[0].at("columns").get<std::string>().rfind("page", 0) == 0u);
    BOOST_TEST(has_note(*m, "1 statement(s) from the workload file"));
}

BOOST_AUTO_TEST_CASE(optimize_maintenance_vacuums_dead_tuples_once) {
    plant();
    {
        cistern::postgres::connection c(server().conninfo());
        c.execute_script("CREATE SCHEMA mnt; CREATE TABLE mnt.churn (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);"
                         "INSERT INTO mnt.churn SELECT g, 'v' FROM generate_series(1, 6000) g;"
                         "DELETE FROM mnt.churn WHERE id > 2000;");
    } // closing the session flushes its statistics
    const std::string args = "--format json optimize maintenance --schema mnt --url " + url();
    auto dry = run_cli(args);
    BOOST_TEST_INFO(dry.err + dry.out);
    BOOST_TEST(dry.rc == 1);
    auto j = json::parse(dry.out);
    const json* plan = section(j, "plan");
    BOOST_REQUIRE(plan->at("rows").size() == 1u);
    BOOST_TEST(plan->at("rows")[0].at("sql") == "VACUUM (ANALYZE) \"mnt\".\"churn\"");
    BOOST_TEST(plan->at("rows")[0].at("outside_transaction") == "yes");
    BOOST_TEST(section(j, "maintenance")->at("rows")[0].at("dead") == 4000);
    auto apply = run_cli(args + " --apply");
    BOOST_TEST_INFO(apply.err);
    BOOST_TEST(apply.rc == 0);
    auto again = run_cli(args);
    BOOST_TEST_INFO(again.out);
    BOOST_TEST(again.rc == 0);
    BOOST_TEST(has_note(*section(json::parse(again.out), "plan"), "nothing to do"));
}

BOOST_AUTO_TEST_CASE(partition_create_list_analyze_maintain_cleanup_on_postgres) {
    plant();
    const std::string common = " --url " + url() + " --interval monthly --premake 2";
    const std::string create =
        "partition create pevents --column at --default --columns 'id bigint NOT NULL, at timestamptz NOT NULL, v int'" + common;
    auto dry = run_cli("--format json " + create);
    BOOST_TEST_INFO(dry.err + dry.out);
    BOOST_TEST(dry.rc == 0);
    BOOST_TEST(section(json::parse(dry.out), "plan")->at("rows").size() == 5u); // parent, 3 partitions, default
    BOOST_TEST(count_of("SELECT count(*) FROM pg_class WHERE relname = 'pevents'") == 0);
    auto apply = run_cli(create + " --apply");
    BOOST_TEST_INFO(apply.err);
    BOOST_TEST(apply.rc == 0);
    BOOST_TEST(count_of("SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.pevents'::regclass") == 4);
    auto again = run_cli(create);
    BOOST_TEST(again.rc == 0);
    BOOST_TEST(again.out.find("nothing to do") != std::string::npos);

    // rows: one in range, two far in the future (they land in the default partition)
    {
        cistern::postgres::connection c(server().conninfo());
        c.execute_script("INSERT INTO pevents VALUES (1, now(), 1), (2, '2099-01-01', 2), (3, '2099-02-01', 3);"
                         "CREATE TABLE pevents_p202001 PARTITION OF pevents FOR VALUES FROM ('2020-01-01') TO ('2020-02-01');"
                         "INSERT INTO pevents VALUES (4, '2020-01-15', 4);");
    }
    auto list = run_cli("--format json partition list pevents --url " + url());
    BOOST_TEST_INFO(list.err + list.out);
    auto lj = json::parse(list.out);
    const json* parts = section(lj, "partitions");
    BOOST_REQUIRE(parts);
    BOOST_TEST(parts->at("rows").size() == 5u);
    std::map<std::string, json> by_name;
    for (auto& r : parts->at("rows")) by_name[r.at("partition").get<std::string>()] = r;
    BOOST_TEST(by_name.at("pevents_default").at("rows") == 2);
    BOOST_TEST(by_name.at("pevents_default").at("default") == "yes");
    BOOST_TEST(by_name.at("pevents_p202001").at("rows") == 1);
    BOOST_TEST(by_name.at("pevents_p202001").at("lower").get<std::string>().rfind("2020-01-01", 0) == 0u);
    BOOST_TEST(list.rc == 1); // default-partition rows are a finding
    BOOST_TEST(has_rule(*parts, "default_partition_rows", "2 row(s)"));

    // analyze: pruning of a statement filtered on the key, and one that is not
    auto an = run_cli("--format json partition analyze pevents --url " + url() +
                      " --query \"SELECT count(*) FROM pevents WHERE at >= '2099-01-01'\" --query 'SELECT count(*) FROM pevents WHERE v = 3'");
    BOOST_TEST_INFO(an.err + an.out);
    BOOST_TEST(an.rc == 1);
    auto aj = json::parse(an.out);
    const json* pr = section(aj, "pruning");
    BOOST_REQUIRE(pr);
    BOOST_REQUIRE(pr->at("rows").size() == 2u);
    BOOST_TEST(pr->at("rows")[0].at("pruned") == "yes");
    BOOST_TEST(pr->at("rows")[1].at("pruned") == "no");
    BOOST_TEST(has_rule(*pr, "no_pruning", "v = 3"));

    // maintain (cron): nothing to create, but rows in the default partition: exit 1
    auto mt = run_cli("partition maintain pevents" + common);
    BOOST_TEST_INFO(mt.out);
    BOOST_TEST(mt.rc == 1);
    BOOST_TEST(mt.out.find("default partition pevents_default holds 2 rows") != std::string::npos);

    // cleanup by retention, keeping the detached table
    auto cl = run_cli("--format json partition cleanup pevents --retention 365d --keep-detached" + common);
    BOOST_TEST_INFO(cl.err + cl.out);
    auto cj = json::parse(cl.out);
    const auto& rows = section(cj, "plan")->at("rows");
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].at("sql").get<std::string>().find("DETACH PARTITION \"public\".\"pevents_p202001\"") != std::string::npos);
    BOOST_TEST(run_cli("partition cleanup pevents --retention 365d --keep-detached --apply" + common).rc == 0);
    BOOST_TEST(count_of("SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.pevents'::regclass") == 4);
    BOOST_TEST(count_of("SELECT count(*) FROM pevents_p202001") == 1); // kept as a plain table
    BOOST_TEST(run_cli("partition cleanup pevents --retention 365d --keep-detached" + common).out.find("nothing to do") !=
               std::string::npos);

    // by integer key
    auto id = run_cli("partition create pitems --column id --interval 1000 --premake 1 --columns 'id bigint NOT NULL, v int' --apply --url " +
                      url());
    BOOST_TEST_INFO(id.err);
    BOOST_TEST(id.rc == 0);
    BOOST_TEST(count_of("SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.pitems'::regclass") == 2);
    BOOST_TEST(run_cli("partition cleanup pitems --retention 30d --url " + url()).rc == 3); // retention is by time
    // every partitioned table of the schema when none is named
    auto all = run_cli("--format json partition list --url " + url());
    auto alj = json::parse(all.out);
    std::set<std::string> tables;
    for (auto& r : section(alj, "partitioned_tables")->at("rows")) tables.insert(r.at("table").get<std::string>());
    BOOST_TEST((tables.count("events") == 1 && tables.count("pevents") == 1 && tables.count("pitems") == 1));
}

BOOST_AUTO_TEST_CASE(partition_move_default_plans_moves_in_batches_and_then_has_nothing_to_do) {
    plant();
    const std::string common = " --url " + url() + " --interval monthly --premake 1";
    auto made = run_cli("partition create mdev --column at --default --columns 'id bigint NOT NULL, at timestamptz NOT NULL, v int' --apply" +
                        common);
    BOOST_TEST_INFO(made.err);
    BOOST_REQUIRE(made.rc == 0);
    {
        // rows no partition covers: 1000 in January 2030, 500 in February, 200 in May
        cistern::postgres::connection c(server().conninfo());
        c.execute_script("INSERT INTO mdev SELECT g, '2030-01-01'::timestamptz + (g % 30) * interval '1 day', g FROM generate_series(1, 1000) g;"
                         "INSERT INTO mdev SELECT g, '2030-02-01'::timestamptz + (g % 27) * interval '1 day', g FROM generate_series(1001, 1500) g;"
                         "INSERT INTO mdev SELECT g, '2030-05-03'::timestamptz, g FROM generate_series(1501, 1700) g;");
    }
    BOOST_REQUIRE(count_of("SELECT count(*) FROM mdev_default") == 1700);
    BOOST_TEST(run_cli("partition maintain mdev" + common).rc == 1); // rows in the default partition

    // dry run: the batches (partition, range, rows) and the plan; nothing changes
    auto dry = run_cli("--format json partition move-default mdev" + common);
    BOOST_TEST_INFO(dry.err + dry.out);
    BOOST_TEST(dry.rc == 0);
    auto dj = json::parse(dry.out);
    const json* mv = section(dj, "move_default");
    BOOST_REQUIRE(mv);
    const auto& batches = mv->at("rows");
    BOOST_REQUIRE(batches.size() == 3u);
    BOOST_TEST(batches[0].at("partition") == "mdev_p203001");
    BOOST_TEST(batches[0].at("rows") == 1000);
    BOOST_TEST(batches[0].at("lower").get<std::string>().rfind("2030-01-01", 0) == 0u);
    BOOST_TEST(batches[1].at("partition") == "mdev_p203002");
    BOOST_TEST(batches[1].at("rows") == 500);
    BOOST_TEST(batches[2].at("partition") == "mdev_p203005");
    BOOST_TEST(batches[2].at("rows") == 200);
    BOOST_TEST(section(dj, "plan")->at("rows").size() > 3u);
    BOOST_TEST(section(dj, "plan")->at("notes")[0].get<std::string>().find("dry run") != std::string::npos);
    BOOST_TEST(count_of("SELECT count(*) FROM mdev_default") == 1700);
    auto text = run_cli("partition move-default mdev" + common);
    BOOST_TEST(text.rc == 0);
    BOOST_TEST(text.out.find("mdev_p203005") != std::string::npos, text.out);
    BOOST_TEST(text.out.find("dry run") != std::string::npos);

    // --batch-rows 1200: January (1000) fits, February would make 1500: one batch, the rest an alert
    auto part = run_cli("--format json partition move-default mdev --batch-rows 1200 --apply" + common);
    BOOST_TEST_INFO(part.err + part.out);
    BOOST_TEST(part.rc == 1);
    auto pj = json::parse(part.out);
    BOOST_TEST(section(pj, "move_default")->at("rows").size() == 1u);
    BOOST_TEST(has_rule(*section(pj, "plan"), "partition_alert", "700 rows from 2030-02-01"));
    BOOST_TEST(count_of("SELECT count(*) FROM mdev_default") == 700);
    BOOST_TEST(count_of("SELECT count(*) FROM mdev_p203001") == 1000);

    // --apply moves the rest; maintain (cron) is content; a re-run has nothing to do
    auto apply = run_cli("partition move-default mdev --apply" + common);
    BOOST_TEST_INFO(apply.err + apply.out);
    BOOST_TEST(apply.rc == 0);
    BOOST_TEST(apply.out.find("moved 700 row(s)") != std::string::npos, apply.out);
    BOOST_TEST(count_of("SELECT count(*) FROM mdev_default") == 0);
    BOOST_TEST(count_of("SELECT count(*) FROM mdev") == 1700);
    BOOST_TEST(count_of("SELECT count(*) FROM mdev_p203005") == 200);
    auto mt = run_cli("partition maintain mdev" + common);
    BOOST_TEST_INFO(mt.out);
    BOOST_TEST(mt.rc == 0);
    auto again = run_cli("partition move-default mdev --apply" + common);
    BOOST_TEST(again.rc == 0);
    BOOST_TEST(again.out.find("nothing to do") != std::string::npos, again.out);
    auto aj = json::parse(run_cli("--format json partition move-default mdev" + common).out);
    BOOST_TEST(section(aj, "move_default")->at("rows").size() == 0u);
    BOOST_TEST(section(aj, "plan")->at("notes")[0] == "nothing to do");
    // not partitioned: a usage error
    BOOST_TEST(run_cli("partition move-default orders" + common).rc == 3);
}

BOOST_AUTO_TEST_CASE(optimize_cache_measures_the_workload_and_write_rates_between_two_readings) {
    plant();
    {
        cistern::postgres::connection c(server().conninfo());
        c.execute_script("DROP TABLE IF EXISTS cache_catalog, cache_events;"
                         "CREATE TABLE cache_catalog (k int PRIMARY KEY, v int NOT NULL);"
                         "CREATE TABLE cache_events (id bigserial PRIMARY KEY, kind int NOT NULL, at int NOT NULL);"
                         "INSERT INTO cache_catalog SELECT i, (i * 7919) % 1500 FROM generate_series(1, 1500) i;");
    }
    // the application: a slow hot read of the quiet table, and a read of the busy table after
    // three inserts each time, running while the CLI measures
    std::atomic<bool> stop{false};
    std::thread app([&] {
        cistern::postgres::connection c(server().conninfo());
        for (int i = 0; !stop; ++i) {
            c.query("SELECT count(*) FROM cache_catalog a, cache_catalog b WHERE a.v < b.v + $1", 0);
            for (int k = 0; k < 3; ++k) c.execute("INSERT INTO cache_events (kind, at) VALUES ($1, $2)", k, i);
            c.query("SELECT count(*) FROM cache_events WHERE kind >= $1", 0);
        }
    });
    auto r = run_cli("--format json optimize cache --interval 3 --min-calls-per-second 0.1 --min-latency-ms 0 --assumed-distinct 1 --url " + url());
    stop = true;
    app.join();
    BOOST_TEST_INFO(r.err + r.out);
    BOOST_REQUIRE(r.rc == 0);
    auto j = json::parse(r.out);
    const json* s = section(j, "caching_advice");
    BOOST_REQUIRE(s);
    BOOST_TEST(s->at("state") == "ok");
    const json *slow = nullptr, *busy = nullptr;
    for (auto& row : s->at("rows")) {
        const auto fp = row.at("fingerprint").get<std::string>();
        BOOST_TEST(fp.find("pg_stat_statements") == std::string::npos); // cistern's own readings are left out
        if (fp.find("FROM cache_catalog") != std::string::npos) slow = &row;
        if (fp.find("FROM cache_events") != std::string::npos) busy = &row;
    }
    BOOST_REQUIRE((slow && busy));
    BOOST_TEST(slow->at("advice") == "cache", slow->dump());
    BOOST_TEST(slow->at("reason_code") == "recommended");
    BOOST_TEST(slow->at("write_rate_s") == 0.0);
    BOOST_TEST(slow->at("ttl_s") == 3600.0);
    BOOST_TEST(busy->at("advice") == "skip", busy->dump());
    BOOST_TEST(busy->at("reason_code") == "tables_change_too_often");
    BOOST_TEST(busy->at("write_rate_s").get<double>() > 0.0);
    BOOST_TEST(has_note(*s, "read twice, 3."));
}

BOOST_AUTO_TEST_CASE(report_json_and_html_on_postgres) {
    plant();
    auto j = run_cli("--format json report --url " + url());
    BOOST_TEST_INFO(j.err);
    BOOST_TEST(j.rc >= 1);
    auto doc = json::parse(j.out);
    for (const char* id : {"connections", "sequences", "duplicate_indexes", "slow_queries", "table_stats", "missing_indexes",
                           "index_plan", "caching_advice", "partitions", "settings", "maintenance", "maintenance_plan"})
        BOOST_TEST_CONTEXT(id) { BOOST_TEST(section(doc, id) != nullptr); }
    // the caching advice: one second of pg_stat_statements, with the documented columns
    BOOST_TEST(section(doc, "caching_advice")->at("state") == "ok");
    BOOST_TEST(section(doc, "caching_advice")->at("columns").size() == 13u);
    BOOST_TEST(has_note(*section(doc, "caching_advice"), "read twice, 1."));
    const std::string html = "/tmp/cistern-cli-report-" + std::to_string(::getpid()) + ".html";
    auto h = run_cli("report --format html -o " + html + " --url " + url());
    BOOST_TEST_INFO(h.err);
    BOOST_TEST(h.rc == j.rc);
    std::ifstream f(html);
    std::stringstream ss;
    ss << f.rdbuf();
    std::remove(html.c_str());
    const std::string page = ss.str();
    BOOST_TEST(page.find("<svg") != std::string::npos);             // the slow statements chart
    BOOST_TEST(page.find("ticket_seq") != std::string::npos);       // the planted sequence finding
    BOOST_TEST(page.find("<script") == std::string::npos);
    BOOST_TEST(page.find(cistern::test::postgres_server::app_password) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(loadtest_on_postgres_needs_apply_keeps_to_its_schema_and_gives_well_formed_json) {
    plant();
    auto plan = run_cli("loadtest --rows 2000 --url " + url());
    BOOST_TEST(plan.rc == 0);
    BOOST_TEST(plan.out.find("nothing was changed") != std::string::npos);
    BOOST_TEST(count_of("SELECT count(*) FROM pg_namespace WHERE nspname = 'cistern_loadtest'") == 0);
    // A short run with 50 users; its figures are not asserted (benchmarks are not tests).
    auto r = run_cli("--format json loadtest --apply --compare --rows 3000 --users 50 --duration 0.9 --url " + url());
    BOOST_TEST_INFO(r.err);
    BOOST_TEST(r.rc <= 1);
    auto j = json::parse(r.out);
    BOOST_TEST(j.at("command") == "loadtest");
    for (const char* id : {"operations", "comparison", "statements", "pool_cache", "monitor_health", "connections", "index_advice"})
        BOOST_TEST_CONTEXT(id) { BOOST_TEST(section(j, id) != nullptr); }
    BOOST_TEST(section(j, "operations")->at("rows").size() == 5u);
    BOOST_TEST(count_of("SELECT count(*) FROM cistern_loadtest.events") == 3000);
    BOOST_TEST(count_of("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.events') AND relkind = 'p'") == 1); // untouched
    auto k = run_cli("--format json loadtest --keep --users 2 --duration 0.3 --url " + url());
    BOOST_TEST_INFO(k.err);
    BOOST_TEST(k.rc <= 1);
    BOOST_TEST(json::parse(k.out).at("target").get<std::string>().find("schema cistern_loadtest") != std::string::npos);
    BOOST_TEST(run_cli("loadtest --schema 'Bad Name' --apply --url " + url()).rc == 3);
    // The query cache modes on PostgreSQL: off saves nothing, all saves and holds memory,
    // no sampled result differs from the database in any mode.
    auto m = run_cli("--format json loadtest --keep --users 2 --duration 0.6 --cache off,all,auto --url " + url());
    BOOST_TEST_INFO(m.err);
    BOOST_TEST(m.rc <= 1);
    const auto jm = json::parse(m.out);
    const auto* modes = section(jm, "cache_modes");
    BOOST_REQUIRE(modes != nullptr);
    BOOST_REQUIRE(modes->at("rows").size() == 3u);
    const auto& off = modes->at("rows")[0];
    const auto& all = modes->at("rows")[1];
    BOOST_TEST(off.at("mode") == "off");
    BOOST_TEST(off.at("db_queries_saved") == 0);
    BOOST_TEST(all.at("mode") == "all");
    BOOST_TEST(all.at("db_queries_saved").get<std::int64_t>() > 0);
    BOOST_TEST(all.at("memory_bytes").get<std::int64_t>() > 0);
    BOOST_TEST(modes->at("rows")[2].at("mode") == "auto");
    for (const auto& row : modes->at("rows")) BOOST_TEST(row.at("stale_reads") == 0);
}

// Last: it changes the server's configuration (reset at the end).
BOOST_AUTO_TEST_CASE(optimize_config_compares_settings_and_applies_only_what_is_asked) {
    plant();
    const std::string facts = " --memory 4GB --storage ssd --pool-connections 500";
    auto r = run_cli("--format json optimize config" + facts + " --url " + url());
    BOOST_TEST_INFO(r.err + r.out);
    BOOST_TEST(r.rc == 2); // max_connections 40 cannot take 500 pooled connections
    auto j = json::parse(r.out);
    std::map<std::string, json> rows;
    for (auto& row : section(j, "settings")->at("rows")) rows[row.at("setting").get<std::string>()] = row;
    BOOST_TEST(rows.at("shared_buffers").at("current") == "32MB");
    BOOST_TEST(rows.at("shared_buffers").at("recommended") == "1GB");
    BOOST_TEST(rows.at("effective_cache_size").at("verdict") == "ok"); // 4GB default is within half to twice 75 % of 4GB
    BOOST_TEST(rows.at("random_page_cost").at("recommended") == "1.1");
    BOOST_TEST(rows.at("max_connections").at("recommended") == "508"); // 500 + 3 reserved + 5
    BOOST_TEST(rows.at("max_connections").at("verdict") == "critical");
    BOOST_TEST(rows.at("shared_preload_libraries").at("verdict") == "ok");
    BOOST_TEST(rows.at("pg_stat_statements extension").at("current") == "created");
    BOOST_TEST(rows.at("autovacuum").at("verdict") == "ok");

    // Without --memory the server's RAM is read from its /proc/meminfo (superuser here).
    auto m = run_cli("--format json optimize config --url " + url());
    BOOST_TEST(has_note(*section(json::parse(m.out), "settings"), "/proc/meminfo"));

    const std::string only = " --setting random_page_cost --setting track_io_timing";
    auto apply = run_cli("--format json optimize config --apply" + facts + only + " --url " + url());
    BOOST_TEST_INFO(apply.err + apply.out);
    std::vector<std::string> ran;
    const auto pj = json::parse(apply.out);
    for (auto& row : section(pj, "plan")->at("rows")) {
        ran.push_back(row.at("sql").get<std::string>());
        BOOST_TEST(row.at("status") == "applied");
    }
    // only the settings asked for (shared_buffers and the others stay recommendations)
    BOOST_TEST(ran == (std::vector<std::string>{"ALTER SYSTEM SET random_page_cost = '1.1'", "ALTER SYSTEM SET track_io_timing = 'on'",
                                                "SELECT pg_reload_conf()"}),
               boost::test_tools::per_element());
    std::string after;
    for (int i = 0; i < 50 && after != "1.1"; ++i) { // the reload is asynchronous
        cistern::postgres::connection c(server().conninfo());
        after = c.query("SHOW random_page_cost").scalar<std::string>();
        if (after != "1.1") std::this_thread::sleep_for(100ms);
    }
    BOOST_TEST(after == "1.1");
    auto again = run_cli("--format json optimize config" + facts + only + " --url " + url());
    auto aj = json::parse(again.out);
    BOOST_TEST(has_note(*section(aj, "plan"), "nothing to do"));
    server().psql("ALTER SYSTEM RESET random_page_cost"); // one statement per call: ALTER SYSTEM refuses a transaction
    server().psql("ALTER SYSTEM RESET track_io_timing");
    server().psql("SELECT pg_reload_conf()");
}

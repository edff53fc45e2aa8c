#include <boost/test/unit_test.hpp>

#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/query_summary.hpp>
#include <cistern/monitor/recorder_ref.hpp>
#include <cistern/monitor/sinks/callback_sink.hpp>
#include <cistern/monitor/sinks/json_lines_sink.hpp>
#include <cistern/monitor/sinks/null_sink.hpp>
#include <cistern/monitor/sinks/ostream_sink.hpp>
#include <cistern/monitor/sinks/prometheus_sink.hpp>

#include "sample_monitor.hpp"

#include <sstream>
#include <string>

static_assert(cistern::detail::check_metric_sink<cistern::ostream_sink>());
static_assert(cistern::detail::check_metric_sink<cistern::json_lines_sink>());
static_assert(cistern::detail::check_metric_sink<cistern::prometheus_sink>());
static_assert(cistern::detail::check_metric_sink<cistern::callback_sink>());
static_assert(cistern::detail::check_metric_sink<cistern::null_sink>());

namespace {
std::size_t count_of(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}
} // namespace

BOOST_AUTO_TEST_SUITE(sinks_suite)

BOOST_AUTO_TEST_CASE(shutdown_reports_only_what_changed_since_the_last_flush) {
    int published = 0;
    auto count = [&](const cistern::monitor_snapshot&) { ++published; };
    { // flushed explicitly, nothing after: the destructor does not publish the same figures again
        cistern::monitor<cistern::callback_sink> m({}, cistern::callback_sink(count));
        m.record("SELECT 1", std::chrono::microseconds(5));
        m.flush();
    }
    BOOST_TEST(published == 1);
    published = 0;
    { // a statement after the flush: the shutdown report carries it
        cistern::monitor<cistern::callback_sink> m({}, cistern::callback_sink(count));
        m.record("SELECT 1", std::chrono::microseconds(5));
        m.flush();
        m.record("SELECT 2", std::chrono::microseconds(5));
    }
    BOOST_TEST(published == 2);
    published = 0;
    { // never flushed: the shutdown report is the only one
        cistern::monitor<cistern::callback_sink> m({}, cistern::callback_sink(count));
        m.observe_cache(cistern::cache_figures{.hits = 3, .misses = 1, .loads = 1, .evictions = 0});
    }
    BOOST_TEST(published == 1);
}

BOOST_AUTO_TEST_CASE(all_sinks_in_one_monitor) {
    std::ostringstream text, json;
    int called = 0;
    cistern::prometheus_sink prom("main");
    {
        cistern::monitor_options o;
        o.db_system = "sqlite";
        cistern::monitor<cistern::ostream_sink, cistern::json_lines_sink, cistern::prometheus_sink,
                         cistern::callback_sink, cistern::null_sink>
            m(o, cistern::ostream_sink(text), cistern::json_lines_sink(json), prom,
              cistern::callback_sink([&](const cistern::monitor_snapshot& s) { called += s.calls > 0; }),
              cistern::null_sink{});
        cistern::test::fill_sample(m);
        m.flush();
    }
    BOOST_TEST(called == 1); // the explicit flush; nothing new since, so no shutdown report
    const auto t = text.str();
    BOOST_TEST(t.find("top statements by total time:") != std::string::npos);
    BOOST_TEST(t.find("UPDATE kv SET v = ? WHERE id IN (?)") != std::string::npos);
    BOOST_TEST(t.find("[critical] 6.00 s  SELECT * FROM big WHERE x > ?") != std::string::npos);
    BOOST_TEST(t.find("pool: 3/10 in use") != std::string::npos);
    BOOST_TEST(t.find("cache: hit ratio 90.0 %") != std::string::npos);
    BOOST_TEST(t.find("health: degraded") != std::string::npos);
    BOOST_TEST(t.find("it''s") == std::string::npos);
    const auto j = json.str();
    BOOST_TEST(count_of(j, "\n") == 1u); // one line per snapshot
    BOOST_TEST(j.front() == '{');
    BOOST_TEST(j.find("\"db_system\":\"sqlite\"") != std::string::npos);
    BOOST_TEST(j.find("\"fingerprint\":\"SELECT \\\"weird\\\\name\\\" FROM t WHERE a = ?\"") != std::string::npos);
    BOOST_TEST(j.find("\"level\":\"critical\"") != std::string::npos);
    BOOST_TEST(j.find("\"hit_ratio\":0.9") != std::string::npos);
    const auto p = prom.text(); // the copy shares the latest rendering
    BOOST_TEST(p.find("# TYPE db_client_operation_duration_seconds histogram") != std::string::npos);
    const std::string select_kv =
        "db_system_name=\"sqlite\",db_operation_name=\"SELECT\",db_collection_name=\"kv\",db_query_summary=\"SELECT kv\"";
    const std::string update_kv =
        "db_system_name=\"sqlite\",db_operation_name=\"UPDATE\",db_collection_name=\"kv\",db_query_summary=\"UPDATE kv\"";
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{" + select_kv + "} 200\n") != std::string::npos);
    // 200 UPDATEs, 4 failed (i % 50 == 0): two series, the failed one with error_type
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{" + update_kv + "} 196\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{" + update_kv + ",error_type=\"_OTHER\"} 4\n") !=
               std::string::npos);
    BOOST_TEST(p.find("db_client_operation_duration_seconds_bucket{" + update_kv + ",error_type=\"_OTHER\",le=\"0.0005\"} 0\n") !=
               std::string::npos);
    BOOST_TEST(p.find("db_client_operation_duration_seconds_bucket{" + update_kv + ",error_type=\"_OTHER\",le=\"0.001\"} 4\n") !=
               std::string::npos); // each failed one took 1 ms
    BOOST_TEST(p.find("db_client_operation_duration_seconds_sum{" + update_kv + ",error_type=\"_OTHER\"} 0.004\n") !=
               std::string::npos);
    BOOST_TEST(p.find("cistern_db_client_operation_rows_total{" + update_kv + "} 600\n") != std::string::npos);
    BOOST_TEST(p.find("cistern_partition_default_rows{parent=\"public.events\",partition=\"public.events_default\"} 42\n") !=
               std::string::npos);
    BOOST_TEST(p.find("cistern_partition_default_rows{parent=\"app.\\\"Orders\\\"\",partition=\"app.orders_default\"} 0\n") !=
               std::string::npos); // label values escaped
    BOOST_TEST(p.find("db_query_text") == std::string::npos); // opt-in only
    BOOST_TEST(p.find("db_client_operation_errors_total") == std::string::npos); // one name for one thing
    BOOST_TEST(p.find("db_client_connections_") == std::string::npos);           // old names gone
    const std::string pl = "db_client_connection_pool_name=\"main\"";
    BOOST_TEST(p.find("db_client_connection_count{" + pl + ",db_client_connection_state=\"used\"} 3\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_connection_count{" + pl + ",db_client_connection_state=\"idle\"} 1\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_connection_max{" + pl + "} 10\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_connection_idle_max{" + pl + "} 10\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_connection_idle_min{" + pl + "} 2\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_connection_pending_requests{" + pl + "} 0\n") != std::string::npos);
    BOOST_TEST(p.find("# TYPE db_client_connection_timeouts_total counter") != std::string::npos);
    BOOST_TEST(p.find("db_client_connection_wait_time_seconds_count{" + pl + "} 2\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_connection_wait_time_seconds_bucket{" + pl + ",le=\"0.0005\"} 1\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_connection_use_time_seconds_sum{" + pl + "} 0.005\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_connection_create_time_seconds_count{" + pl + "} 1\n") != std::string::npos);
    BOOST_TEST(p.find("cistern_pool_connection_closed_total{" + pl + ",reason=\"idle\"} 1\n") != std::string::npos);
    BOOST_TEST(p.find("cistern_pool_utilization_ratio{" + pl + "} 0.3\n") != std::string::npos);
    BOOST_TEST(p.find("cistern_cache_requests_total{result=\"hit\"} 900") != std::string::npos);
    BOOST_TEST(p.find("cistern_slow_statements_total{db_system_name=\"sqlite\",level=\"critical\"} 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(prometheus_buckets_are_cumulative_and_end_at_count) {
    cistern::monitor<> m;
    using namespace std::chrono_literals;
    m.record("SELECT 1", 300us);
    m.record("SELECT 1", 2ms);
    m.record("SELECT 1", 20s);
    const auto p = cistern::prometheus_sink::render(m.snapshot());
    BOOST_TEST(p.find("le=\"0.0005\"} 1\n") != std::string::npos);
    BOOST_TEST(p.find("le=\"0.0025\"} 2\n") != std::string::npos);
    BOOST_TEST(p.find("le=\"10\"} 2\n") != std::string::npos);
    BOOST_TEST(p.find("le=\"+Inf\"} 3\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_operation_duration_seconds_sum{db_system_name=\"other_sql\",db_operation_name=\"SELECT\","
                      "db_query_summary=\"SELECT\"} 20.0023\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(prometheus_statements_with_one_label_set_share_a_series) {
    cistern::monitor_options o;
    o.db_system = "postgresql";
    cistern::monitor<> m(o);
    using namespace std::chrono_literals;
    m.record("SELECT name FROM users WHERE id = 1", 1ms);
    m.record("SELECT email FROM users WHERE id = 2", 1ms); // another fingerprint, same summary
    m.record("SELECT o.id FROM orders o JOIN users u ON u.id = o.uid", 1ms, 0, false);
    const auto p = cistern::prometheus_sink::render(m.snapshot(), "p");
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{db_system_name=\"postgresql\",db_operation_name=\"SELECT\","
                      "db_collection_name=\"users\",db_query_summary=\"SELECT users\"} 2\n") != std::string::npos);
    // two tables: no db_collection_name; failed only: only the error_type series
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{db_system_name=\"postgresql\",db_operation_name=\"SELECT\","
                      "db_query_summary=\"SELECT orders users\",error_type=\"_OTHER\"} 1\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{db_system_name=\"postgresql\",db_operation_name=\"SELECT\","
                      "db_query_summary=\"SELECT orders users\"} ") == std::string::npos);
    BOOST_TEST(count_of(p, "db_client_operation_duration_seconds_count{") == 2u);
}

BOOST_AUTO_TEST_CASE(prometheus_query_text_is_opt_in_and_capped) {
    cistern::monitor<> m;
    using namespace std::chrono_literals;
    m.record("SELECT a FROM t WHERE id = 1", 1ms);  // fingerprint 0
    m.record("SELECT b FROM t WHERE id = 2", 1ms);  // fingerprint 1
    m.record("SELECT c FROM t WHERE id = 3", 2ms);  // fingerprint 2: past a cap of 2
    m.record("SELECT d FROM t WHERE id = 4", 3ms);  // fingerprint 3: past a cap of 2
    cistern::prometheus_options po;
    po.query_text = true;
    po.max_query_texts = 2;
    const auto p = cistern::prometheus_sink::render(m.snapshot(), po);
    const std::string base = "db_system_name=\"other_sql\",db_operation_name=\"SELECT\",db_collection_name=\"t\",db_query_summary=\"SELECT t\"";
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{" + base + ",db_query_text=\"SELECT a FROM t WHERE id = ?\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{" + base + ",db_query_text=\"SELECT b FROM t WHERE id = ?\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{" + base + ",db_query_text=\"(other)\"} 2\n") != std::string::npos);
    BOOST_TEST(p.find("db_client_operation_duration_seconds_sum{" + base + ",db_query_text=\"(other)\"} 0.005\n") != std::string::npos);
    BOOST_TEST(p.find("SELECT c FROM") == std::string::npos);
    BOOST_TEST(count_of(p, "db_client_operation_duration_seconds_count{") == 3u);
    // the cap must be at least 1
    cistern::prometheus_options bad;
    bad.max_query_texts = 0;
    BOOST_CHECK_THROW(cistern::prometheus_sink{bad}, cistern::config_error);
    BOOST_CHECK_THROW(cistern::prometheus_sink{""}, cistern::config_error);
}

BOOST_AUTO_TEST_CASE(query_summaries_of_fingerprints) {
    struct row {
        const char* sql;
        const char* operation;
        const char* collection;
        const char* summary;
    };
    const row rows[] = {
        {"SELECT v FROM kv WHERE id = 7", "SELECT", "kv", "SELECT kv"},
        {"select * from public.users where id = $1", "SELECT", "public.users", "SELECT public.users"},
        {"SELECT * FROM \"Public\".\"Users\" u", "SELECT", "Public.Users", "SELECT Public.Users"},
        {"INSERT INTO events (a, b) VALUES (1, 'x')", "INSERT", "events", "INSERT events"},
        {"INSERT INTO shipping_details (id) SELECT id FROM orders", "INSERT", "", "INSERT shipping_details SELECT orders"},
        {"UPDATE kv SET v = 'x' WHERE id IN (1, 2)", "UPDATE", "kv", "UPDATE kv"},
        {"DELETE FROM sessions WHERE expires_at < 5", "DELETE", "sessions", "DELETE sessions"},
        {"SELECT o.id FROM orders o JOIN users u ON u.id = o.uid", "SELECT", "", "SELECT orders users"},
        {"SELECT a FROM x, y WHERE x.id = y.id", "SELECT", "", "SELECT x y"},
        {"SELECT * FROM (SELECT a FROM t) s", "SELECT", "t", "SELECT t"},
        {"WITH r AS (SELECT * FROM orders) SELECT * FROM r", "SELECT", "orders", "SELECT orders SELECT"},
        {"SELECT * FROM generate_series(1, 10)", "SELECT", "", "SELECT"},
        {"CREATE TABLE IF NOT EXISTS kv (id INTEGER PRIMARY KEY)", "CREATE", "kv", "CREATE kv"},
        {"INSERT OR REPLACE INTO kv VALUES (1, 2)", "INSERT", "kv", "INSERT kv"},
        {"INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 2", "INSERT", "t", "INSERT t"},
        {"INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)", "BATCH INSERT", "", "INSERT a INSERT b"},
        {"INSERT INTO a VALUES (1); SELECT 1", "BATCH", "a", "INSERT a SELECT"},
        {"BEGIN", "BEGIN", "", "BEGIN"},
        {"SELECT 1", "SELECT", "", "SELECT"},
        {"hello world", "", "", ""},
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.sql) {
            const auto q = cistern::summarize_query(cistern::fingerprint(r.sql).text);
            BOOST_TEST(q.operation == r.operation);
            BOOST_TEST(q.collection == r.collection);
            BOOST_TEST(q.summary == r.summary);
        }
    }
    const auto other = cistern::summarize_query("(other)");
    BOOST_TEST(other.summary == "(other)");
    BOOST_TEST(other.operation.empty());
    // at most 255 bytes, cut at a word
    std::string many = "SELECT * FROM t0";
    for (int i = 1; i < 100; ++i) many += " JOIN table_number_" + std::to_string(i) + " ON true";
    const auto longest = cistern::summarize_query(cistern::fingerprint(many).text);
    BOOST_TEST(longest.summary.size() <= 255u);
    BOOST_TEST(longest.summary.back() != ' ');
    BOOST_TEST(longest.summary.starts_with("SELECT t0 table_number_1 "));
}

BOOST_AUTO_TEST_CASE(db_system_is_learned_once_unless_configured) {
    cistern::monitor<> m;
    BOOST_TEST(m.snapshot().db_system == "other_sql");
    cistern::recorder_ref(m).db_system("postgresql");
    m.observe_db_system("sqlite"); // a second system does not relabel
    BOOST_TEST(m.snapshot().db_system == "postgresql");
    cistern::monitor_options o;
    o.db_system = "sqlite";
    cistern::monitor<> fixed(o);
    fixed.observe_db_system("postgresql");
    BOOST_TEST(fixed.snapshot().db_system == "sqlite");
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include <cistern/monitor/monitor.hpp>
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
        cistern::monitor<cistern::ostream_sink, cistern::json_lines_sink, cistern::prometheus_sink,
                         cistern::callback_sink, cistern::null_sink>
            m({}, cistern::ostream_sink(text), cistern::json_lines_sink(json), prom,
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
    BOOST_TEST(p.find("db_client_operation_duration_seconds_count{db_system_name=\"sqlite\",db_query_text=\"SELECT v FROM kv WHERE id = ?\"} 200") !=
               std::string::npos);
    BOOST_TEST(p.find("db_query_text=\"SELECT \\\"weird\\\\name\\\" FROM t WHERE a = ?\"") != std::string::npos);
    BOOST_TEST(p.find("db_client_connections_usage{db_client_connection_pool_name=\"main\",state=\"used\"} 3") !=
               std::string::npos);
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
    BOOST_TEST(p.find("db_client_operation_duration_seconds_sum{db_system_name=\"sqlite\",db_query_text=\"SELECT ?\"} 20.0023\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE cistern monitor exports rows in PostgreSQL default partitions
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/inspect/postgres_default_partitions.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/sinks/prometheus_sink.hpp>

#include "support/postgres_session.hpp"

#include <string>

namespace {
constexpr auto& server = cistern::test::shared_postgres_server;
const cistern::health_finding* find_rule(const cistern::health_report& h, const std::string& rule) {
    for (const auto& f : h.findings)
        if (f.rule == rule) return &f;
    return nullptr;
}
} // namespace

BOOST_AUTO_TEST_CASE(rows_counted_in_a_default_partition_become_a_metric_and_a_finding) {
    auto c = cistern::postgres::factory(server().conninfo()).create();
    c.execute_script("CREATE SCHEMA IF NOT EXISTS \"Sales\";"
                     "CREATE TABLE \"Sales\".events (id bigint NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at);"
                     "CREATE TABLE \"Sales\".events_2026_12 PARTITION OF \"Sales\".events"
                     "  FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');"
                     "CREATE TABLE \"Sales\".events_default PARTITION OF \"Sales\".events DEFAULT;"
                     "INSERT INTO \"Sales\".events SELECT i, '2026-12-05'::timestamptz FROM generate_series(1, 10) i;"
                     "INSERT INTO \"Sales\".events SELECT i, '2027-03-05'::timestamptz FROM generate_series(1, 3) i;");
    cistern::monitor_options o;
    o.flush_on_shutdown = false;
    cistern::monitor<> m(o);
    const auto r = cistern::inspect::postgres_default_partitions(c);
    m.observe_default_partitions(cistern::inspect::default_partition_figures(r));
    auto s = m.snapshot();
    BOOST_TEST_REQUIRE(s.default_partitions.has_value());
    BOOST_TEST_REQUIRE(s.default_partitions->size() == 1u);
    BOOST_TEST(s.default_partitions->front().parent == "Sales.events");
    BOOST_TEST(s.default_partitions->front().partition == "Sales.events_default");
    BOOST_TEST(s.default_partitions->front().rows == 3);
    BOOST_TEST(find_rule(s.health, "default_partition_rows") != nullptr);
    const std::string text = cistern::prometheus_sink::render(s);
    BOOST_TEST(text.find("cistern_partition_default_rows{parent=\"Sales.events\",partition=\"Sales.events_default\"} 3\n") !=
                   std::string::npos,
               text);

    // the rows moved out: the next observation clears the finding, the metric reads 0
    c.execute_script("DELETE FROM ONLY \"Sales\".events_default;");
    m.observe_default_partitions(cistern::inspect::default_partition_figures(cistern::inspect::postgres_default_partitions(c)));
    s = m.snapshot();
    BOOST_TEST(find_rule(s.health, "default_partition_rows") == nullptr);
    BOOST_TEST(cistern::prometheus_sink::render(s).find("partition=\"Sales.events_default\"} 0\n") != std::string::npos);
}

#include <boost/test/unit_test.hpp>

#include <cistern/monitor/rolling_window.hpp>
#include <cistern/monitor/slow_query_log.hpp>
#include <cistern/monitor/statement_registry.hpp>

#include <string>

using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(recording_suite)

BOOST_AUTO_TEST_CASE(registry_groups_texts_by_fingerprint) {
    cistern::statement_registry reg;
    auto& a = reg.find("SELECT v FROM kv WHERE id = 7");
    auto& b = reg.find("select v from kv where id=8");
    auto& c = reg.find("SELECT v FROM kv WHERE id = 7");
    auto& d = reg.find("DELETE FROM kv");
    BOOST_TEST(&a == &b);
    BOOST_TEST(&a == &c);
    BOOST_TEST(&a != &d);
    a.record(10us, 1, true);
    b.record(30us, 2, false);
    BOOST_TEST(a.calls() == 2u);
    BOOST_TEST(a.errors.load() == 1u);
    BOOST_TEST(a.rows.load() == 3u);
    BOOST_TEST(a.total_ns() == 40'000u);
    BOOST_TEST(a.latency.count() == 2u);
    BOOST_TEST(a.fingerprint == "SELECT v FROM kv WHERE id = ?");
    BOOST_TEST(reg.all().size() == 2u);
}

BOOST_AUTO_TEST_CASE(registry_caps_fingerprints_and_texts) {
    cistern::statement_registry reg(2, 3);
    auto& a = reg.find("SELECT 1 FROM a");
    auto& b = reg.find("SELECT 1 FROM b");
    auto& c = reg.find("SELECT 1 FROM c");
    BOOST_TEST(&a != &b);
    BOOST_TEST(c.fingerprint == "(other)");
    c.record(1us, 0, true);
    BOOST_TEST(reg.all().size() == 3u);
    // text table holds 3 texts: a fourth one is fingerprinted each time, still attributed right
    auto& a2 = reg.find("SELECT 2 FROM a");
    auto& a3 = reg.find("SELECT 2 FROM a");
    BOOST_TEST(&a2 == &a);
    BOOST_TEST(&a3 == &a);
    BOOST_TEST(reg.uncached() == 2u);
}

BOOST_AUTO_TEST_CASE(rolling_window_keeps_last_n) {
    cistern::statement_registry reg;
    auto& s = reg.find("SELECT 1");
    cistern::rolling_window w(5);
    for (int i = 1; i <= 12; ++i) w.record(&s, std::chrono::nanoseconds(i), i % 2 == 0, cistern::rolling_window::wall_now_ns());
    const auto e = w.entries();
    BOOST_TEST(e.size() == 5u);
    BOOST_TEST(e.front().duration.count() == 8);
    BOOST_TEST(e.back().duration.count() == 12);
    BOOST_TEST(e.back().ok);
    BOOST_TEST(e.back().statement == &s);
    BOOST_TEST(w.recorded() == 12u);
    BOOST_TEST(cistern::rolling_window{}.capacity() == 1000u);
}

BOOST_AUTO_TEST_CASE(slow_log_hands_each_entry_out_once) {
    cistern::slow_query_log log(2);
    log.add({"SELECT ?", 1, 2s, cistern::slow_level::warning, true, {}});
    log.add({"SELECT ?", 1, 6s, cistern::slow_level::critical, true, {}});
    log.add({"UPDATE t SET a = ?", 1, 1500ms, cistern::slow_level::warning, true, {}});
    BOOST_TEST(log.peek().size() == 2u);
    const auto first = log.take();
    BOOST_TEST(first.size() == 2u);
    BOOST_TEST((first[0].level == cistern::slow_level::critical));
    BOOST_TEST(log.take().empty());
    BOOST_TEST(log.warnings() == 2u);
    BOOST_TEST(log.criticals() == 1u);
    BOOST_TEST(log.dropped() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

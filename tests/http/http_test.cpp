#define BOOST_TEST_MODULE cistern http dashboard
#include <boost/test/unit_test.hpp>

#include "workload.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <type_traits>

using namespace std::chrono_literals;
using cistern::test::workload;

static_assert(!std::is_copy_constructible_v<cistern::http::dashboard>);
static_assert(!std::is_move_constructible_v<cistern::http::dashboard>);

namespace {
httplib::Client client(const workload& w) {
    httplib::Client c("127.0.0.1", w.dash->port());
    c.set_read_timeout(60, 0);
    return c;
}
nlohmann::json get_json(httplib::Client& c, const std::string& path) {
    auto r = c.Get(path.c_str());
    BOOST_TEST_REQUIRE(static_cast<bool>(r));
    BOOST_TEST_REQUIRE(r->status == 200);
    BOOST_TEST(r->get_header_value("Content-Type") == "application/json");
    return nlohmann::json::parse(r->body);
}
httplib::Result post_action(httplib::Client& c, const std::string& action, const std::string& token) {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return c.Post("/api/performance", h, "{\"action\": \"" + action + "\"}", "application/json");
}
cistern::http::dashboard_options with_token() {
    cistern::http::dashboard_options o;
    o.action_token = "s3cret-token";
    o.action_burst = 20;
    return o;
}
} // namespace

BOOST_AUTO_TEST_SUITE(http_suite)

BOOST_AUTO_TEST_CASE(json_api_reports_the_workload) {
    workload w;
    auto c = client(w);
    const auto snap = w.mon->snapshot();
    const auto j = get_json(c, "/api/performance");
    BOOST_TEST(j["schema_version"] == 1);
    BOOST_TEST(j["totals"]["statements"].get<std::size_t>() == snap.statements.size());
    BOOST_TEST(j["totals"]["calls"].get<std::uint64_t>() >= snap.calls);
    BOOST_TEST(j["pool"]["max_size"] == 4);
    BOOST_TEST(j["pool"]["observed"] == true);
    BOOST_TEST_REQUIRE(j["cache"].is_object());
    BOOST_TEST(j["cache"]["hits"] == 550); // round 1: 300 lookups of 50 keys, round 2: all hits
    BOOST_TEST(j["cache"]["misses"] == 50);
    BOOST_TEST(j["cache"]["entries"] == 50);
    BOOST_TEST(j["history"]["intervals"].size() == 2u);
    BOOST_TEST(j["history"]["interval_s"] == 10.0);
    BOOST_TEST(j["history"]["total"]["cache"]["hits"] == 550);
    BOOST_TEST(j["history"]["intervals"][1]["cache"]["hit_ratio"] == 1.0);
    // the slow statement, as a fingerprint (no literal); on a loaded machine another
    // statement of the workload may also pass the 20 ms threshold, so look for it by shape
    BOOST_TEST_REQUIRE(!j["slow"].empty());
    std::string fp;
    for (const auto& e : j["slow"]) {
        const std::string f = e["fingerprint"];
        if (f.find("WITH RECURSIVE") != std::string::npos) fp = f;
    }
    BOOST_TEST(fp.find("1500000") == std::string::npos);
    BOOST_TEST(fp.find("WITH RECURSIVE") != std::string::npos);
    // its trend: one call in each of the two intervals, under the id the statements list gives it
    std::int64_t id = -1;
    for (const auto& st : j["statements"])
        if (st["fingerprint"] == fp) id = st["id"];
    BOOST_TEST_REQUIRE(id >= 0);
    bool trend_found = false;
    for (const auto& t : j["history"]["statements"])
        if (t["id"] == id) {
            trend_found = true;
            BOOST_TEST(t["fingerprint"] == fp);
            BOOST_TEST(t["calls"] == nlohmann::json::array({1, 1}));
            BOOST_TEST(t["total_ms"].size() == 2u);
            BOOST_TEST(t["total_ms"][0].get<double>() >= 20.0); // it is the slow one
        }
    BOOST_TEST(trend_found);
    // literal values never appear anywhere
    BOOST_TEST(j.dump().find("v42") == std::string::npos);
    BOOST_TEST(j.dump().find("1500000") == std::string::npos);
    // a window
    const auto k = get_json(c, "/api/performance?window=10s");
    BOOST_TEST(k["history"]["intervals"].size() == 1u);
    BOOST_TEST(k["history"]["window_s"] == 10.0);
    auto bad = c.Get("/api/performance?window=soon");
    BOOST_TEST_REQUIRE(static_cast<bool>(bad));
    BOOST_TEST(bad->status == 400);
}

BOOST_AUTO_TEST_CASE(caching_advice_counts_the_statements_since_the_monitor_was_attached) {
    workload w;
    auto c = client(w);
    // at first: measuring, no row (every statement so far ran before the dashboard attached)
    const auto first = get_json(c, "/api/performance");
    BOOST_TEST_REQUIRE(first["caching_advice"].is_object());
    BOOST_TEST(first["caching_advice"]["rows"].empty());
    // a second of reads of kv and writes to it
    const auto t0 = std::chrono::steady_clock::now();
    int reads = 0;
    while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1200)) {
        auto l = w.pool->acquire();
        l->query("SELECT v FROM kv WHERE id = ?", reads % 50);
        if (++reads % 10 == 0) l->execute("UPDATE kv SET v = ? WHERE id = ?", "w", reads % 50);
    }
    const auto j = get_json(c, "/api/performance");
    const auto& a = j["caching_advice"];
    BOOST_TEST(a["window_s"].get<double>() >= 1.0);
    const nlohmann::json *read = nullptr, *update = nullptr;
    for (const auto& r : a["rows"]) {
        if (r["fingerprint"] == "SELECT v FROM kv WHERE id = ?") read = &r;
        if (r["fingerprint"].get<std::string>().rfind("UPDATE kv", 0) == 0) update = &r;
        BOOST_TEST(r["fingerprint"].get<std::string>().find("WITH RECURSIVE") == std::string::npos); // ran before the attach
    }
    BOOST_TEST_REQUIRE((read && update), a.dump());
    BOOST_TEST(read->at("calls_s").get<double>() > 0.0);
    BOOST_TEST(read->at("advice") == "skip"); // microseconds per read: not worth a cache
    BOOST_TEST(read->at("reason_code") == "already_fast", read->dump());
    BOOST_TEST(update->at("reason_code") == "not_a_read");
    // the page shows the same section, escaped
    auto page = c.Get("/report");
    BOOST_TEST_REQUIRE(static_cast<bool>(page));
    BOOST_TEST(page->body.find("<table id=\"caching_advice\">") != std::string::npos);
    BOOST_TEST(page->body.find("SELECT v FROM kv WHERE id = ?") != std::string::npos);
    BOOST_TEST(page->body.find("already_fast") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(pages_escape_markup_and_refer_to_no_external_url) {
    workload w;
    auto c = client(w);
    for (const char* path : {"/", "/report"}) {
        auto r = c.Get(path);
        BOOST_TEST_REQUIRE(static_cast<bool>(r));
        BOOST_TEST(r->status == 200);
        const std::string& b = r->body;
        BOOST_TEST(b.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos, path);
        BOOST_TEST(b.find("<script>alert") == std::string::npos, path);
        BOOST_TEST(b.find("http://") == std::string::npos, path);
        BOOST_TEST(b.find("https://") == std::string::npos, path);
        BOOST_TEST(b.find("//cdn") == std::string::npos, path);
        BOOST_TEST(b.find("<svg") != std::string::npos, path);
        BOOST_TEST(b.find("id=\"numbers_pool\"") != std::string::npos, path);
        BOOST_TEST(r->get_header_value("Access-Control-Allow-Origin").empty());
        BOOST_TEST(r->get_header_value("Content-Security-Policy").find("default-src 'none'") != std::string::npos);
    }
    BOOST_TEST(get_json(c, "/api/performance")["default_partitions"].is_null()); // not observed yet
    // default partitions, once observed: in the JSON and in the pages, names escaped
    w.mon->observe_default_partitions({{"public.<b>events</b>", "public.events_default", 7}});
    const auto j = get_json(c, "/api/performance");
    BOOST_TEST_REQUIRE(j["default_partitions"].size() == 1u);
    BOOST_TEST(j["default_partitions"][0]["rows"] == 7);
    BOOST_TEST(j["default_partitions"][0]["parent"] == "public.<b>events</b>");
    for (const char* path : {"/", "/report"}) {
        auto r = c.Get(path);
        BOOST_TEST_REQUIRE(static_cast<bool>(r));
        BOOST_TEST(r->body.find("id=\"default_partitions\"") != std::string::npos, path);
        BOOST_TEST(r->body.find("public.&lt;b&gt;events&lt;/b&gt;") != std::string::npos, path);
        BOOST_TEST(r->body.find("<b>events</b>") == std::string::npos, path);
    }
    auto live = c.Get("/");
    auto report = c.Get("/report");
    BOOST_TEST(live->body.find("<script>") != std::string::npos);   // the live page refreshes itself
    BOOST_TEST(report->body.find("<script") == std::string::npos);  // the report has no script at all
}

BOOST_AUTO_TEST_CASE(metrics_healthz_readyz) {
    workload w;
    auto c = client(w);
    auto m = c.Get("/metrics");
    BOOST_TEST_REQUIRE(static_cast<bool>(m));
    BOOST_TEST(m->status == 200);
    BOOST_TEST(m->body.find("db_client_operation_duration_seconds_count") != std::string::npos);
    BOOST_TEST(m->body.find("db_client_connection_pool_name=\"app\"") != std::string::npos);
    auto h = c.Get("/healthz");
    BOOST_TEST(h->status == 200);
    auto r = c.Get("/readyz");
    BOOST_TEST_REQUIRE(static_cast<bool>(r));
    BOOST_TEST(r->status == 200); // slow statements degrade, they do not make it unready
    BOOST_TEST(nlohmann::json::parse(r->body)["status"] == "degraded");
    auto nf = c.Get("/nothing-here");
    BOOST_TEST(nf->status == 404);
}

BOOST_AUTO_TEST_CASE(actions_are_refused_without_a_configured_token) {
    workload w;
    auto c = client(w);
    auto r = post_action(c, "clear_cache", "anything");
    BOOST_TEST_REQUIRE(static_cast<bool>(r));
    BOOST_TEST(r->status == 403);
    BOOST_TEST(w.cache->size() == 50u);
}

BOOST_AUTO_TEST_CASE(actions_need_the_bearer_token_and_then_happen) {
    workload w(with_token());
    auto c = client(w);
    auto none = post_action(c, "clear_cache", "");
    BOOST_TEST(none->status == 401);
    BOOST_TEST(none->get_header_value("WWW-Authenticate") == "Bearer");
    auto wrong = post_action(c, "clear_cache", "s3cret-tokeN");
    BOOST_TEST(wrong->status == 401);
    auto shorter = post_action(c, "clear_cache", "s3cret");
    BOOST_TEST(shorter->status == 401);
    BOOST_TEST(wrong->body.find("s3cret") == std::string::npos);
    BOOST_TEST(w.cache->size() == 50u);

    auto ok = post_action(c, "clear_cache", "s3cret-token");
    BOOST_TEST_REQUIRE(static_cast<bool>(ok));
    BOOST_TEST(ok->status == 200);
    BOOST_TEST(nlohmann::json::parse(ok->body)["cleared_entries"] == 50);
    BOOST_TEST(w.cache->size() == 0u);
    const auto j = get_json(c, "/api/performance");
    BOOST_TEST(j["cache"]["entries"] == 0);
    BOOST_TEST(j["actions"].back()["action"] == "clear_cache");
    BOOST_TEST(j["actions"].back()["result"] == "cleared 50 entries");

    auto hc = post_action(c, "health_check", "s3cret-token");
    BOOST_TEST(hc->status == 200);
    BOOST_TEST(nlohmann::json::parse(hc->body)["health"]["status"] == "degraded");

    auto rep = post_action(c, "generate_report", "s3cret-token");
    BOOST_TEST(rep->status == 200);
    BOOST_TEST(rep->get_header_value("Content-Type").find("text/html") == 0u);
    BOOST_TEST(rep->body.find("<svg") != std::string::npos);
    BOOST_TEST(rep->body.find("<script") == std::string::npos);

    auto reset = post_action(c, "reset_stats", "s3cret-token");
    BOOST_TEST(reset->status == 200);
    const auto after = get_json(c, "/api/performance");
    BOOST_TEST(after["totals"]["calls"] == 0);
    BOOST_TEST(after["slow"].empty());

    auto unknown = post_action(c, "drop_database", "s3cret-token");
    BOOST_TEST(unknown->status == 400);
    httplib::Headers auth{{"Authorization", "Bearer s3cret-token"}};
    auto not_json = c.Post("/api/performance", auth, "action=clear_cache", "application/x-www-form-urlencoded");
    BOOST_TEST(not_json->status == 415);
    auto garbage = c.Post("/api/performance", auth, "{not json", "application/json");
    BOOST_TEST(garbage->status == 400);
}

BOOST_AUTO_TEST_CASE(request_size_and_rate_limits) {
    auto o = with_token();
    o.max_request_bytes = 256;
    o.requests_per_second = 0.001; // practically no refill during the test
    o.request_burst = 6;
    o.actions_per_second = 0.001;
    o.action_burst = 1;
    workload w(o);
    auto c = client(w);
    httplib::Headers auth{{"Authorization", "Bearer s3cret-token"}};
    auto big = c.Post("/api/performance", auth, "{\"action\": \"health_check\", \"pad\": \"" + std::string(1000, 'x') + "\"}",
                      "application/json");
    BOOST_TEST_REQUIRE(static_cast<bool>(big));
    BOOST_TEST(big->status == 413);
    auto a1 = post_action(c, "health_check", "s3cret-token");
    BOOST_TEST(a1->status == 200);
    auto a2 = post_action(c, "health_check", "s3cret-token");
    BOOST_TEST(a2->status == 429); // the action bucket (1)
    int limited = 0;
    for (int i = 0; i < 6; ++i) {
        auto r = c.Get("/healthz");
        BOOST_TEST_REQUIRE(static_cast<bool>(r));
        if (r->status == 429) ++limited;
    }
    BOOST_TEST(limited >= 3); // 6 in the burst, 3 used above
}

BOOST_AUTO_TEST_CASE(a_gone_monitor_answers_503) {
    cistern::http::dashboard d;
    {
        auto m = std::make_shared<cistern::monitor<>>();
        d.attach(std::weak_ptr<cistern::monitor<>>(m));
        httplib::Client c("127.0.0.1", d.port());
        BOOST_TEST(c.Get("/api/performance")->status == 200);
        BOOST_TEST(c.Get("/metrics")->status == 200);
    }
    httplib::Client c("127.0.0.1", d.port());
    BOOST_TEST(c.Get("/api/performance")->status == 503);
    BOOST_TEST(c.Get("/readyz")->status == 503);
    BOOST_TEST(c.Get("/")->status == 503);
    BOOST_TEST(c.Get("/healthz")->status == 200);
}

BOOST_AUTO_TEST_CASE(options_binding_and_stop) {
    cistern::http::dashboard a;
    BOOST_TEST(a.port() != 0);
    cistern::http::dashboard_options same;
    same.port = a.port();
    try {
        cistern::http::dashboard b(same);
        BOOST_FAIL("a port in use must throw");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(e.field() == "dashboard_options::bind_address");
    }
    cistern::http::dashboard_options bad;
    bad.max_request_bytes = 0;
    BOOST_CHECK_THROW(cistern::http::dashboard{bad}, cistern::config_error);
    cistern::http::dashboard_options nowhere;
    nowhere.bind_address = "203.0.113.7"; // not an address of this host
    BOOST_CHECK_THROW(cistern::http::dashboard{nowhere}, cistern::config_error);
    a.stop();
    a.stop(); // idempotent
    httplib::Client c("127.0.0.1", a.port());
    c.set_connection_timeout(2, 0);
    BOOST_TEST(!c.Get("/healthz"));
    BOOST_TEST((cistern::http::dashboard::parse_window("5m") == std::chrono::nanoseconds(300s)));
    BOOST_TEST(!cistern::http::dashboard::parse_window("5x"));
    BOOST_TEST(!cistern::http::dashboard::parse_window("0s"));
}

BOOST_AUTO_TEST_CASE(constant_time_comparison) {
    using cistern::http::detail::constant_time_equal;
    BOOST_TEST(constant_time_equal("abc", "abc"));
    BOOST_TEST(!constant_time_equal("abd", "abc"));
    BOOST_TEST(!constant_time_equal("ab", "abc"));
    BOOST_TEST(!constant_time_equal("abcd", "abc"));
    BOOST_TEST(!constant_time_equal("", ""));
}

BOOST_AUTO_TEST_SUITE_END()

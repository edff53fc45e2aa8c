#define BOOST_TEST_MODULE cistern dashboard readiness (PostgreSQL)
// /readyz answers 503 while the pool's database is stopped, and 200 again once it is back.
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/http/dashboard.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/pool.hpp>

#include "support/eventually.hpp"
#include "support/postgres_server.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>

using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(readyz_flips_to_503_when_the_database_stops) {
    cistern::test::postgres_server server(10);
    BOOST_TEST_REQUIRE(server.can_control());
    using pg_pool = cistern::pool<cistern::postgres::factory, cistern::with_listener<cistern::pool_listener>>;
    cistern::monitor_options mo;
    mo.db_system = "postgresql";
    mo.history_ticker = false;
    mo.flush_on_shutdown = false;
    auto mon = std::make_shared<cistern::monitor<>>(mo);
    cistern::postgres::options po;
    po.connect_timeout = 2s;
    cistern::pool_options opts;
    opts.max_size = 2;
    opts.min_idle = 1;
    opts.acquire_timeout = 2s;
    auto pool = std::make_shared<pg_pool>(cistern::postgres::factory(server.conninfo(), po), opts, mon->pool_listener());
    { auto c = pool->acquire(); } // one connection is open and idle

    cistern::http::dashboard_options o;
    o.probe_timeout = 1s;
    cistern::http::dashboard dash(o);
    dash.attach(std::weak_ptr<cistern::monitor<>>(mon));
    dash.watch_pool(std::weak_ptr<pg_pool>(pool));
    httplib::Client c("127.0.0.1", dash.port());
    c.set_read_timeout(30, 0);
    auto up = c.Get("/readyz");
    BOOST_TEST_REQUIRE(static_cast<bool>(up));
    BOOST_TEST(up->status == 200);

    server.stop();
    auto down = c.Get("/readyz");
    BOOST_TEST_REQUIRE(static_cast<bool>(down));
    BOOST_TEST(down->status == 503);
    const auto j = nlohmann::json::parse(down->body);
    BOOST_TEST(j["status"] == "unhealthy");
    bool named = false;
    for (const auto& f : j["findings"]) named = named || f["rule"] == "database_unreachable";
    BOOST_TEST(named);
    BOOST_TEST(c.Get("/healthz")->status == 200); // alive, just not ready

    server.start();
    BOOST_TEST(cistern::test::eventually([&] {
        auto r = c.Get("/readyz");
        return r && r->status == 200;
    }, 30s));
    dash.stop();
}

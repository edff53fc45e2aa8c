// Mounts cistern's dashboard for an application's own monitor, pool and cache.
//
//   dashboard [--seconds N]     (default 0: serve until killed)
//
// Opens http://127.0.0.1:<port>/ (the port is printed): the live page, /report, the JSON
// API at /api/performance, /metrics, /healthz and /readyz. The workload is a SQLite file
// in the current directory read through a cache.
#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/cache.hpp>
#include <cistern/http/dashboard.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored_factory.hpp>
#include <cistern/monitor/sinks/prometheus_sink.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/pool.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

int main(int argc, char** argv) {
    const long seconds = argc == 3 && std::string(argv[1]) == "--seconds" ? std::atol(argv[2]) : 0;
    using monitor_t = cistern::monitor<cistern::prometheus_sink>;
    using pool_t = cistern::pool<cistern::monitored_factory<cistern::sqlite::factory>, cistern::with_listener<cistern::pool_listener>>;

    cistern::monitor_options mo;
    mo.push_interval = std::chrono::seconds(5); // refreshes the /metrics text
    auto mon = std::make_shared<monitor_t>(mo, cistern::prometheus_sink("example"));
    auto pool = std::make_shared<pool_t>(cistern::monitored_factory(cistern::sqlite::factory("dashboard-example.db"), *mon),
                                         cistern::pool_options{.max_size = 4}, mon->pool_listener());
    auto cache = std::make_shared<cistern::cache<int, std::string>>(cistern::cache_options{.max_size = 100});

    // The dashboard: three lines to mount it (a token enables the POST actions).
    cistern::http::dashboard dash({.action_token = std::getenv("CISTERN_DASHBOARD_TOKEN")
                                                       ? std::optional<std::string>(std::getenv("CISTERN_DASHBOARD_TOKEN"))
                                                       : std::nullopt});
    dash.attach(std::weak_ptr<monitor_t>(mon));
    dash.watch_pool(std::weak_ptr<pool_t>(pool));
    dash.watch_cache(std::weak_ptr<cistern::cache<int, std::string>>(cache));
    std::cout << "dashboard on http://127.0.0.1:" << dash.port() << "/" << std::endl;

    pool->acquire()->execute_script("CREATE TABLE IF NOT EXISTS kv (id INTEGER PRIMARY KEY, v TEXT)");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (int i = 0; seconds == 0 || std::chrono::steady_clock::now() < until; ++i) {
        {
            auto c = pool->acquire();
            c->execute("INSERT OR REPLACE INTO kv (id, v) VALUES (?, ?)", i % 500, "value " + std::to_string(i));
        }
        cache->get_or_load(i % 200, [&] {
            auto c = pool->acquire();
            auto rs = c->query("SELECT v FROM kv WHERE id = ?", i % 200);
            return rs.size() ? rs.scalar<std::string>() : std::string();
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    dash.stop(); // before the monitor, pool and cache go
}

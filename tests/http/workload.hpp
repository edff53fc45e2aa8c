#pragma once
// A real SQLite workload through a monitored pool and a cache, served by a dashboard on
// 127.0.0.1 (shared by http_test and browser_test).

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/cache.hpp>
#include <cistern/http/dashboard.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored_factory.hpp>
#include <cistern/monitor/sinks/prometheus_sink.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/pool.hpp>

#include "../support/temp_dir.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace cistern::test {

using http_monitor = cistern::monitor<cistern::prometheus_sink>;
using http_pool = cistern::pool<cistern::monitored_factory<cistern::sqlite::factory>, cistern::with_listener<cistern::pool_listener>>;
using http_cache = cistern::cache<int, std::string>;

/// The statement that is slow on purpose (about 1.5 million recursive steps).
inline constexpr const char* slow_sql =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000) SELECT count(*) FROM c";
/// A statement whose fingerprint carries markup (a quoted identifier stays in it).
inline constexpr const char* script_sql = "SELECT 1 AS \"<script>alert(1)</script>\"";

struct workload {
    temp_dir dir;
    std::shared_ptr<http_monitor> mon;
    std::shared_ptr<http_pool> pool;
    std::shared_ptr<http_cache> cache;
    std::unique_ptr<cistern::http::dashboard> dash;

    explicit workload(cistern::http::dashboard_options o = {}) {
        cistern::monitor_options mo;
        mo.slow_warning = std::chrono::milliseconds(20);
        mo.slow_critical = std::chrono::seconds(30);
        mo.history_ticker = false; // intervals closed by the test (close_interval)
        mo.flush_on_shutdown = false;
        mon = std::make_shared<http_monitor>(mo, cistern::prometheus_sink("app"));
        cistern::pool_options po;
        po.max_size = 4;
        po.min_idle = 1;
        pool = std::make_shared<http_pool>(
            cistern::monitored_factory(cistern::sqlite::factory(dir.file("app.db")), *mon), po, mon->pool_listener());
        cache = std::make_shared<http_cache>(cistern::cache_options{.max_size = 1000});
        mon->tick_history(start_);
        run();
        close_interval();
        run();
        close_interval();
        o.sample_interval = std::chrono::milliseconds(50);
        dash = std::make_unique<cistern::http::dashboard>(o);
        dash->attach(std::weak_ptr<http_monitor>(mon));
        dash->watch_pool(std::weak_ptr<http_pool>(pool));
        dash->watch_cache(std::weak_ptr<http_cache>(cache));
        mon->flush(); // the prometheus sink's text
    }
    ~workload() { dash->stop(); }

    /// One round: schema, 100 rows, 300 cached lookups of 50 keys, the slow statement,
    /// the markup statement; then the pool's and the cache's figures go to the monitor.
    void run() {
        {
            auto c = pool->acquire();
            c->execute_script("CREATE TABLE IF NOT EXISTS kv (id INTEGER PRIMARY KEY, v TEXT)");
            for (int i = 0; i < 100; ++i) c->execute("INSERT OR REPLACE INTO kv (id, v) VALUES (?, ?)", i, "v" + std::to_string(i));
        }
        for (int i = 0; i < 300; ++i) {
            const int key = i % 50;
            cache->get_or_load(key, [&] {
                auto c = pool->acquire();
                return c->query("SELECT v FROM kv WHERE id = ?", key).template scalar<std::string>();
            });
        }
        {
            auto c = pool->acquire();
            c->query(slow_sql);
            c->query(script_sql);
        }
        mon->observe_pool(pool->stats());
        mon->observe_cache(cache->stats());
    }
    void close_interval() {
        start_ += std::chrono::seconds(10);
        mon->tick_history(start_);
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

} // namespace cistern::test

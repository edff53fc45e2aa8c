#pragma once
// Fills a monitor with statements, slow ones, pool and cache events, for the sink tests.
#include <cistern/monitor/monitor.hpp>

namespace cistern::test {

template <class M>
void fill_sample(M& m) {
    using namespace std::chrono_literals;
    for (int i = 0; i < 200; ++i) {
        m.record("SELECT v FROM kv WHERE id = " + std::to_string(i), std::chrono::microseconds(50 + i), 1, true);
        m.record("UPDATE kv SET v = 'x' WHERE id IN (1, 2, " + std::to_string(i) + ")", std::chrono::milliseconds(1 + i % 5), 3, i % 50 != 0);
    }
    m.record("SELECT \"weird\\name\" FROM t\nWHERE a = 'it''s'", 2s, 0, true);
    m.record("SELECT * FROM big WHERE x > 1", 6s, 10, true);
    auto l = m.pool_listener();
    l.on_acquire(20us);
    l.on_acquire(3ms);
    l.on_release(5ms);
    l.on_connect(40ms);
    l.on_close(cistern::close_reason::idle);
    cistern::pool_stats ps;
    ps.size = 4;
    ps.idle = 1;
    ps.in_use = 3;
    ps.max_size = 10;
    ps.min_idle = 2;
    m.observe_pool(ps);
    m.observe_cache(cistern::cache_figures{900, 100, 100, 7});
    m.observe_default_partitions({{"public.events", "public.events_default", 42}, {"app.\"Orders\"", "app.orders_default", 0}});
}

} // namespace cistern::test

#include <boost/test/unit_test.hpp>

#include <cistern/monitor/monitor.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {
struct counting_sink {
    std::atomic<std::uint64_t>* published;
    std::atomic<std::uint64_t>* max_calls;
    void publish(const cistern::monitor_snapshot& s) {
        published->fetch_add(1);
        std::uint64_t cur = max_calls->load();
        while (s.calls > cur && !max_calls->compare_exchange_weak(cur, s.calls)) {}
        if (s.calls % 7 == 3) throw std::runtime_error("flaky sink");
    }
};
} // namespace

BOOST_AUTO_TEST_CASE(threads_record_flush_and_observe_at_once) {
    constexpr int threads = 4;
    constexpr int per_thread = 20'000;
    std::atomic<std::uint64_t> published{0}, max_calls{0};
    cistern::monitor_options o;
    o.window = 64;
    o.max_fingerprints = 8;  // forces "(other)"
    o.max_texts = 16;        // forces uncached lookups
    o.slow_warning = 900us;
    o.slow_critical = 950us;
    o.slow_log_capacity = 32;
    o.push_interval = 1ms;
    {
        cistern::monitor<counting_sink> m(o, counting_sink{&published, &max_calls});
        auto listener = m.pool_listener();
        std::atomic<bool> go{false};
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; ++t) {
            ts.emplace_back([&, t] {
                while (!go.load()) std::this_thread::yield();
                for (int i = 0; i < per_thread; ++i) {
                    const std::string sql = "SELECT v FROM t" + std::to_string(i % 12) + " WHERE id = " +
                                            std::to_string(i % 40 + t);
                    m.record(sql, std::chrono::nanoseconds(i % 1000 * 1000), static_cast<std::uint64_t>(i % 3),
                             i % 11 != 0);
                    listener.on_acquire(std::chrono::nanoseconds(i));
                    listener.on_release(std::chrono::nanoseconds(i * 2));
                    if (i % 1000 == 0) {
                        cistern::pool_stats ps;
                        ps.max_size = 10;
                        ps.in_use = static_cast<std::size_t>(i / 1000 % 11);
                        m.observe_pool(ps);
                        m.observe_cache(cistern::cache_figures{std::uint64_t(i), 5, 5, 1});
                        (void)m.health();
                        (void)m.recent();
                    }
                    if (i % 5000 == 0) m.flush();
                }
            });
        }
        go.store(true);
        for (auto& th : ts) th.join();
        const auto s = m.flush();
        BOOST_TEST(s.calls == std::uint64_t(threads) * per_thread);
        std::uint64_t sum = 0;
        for (const auto& st : s.statements) sum += st.latency.count;
        BOOST_TEST(sum == std::uint64_t(threads) * per_thread);
        BOOST_TEST(s.pool.acquire_wait.count == std::uint64_t(threads) * per_thread);
        BOOST_TEST(s.window.statements == 64u);
        BOOST_TEST(s.statements.size() <= 9u);
        BOOST_TEST(m.sink_failures() > 0u);
    }
    BOOST_TEST(published.load() > 0u);
    BOOST_TEST(max_calls.load() == std::uint64_t(threads) * per_thread);
}

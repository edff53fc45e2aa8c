#include <boost/test/unit_test.hpp>

#include <cistern/monitor/monitor.hpp>

#include <atomic>
#include <memory>
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

// Per-thread record rings under churn: short-lived threads, each recording into several
// monitors (more than a thread's ring cache holds), while another thread takes snapshots
// and reads the window; monitors are replaced while long-lived threads keep their cached
// rings. Every record must be counted exactly once.
BOOST_AUTO_TEST_CASE(record_rings_survive_thread_and_monitor_churn) {
    constexpr int monitors = 6, waves = 6, threads_per_wave = 4, per_thread = 700;
    std::vector<std::unique_ptr<cistern::monitor<>>> ms;
    for (int i = 0; i < monitors; ++i) ms.push_back(std::make_unique<cistern::monitor<>>());
    std::atomic<bool> done{false};
    std::thread reader([&] {
        while (!done.load()) {
            for (auto& m : ms) {
                (void)m->snapshot();
                (void)m->recent();
            }
        }
    });
    for (int w = 0; w < waves; ++w) {
        std::vector<std::thread> ts;
        for (int t = 0; t < threads_per_wave; ++t)
            ts.emplace_back([&, t] {
                for (int i = 0; i < per_thread; ++i)
                    ms[static_cast<std::size_t>((i + t) % monitors)]->record(
                        i % 2 ? "SELECT a FROM t WHERE id = 1" : "UPDATE t SET a = 2", std::chrono::microseconds(i % 50),
                        1, i % 13 != 0);
            });
        for (auto& t : ts) t.join();
    }
    done.store(true);
    reader.join();
    std::uint64_t calls = 0, rows = 0;
    for (auto& m : ms) {
        const auto s = m->snapshot();
        calls += s.calls;
        for (const auto& st : s.statements) rows += st.rows;
    }
    BOOST_TEST(calls == std::uint64_t(waves) * threads_per_wave * per_thread);
    BOOST_TEST(rows == calls);

    // Replace the monitors while recording threads live on: their cached rings belong to
    // the destroyed monitors and must never be used for the new ones.
    ms.clear();
    for (int i = 0; i < monitors; ++i) ms.push_back(std::make_unique<cistern::monitor<>>());
    std::atomic<int> phase{0}, arrived{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 3; ++t)
        ts.emplace_back([&] {
            for (int p = 0; p < 3; ++p) {
                while (phase.load() != p * 2) std::this_thread::yield();
                for (int i = 0; i < 500; ++i) ms[static_cast<std::size_t>(i % monitors)]->record("SELECT 1", 1us);
                arrived.fetch_add(1);
                while (phase.load() == p * 2) std::this_thread::yield();
            }
        });
    for (int p = 0; p < 3; ++p) {
        while (arrived.load() != 3 * (p + 1)) std::this_thread::yield();
        std::uint64_t n = 0;
        for (auto& m : ms) n += m->snapshot().calls;
        BOOST_TEST(n == 1500u);
        ms.clear();
        for (int i = 0; i < monitors; ++i) ms.push_back(std::make_unique<cistern::monitor<>>());
        phase.store(p * 2 + 1);
        if (p < 2) phase.store(p * 2 + 2);
    }
    for (auto& t : ts) t.join();
}

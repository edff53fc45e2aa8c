#define BOOST_TEST_MODULE cistern query admission: decisions flipping under concurrent reads and writes
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/adaptive_ttl.hpp>
#include <cistern/cache/query_admission.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>

#include "statement_snapshot.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// The admission's own thread evaluates every millisecond from a source that makes the read
// statement alternately busy and idle, with admit_after = drop_after = 1: its decision flips
// at every evaluation (and its cached results are dropped each time it is dropped). Four
// readers query it and two other statements, a writer updates the table through
// query_cache::execute() and a thread invalidates at random; an adaptive TTL sees every
// invalidation. After execute() returns, no query() started later may return the rows from
// before that write (each reader reads the count of finished writes first). Bounded: a
// fixed number of writes; readers stop when the writer is done. Run under ThreadSanitizer
// by the tsan preset (label tsan).
BOOST_AUTO_TEST_CASE(flipping_decisions_never_serve_rows_older_than_a_finished_write) {
    cistern::test::temp_dir dir;
    cistern::pool<cistern::sqlite::factory> pool{cistern::sqlite::factory(dir.file("s.db")),
                                                 cistern::pool_options{.min_idle = 0, .max_size = 6}};
    pool.acquire()->execute_script("CREATE TABLE counter(id INTEGER PRIMARY KEY, v INTEGER NOT NULL);"
                                   "INSERT INTO counter VALUES (1, 0), (2, 0);");
    const std::string flipping = "SELECT v FROM counter WHERE id = ?";
    std::mutex source_mu;
    std::uint64_t calls = 0;
    bool busy = false;
    std::atomic<int> source_calls{0};
    auto source = [&] {
        std::lock_guard lock(source_mu);
        busy = !busy;
        if (busy) calls += 100'000;
        ++source_calls;
        return cistern::test::statement_snapshot(flipping, calls, 5ms);
    };
    cistern::query_admission_options o;
    o.admit_after = 1;
    o.drop_after = 1;
    o.interval = 1ms;
    o.advice.min_calls_per_second = 0.0;
    cistern::query_admission adm(source, o);
    cistern::adaptive_ttl ttl(cistern::adaptive_ttl_options{.min_ttl = 1ms, .max_ttl = 10s});
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20, .shards = 4});
    qc.set_admission(&adm);
    qc.set_ttl_source(&ttl);

    constexpr std::int64_t writes = 150;
    std::atomic<std::int64_t> finished{0};
    std::atomic<bool> done{false};
    std::atomic<int> stale{0}, reads{0}, errors{0};
    std::mutex first_error_mu;
    std::string first_error;
    auto fail = [&](const std::exception& e) {
        ++errors;
        std::lock_guard lock(first_error_mu);
        if (first_error.empty()) first_error = e.what();
    };

    std::thread writer([&] {
        try {
            for (std::int64_t i = 1; i <= writes; ++i) {
                qc.execute("UPDATE counter SET v = v + 1 WHERE id IN (1, 2)");
                finished.store(i, std::memory_order_release);
            }
        } catch (const std::exception& e) {
            fail(e);
        }
        done.store(true, std::memory_order_release);
    });
    std::thread invalidator([&] {
        while (!done.load(std::memory_order_acquire)) {
            qc.invalidate("counter");
            std::this_thread::sleep_for(2ms);
        }
    });
    std::vector<std::thread> readers;
    for (int r = 0; r < 4; ++r)
        readers.emplace_back([&, r] {
            std::int64_t id = 1 + r % 2;
            while (!done.load(std::memory_order_acquire)) {
                const std::int64_t floor = finished.load(std::memory_order_acquire);
                try {
                    std::int64_t v = 0;
                    if (r < 3) v = qc.query(flipping, {id})->scalar<std::int64_t>();
                    else v = qc.query("SELECT max(v) FROM counter", {}, {.admission = cistern::admission_mode::always})->scalar<std::int64_t>();
                    if (v < floor) ++stale;
                    ++reads;
                } catch (const std::exception& e) {
                    fail(e);
                }
                id = 3 - id;
            }
        });
    writer.join();
    invalidator.join();
    for (auto& t : readers) t.join();
    BOOST_TEST(errors.load() == 0, first_error);
    BOOST_TEST(stale.load() == 0);
    BOOST_TEST(reads.load() > 0);
    const auto s = adm.stats();
    BOOST_TEST_MESSAGE("evaluations " << s.evaluations << ", served " << s.served << ", passed " << s.passed << ", reads "
                                      << reads.load());
    BOOST_TEST(s.failed_evaluations == 0u);
    BOOST_TEST(s.served > 0u); // it was admitted at times
    BOOST_TEST(s.passed > 0u); // and dropped at others
    BOOST_TEST(source_calls.load() >= 2);
}

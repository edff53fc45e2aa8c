#define BOOST_TEST_MODULE cistern query cache: no stale read under concurrent writes
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>

#include "support/temp_dir.hpp"

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// Writers through query_cache::execute(), readers through query() (directly and through a
// view), and a thread invalidating at random, on one SQLite file. After execute() returns,
// no query() started later may return the rows from before that write: each reader reads
// the count of finished writes first, and the rows it gets must show at least that many.
// Bounded: a fixed number of writes; readers stop when the writers are done. Run under
// ThreadSanitizer by the tsan preset (label tsan).
BOOST_AUTO_TEST_CASE(no_query_started_after_execute_returns_sees_older_rows) {
    cistern::test::temp_dir dir;
    cistern::pool<cistern::sqlite::factory> pool{cistern::sqlite::factory(dir.file("s.db")),
                                                 cistern::pool_options{.min_idle = 0, .max_size = 6}};
    pool.acquire()->execute_script("CREATE TABLE counter(id INTEGER PRIMARY KEY, v INTEGER NOT NULL);"
                                   "INSERT INTO counter VALUES (1, 0);"
                                   "CREATE TABLE other(x INTEGER); INSERT INTO other VALUES (7);"
                                   "CREATE VIEW counter_view AS SELECT v FROM counter WHERE id = 1;");
    cistern::query_cache qc(pool, cistern::cache_options{.max_weight = 1 << 20, .shards = 4});
    constexpr std::int64_t writes = 150;
    std::atomic<std::int64_t> finished{0}; // writes whose execute() has returned
    std::atomic<bool> done{false};
    std::atomic<int> stale{0}, reads{0}, errors{0};
    std::mutex first_error_mu;
    std::string first_error;

    std::thread writer([&] {
        for (std::int64_t i = 1; i <= writes; ++i) {
            qc.execute("UPDATE counter SET v = v + 1 WHERE id = 1");
            finished.store(i, std::memory_order_release);
        }
        done.store(true, std::memory_order_release);
    });
    std::vector<std::thread> readers;
    // Two readers share a slow statement (a recursive CTE after reading the row), so that
    // loads are often in flight while a write returns and a later reader arrives.
    const char* slow = "SELECT v + 0 * (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3000) "
                       "SELECT count(*) FROM c) FROM counter WHERE id = 1";
    for (int r = 0; r < 4; ++r)
        readers.emplace_back([&, r] {
            const char* sql = r < 2 ? slow : r == 2 ? "SELECT v FROM counter WHERE id = 1" : "SELECT v FROM counter_view";
            while (!done.load(std::memory_order_acquire)) {
                const std::int64_t floor = finished.load(std::memory_order_acquire);
                try {
                    const auto v = qc.query(sql)->scalar<std::int64_t>();
                    if (v < floor) ++stale;
                    ++reads;
                    if (r == 3) qc.query("SELECT x FROM other"); // an unrelated table, invalidated at random
                } catch (const std::exception& e) {
                    if (errors++ == 0) {
                        std::lock_guard lock(first_error_mu);
                        first_error = e.what();
                    }
                }
            }
        });
    std::thread invalidator([&] {
        std::uint64_t n = 0;
        while (!done.load(std::memory_order_acquire)) {
            qc.invalidate(++n % 3 == 0 ? "counter" : "other");
            std::this_thread::yield();
        }
    });
    writer.join();
    for (auto& t : readers) t.join();
    invalidator.join();
    BOOST_TEST(stale.load() == 0);
    BOOST_TEST(errors.load() == 0, first_error);
    BOOST_TEST(reads.load() > 0);
    BOOST_TEST(qc.query("SELECT v FROM counter WHERE id = 1")->scalar<std::int64_t>() == writes);
    BOOST_TEST(qc.query("SELECT v FROM counter_view")->scalar<std::int64_t>() == writes);
    BOOST_TEST(qc.stats().hits + qc.stats().misses > 0u);
}

#define BOOST_TEST_MODULE cistern change_watcher: no stale read under lease writes and outside commits
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/change_watcher.hpp>
#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>

#include "support/eventually.hpp"
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

// Writers through pool leases (not the query cache: the update hook reports them), readers
// through query_cache::query(), a connection of its own writing another table (seen only
// through data_version), and the watcher's polling thread, on one SQLite file. After a
// lease's execute() returns, no query() started later may return the rows from before it;
// the outside table's count must catch up once its writer stops. Bounded: a fixed number
// of writes. Run under ThreadSanitizer by the tsan preset.
BOOST_AUTO_TEST_CASE(no_query_started_after_a_lease_write_returns_sees_older_rows) {
    cistern::test::temp_dir dir;
    const std::string path = dir.file("s.db");
    using pool_type = cistern::pool<cistern::sqlite::factory>;
    pool_type pool{cistern::sqlite::factory(path), cistern::pool_options{.min_idle = 0, .max_size = 5}};
    pool.acquire()->execute_script("CREATE TABLE counter(id INTEGER PRIMARY KEY, v INTEGER NOT NULL);"
                                   "INSERT INTO counter VALUES (1, 0);"
                                   "CREATE TABLE outside(x INTEGER);");
    cistern::query_cache<pool_type> qc(pool, cistern::cache_options{.max_weight = 1 << 20, .shards = 4});
    cistern::sqlite::change_watcher watcher(pool.factory(),
                                            {[&](std::string_view t) { qc.invalidate(t); }, [&] { qc.clear(); }},
                                            {.data_version_interval = 1ms});
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return watcher.watching(); }));

    constexpr std::int64_t writes = 300, outside_writes = 60;
    std::atomic<std::int64_t> finished{0};
    std::atomic<bool> done{false};
    std::atomic<int> stale{0}, reads{0}, errors{0};
    std::mutex first_error_mu;
    std::string first_error;
    auto note = [&](const std::exception& e) {
        if (errors++ == 0) {
            std::lock_guard lock(first_error_mu);
            first_error = e.what();
        }
    };

    std::thread writer([&] {
        try {
            for (std::int64_t i = 1; i <= writes; ++i) {
                if (i % 3 == 0) {
                    auto l = pool.acquire();
                    l->execute("BEGIN IMMEDIATE");
                    l->execute("UPDATE counter SET v = v + 1 WHERE id = 1");
                    l->execute("COMMIT");
                } else {
                    pool.acquire()->execute("UPDATE counter SET v = v + 1 WHERE id = 1");
                }
                finished.store(i, std::memory_order_release);
            }
        } catch (const std::exception& e) {
            note(e);
        }
        done.store(true, std::memory_order_release);
    });
    std::thread outsider([&] {
        try {
            cistern::sqlite::connection c(path, cistern::sqlite::options{});
            for (std::int64_t i = 0; i < outside_writes; ++i) {
                c.execute("INSERT INTO outside VALUES (?)", i);
                std::this_thread::sleep_for(1ms);
            }
        } catch (const std::exception& e) {
            note(e);
        }
    });
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r)
        readers.emplace_back([&, r] {
            while (!done.load(std::memory_order_acquire)) {
                const std::int64_t floor = finished.load(std::memory_order_acquire);
                try {
                    if (qc.query("SELECT v FROM counter WHERE id = 1")->scalar<std::int64_t>() < floor) ++stale;
                    if (r == 0) qc.query("SELECT count(*) FROM outside");
                    ++reads;
                } catch (const std::exception& e) {
                    note(e);
                }
            }
        });
    writer.join();
    outsider.join();
    for (auto& t : readers) t.join();
    BOOST_TEST(stale.load() == 0);
    BOOST_TEST(errors.load() == 0, first_error);
    BOOST_TEST(reads.load() > 0);
    BOOST_TEST(qc.query("SELECT v FROM counter WHERE id = 1")->scalar<std::int64_t>() == writes);
    BOOST_TEST(cistern::test::eventually(
        [&] { return qc.query("SELECT count(*) FROM outside")->scalar<std::int64_t>() == outside_writes; }, 10s));
    BOOST_TEST(watcher.tables_reported() >= static_cast<std::uint64_t>(writes));
}

#define BOOST_TEST_MODULE cistern pool over SQLite
#include <boost/test/unit_test.hpp>

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/pool/pool.hpp>

#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

#include <thread>
#include <vector>

using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(threads_share_a_sqlite_file_through_the_pool) {
    cistern::test::temp_dir dir;
    cistern::pool_options o;
    o.min_idle = 2;
    o.max_size = 4;
    cistern::pool p(cistern::sqlite::factory("sqlite:" + dir.file("app.db")), o);
    p.acquire()->execute_script("CREATE TABLE hits(thread INTEGER, n INTEGER)");
    std::vector<std::thread> ts;
    for (int t = 0; t < 6; ++t)
        ts.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                auto c = p.acquire();
                c->execute("INSERT INTO hits VALUES (?, ?)", t, i);
            }
        });
    for (auto& t : ts) t.join();
    auto c = p.acquire();
    BOOST_TEST(c->query("SELECT count(*) FROM hits").scalar<int>() == 300);
    BOOST_TEST(c->query("SELECT count(DISTINCT thread) FROM hits").scalar<int>() == 6);
    BOOST_TEST(c->query("PRAGMA journal_mode").scalar<std::string>() == "wal");
    const auto s = p.stats();
    BOOST_TEST(s.size <= 4u);
    BOOST_TEST(s.acquired == 302u);
}

BOOST_AUTO_TEST_CASE(a_lease_returned_inside_a_transaction_is_rolled_back) {
    cistern::test::temp_dir dir;
    cistern::pool_options o;
    o.min_idle = 0;
    o.max_size = 1;
    cistern::pool p(cistern::sqlite::factory(dir.file("tx.db")), o);
    p.acquire()->execute_script("CREATE TABLE t(x INTEGER)");
    {
        auto c = p.acquire();
        c->execute_script("BEGIN");
        c->execute("INSERT INTO t VALUES (?)", 1);
        BOOST_TEST(c->in_transaction());
    }
    auto c = p.acquire();
    BOOST_TEST(!c->in_transaction());
    BOOST_TEST(c->query("SELECT count(*) FROM t").scalar<int>() == 0);
}

BOOST_AUTO_TEST_CASE(unopenable_database_gives_a_connect_error_in_the_timeout) {
    cistern::pool_options o;
    o.min_idle = 0;
    o.max_size = 1;
    o.acquire_timeout = 200ms;
    o.breaker_failure_threshold = 0;
    cistern::sqlite::options so;
    so.create = false;
    cistern::pool p(cistern::sqlite::factory("/nonexistent-dir/none.db", so), o);
    try {
        p.acquire();
        BOOST_FAIL("acquire returned");
    } catch (const cistern::pool_timeout& e) {
        BOOST_TEST(static_cast<int>(e.reason()) == static_cast<int>(cistern::timeout_reason::unreachable));
        BOOST_REQUIRE(e.last_connect_error().has_value());
        BOOST_TEST(e.last_connect_error()->backend_message().find("unable to open") != std::string::npos);
    }
}

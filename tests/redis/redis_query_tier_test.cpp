#define BOOST_TEST_MODULE redis query tier
#include <boost/test/unit_test.hpp>

// Two application instances (two pools, two query caches, two redis::tier objects) in
// front of one SQLite database and one throwaway redis-server.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/redis/query_tier.hpp>
#include <cistern/redis/tier.hpp>

#include "redis_common.hpp"
#include "support/eventually.hpp"
#include "support/temp_dir.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using cistern::test::eventually;
using cistern::test::server;
using cistern::test::tier_opts;
namespace redis = cistern::redis;

namespace {

using sqlite_pool = cistern::pool<cistern::sqlite::factory>;
using qcache = cistern::query_cache<sqlite_pool>;

/// One application instance: its own pool, Redis tier and query cache.
struct instance {
    sqlite_pool pool;
    redis::tier tier;
    redis::query_tier shared;
    qcache qc;
    instance(const std::string& db, const std::string& prefix)
        : pool(cistern::sqlite::factory(db), cistern::pool_options{.min_idle = 0, .max_size = 4}),
          tier(tier_opts(prefix)), shared(tier, "q"),
          qc(pool, cistern::cache_options{.max_weight = 1 << 20}, std::chrono::minutes(5), &shared) {
        BOOST_REQUIRE(eventually([&] { return tier.subscribed(); }));
    }
};

struct fixture {
    cistern::test::temp_dir dir;
    std::string db = dir.file("tier.db");
    fixture() {
        auto c = cistern::sqlite::factory(db).create();
        c.execute_script("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
                         "CREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER, total REAL);"
                         "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 5;"
                         "INSERT INTO users VALUES (1, 'ada'), (2, 'bob');"
                         "INSERT INTO orders VALUES (10, 1, 5.0), (11, 1, 7.5), (12, 2, 9.0);");
    }
    /// Writes behind every cache's back (another process, say): only the database sees it.
    void write_behind(const std::string& sql) { cistern::sqlite::factory(db).create().execute(sql); }
    static std::string prefix() {
        static std::atomic<int> n{0};
        return "qt" + std::to_string(::getpid()) + "_" + std::to_string(n++) + ":";
    }
};

const std::string by_id = "SELECT name FROM users WHERE id = ?";

} // namespace

BOOST_FIXTURE_TEST_CASE(a_result_loaded_by_one_instance_is_an_L2_hit_for_the_other, fixture) {
    const std::string p = prefix();
    instance a(db, p), b(db, p);
    BOOST_TEST(a.qc.query(by_id, {std::int64_t{1}})->scalar<std::string>() == "ada");
    // Proof that b reads Redis and not the database: the row changes behind both caches'
    // backs (no invalidation), and b still sees what a stored.
    write_behind("UPDATE users SET name = 'ADA' WHERE id = 1");
    const auto hits = b.tier.stats().hits;
    BOOST_TEST(b.qc.query(by_id, {std::int64_t{1}})->scalar<std::string>() == "ada");
    BOOST_TEST(b.tier.stats().hits == hits + 1);
    BOOST_TEST(b.qc.stats().loads == 1u); // a load of b's L1, answered from L2
    // Other parameters are another key.
    BOOST_TEST(b.qc.query(by_id, {std::int64_t{2}})->scalar<std::string>() == "bob");
    BOOST_TEST(b.tier.stats().hits == hits + 1);
}

BOOST_FIXTURE_TEST_CASE(a_write_through_one_instance_reaches_the_other, fixture) {
    const std::string p = prefix();
    instance a(db, p), b(db, p);
    BOOST_TEST(a.qc.query(by_id, {std::int64_t{1}})->scalar<std::string>() == "ada");
    BOOST_TEST(b.qc.query(by_id, {std::int64_t{1}})->scalar<std::string>() == "ada");
    BOOST_TEST(b.qc.size() == 1u);
    a.qc.execute("UPDATE users SET name = 'eve' WHERE id = 1");
    // a's own next read is fresh at once; b's local copy goes within the propagation time.
    BOOST_TEST(a.qc.query(by_id, {std::int64_t{1}})->scalar<std::string>() == "eve");
    BOOST_TEST(eventually([&] { return b.qc.size() == 0u; }));
    BOOST_TEST(b.qc.query(by_id, {std::int64_t{1}})->scalar<std::string>() == "eve");
}

BOOST_FIXTURE_TEST_CASE(an_L2_value_stored_before_an_invalidation_is_stale, fixture) {
    const std::string p = prefix();
    instance a(db, p);
    BOOST_TEST(a.qc.query("SELECT count(*) FROM orders")->scalar<int>() == 3);
    write_behind("INSERT INTO orders VALUES (13, 2, 1.0)");
    a.qc.invalidate("orders");
    // A fresh instance (empty L1, never heard the message) must not take the old value from Redis.
    instance b(db, p);
    const auto stale = b.tier.stats().stale;
    BOOST_TEST(b.qc.query("SELECT count(*) FROM orders")->scalar<int>() == 4);
    BOOST_TEST(b.tier.stats().stale == stale + 1);
}

BOOST_FIXTURE_TEST_CASE(invalidating_a_base_table_drops_results_read_through_a_view_everywhere, fixture) {
    const std::string p = prefix();
    instance a(db, p), b(db, p);
    const std::string q = "SELECT count(*) FROM big_orders";
    BOOST_TEST(a.qc.query(q)->scalar<int>() == 2);
    BOOST_TEST(b.qc.query(q)->scalar<int>() == 2);
    a.qc.execute("INSERT INTO orders VALUES (14, 1, 50.0)"); // writes the base table, not the view
    BOOST_TEST(a.qc.query(q)->scalar<int>() == 3);
    BOOST_TEST(eventually([&] { return b.qc.size() == 0u; }));
    BOOST_TEST(b.qc.query(q)->scalar<int>() == 3);
}

BOOST_FIXTURE_TEST_CASE(without_redis_the_query_cache_answers_from_the_database, fixture) {
    redis::tier_options o = tier_opts(prefix());
    o.redis.port = 1; // nothing listens there: the tier starts degraded
    redis::tier t(o);
    redis::query_tier shared(t, "q");
    sqlite_pool pool(cistern::sqlite::factory(db), cistern::pool_options{.min_idle = 0, .max_size = 2});
    qcache qc(pool, cistern::cache_options{.max_weight = 1 << 20}, std::nullopt, &shared);
    BOOST_TEST(qc.query(by_id, {std::int64_t{2}})->scalar<std::string>() == "bob");
    BOOST_TEST(qc.query(by_id, {std::int64_t{2}})->scalar<std::string>() == "bob"); // L1 hit
    BOOST_TEST(qc.stats().hits == 1u);
    qc.execute("UPDATE users SET name = 'bo' WHERE id = 2"); // invalidation deferred by the tier, local at once
    BOOST_TEST(qc.query(by_id, {std::int64_t{2}})->scalar<std::string>() == "bo");
    BOOST_TEST(t.health().has_value());
}

BOOST_FIXTURE_TEST_CASE(the_query_tier_rejects_a_bad_name, fixture) {
    redis::tier t(tier_opts(prefix()));
    BOOST_CHECK_THROW(redis::query_tier(t, ""), cistern::config_error);
    BOOST_CHECK_THROW(redis::query_tier(t, "a b"), cistern::config_error);
}

// Under ThreadSanitizer (label tsan): readers on both instances while writers on both
// write through execute(); each instance's own reads started after its write returned
// never see an older value, and after the writers stop both instances converge.
BOOST_FIXTURE_TEST_CASE(concurrent_reads_and_writes_on_two_instances, fixture) {
    const std::string p = prefix();
    instance a(db, p), b(db, p);
    std::atomic<bool> stop{false};
    std::atomic<int> stale_own{0};
    std::atomic<std::int64_t> written[2] = {0, 0};
    auto writer = [&](instance& self, int idx) {
        for (std::int64_t v = 1; v <= 40; ++v) {
            self.qc.execute("UPDATE orders SET total = ? WHERE id = ?", {static_cast<double>(v), std::int64_t{10 + idx}});
            written[idx] = v;
            const double seen = self.qc.query("SELECT total FROM orders WHERE id = ?", {std::int64_t{10 + idx}})
                                    ->scalar<double>();
            if (seen < static_cast<double>(v)) ++stale_own;
        }
    };
    auto reader = [&](instance& self) {
        while (!stop) {
            for (std::int64_t id : {10, 11}) (void)self.qc.query("SELECT total FROM orders WHERE id = ?", {id});
            (void)self.qc.query("SELECT count(*) FROM big_orders");
        }
    };
    std::vector<std::thread> ts;
    ts.emplace_back(reader, std::ref(a));
    ts.emplace_back(reader, std::ref(b));
    ts.emplace_back(writer, std::ref(a), 0);
    ts.emplace_back(writer, std::ref(b), 1);
    ts[2].join();
    ts[3].join();
    stop = true;
    ts[0].join();
    ts[1].join();
    BOOST_TEST(stale_own.load() == 0);
    for (instance* i : {&a, &b}) {
        BOOST_TEST(eventually([&] {
            return i->qc.query("SELECT total FROM orders WHERE id = 10")->scalar<double>() == 40.0 &&
                   i->qc.query("SELECT total FROM orders WHERE id = 11")->scalar<double>() == 40.0;
        }));
    }
}

#define BOOST_TEST_MODULE redis_tier
#include <boost/test/unit_test.hpp>

#include <cistern/monitor/monitor.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/redis/connection.hpp>
#include <cistern/redis/factory.hpp>
#include <cistern/redis/parse_url.hpp>
#include <cistern/redis/row_set_codec.hpp>
#include <cistern/redis/string_codec.hpp>
#include <cistern/redis/tier.hpp>
#include <cistern/redis/tiered_cache.hpp>
#include <cistern/redis/trivial_codec.hpp>

#include "redis_common.hpp"
#include "support/eventually.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using cistern::test::database;
using cistern::test::eventually;
using cistern::test::server;
using cistern::test::tier_opts;
namespace redis = cistern::redis;
using string_cache = redis::tiered_cache<std::string, std::string, redis::string_codec>;

namespace {
std::string load_of(database& db, const std::string& k) { return db.read(k); }
cistern::cache_options small() { return cistern::cache_options{.max_size = 1000}; }
} // namespace

BOOST_AUTO_TEST_SUITE(options_and_codecs)

BOOST_AUTO_TEST_CASE(url_forms_and_redaction) {
    auto o = redis::parse_url("redis://app:s%40cret@cache.local:6380/3");
    BOOST_TEST(o.user == "app");
    BOOST_TEST(o.password == "s@cret");
    BOOST_TEST(o.host == "cache.local");
    BOOST_TEST(o.port == 6380);
    BOOST_TEST(o.db == 3);
    BOOST_TEST(o.describe() == "redis://app:***@cache.local:6380/3");
    auto d = redis::parse_url("redis://:pw@127.0.0.1");
    BOOST_TEST(d.user.empty());
    BOOST_TEST(d.port == 6379);
    BOOST_TEST(d.describe().find("pw") == std::string::npos);
    auto u = redis::parse_url("unix:/run/redis.sock?db=2&password=topsecret");
    BOOST_TEST(u.unix_path == "/run/redis.sock");
    BOOST_TEST(u.db == 2);
    BOOST_TEST(u.describe() == "unix:/run/redis.sock?db=2&password=***");
    for (const char* bad : {"http://x", "redis://:topsecret@h:99999/0", "unix:relative", "redis://:topsecret@h/x"}) {
        try {
            redis::parse_url(bad);
            BOOST_FAIL(std::string("accepted ") + bad);
        } catch (const cistern::config_error& e) {
            BOOST_TEST(std::string(e.what()).find("topsecret") == std::string::npos);
        }
    }
    redis::options neg;
    neg.command_timeout = 0ms;
    BOOST_CHECK_THROW(neg.validate(), cistern::config_error);
}

BOOST_AUTO_TEST_CASE(row_set_codec_round_trip_and_corrupt_input) {
    cistern::row_set rs({"id", "name", "score", "raw", "gone"});
    rs.add_row({std::int64_t{-5}, std::string("ada"), 1.5, cistern::blob{std::byte{0}, std::byte{255}}, cistern::null});
    rs.add_row({std::int64_t{1} << 60, std::string(""), -0.25, cistern::blob{}, cistern::null});
    redis::row_set_codec c;
    std::string bytes;
    c.encode(rs, bytes);
    auto back = c.decode(bytes);
    BOOST_REQUIRE(back);
    BOOST_TEST(back->columns() == rs.columns());
    BOOST_REQUIRE(back->size() == 2u);
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t k = 0; k < 5; ++k) BOOST_TEST((rs[r][k] == (*back)[r][k]));
    // every truncation and random corruption decodes to nothing or to a value, never crashes
    for (std::size_t n = 0; n < bytes.size(); ++n) BOOST_TEST(!c.decode(std::string_view(bytes).substr(0, n)));
    std::mt19937 rng(7);
    for (int i = 0; i < 2000; ++i) {
        std::string junk = bytes;
        junk[rng() % junk.size()] = static_cast<char>(rng());
        (void)c.decode(junk);
        std::string noise(rng() % 64, '\0');
        for (auto& ch : noise) ch = static_cast<char>(rng());
        (void)c.decode(noise);
    }
    redis::trivial_codec<std::int64_t> t;
    std::string tb;
    t.encode(42, tb);
    BOOST_TEST(*t.decode(tb) == 42);
    BOOST_TEST(!t.decode("abc"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(connection)

BOOST_AUTO_TEST_CASE(tcp_and_unix_socket_ping_select_and_pool) {
    auto o = tier_opts("t:conn:").redis;
    o.db = 2;
    redis::factory tcp(o);
    auto c = tcp.create();
    BOOST_TEST(c.is_open());
    BOOST_TEST(c.ping());
    BOOST_TEST((c.command({"SET", "k", "in-db-2"}).type == redis::reply::kind::status));
    auto o2 = tier_opts("t:conn:", true).redis;
    o2.db = 2;
    redis::factory unix_f(o2);
    auto u = unix_f.create();
    BOOST_TEST(u.command({"GET", "k"}).str == "in-db-2");
    BOOST_TEST(unix_f.describe().starts_with("unix:"));
    BOOST_TEST(tcp.describe().find(cistern::test::redis_server::password) == std::string::npos);
    // cistern::pool serves it
    cistern::pool<redis::factory> p(redis::factory(server().url(2)), cistern::pool_options::test());
    auto l = p.acquire();
    BOOST_TEST(l->command({"GET", "k"}).str == "in-db-2");
}

BOOST_AUTO_TEST_CASE(wrong_password_is_a_clear_error_at_once) {
    auto o = tier_opts("t:pw:");
    o.redis.password = "not-the-password";
    const auto t0 = std::chrono::steady_clock::now();
    try {
        redis::tier t(o);
        BOOST_FAIL("a tier with a wrong password was built");
    } catch (const cistern::connect_error& e) {
        BOOST_TEST((e.kind() == cistern::connect_failure::authentication));
        BOOST_TEST(std::string(e.what()).find("not-the-password") == std::string::npos);
        BOOST_TEST(std::string(e.what()).find("rejected the credentials") != std::string::npos);
    }
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < 5s)); // at once: no retries (generous for CI)
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tiered)

BOOST_AUTO_TEST_CASE(l1_then_l2_then_loader_and_ttl_capped_by_pttl) {
    database db;
    db.write("a", "1");
    redis::tier ta(tier_opts("t:l2:")), tb(tier_opts("t:l2:"));
    string_cache a(ta, "users", small(), 60s), b(tb, "users", small(), 60s);
    BOOST_TEST(a.get_or_load("a", [&](const std::string& k) { return load_of(db, k); }) == "1");
    BOOST_TEST(db.loads == 1);
    BOOST_TEST(ta.stats().misses == 1u);
    BOOST_TEST(ta.stats().writes == 1u);
    BOOST_TEST(a.get_or_load("a", [&](const std::string& k) { return load_of(db, k); }) == "1"); // L1
    BOOST_TEST(db.loads == 1);
    BOOST_TEST(b.get_or_load("a", [&](const std::string& k) { return load_of(db, k); }) == "1"); // L2
    BOOST_TEST(db.loads == 1);
    BOOST_TEST(tb.stats().hits == 1u);
    // the PTTL caps the L1 TTL: a value with 300 ms left in Redis leaves b's memory by then
    server().cli("PEXPIRE t:l2:users:short 300");
    BOOST_TEST(a.get_or_load("short", [&](const std::string& k) { return load_of(db, k); }, {.ttl = 60s}).empty());
    server().cli("PEXPIRE t:l2:users:short 300");
    (void)b.get_or_load("short", [&](const std::string& k) { return load_of(db, k); });
    BOOST_TEST(b.get_local("short").has_value());
    BOOST_TEST(eventually([&] { return !b.get_local("short").has_value(); }, 10s));
}

BOOST_AUTO_TEST_CASE(stampede_is_one_read_and_one_load) {
    database db;
    db.write("hot", "v");
    redis::tier t(tier_opts("t:stampede:"));
    string_cache c(t, "s", small(), 60s);
    // Subscribing clears the local cache (messages before it are unknown), and a caller
    // arriving after a clear does not join a load that began before it: subscribe first.
    BOOST_REQUIRE(eventually([&] { return t.subscribed(); }));
    std::vector<std::thread> th;
    std::atomic<bool> go{false};
    std::atomic<int> wrong{0}; // Boost.Test assertions are not thread-safe: count here, check below
    for (int i = 0; i < 8; ++i)
        th.emplace_back([&] {
            while (!go) std::this_thread::yield();
            if (c.get_or_load("hot", [&](const std::string& k) {
                    std::this_thread::sleep_for(50ms);
                    return load_of(db, k);
                }) != "v")
                ++wrong;
        });
    go = true;
    for (auto& x : th) x.join();
    BOOST_TEST(wrong == 0);
    BOOST_TEST(db.loads == 1);
    BOOST_TEST(t.stats().misses + t.stats().hits == 1u);
}

BOOST_AUTO_TEST_CASE(corrupt_and_foreign_values_are_counted_misses) {
    database db;
    db.write("x", "fresh");
    redis::tier t(tier_opts("t:corrupt:"));
    redis::tiered_cache<std::string, cistern::row_set, redis::row_set_codec> rows(t, "rows", small(), 60s);
    server().cli("SET t:corrupt:rows:x garbage");
    auto rs = rows.get_or_load("x", [&] {
        cistern::row_set r({"v"});
        r.add_row({std::string(db.read("x"))});
        return r;
    });
    BOOST_TEST(rs.size() == 1u);
    BOOST_TEST(t.stats().decode_failures == 1u);
    BOOST_TEST(db.loads == 1);
    // a valid envelope with bytes the codec rejects: also a counted miss
    string_cache s(t, "strs", small(), 60s);
    (void)s.get_or_load("y", [&] { return std::string("ok"); });
    redis::tiered_cache<std::string, std::int64_t, redis::trivial_codec<std::int64_t>> ints(t, "strs", small(), 60s);
    BOOST_TEST(ints.get_or_load("y", [] { return std::int64_t{7}; }) == 7);
    BOOST_TEST(t.stats().decode_failures == 2u);
}

BOOST_AUTO_TEST_CASE(values_over_the_maximum_are_not_stored) {
    auto o = tier_opts("t:big:");
    o.max_value_bytes = 100;
    redis::tier t(o);
    string_cache c(t, "big", small(), 60s);
    (void)c.get_or_load("k", [] { return std::string(1000, 'x'); });
    BOOST_TEST(t.stats().oversized == 1u);
    BOOST_TEST(t.stats().writes == 0u);
    BOOST_TEST(server().cli("EXISTS t:big:big:k") == "0");
    (void)c.get_or_load("small", [] { return std::string(10, 'x'); });
    BOOST_TEST(t.stats().writes == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(invalidation)

BOOST_AUTO_TEST_CASE(a_write_on_one_instance_reaches_the_other) {
    database db;
    db.write("u1", "old");
    redis::tier ta(tier_opts("t:inv:")), tb(tier_opts("t:inv:"));
    BOOST_REQUIRE(eventually([&] { return ta.subscribed() && tb.subscribed(); }));
    string_cache a(ta, "users", small(), 60s), b(tb, "users", small(), 60s);
    auto load = [&](const std::string& k) { return load_of(db, k); };
    BOOST_TEST(a.get_or_load("u1", load, {.tags = {"users"}}) == "old");
    BOOST_TEST(b.get_or_load("u1", load, {.tags = {"users"}}) == "old");
    BOOST_TEST(b.get_local("u1").has_value());
    db.write("u1", "new"); // the write, on instance a
    BOOST_TEST(a.invalidate_tag("users"));
    BOOST_TEST(!a.get_local("u1").has_value());
    BOOST_REQUIRE(eventually([&] { return !b.get_local("u1").has_value(); }));
    BOOST_TEST(b.get_or_load("u1", load, {.tags = {"users"}}) == "new"); // L2 version moved: not "old"
    BOOST_TEST(a.get_or_load("u1", load, {.tags = {"users"}}) == "new");
    BOOST_TEST(ta.stats().echoes_ignored >= 1u);
    BOOST_TEST(tb.stats().invalidations_received >= 1u);
    BOOST_TEST(tb.stats().stale >= 1u);
}

BOOST_AUTO_TEST_CASE(a_table_invalidation_reaches_both_caches) {
    database db;
    redis::tier ta(tier_opts("t:tbl:")), tb(tier_opts("t:tbl:")), tc(tier_opts("t:tbl:"));
    BOOST_REQUIRE(eventually([&] { return ta.subscribed() && tb.subscribed() && tc.subscribed(); }));
    string_cache a(ta, "q", small(), 60s), b(tb, "q", small(), 60s), c(tc, "q", small(), 60s);
    for (auto* x : {&a, &b}) {
        (void)x->get_or_load("orders:1", [] { return std::string("o1"); }, {.tags = {"orders"}});
        (void)x->get_or_load("users:1", [] { return std::string("u1"); }, {.tags = {"users"}});
    }
    c.invalidate_tag("orders");
    BOOST_REQUIRE(eventually([&] { return !a.get_local("orders:1") && !b.get_local("orders:1"); }));
    BOOST_TEST(a.get_local("users:1").has_value());
    BOOST_TEST(b.get_local("users:1").has_value());
}

BOOST_AUTO_TEST_CASE(an_instance_disconnected_during_a_message_serves_nothing_stale) {
    database db;
    db.write("k", "old");
    auto ob = tier_opts("t:lost:");
    ob.resubscribe_delay = 400ms; // a window in which b is not subscribed
    ob.instance_id = "instance-b";
    redis::tier ta(tier_opts("t:lost:")), tb(ob);
    BOOST_REQUIRE(eventually([&] { return ta.subscribed() && tb.subscribed(); }));
    string_cache a(ta, "c", small(), 60s), b(tb, "c", small(), 60s);
    auto load = [&](const std::string& k) { return load_of(db, k); };
    (void)b.get_or_load("k", load, {.tags = {"t"}});
    bool lost = false;
    for (int attempt = 0; attempt < 10 && !lost; ++attempt) {
        const auto subs = tb.stats().subscriptions;
        const auto received = tb.stats().invalidations_received;
        server().cli("CLIENT KILL TYPE pubsub"); // both subscribers; b stays away for 400 ms
        db.write("k", "new" + std::to_string(attempt));
        BOOST_TEST(a.invalidate_tag("t"));
        BOOST_REQUIRE(eventually([&] { return tb.stats().subscriptions > subs && tb.subscribed(); }));
        lost = tb.stats().invalidations_received == received; // b never heard of this write
    }
    BOOST_REQUIRE(lost);
    BOOST_TEST(!b.get_local("k").has_value()); // cleared on resubscription
    BOOST_TEST(b.get_or_load("k", load, {.tags = {"t"}}).starts_with("new")); // and the L2 copy is stale by version
}

// The second process of two_processes_share_one_redis: runs only in the process that test
// spawns (it sets CISTERN_CHILD_REDIS_PORT); in a normal run it is not applicable.
struct spawned_as_child {
    boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
        boost::test_tools::assertion_result r(std::getenv("CISTERN_CHILD_REDIS_PORT") != nullptr);
        r.message() << "helper process of two_processes_share_one_redis";
        return r;
    }
};
BOOST_AUTO_TEST_CASE(child_instance, *boost::unit_test::precondition(spawned_as_child())) {
    const char* port = std::getenv("CISTERN_CHILD_REDIS_PORT");
    const char* marker = std::getenv("CISTERN_CHILD_MARKER");
    BOOST_REQUIRE(port && marker);
    redis::tier_options o;
    o.redis.port = static_cast<std::uint16_t>(std::atoi(port));
    o.redis.password = cistern::test::redis_server::password;
    o.redis.key_prefix = "t:proc:";
    o.redis.command_timeout = 200ms;
    redis::tier t(o);
    BOOST_REQUIRE(eventually([&] { return t.subscribed(); }));
    string_cache c(t, "c", small(), 60s);
    BOOST_TEST(c.get_or_load("k", [] { return std::string("v1"); }, {.tags = {"items"}}) == "v1");
    std::ofstream(marker) << "ready\n";
    BOOST_TEST(eventually([&] { return !c.get_local("k").has_value(); })); // the parent's invalidation
    BOOST_TEST(c.get_or_load("k", [] { return std::string("v2"); }, {.tags = {"items"}}) == "v2");
}

BOOST_AUTO_TEST_CASE(two_processes_share_one_redis) {
    const std::string marker = (std::filesystem::temp_directory_path() / ("cistern-child-" + std::to_string(::getpid()))).string();
    std::filesystem::remove(marker);
    const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string port_env = "CISTERN_CHILD_REDIS_PORT=" + std::to_string(server().port());
    const std::string marker_env = "CISTERN_CHILD_MARKER=" + marker;
    std::vector<char*> argv{const_cast<char*>(exe.c_str()), const_cast<char*>("--run_test=invalidation/child_instance"), nullptr};
    std::vector<char*> envp{const_cast<char*>(port_env.c_str()), const_cast<char*>(marker_env.c_str()), nullptr};
    redis::tier t(tier_opts("t:proc:"));
    string_cache c(t, "c", small(), 60s);
    pid_t pid = 0;
    BOOST_REQUIRE(::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), envp.data()) == 0);
    BOOST_REQUIRE(eventually([&] { return std::filesystem::exists(marker); }, 60s));
    // the child loaded "v1" and wrote it to Redis: this process reads it from L2
    BOOST_TEST(c.get_or_load("k", [] { return std::string("from-db"); }, {.tags = {"items"}}) == "v1");
    BOOST_TEST(c.invalidate_tag("items"));
    int status = 0;
    BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0); // the child saw its entry dropped and reloaded
    std::filesystem::remove(marker);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(faults)

BOOST_AUTO_TEST_CASE(redis_stopped_under_load_then_restarted) {
    database db;
    db.write("k", "v");
    auto o = tier_opts("t:stop:");
    redis::tier t(o);
    BOOST_REQUIRE(eventually([&] { return t.subscribed(); }));
    cistern::monitor<> mon;
    mon.add_health_source(t.health_source());
    string_cache c(t, "c", small(), 50ms);
    // the documented bound: acquire_timeout + 2 x command_timeout per operation, two
    // operations per miss; plus an allowance of 1 s for a loaded 2-core CI machine
    const auto bound = 2 * (o.effective_acquire_timeout() + 2 * o.redis.command_timeout) + 1000ms;
    std::atomic<bool> stop{false};
    std::atomic<int> over{0}, calls{0};
    std::vector<std::thread> th;
    for (int i = 0; i < 4; ++i)
        th.emplace_back([&, i] {
            while (!stop) {
                const auto t0 = std::chrono::steady_clock::now();
                const std::string v = c.get_or_load("k" + std::to_string(i % 2), [&] { return db.read("k"); });
                if (std::chrono::steady_clock::now() - t0 > bound) ++over;
                if (v != "v") ++over;
                ++calls;
                std::this_thread::sleep_for(5ms);
            }
        });
    std::this_thread::sleep_for(200ms);
    server().stop();
    BOOST_TEST(eventually([&] { return t.breaker_open(); }));
    BOOST_TEST(eventually([&] { return mon.health().status == cistern::health_status::degraded; }));
    const auto h = mon.health();
    BOOST_REQUIRE(!h.findings.empty());
    BOOST_TEST(h.findings.back().reason.find("Redis unavailable") != std::string::npos);
    BOOST_TEST(h.findings.back().reason.find(cistern::test::redis_server::password) == std::string::npos);
    const int during = calls;
    std::this_thread::sleep_for(500ms);
    BOOST_TEST(calls > during); // still answering, from memory and the database
    server().start();
    BOOST_TEST(eventually([&] { return t.subscribed() && !t.breaker_open(); }));
    BOOST_TEST(eventually([&] { return mon.health().status == cistern::health_status::healthy; }));
    const auto writes = t.stats().writes;
    BOOST_TEST(eventually([&] { return t.stats().writes > writes; })); // L2 in use again
    stop = true;
    for (auto& x : th) x.join();
    BOOST_TEST(over == 0);
    BOOST_TEST(t.stats().subscriptions >= 2u);
}

BOOST_AUTO_TEST_CASE(redis_hung_is_bounded_and_opens_the_breaker) {
    auto o = tier_opts("t:hung:");
    redis::tier t(o);
    string_cache c(t, "c", small(), 60s);
    (void)c.get_or_load("warm", [] { return std::string("w"); });
    server().suspend();
    const auto bound = 2 * (o.effective_acquire_timeout() + 2 * o.redis.command_timeout) + 1000ms;
    int i = 0;
    while (!t.breaker_open() && i < 50) {
        const auto t0 = std::chrono::steady_clock::now();
        BOOST_TEST(c.get_or_load("k" + std::to_string(i++), [] { return std::string("db"); }) == "db");
        BOOST_TEST((std::chrono::steady_clock::now() - t0 < bound));
    }
    BOOST_TEST(t.breaker_open());
    // open: calls do not wait for Redis at all
    const auto t0 = std::chrono::steady_clock::now();
    BOOST_TEST(c.get_or_load("open", [] { return std::string("db"); }) == "db");
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < o.redis.command_timeout + 500ms));
    BOOST_TEST(t.stats().skipped >= 1u);
    BOOST_TEST(t.last_error().find(cistern::test::redis_server::password) == std::string::npos);
    server().resume();
    BOOST_TEST(eventually([&] {
        (void)c.get_or_load("probe" + std::to_string(i++), [] { return std::string("db"); });
        return !t.breaker_open();
    }));
}

BOOST_AUTO_TEST_SUITE_END()

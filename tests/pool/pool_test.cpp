#define BOOST_TEST_MODULE cistern pool
#include <boost/test/unit_test.hpp>

#include <cistern/pool/pool.hpp>

#include "support/eventually.hpp"
#include "support/fake_connection.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using cistern::test::eventually;
using cistern::test::fake_factory;
using cistern::test::fake_server;
using cistern::test::manual_clock;

namespace {

struct recording_listener {
    std::shared_ptr<std::mutex> mu = std::make_shared<std::mutex>();
    std::shared_ptr<std::vector<cistern::leak_report>> leaks = std::make_shared<std::vector<cistern::leak_report>>();
    std::shared_ptr<std::atomic<int>> acquires = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::atomic<int>> releases = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::atomic<int>> connects = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::atomic<int>> connect_failures = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::atomic<int>> timeouts = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::atomic<int>> closes = std::make_shared<std::atomic<int>>(0);

    void on_acquire(std::chrono::nanoseconds) { ++*acquires; }
    void on_release(std::chrono::nanoseconds) { ++*releases; }
    void on_connect(std::chrono::nanoseconds) { ++*connects; }
    void on_connect_failed(const cistern::connect_error&) { ++*connect_failures; }
    void on_timeout(const cistern::pool_timeout&) { ++*timeouts; }
    void on_close(cistern::close_reason) { ++*closes; }
    void on_leak(const cistern::leak_report& r) {
        std::lock_guard lk(*mu);
        leaks->push_back(r);
    }
};

using real_pool = cistern::pool<fake_factory>;
using timed_pool = cistern::pool<fake_factory, cistern::with_clock<manual_clock>, cistern::with_listener<recording_listener>>;

cistern::pool_options small(std::size_t min_idle, std::size_t max_size) {
    cistern::pool_options o;
    o.name = "test";
    o.min_idle = min_idle;
    o.max_size = max_size;
    o.acquire_timeout = 5s;
    o.connect_retry_initial = 1ms;
    o.connect_retry_max = 20ms;
    o.housekeeping_period = 1h; // tests call maintain() themselves
    return o;
}

template <class F>
std::string config_field_of(F f) {
    try {
        f();
    } catch (const cistern::config_error& e) {
        return e.field();
    }
    return "(no config_error)";
}

} // namespace

// ------------------------------------------------------------------ concepts and options
static_assert(cistern::Connection<cistern::test::fake_connection>);
static_assert(cistern::ConnectionFactory<fake_factory>);
static_assert(!cistern::Connection<int>);
static_assert(cistern::recommended_max_size(4, 1) == 9);

BOOST_AUTO_TEST_CASE(bad_options_name_the_field) {
    auto with = [](auto mutate) {
        return [mutate] {
            auto o = cistern::pool_options{};
            mutate(o);
            o.validate();
        };
    };
    BOOST_TEST(config_field_of(with([](auto& o) { o.max_size = 0; })) == "pool_options::max_size");
    BOOST_TEST(config_field_of(with([](auto& o) { o.min_idle = 11; })) == "pool_options::min_idle");
    BOOST_TEST(config_field_of(with([](auto& o) { o.acquire_timeout = -1ms; })) == "pool_options::acquire_timeout");
    BOOST_TEST(config_field_of(with([](auto& o) { o.idle_timeout = -5ms; })) == "pool_options::idle_timeout");
    BOOST_TEST(config_field_of(with([](auto& o) { o.max_lifetime = -1ms; })) == "pool_options::max_lifetime");
    BOOST_TEST(config_field_of(with([](auto& o) { o.max_concurrent_connects = 0; })) == "pool_options::max_concurrent_connects");
    BOOST_TEST(config_field_of(with([](auto& o) { o.connect_retry_max = 1ms; o.connect_retry_initial = 2ms; })) == "pool_options::connect_retry_max");
    BOOST_TEST(config_field_of(with([](auto& o) { o.housekeeping_period = 0ms; })) == "pool_options::housekeeping_period");
    BOOST_TEST(config_field_of(with([](auto&) {})) == "(no config_error)");

    auto server = std::make_shared<fake_server>();
    cistern::pool_options bad;
    bad.max_size = 2;
    bad.min_idle = 3;
    try {
        real_pool p(fake_factory(server), bad);
        BOOST_FAIL("constructor accepted min_idle > max_size");
    } catch (const cistern::config_error& e) {
        BOOST_TEST(e.field() == "pool_options::min_idle");
        BOOST_TEST(e.value() == "3");
        BOOST_TEST(std::string(e.what()).find("max_size") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(profiles_are_valid) {
    BOOST_CHECK_NO_THROW(cistern::pool_options::production().validate());
    BOOST_CHECK_NO_THROW(cistern::pool_options::development().validate());
    BOOST_CHECK_NO_THROW(cistern::pool_options::test().validate());
    auto p = cistern::pool_options::production();
    BOOST_TEST(p.max_size == cistern::recommended_max_size(std::max(1u, std::thread::hardware_concurrency()), 1));
    BOOST_TEST(cistern::pool_options::development().validation_skip_window.count() == 0);
}

// ------------------------------------------------------------------ sizing
BOOST_AUTO_TEST_CASE(fills_to_min_idle_in_background_and_respects_max_size) {
    auto server = std::make_shared<fake_server>();
    real_pool p(fake_factory(server), small(3, 4));
    BOOST_TEST(eventually([&] { return p.stats().idle == 3; }));
    std::vector<real_pool::lease_type> held;
    for (int i = 0; i < 4; ++i) held.push_back(p.acquire());
    BOOST_TEST(p.stats().in_use == 4u);
    BOOST_TEST(!p.try_acquire().has_value());
    BOOST_TEST(!p.try_acquire_for(20ms).has_value());
    BOOST_TEST(server->max_open.load() <= 4);
    // after all connections broke the pool refills to min_idle by itself
    for (auto& l : held) l.invalidate();
    held.clear();
    BOOST_TEST(eventually([&] { return p.stats().idle == 3 && p.stats().size == 3; }));
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::broken) == 4u);
    BOOST_TEST(server->max_open.load() <= 4);
}

BOOST_AUTO_TEST_CASE(connection_attempts_in_flight_are_limited) {
    auto server = std::make_shared<fake_server>();
    server->connect_delay = 30ms;
    auto o = small(0, 10);
    o.max_concurrent_connects = 2;
    real_pool p(fake_factory(server), o);
    std::vector<std::thread> ts;
    std::vector<real_pool::lease_type> held(8);
    for (int i = 0; i < 8; ++i) ts.emplace_back([&, i] { held[i] = p.acquire(); });
    for (auto& t : ts) t.join();
    BOOST_TEST(server->created.load() == 8);
    BOOST_TEST(server->max_connecting.load() <= 2); // 8 callers waited, never more than 2 connects at once
    BOOST_TEST(p.stats().size == 8u);
}

BOOST_AUTO_TEST_CASE(connect_retries_back_off_exponentially) {
    auto server = std::make_shared<fake_server>();
    server->down = true;
    auto o = small(1, 1);
    o.connect_retry_initial = 100ms; // with jitter: 1st delay in [50, 100] ms, 2nd in [100, 200] ms
    o.connect_retry_max = 10s;
    o.breaker_failure_threshold = 0;
    timed_pool p(fake_factory(server), o);
    // Wait for the failure to be recorded (not just the attempt to start): the retry time is
    // computed from the clock when the attempt ends, and the clock must not move before.
    auto failures_reach = [&](std::uint64_t n) { return eventually([&] { return p.stats().connect_failures == n; }); };
    BOOST_REQUIRE(failures_reach(1));
    std::this_thread::sleep_for(20ms); // time for a wrongful retry to show (the clock has not moved)
    BOOST_TEST(server->connect_attempts.load() == 1);
    manual_clock::advance(49ms);
    std::this_thread::sleep_for(20ms);
    BOOST_TEST(server->connect_attempts.load() == 1); // below the shortest first delay
    manual_clock::advance(52ms);
    BOOST_REQUIRE(failures_reach(2));
    manual_clock::advance(99ms);
    std::this_thread::sleep_for(20ms);
    BOOST_TEST(server->connect_attempts.load() == 2); // the second delay is at least twice the base half
    manual_clock::advance(102ms);
    BOOST_TEST(failures_reach(3));
    BOOST_TEST(server->connect_attempts.load() == 3);
}

BOOST_AUTO_TEST_CASE(timeout_says_exhausted) {
    auto server = std::make_shared<fake_server>();
    auto o = small(1, 1);
    o.acquire_timeout = 30ms;
    real_pool p(fake_factory(server), o);
    auto l = p.acquire();
    try {
        p.acquire();
        BOOST_FAIL("acquire on an exhausted pool returned");
    } catch (const cistern::pool_timeout& e) {
        BOOST_TEST(e.exhausted());
        BOOST_TEST(!e.last_connect_error().has_value());
        BOOST_TEST(std::string(e.what()).find("pool exhausted") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find("***") != std::string::npos); // target shown redacted
    }
    BOOST_TEST(p.stats().timed_out == 1u);
}

BOOST_AUTO_TEST_CASE(timeout_says_unreachable_with_last_connect_error) {
    auto server = std::make_shared<fake_server>();
    server->down = true;
    auto o = small(0, 2);
    o.acquire_timeout = 100ms;
    o.breaker_failure_threshold = 0;
    real_pool p(fake_factory(server), o);
    try {
        p.acquire();
        BOOST_FAIL("acquire with the database down returned");
    } catch (const cistern::pool_timeout& e) {
        BOOST_TEST(static_cast<int>(e.reason()) == static_cast<int>(cistern::timeout_reason::unreachable));
        BOOST_REQUIRE(e.last_connect_error().has_value());
        BOOST_TEST(e.last_connect_error()->backend_message().find("Connection refused") != std::string::npos);
        BOOST_TEST(static_cast<int>(e.last_connect_error()->kind()) == static_cast<int>(cistern::connect_failure::unreachable));
    }
    BOOST_TEST(p.stats().connect_failures >= 1u);
    // once the database is back, the pool recovers by itself
    server->down = false;
    BOOST_CHECK_NO_THROW(p.acquire());
}

BOOST_AUTO_TEST_CASE(retries_with_backoff_then_breaker_fails_fast_and_probes_one_at_a_time) {
    auto server = std::make_shared<fake_server>();
    server->down = true;
    auto o = small(1, 4);
    o.max_concurrent_connects = 4;
    o.connect_retry_initial = 50ms;
    o.connect_retry_max = 1s;
    o.breaker_failure_threshold = 3;
    o.breaker_cooldown = 1h;
    o.breaker_probe_interval = 100ms;
    real_pool p(fake_factory(server), o);
    // the background top-up to min_idle keeps retrying until the breaker opens
    BOOST_TEST(eventually([&] { return p.stats().connect_failures >= 3; }));
    const auto t0 = std::chrono::steady_clock::now();
    try {
        p.acquire();
        BOOST_FAIL("acquire with an open breaker returned");
    } catch (const cistern::pool_timeout& e) {
        BOOST_TEST(static_cast<int>(e.reason()) == static_cast<int>(cistern::timeout_reason::circuit_open));
        BOOST_REQUIRE(e.last_connect_error().has_value());
    }
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < o.acquire_timeout / 2)); // failed fast, did not queue
    // while open: one probe at a time, spaced by the backoff (at least 100 ms from the
    // third failure on with these settings) and never by more than the probe interval
    server->max_connecting = 0;
    const int attempts = server->connect_attempts.load();
    std::this_thread::sleep_for(450ms);
    const int probes = server->connect_attempts.load() - attempts;
    BOOST_TEST(probes >= 1);
    BOOST_TEST(probes <= 6);
    BOOST_TEST(server->max_connecting.load() <= 1);
    BOOST_TEST(p.stats().timed_out_by(cistern::timeout_reason::circuit_open) == 1u);
    // the server answers again: a probe succeeds, the breaker closes, callers are served
    server->down = false;
    BOOST_TEST(eventually([&] { return p.stats().idle >= 1; }));
    BOOST_CHECK_NO_THROW(p.acquire());
}

BOOST_AUTO_TEST_CASE(breaker_half_opens_after_cooldown) {
    auto server = std::make_shared<fake_server>();
    server->down = true;
    auto o = small(1, 2);
    o.breaker_failure_threshold = 2;
    o.breaker_cooldown = 50ms;
    real_pool p(fake_factory(server), o);
    BOOST_TEST(eventually([&] { return p.stats().connect_failures >= 2; }));
    server->down = false;
    BOOST_TEST(eventually([&] { return p.stats().idle == 1; }));
    BOOST_CHECK_NO_THROW(p.acquire());
}

BOOST_AUTO_TEST_CASE(wrong_password_is_reported_as_authentication) {
    auto server = std::make_shared<fake_server>();
    server->wrong_password = true;
    auto o = small(0, 1);
    o.acquire_timeout = 1h; // the caller must be told after the first rejected attempt, not at the timeout
    real_pool p(fake_factory(server), o);
    try {
        p.acquire();
        BOOST_FAIL("acquire returned");
    } catch (const cistern::pool_timeout& e) {
        BOOST_TEST(static_cast<int>(e.reason()) == static_cast<int>(cistern::timeout_reason::rejected));
        BOOST_REQUIRE(e.last_connect_error().has_value());
        BOOST_TEST(static_cast<int>(e.last_connect_error()->kind()) == static_cast<int>(cistern::connect_failure::authentication));
        BOOST_TEST(e.last_connect_error()->sqlstate() == "28P01");
    }
}

// ------------------------------------------------------------------ waiting
BOOST_AUTO_TEST_CASE(waiters_are_served_in_fifo_order) {
    auto server = std::make_shared<fake_server>();
    real_pool p(fake_factory(server), small(1, 1));
    BOOST_REQUIRE(eventually([&] { return p.stats().idle == 1; }));
    auto held = p.acquire();
    std::mutex mu;
    std::vector<int> order;
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&, i] {
            auto l = p.acquire();
            std::lock_guard lk(mu);
            order.push_back(i);
        });
        // make sure waiter i is queued before waiter i+1 arrives
        BOOST_REQUIRE(eventually([&] { return p.stats().waiting == static_cast<std::size_t>(i + 1); }));
    }
    held.release();
    for (auto& t : threads) t.join();
    BOOST_TEST(order == (std::vector<int>{0, 1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(p.stats().waited == 4u);
    BOOST_TEST(p.stats().created == 1u);
}

// A thread that acquires from `p` and holds the lease until the object goes away.
struct lease_holder {
    std::atomic<bool> served{false}, let_go{false};
    std::thread thread;
    explicit lease_holder(real_pool& p)
        : thread([this, &p] {
              auto l = p.acquire();
              served = true;
              while (!let_go) std::this_thread::sleep_for(1ms);
          }) {}
    ~lease_holder() {
        let_go = true;
        thread.join();
    }
    bool wait_served() {
        return eventually([&] { return served.load(); });
    }
};

// A release does not hold the connection for a waiter that is asleep (waking it takes
// microseconds, tens on some VMs): it publishes the connection and wakes the waiter, so a
// running thread may take it first; the waiter keeps its place and is served next.
// The waker and this thread race for it, so the test tries several times and needs one
// success. With direct handoff to sleepers the connection is never free here.
BOOST_AUTO_TEST_CASE(a_release_publishes_the_connection_instead_of_holding_it_for_a_sleeping_waiter) {
    auto server = std::make_shared<fake_server>();
    real_pool p(fake_factory(server), small(1, 1));
    BOOST_REQUIRE(eventually([&] { return p.stats().idle == 1; }));
    bool taken_back = false;
    std::size_t lost = 0; // attempts where the waiter won: each failed try_acquire counts as a timeout
    for (int attempt = 0; attempt < 10 && !taken_back; ++attempt) {
        auto held = p.acquire();
        lease_holder waiter(p);
        BOOST_REQUIRE(eventually([&] { return p.sleeping_waiters() == 1; }));
        held.release();
        auto again = p.try_acquire();
        taken_back = again.has_value();
        lost += !taken_back;
        again.reset(); // the waiter is served now in either case
        BOOST_TEST(waiter.wait_served());
    }
    BOOST_TEST(taken_back);
    const auto s = p.stats();
    BOOST_TEST(s.created == 1u);
    BOOST_TEST(s.timed_out == lost);
    BOOST_TEST(s.waiting == 0u);
    BOOST_TEST(s.idle == 1u);
}

// A sleeping waiter that lost a published connection to a running caller gets the next
// release directly: a caller that keeps releasing and re-acquiring cannot starve it.
BOOST_AUTO_TEST_CASE(a_waiter_loses_a_published_connection_at_most_once) {
    auto server = std::make_shared<fake_server>();
    real_pool p(fake_factory(server), small(1, 1));
    BOOST_REQUIRE(eventually([&] { return p.stats().idle == 1; }));
    bool checked = false;
    for (int attempt = 0; attempt < 10 && !checked; ++attempt) {
        auto held = p.acquire();
        lease_holder waiter(p);
        BOOST_REQUIRE(eventually([&] { return p.sleeping_waiters() == 1; }));
        held.release();
        auto stolen = p.try_acquire(); // usually beats the waking waiter
        if (stolen) {
            // The waiter woke, found nothing, and sleeps again.
            BOOST_REQUIRE(eventually([&] { return p.sleeping_waiters() == 1; }));
            stolen.reset();
            // Handed to the waiter, asleep or not: not free for this thread any more.
            auto again = p.try_acquire();
            BOOST_TEST(!again.has_value());
            again.reset();
            checked = true;
        }
        BOOST_TEST(waiter.wait_served());
    }
    BOOST_TEST(checked);
    const auto s = p.stats();
    BOOST_TEST(s.created == 1u);
    BOOST_TEST(s.waiting == 0u);
}

// A new connection that goes to a sleeping waiter is published and the waiter woken; the
// connector must not count that waiter as still needing a connection and open another.
BOOST_AUTO_TEST_CASE(a_waiter_served_by_a_new_connection_does_not_cause_another) {
    auto server = std::make_shared<fake_server>();
    server->connect_delay = 100ms; // the waiter is long asleep when the connection lands
    real_pool p(fake_factory(server), small(0, 3));
    auto held = p.acquire();
    lease_holder waiter(p);
    BOOST_REQUIRE(waiter.wait_served());
    BOOST_REQUIRE(eventually([&] { return p.stats().pending == 0; })); // nothing in flight
    BOOST_TEST(p.stats().created == 2u);
    BOOST_TEST(server->created.load() == 2);
}

// Wait statistics add up over connections: how many acquires waited, their total and
// their longest wait, on the pool's clock.
BOOST_AUTO_TEST_CASE(wait_statistics_add_up_over_connections) {
    auto server = std::make_shared<fake_server>();
    timed_pool p(fake_factory(server), small(2, 2));
    BOOST_REQUIRE(eventually([&] { return p.stats().idle == 2; }));
    auto a = p.acquire();
    auto b = p.acquire();
    std::thread first([&] { auto l = p.acquire(); });
    BOOST_REQUIRE(eventually([&] { return p.stats().waiting == 1; }));
    manual_clock::advance(10ms);
    a.release();
    first.join();
    auto c = p.acquire(); // the connection `first` returned: no wait
    std::thread second([&] { auto l = p.acquire(); });
    BOOST_REQUIRE(eventually([&] { return p.stats().waiting == 1; }));
    manual_clock::advance(30ms);
    b.release();
    second.join();
    const auto s = p.stats();
    BOOST_TEST(s.waited == 2u);
    BOOST_TEST(s.total_wait == std::chrono::nanoseconds(40ms));
    BOOST_TEST(s.max_wait == std::chrono::nanoseconds(30ms));
    BOOST_TEST(s.acquired == 5u);
}

BOOST_AUTO_TEST_CASE(max_waiters_fails_at_once) {
    auto server = std::make_shared<fake_server>();
    auto o = small(1, 1);
    o.max_waiters = 1;
    real_pool p(fake_factory(server), o);
    auto held = p.acquire();
    std::thread waiter([&] {
        try {
            p.acquire(); // served by the release below, or told that the pool closed
        } catch (const cistern::pool_closed&) {
        }
    });
    BOOST_REQUIRE(eventually([&] { return p.stats().waiting == 1; }));
    try {
        p.acquire();
        BOOST_FAIL("second waiter was admitted");
    } catch (const cistern::pool_timeout& e) {
        BOOST_TEST(static_cast<int>(e.reason()) == static_cast<int>(cistern::timeout_reason::too_many_waiters));
    }
    held.release();
    p.close(); // the waiter either got the connection or is told the pool closed
    waiter.join();
}

BOOST_AUTO_TEST_CASE(close_wakes_waiters_and_late_leases_close_their_connection) {
    auto server = std::make_shared<fake_server>();
    real_pool p(fake_factory(server), small(2, 2));
    auto a = p.acquire();
    auto b = p.acquire();
    std::atomic<bool> got_closed{false};
    std::thread waiter([&] {
        try {
            p.acquire();
        } catch (const cistern::pool_closed&) {
            got_closed = true;
        }
    });
    BOOST_REQUIRE(eventually([&] { return p.stats().waiting == 1; }));
    p.close();
    waiter.join();
    BOOST_TEST(got_closed.load());
    BOOST_TEST(server->open.load() == 2); // both still leased
    a.release();
    BOOST_TEST(server->open.load() == 1);
    b.release();
    BOOST_TEST(server->open.load() == 0);
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::closed) == 2u);
    BOOST_CHECK_THROW(p.acquire(), cistern::pool_closed);
}

// ------------------------------------------------------------------ lifecycle (manual clock)
BOOST_AUTO_TEST_CASE(idle_timeout_closes_down_to_min_idle) {
    auto server = std::make_shared<fake_server>();
    auto o = small(1, 3);
    o.idle_timeout = 10s;
    o.max_lifetime = 0ms;
    timed_pool p(fake_factory(server), o);
    {
        auto a = p.acquire();
        auto b = p.acquire();
        auto c = p.acquire();
    }
    BOOST_TEST(p.stats().idle == 3u);
    manual_clock::advance(5s);
    p.maintain();
    BOOST_TEST(p.stats().size == 3u); // not idle long enough yet
    manual_clock::advance(6s);
    p.maintain();
    BOOST_TEST(p.stats().size == 1u);
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::idle) == 2u);
}

BOOST_AUTO_TEST_CASE(max_lifetime_with_jitter_never_retires_a_leased_connection) {
    auto server = std::make_shared<fake_server>();
    auto o = small(0, 4);
    o.idle_timeout = 0ms;
    o.max_lifetime = 1000s;
    timed_pool p(fake_factory(server), o);
    std::vector<timed_pool::lease_type> ls;
    for (int i = 0; i < 4; ++i) ls.push_back(p.acquire());
    ls.pop_back();
    ls.pop_back(); // two idle, two leased
    manual_clock::advance(974s); // below the 2.5 % jitter floor: nobody retires
    p.maintain();
    BOOST_TEST(p.stats().closed_total() == 0u);
    manual_clock::advance(27s); // past max_lifetime
    p.maintain();
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::lifetime) == 2u); // the idle ones
    BOOST_TEST(p.stats().in_use == 2u);
    BOOST_TEST(ls[0]->is_open());
    ls.clear(); // retired on return
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::lifetime) == 4u);
    BOOST_TEST(server->open.load() == 0);
}

BOOST_AUTO_TEST_CASE(keepalive_pings_idle_connections_and_drops_dead_ones) {
    auto server = std::make_shared<fake_server>();
    auto o = small(0, 2);
    o.keepalive_interval = 30s;
    o.idle_timeout = 0ms;
    o.max_lifetime = 0ms;
    timed_pool p(fake_factory(server), o);
    {
        auto a = p.acquire();
        auto b = p.acquire();
    }
    const int pings = server->pings.load();
    manual_clock::advance(31s);
    p.maintain();
    BOOST_TEST(server->pings.load() == pings + 2);
    BOOST_TEST(p.stats().idle == 2u);
    server->fail_pings = 1;
    manual_clock::advance(31s);
    p.maintain();
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::validation) == 1u);
}

BOOST_AUTO_TEST_CASE(validation_on_borrow_skips_recently_used_connections) {
    auto server = std::make_shared<fake_server>();
    auto o = small(0, 1);
    o.validation_skip_window = 500ms;
    timed_pool p(fake_factory(server), o);
    p.acquire().release();
    int pings = server->pings.load();
    p.acquire().release(); // used just now: no round trip
    BOOST_TEST(server->pings.load() == pings);
    manual_clock::advance(600ms);
    p.acquire().release();
    BOOST_TEST(server->pings.load() == pings + 1);

    auto always = small(0, 1);
    always.validation_skip_window = 0ms;
    timed_pool q(fake_factory(server), always);
    q.acquire().release();
    pings = server->pings.load();
    q.acquire().release();
    q.acquire().release();
    BOOST_TEST(server->pings.load() == pings + 2);
}

BOOST_AUTO_TEST_CASE(broken_connections_are_replaced_never_handed_out) {
    auto server = std::make_shared<fake_server>();
    auto o = small(0, 1);
    o.validation_skip_window = 0ms;
    timed_pool p(fake_factory(server), o);
    int first = p.acquire()->id();
    server->fail_pings = 1;
    {
        auto l = p.acquire();
        BOOST_TEST(l->id() != first); // the one that failed its ping was replaced
        BOOST_TEST(l->is_open());
        first = l->id();
        l->kill(); // dies while leased: is_open() false on return
    }
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::validation) == 1u);
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::broken) == 1u);
    server->fail_resets = 1;
    int id;
    {
        auto l = p.acquire();
        id = l->id();
        BOOST_TEST(id != first);
    } // reset() throws on return: discarded
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::broken) == 2u);
    {
        auto l = p.acquire();
        BOOST_TEST(l->id() != id);
        l.invalidate();
    }
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::broken) == 3u);
}

BOOST_AUTO_TEST_CASE(reset_runs_on_return_so_the_next_borrower_is_clean) {
    auto server = std::make_shared<fake_server>();
    real_pool p(fake_factory(server), small(0, 1));
    {
        auto l = p.acquire();
        l->begin();
    }
    auto l = p.acquire();
    BOOST_TEST(!l->in_transaction());
}

BOOST_AUTO_TEST_CASE(leak_detection_reports_where_and_again_on_return) {
    auto server = std::make_shared<fake_server>();
    auto o = small(0, 2);
    o.leak_detection_threshold = 2s;
    recording_listener rec;
    timed_pool p(fake_factory(server), o, rec);
    const auto line = std::source_location::current().line() + 1;
    auto l = p.acquire();
    manual_clock::advance(1s);
    p.maintain();
    BOOST_TEST(rec.leaks->empty());
    manual_clock::advance(2s);
    p.maintain();
    p.maintain(); // reported once only
    BOOST_REQUIRE(rec.leaks->size() == 1u);
    BOOST_TEST((*rec.leaks)[0].acquired_at.line() == line);
    BOOST_TEST(std::string((*rec.leaks)[0].acquired_at.file_name()).find("pool_test.cpp") != std::string::npos);
    BOOST_TEST(!(*rec.leaks)[0].returned);
    BOOST_TEST((*rec.leaks)[0].pool == "test");
    manual_clock::advance(4s);
    l.release();
    BOOST_REQUIRE(rec.leaks->size() == 2u);
    BOOST_TEST((*rec.leaks)[1].returned);
    BOOST_TEST((*rec.leaks)[1].held == std::chrono::nanoseconds(7s));
    BOOST_TEST(p.stats().leaks == 1u);
}

BOOST_AUTO_TEST_CASE(listener_sees_events_and_stats_add_up) {
    auto server = std::make_shared<fake_server>();
    recording_listener rec;
    auto o = small(0, 2);
    o.acquire_timeout = 20ms;
    cistern::pool<fake_factory, cistern::with_listener<recording_listener>> p(fake_factory(server), o, rec);
    {
        auto a = p.acquire();
        auto b = p.acquire();
        BOOST_CHECK_THROW(p.acquire(), cistern::pool_timeout);
    }
    p.acquire().release();
    const auto s = p.stats();
    BOOST_TEST(s.acquired == 3u);
    BOOST_TEST(*rec.acquires == 3);
    BOOST_TEST(*rec.releases == 3);
    BOOST_TEST(*rec.connects == 2);
    BOOST_TEST(*rec.timeouts == 1);
    BOOST_TEST(s.timed_out == 1u);
    BOOST_TEST(s.created == 2u);
    BOOST_TEST(s.size == s.idle + s.in_use);
    BOOST_TEST(s.size == s.created - s.closed_total());
    BOOST_TEST(s.max_size == 2u);
}

BOOST_AUTO_TEST_CASE(moved_lease_returns_once) {
    auto server = std::make_shared<fake_server>();
    real_pool p(fake_factory(server), small(0, 1));
    auto a = p.acquire();
    auto b = std::move(a);
    BOOST_TEST(!a);
    BOOST_TEST(static_cast<bool>(b));
    real_pool::lease_type c;
    c = std::move(b);
    BOOST_TEST(p.stats().in_use == 1u);
    c.release();
    c.release();
    BOOST_TEST(p.stats().in_use == 0u);
    BOOST_TEST(p.stats().idle == 1u);
}

BOOST_AUTO_TEST_CASE(validation_gets_only_the_time_left_and_a_silent_connection_is_discarded) {
    auto server = std::make_shared<fake_server>();
    auto o = small(2, 2);
    o.acquire_timeout = 300ms;
    o.validation_skip_window = 0ms;
    o.breaker_failure_threshold = 0;
    real_pool p(fake_factory(server), o);
    BOOST_REQUIRE(eventually([&] { return p.stats().idle == 2; }));
    server->ping_delay = 10s; // alive but silent
    const auto t0 = std::chrono::steady_clock::now();
    try {
        p.acquire();
        BOOST_FAIL("acquire returned a connection that did not answer its ping");
    } catch (const cistern::pool_timeout& e) {
        BOOST_TEST(static_cast<int>(e.reason()) == static_cast<int>(cistern::timeout_reason::unresponsive));
    }
    const auto took = std::chrono::steady_clock::now() - t0;
    // the bound of the tests: acquire_timeout + 10 % + 250 ms of scheduling allowance
    BOOST_TEST((took <= o.acquire_timeout + o.acquire_timeout / 10 + 250ms));
    BOOST_TEST(server->last_ping_limit_ms.load() <= 300); // the ping was given no more than the time left
    BOOST_TEST(p.stats().closed_by(cistern::close_reason::validation) >= 1u); // discarded, never handed out
    BOOST_TEST(p.stats().timed_out_by(cistern::timeout_reason::unresponsive) == 1u);
    server->ping_delay = 0ms;
    BOOST_TEST(eventually([&] {
        try {
            return p.acquire()->is_open();
        } catch (const cistern::pool_timeout&) {
            return false;
        }
    }));
}

BOOST_AUTO_TEST_CASE(keepalive_pings_of_a_pass_share_one_housekeeping_period) {
    auto server = std::make_shared<fake_server>();
    auto o = small(3, 3);
    o.keepalive_interval = 1ms;
    o.housekeeping_period = 200ms;
    o.breaker_failure_threshold = 0;
    real_pool p(fake_factory(server), o);
    BOOST_REQUIRE(eventually([&] { return p.stats().idle == 3; }));
    server->ping_delay = 10s; // every idle connection is silent: each ping would time out
    const auto t0 = std::chrono::steady_clock::now();
    p.maintain();
    const auto took = std::chrono::steady_clock::now() - t0;
    // one pass spends at most housekeeping_period on pings (+ the tests' scheduling allowance)
    BOOST_TEST((took <= o.housekeeping_period + o.housekeeping_period / 10 + 250ms));
    // the silent ones go: in this pass, or in the background housekeeper's pass that held
    // the idle connections while maintain() ran (then maintain() found none to ping)
    BOOST_TEST(eventually([&] { return p.stats().closed_by(cistern::close_reason::validation) >= 1u; }));
    server->ping_delay = 0ms;
}

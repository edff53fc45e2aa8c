#define BOOST_TEST_MODULE cistern::detail::listener_thread: sessions and gaps and reconnects and stop
#include <boost/test/unit_test.hpp>

#include <cistern/detail/listener_thread.hpp>

#include "support/eventually.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using cistern::detail::listener_thread;

namespace {

// A pipe standing in for a subscription's socket: writing a byte makes it readable.
struct fake_socket {
    int fd[2] = {-1, -1};
    fake_socket() { BOOST_TEST_REQUIRE(::pipe2(fd, O_NONBLOCK | O_CLOEXEC) == 0); }
    ~fake_socket() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
    // True when the byte was written. No Boost.Test assertion here: the session hooks
    // call it on the listener's thread, and Boost.Test's log is not thread-safe.
    bool poke() const {
        const char b = 1;
        return ::write(fd[1], &b, 1) == 1;
    }
    void drain() const {
        char b[16];
        while (::read(fd[0], b, sizeof b) > 0) {
        }
    }
};

// What the hooks saw, in order, for the test thread to read.
struct journal {
    std::mutex mu;
    std::vector<std::string> events;
    void add(std::string e) {
        std::lock_guard lk(mu);
        events.push_back(std::move(e));
    }
    std::vector<std::string> copy() {
        std::lock_guard lk(mu);
        return events;
    }
    std::size_t count(const std::string& e) {
        std::lock_guard lk(mu);
        return static_cast<std::size_t>(std::count(events.begin(), events.end(), e));
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(stop_interrupts_a_session_blocked_in_wait_readable) {
    fake_socket s;
    std::atomic<bool> waiting{false}, woke_readable{false};
    journal j;
    auto t = std::make_unique<listener_thread>(
        listener_thread::hooks{[&](listener_thread& lt) {
                                   lt.started_listening();
                                   while (!lt.stop_requested()) {
                                       waiting.store(true);
                                       // an hour: only stop() can end this wait before max_wait
                                       if (lt.wait_readable(s.fd[0], std::chrono::hours(1))) woke_readable.store(true);
                                   }
                               },
                               [&](bool listening) { j.add(listening ? "gap:listening" : "gap:lost"); },
                               {}},
        50ms);
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return waiting.load() && t->listening(); }));
    std::this_thread::sleep_for(20ms); // let it enter poll()
    const auto t0 = std::chrono::steady_clock::now();
    t->stop();
    const auto took = std::chrono::steady_clock::now() - t0;
    // The documented bound: stop() returns as soon as the session's wait_readable() does,
    // which a stop ends at once; far below max_wait (the longest one poll() could block).
    BOOST_TEST(took < listener_thread::max_wait / 2);
    BOOST_TEST(!woke_readable.load());
    BOOST_TEST(!t->listening());
    BOOST_TEST(j.copy() == (std::vector<std::string>{"gap:listening", "gap:lost"}), boost::test_tools::per_element());
    t->stop(); // idempotent
    t.reset();
}

BOOST_AUTO_TEST_CASE(a_lost_session_is_retried_after_the_delay_and_every_edge_is_a_gap) {
    fake_socket s;
    journal j;
    std::atomic<int> sessions{0};
    std::mutex mu;
    std::vector<std::chrono::steady_clock::time_point> starts;
    constexpr auto delay = 40ms;
    listener_thread t(
        listener_thread::hooks{[&](listener_thread& lt) {
                                   {
                                       std::lock_guard lk(mu);
                                       starts.push_back(std::chrono::steady_clock::now());
                                   }
                                   const int n = ++sessions;
                                   if (n == 1) throw std::runtime_error("connection refused"); // before subscribing
                                   lt.started_listening();
                                   while (!lt.stop_requested())
                                       if (lt.wait_readable(s.fd[0], 10s)) {
                                           s.drain();
                                           throw std::runtime_error("connection lost");
                                       }
                               },
                               [&](bool listening) { j.add(listening ? "gap:listening" : "gap:lost"); },
                               [&](std::string e) { j.add("error:" + e); }},
        delay);
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return t.listening() && sessions.load() == 2; }));
    BOOST_TEST_REQUIRE(s.poke()); // the "server" drops the connection
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return sessions.load() == 3 && j.count("gap:listening") == 2; }));
    t.stop();
    const std::vector<std::string> want{"error:connection refused", "error:", "gap:listening", "error:connection lost",
                                        "gap:lost", "error:", "gap:listening", "gap:lost"};
    BOOST_TEST(j.copy() == want, boost::test_tools::per_element());
    std::lock_guard lk(mu);
    BOOST_TEST_REQUIRE(starts.size() == 3u);
    // A lower bound (the delay is honoured), never a speed assertion.
    BOOST_TEST((starts[1] - starts[0] >= delay));
    BOOST_TEST((starts[2] - starts[1] >= delay));
}

BOOST_AUTO_TEST_CASE(stop_during_the_retry_delay_does_not_wait_it_out) {
    std::atomic<int> sessions{0};
    auto t = std::make_unique<listener_thread>(
        listener_thread::hooks{[&](listener_thread&) {
                                   ++sessions;
                                   throw std::runtime_error("down");
                               },
                               {},
                               {}},
        std::chrono::hours(24 * 365)); // a year between attempts: only stop() ends the pause
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return sessions.load() == 1; }));
    const auto t0 = std::chrono::steady_clock::now();
    t.reset();
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < listener_thread::max_wait / 2));
    BOOST_TEST(sessions.load() == 1);
}

BOOST_AUTO_TEST_CASE(exceptions_of_unknown_type_end_a_session_too) {
    journal j;
    std::atomic<int> sessions{0};
    listener_thread t(listener_thread::hooks{[&](listener_thread& lt) {
                                                 if (++sessions == 1) throw 42;
                                                 while (!lt.stop_requested()) lt.wait_readable(-1, 1s);
                                             },
                                             {},
                                             [&](std::string e) { j.add(e); }},
                      5ms);
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return sessions.load() == 2; }));
    t.stop();
    const auto e = j.copy();
    BOOST_TEST_REQUIRE(e.size() == 1u);
    BOOST_TEST(e[0].find("unknown type") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wait_readable_reports_the_socket_and_timeouts) {
    fake_socket s;
    std::atomic<int> verdicts{0};
    listener_thread t(listener_thread::hooks{[&](listener_thread& lt) {
                                                 if (verdicts.load() == 0) {
                                                     const bool idle = lt.wait_readable(s.fd[0], 0ms);  // nothing yet
                                                     const bool neg = lt.wait_readable(s.fd[0], -5ms);  // clamped to 0
                                                     const bool poked = s.poke();
                                                     const bool ready = lt.wait_readable(s.fd[0], 10s); // readable
                                                     const bool none = lt.wait_readable(-1, 0ms);       // no socket
                                                     verdicts.store(!idle && !neg && poked && ready && !none ? 1 : 2);
                                                 }
                                                 while (!lt.stop_requested()) lt.wait_readable(-1, 1s);
                                             },
                                             {},
                                             {}},
                      5ms);
    BOOST_TEST_REQUIRE(cistern::test::eventually([&] { return verdicts.load() != 0; }));
    BOOST_TEST(verdicts.load() == 1);
}

BOOST_AUTO_TEST_CASE(bad_arguments_are_refused) {
    BOOST_CHECK_THROW(listener_thread(listener_thread::hooks{}, 10ms), cistern::config_error);
    BOOST_CHECK_THROW(listener_thread(listener_thread::hooks{[](listener_thread&) {}, {}, {}}, 0ms), cistern::config_error);
}

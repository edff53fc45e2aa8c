#pragma once
/// \file
/// `cistern::detail::listener_thread`: the thread behind a subscription held on a dedicated
/// connection (Redis SUBSCRIBE, PostgreSQL LISTEN). It runs one session after another until
/// stopped: waits on the session's socket and on a stop pipe, reconnects after a fixed
/// delay, and reports each subscription and each loss of one as a gap, because messages
/// sent while nobody listened are lost. Standard library and POSIX only.

#include <cistern/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <utility>

namespace cistern::detail {

/// Owns a thread that runs `hooks::session` again and again, `retry_delay` apart, until
/// stop() (or destruction). Waiting goes through wait_readable(), which a stop interrupts at
/// once, so stop() returns within the longest time a session spends blocked outside
/// wait_readable() (a connection attempt, a ping: bounded by the caller's own timeouts).
class listener_thread {
public:
    /// The longest one poll() blocks; wait_readable() returns false after at most this
    /// long and the caller waits again for the rest.
    static constexpr std::chrono::milliseconds max_wait{60'000};

    /// What the thread calls; all on the listener's thread, one at a time.
    struct hooks {
        /// One session: connect, subscribe, call `t.started_listening()` once the
        /// subscription is in effect, then read until the connection is lost (throw) or
        /// `t.stop_requested()` (return). Block only in `t.wait_readable()` or in calls with
        /// a bound of their own. Required.
        std::function<void(listener_thread& t)> session;
        /// Messages may have been missed: called with true right after a session called
        /// started_listening() (nothing before that moment was heard) and with false when a
        /// session that was listening ends (nothing is heard until the next subscription).
        std::function<void(bool listening)> gap;
        /// The error that ended a session (its what()), or empty when a subscription took
        /// effect (the last error no longer holds). Optional.
        std::function<void(std::string message)> error;
    };

    /// Starts the thread. Throws config_error for a missing session or a retry_delay that
    /// is not positive, cistern::error when the stop pipe cannot be made.
    listener_thread(hooks h, std::chrono::milliseconds retry_delay)
        : hooks_(std::move(h)), retry_delay_(retry_delay) {
        if (!hooks_.session) throw config_error("detail::listener_thread::hooks::session", "empty", "needs a callable");
        if (retry_delay_.count() <= 0)
            throw config_error("detail::listener_thread::retry_delay", std::to_string(retry_delay_.count()) + "ms",
                               "must be positive");
        if (::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) throw error("listener thread: pipe2 failed");
        thread_ = std::thread([this] { run(); });
    }
    listener_thread(const listener_thread&) = delete;
    listener_thread& operator=(const listener_thread&) = delete;
    /// stop().
    ~listener_thread() { stop(); }

    /// Asks the session to end, wakes it from wait_readable() and joins the thread; a
    /// session that was listening gets its `gap(false)` first. Idempotent. Call from the
    /// owner, never from a hook (the thread cannot join itself).
    void stop() noexcept {
        if (!thread_.joinable()) return;
        stop_.store(true);
        const char b = 1;
        [[maybe_unused]] auto n = ::write(wake_[1], &b, 1);
        thread_.join();
        ::close(wake_[0]);
        ::close(wake_[1]);
    }

    /// True once stop() was called: a session should return.
    bool stop_requested() const noexcept { return stop_.load(); }
    /// True between a session's started_listening() and its end.
    bool listening() const noexcept { return listening_.load(); }

    /// For the session: its subscription is in effect. Clears the error (hooks::error with
    /// an empty message) and reports the gap before it (hooks::gap(true)); listening()
    /// turns true only after that, so whoever waits for listening() never has the gap's
    /// work (a cache clear) land after its own.
    void started_listening() {
        report_error({});
        if (hooks_.gap) hooks_.gap(true);
        listening_.store(true);
    }

    /// Waits up to `d` (at most max_wait) until `fd` is readable, hung up or in error
    /// (true) or the wait ends, a signal interrupts it or stop() is called (false). With a
    /// negative `fd`, waits only for stop.
    bool wait_readable(int fd, std::chrono::milliseconds d) const {
        pollfd p[2] = {{wake_[0], POLLIN, 0}, {fd, POLLIN, 0}};
        const auto ms = std::clamp(d, std::chrono::milliseconds::zero(), max_wait);
        const int n = ::poll(p, fd >= 0 ? 2 : 1, static_cast<int>(ms.count()));
        if (n <= 0 || (p[0].revents & POLLIN)) return false;
        return fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR));
    }

private:
    using clock = std::chrono::steady_clock;

    void run() {
        while (!stop_.load()) {
            try {
                hooks_.session(*this);
            } catch (const std::exception& e) {
                report_error(e.what());
            } catch (...) {
                report_error("listener session failed with an exception of unknown type");
            }
            if (listening_.exchange(false) && hooks_.gap) hooks_.gap(false);
            if (stop_.load()) break;
            pause(retry_delay_);
        }
    }

    // Sleeps `d` unless stop() comes first.
    void pause(std::chrono::milliseconds d) const {
        const auto start = clock::now();
        const auto until = d < std::chrono::duration_cast<std::chrono::milliseconds>(clock::time_point::max() - start)
                               ? start + d
                               : clock::time_point::max();
        for (auto now = start; !stop_.load() && now < until; now = clock::now())
            wait_readable(-1, std::chrono::ceil<std::chrono::milliseconds>(until - now));
    }

    void report_error(std::string message) {
        if (hooks_.error) hooks_.error(std::move(message));
    }

    hooks hooks_;
    std::chrono::milliseconds retry_delay_;
    int wake_[2] = {-1, -1};
    std::atomic<bool> stop_{false}, listening_{false};
    std::thread thread_; // last: starts after every member above exists
};

} // namespace cistern::detail

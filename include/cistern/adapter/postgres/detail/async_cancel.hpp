#pragma once
/// \file
/// detail: PQcancel off the caller's thread, with a process-wide bound on how many run.

#include <libpq-fe.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>

namespace cistern::postgres::detail {

/// libpq 15's PQcancel opens a new connection to the server, sends the cancel request
/// and waits for the server to close it, with no timeout: on a hung server or a
/// black-holed network it blocks for as long as the fault lasts. So it runs on a
/// detached thread, and the caller only looks at the outcome. At most
/// `max_in_flight` cancels run at once in the process (each holds a thread and a
/// socket); past that a cancel is not attempted and the connection is given up instead.
class async_cancel {
public:
    /// The outcome a started cancel reports: still running, request delivered, or failed.
    enum state_t : int { running, sent, failed };
    /// Cancels allowed to run at once in the process.
    static constexpr std::size_t max_in_flight = 32;

    /// Starts a cancel for `conn`'s running statement. Returns the shared outcome, or
    /// nullptr when none could be started (no cancel object, or too many in flight).
    static std::shared_ptr<std::atomic<int>> start(PGconn* conn) noexcept {
        if (in_flight().fetch_add(1) >= max_in_flight) {
            in_flight().fetch_sub(1);
            return nullptr;
        }
        PGcancel* c = PQgetCancel(conn);
        if (!c) {
            in_flight().fetch_sub(1);
            return nullptr;
        }
        try {
            auto outcome = std::make_shared<std::atomic<int>>(running);
            std::thread([c, outcome] {
                char buf[256];
                const int ok = PQcancel(c, buf, sizeof buf);
                PQfreeCancel(c);
                outcome->store(ok ? sent : failed, std::memory_order_release);
                in_flight().fetch_sub(1);
            }).detach();
            return outcome;
        } catch (...) { // no thread or no memory: no cancel
            PQfreeCancel(c);
            in_flight().fetch_sub(1);
            return nullptr;
        }
    }

    /// Cancels currently running (for tests and diagnostics).
    static std::size_t running_now() noexcept { return in_flight().load(); }

private:
    static std::atomic<std::size_t>& in_flight() noexcept {
        static std::atomic<std::size_t> n{0};
        return n;
    }
};

} // namespace cistern::postgres::detail

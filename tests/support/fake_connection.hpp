#pragma once
// Test support: a fault-injecting fake connection and factory, and a clock moved by hand.
// Used only where no real database can show the behaviour (faults on demand, time).

#include <cistern/concepts.hpp>
#include <cistern/error.hpp>

#include "manual_clock.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace cistern::test {

/// The "server" the fake connections talk to: tests flip its faults.
struct fake_server {
    std::atomic<bool> down{false};          // create() throws connect_error (unreachable)
    std::atomic<bool> wrong_password{false};// create() throws connect_error (authentication)
    std::atomic<int> fail_pings{0};         // the next N pings fail
    std::atomic<int> fail_resets{0};        // the next N resets throw
    std::atomic<int> open{0};               // connections currently open
    std::atomic<int> max_open{0};           // high-water mark of `open`
    std::atomic<int> created{0};
    std::atomic<int> connect_attempts{0};
    std::atomic<int> connecting{0};         // create() calls in flight
    std::atomic<int> max_connecting{0};     // high-water mark of `connecting`
    std::atomic<int> pings{0};
    std::atomic<int> resets{0};
    std::atomic<std::chrono::milliseconds> connect_delay{std::chrono::milliseconds(0)};
    std::atomic<std::chrono::milliseconds> ping_delay{std::chrono::milliseconds(0)};  // a ping takes this long to answer (a hung server: long)
    std::atomic<long> last_ping_limit_ms{-1}; // the limit given to the last bounded ping
};

class fake_connection {
public:
    fake_connection(std::shared_ptr<fake_server> s, int id) : server_(std::move(s)), id_(id) {
        int now = ++server_->open;
        int prev = server_->max_open.load();
        while (now > prev && !server_->max_open.compare_exchange_weak(prev, now)) {
        }
    }
    fake_connection(fake_connection&& o) noexcept
        : server_(std::move(o.server_)), id_(o.id_), open_(o.open_), in_txn_(o.in_txn_) {
        o.open_ = false;
    }
    fake_connection& operator=(fake_connection&& o) noexcept {
        if (this != &o) {
            if (server_) --server_->open;
            server_ = std::move(o.server_);
            id_ = o.id_;
            open_ = o.open_;
            in_txn_ = o.in_txn_;
            o.open_ = false;
        }
        return *this;
    }
    ~fake_connection() {
        if (server_) --server_->open;
    }

    bool is_open() const noexcept { return server_ && open_; }
    /// A ping bounded by `limit`: waits min(ping_delay, limit); false when the answer
    /// would come after `limit` (the connection is then broken, as the real adapter's).
    bool ping(std::chrono::milliseconds limit) {
        server_->last_ping_limit_ms = limit.count();
        const std::chrono::milliseconds delay = server_->ping_delay.load();
        if (delay > limit) {
            ++server_->pings;
            std::this_thread::sleep_for(limit);
            open_ = false;
            return false;
        }
        if (delay.count() > 0) std::this_thread::sleep_for(delay);
        return ping();
    }
    bool ping() {
        ++server_->pings;
        if (server_->down) return false;
        if (server_->fail_pings.load() > 0 && server_->fail_pings.fetch_sub(1) > 0) return false;
        return open_;
    }
    void reset() {
        ++server_->resets;
        if (server_->fail_resets.load() > 0 && server_->fail_resets.fetch_sub(1) > 0)
            throw std::runtime_error("reset failed");
        in_txn_ = false;
    }

    int id() const noexcept { return id_; }
    void begin() noexcept { in_txn_ = true; }
    bool in_transaction() const noexcept { return in_txn_; }
    void kill() noexcept { open_ = false; } // as if the server dropped the session
    /// Marks concurrent use: returns the number of users after entering (must be 1).
    int enter() noexcept { return ++users_; }
    void leave() noexcept { --users_; }

private:
    std::shared_ptr<fake_server> server_;
    int id_;
    bool open_ = true;
    bool in_txn_ = false;
    std::atomic<int> users_{0};
};

class fake_factory {
public:
    explicit fake_factory(std::shared_ptr<fake_server> s) : server_(std::move(s)) {}
    fake_connection create() {
        ++server_->connect_attempts;
        struct in_flight {
            fake_server& s;
            explicit in_flight(fake_server& srv) : s(srv) {
                int now = ++s.connecting;
                int prev = s.max_connecting.load();
                while (now > prev && !s.max_connecting.compare_exchange_weak(prev, now)) {
                }
            }
            ~in_flight() { --s.connecting; }
        } guard(*server_);
        if (const auto d = server_->connect_delay.load(); d.count() > 0) std::this_thread::sleep_for(d);
        if (server_->down) throw connect_error("could not connect to fake server: Connection refused", connect_failure::unreachable);
        if (server_->wrong_password)
            throw connect_error("password authentication failed for user \"app\"", connect_failure::authentication, "28P01");
        return fake_connection(server_, ++server_->created);
    }
    std::string describe() const { return "fake://app:***@localhost/test"; }

private:
    std::shared_ptr<fake_server> server_;
};

static_assert(Connection<fake_connection>);
static_assert(ConnectionFactory<fake_factory>);

} // namespace cistern::test

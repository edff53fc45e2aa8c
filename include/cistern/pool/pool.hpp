#pragma once
/// \file
/// `cistern::pool<Factory, Policies...>`: a connection pool over the Connection concept.

#include <cistern/concepts.hpp>
#include <cistern/detail/scrub_secrets.hpp>
#include <cistern/error.hpp>
#include <cistern/pool/detail/pool_internals.hpp>
#include <cistern/pool/events.hpp>
#include <cistern/pool/lease.hpp>
#include <cistern/pool/options.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/stats.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <limits>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <source_location>
#include <thread>
#include <utility>
#include <vector>

namespace cistern {

/// A pool of connections made by `Factory` (a ConnectionFactory).
///
/// Policies (any order, each optional): `with_clock<C>` (default steady_clock),
/// `with_listener<L>` (default log_leaks_listener), `validate_by_ping` (default) or
/// `validate_by_is_open`. Numbers are runtime pool_options.
///
/// Thread safety: every member function may be called from any thread at once.
/// Connections are created and closed on background threads or by the caller, never
/// while a lock is held. Waiting is FIFO-fair: a released connection goes straight to
/// the caller that has waited longest if it is awake; if it sleeps, the connection is
/// published and that caller woken, and a running caller may take it first; a waiter
/// loses at most one published connection that way (it then gets one directly).
///
/// Hot path: when no one waits, acquire() takes the connection this thread used last
/// (or the first idle one) with one compare-and-swap, and release makes it idle with one
/// store: no lock, no allocation, no system call beyond two reads of the clock.
template <class Factory, class... Policies>
class pool {
    static_assert(detail::check_connection_factory<Factory>());
    using policies = detail::pool_policies<Policies...>;

public:
    /// The ConnectionFactory the pool creates connections with.
    using factory_type = Factory;
    /// The connection type `Factory::create()` returns.
    using connection_type = connection_t<Factory>;
    /// The monotonic clock every timeout, idle time, lifetime and leak threshold is measured on.
    using clock = typename policies::clock;
    /// The listener type that receives the pool's events (see pool/events.hpp).
    using listener_type = typename policies::listener;
    /// The validation policy used on borrow (validate_by_ping or validate_by_is_open).
    using validation_policy = typename policies::validation;
    /// What acquire() hands out: exclusive use of one connection until it is destroyed.
    using lease_type = lease<pool>;
    /// A point in time on the pool's clock.
    using time_point = typename clock::time_point;
    /// A duration on the pool's clock.
    using duration = typename clock::duration;

    /// Validates `opts` (throws config_error) and starts the background threads, which
    /// open min_idle connections. Does not wait for them.
    explicit pool(Factory factory, pool_options opts = {}, listener_type listener = {})
        : factory_(std::move(factory)), opts_(validated(std::move(opts))), listener_(std::move(listener)),
          slots_(std::make_unique<slot[]>(opts_.max_size)), id_(detail::next_pool_id()) {
        connectors_.reserve(opts_.max_concurrent_connects);
        for (std::size_t i = 0; i < opts_.max_concurrent_connects; ++i)
            connectors_.emplace_back([this] { connector_loop(); });
        housekeeper_ = std::thread([this] { housekeeper_loop(); });
    }

    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    /// Closes the pool. Precondition: every lease has been returned (checked by an
    /// assertion in debug builds: a lease that outlives its pool would return into freed
    /// memory).
    ~pool() {
        close();
        assert(outstanding_leases() == 0 && "cistern::pool destroyed while leases are still held");
    }

    /// A connection, waiting up to acquire_timeout. Throws pool_timeout (saying whether
    /// the pool was exhausted or the database unreachable, with the last connect error),
    /// or pool_closed.
    lease_type acquire(std::source_location where = std::source_location::current()) {
        return *acquire_within(to_clock(opts_.acquire_timeout), true, where);
    }

    /// A connection if one is idle right now, else std::nullopt. Never waits, never throws
    /// pool_timeout (throws pool_closed when closed).
    std::optional<lease_type> try_acquire(std::source_location where = std::source_location::current()) {
        return acquire_within(duration::zero(), false, where);
    }

    /// A connection within `d`, else std::nullopt.
    template <class Rep, class Period>
    std::optional<lease_type> try_acquire_for(std::chrono::duration<Rep, Period> d,
                                              std::source_location where = std::source_location::current()) {
        return acquire_within(std::chrono::duration_cast<duration>(d), false, where);
    }

    /// Closes the pool: waiting callers get pool_closed at once, idle connections are
    /// closed, leased ones are closed when they come back. Idempotent.
    void close() {
        std::vector<connection_type> doomed;
        {
            std::unique_lock lk(mu_);
            if (!closed_.exchange(true)) {
                release_waiters(waiter::closed);
                for (std::size_t i = 0; i < opts_.max_size; ++i) {
                    auto expected = slot::idle;
                    if (slots_[i].state.compare_exchange_strong(expected, slot::reserved)) {
                        doomed.push_back(std::move(*slots_[i].conn));
                        empty_slot(i, close_reason::closed);
                    }
                }
                work_cv_.notify_all();
            }
        }
        const auto n = doomed.size();
        doomed.clear(); // close outside the lock
        for (std::size_t i = 0; i < n; ++i) notify_close(close_reason::closed);
        join_threads();
    }

    /// True once close() has been called (from any thread). Never blocks.
    bool closed() const noexcept { return closed_.load(); }

    /// Runs one housekeeping pass now (the background thread runs one every
    /// housekeeping_period): retires idle and old connections, pings for keepalive,
    /// reports leaks, and wakes the connectors to top the pool up to min_idle.
    void maintain() { housekeep(clock::now()); }

    /// A snapshot of the pool's gauges and counters (see pool_stats). Thread-safe; takes the
    /// pool's lock briefly, so it is cheap but not free: call it for metrics, not per request.
    pool_stats stats() const {
        pool_stats s;
        typename duration::rep total_wait = 0, max_wait = 0;
        for (std::size_t i = 0; i < opts_.max_size; ++i) {
            const auto st = slots_[i].state.load(std::memory_order_relaxed);
            if (st == slot::idle) ++s.idle;
            else if (st == slot::in_use) ++s.in_use;
            s.acquired += slots_[i].acquisitions.load(std::memory_order_relaxed);
            s.waited += slots_[i].waits.load(std::memory_order_relaxed);
            total_wait += slots_[i].wait_total.load(std::memory_order_relaxed);
            max_wait = std::max(max_wait, slots_[i].wait_max.load(std::memory_order_relaxed));
        }
        std::lock_guard lk(mu_);
        s.size = open_;
        s.in_use = std::min(s.in_use, open_);
        s.idle = std::min(s.idle, open_ - s.in_use);
        s.waiting = waiters_.size();
        s.pending = creating_;
        s.max_size = opts_.max_size;
        s.min_idle = opts_.min_idle;
        s.timed_out = timed_out_;
        s.timed_out_by_reason = timed_out_by_;
        s.created = created_;
        s.connect_failures = connect_failures_;
        s.leaks = leaks_;
        s.total_wait = std::chrono::duration_cast<std::chrono::nanoseconds>(duration(total_wait));
        s.max_wait = std::chrono::duration_cast<std::chrono::nanoseconds>(duration(max_wait));
        s.closed = closed_by_;
        return s;
    }

    /// Leases handed out and not yet returned.
    std::size_t outstanding_leases() const noexcept {
        std::size_t n = 0;
        for (std::size_t i = 0; i < opts_.max_size; ++i)
            n += slots_[i].state.load(std::memory_order_relaxed) == slot::in_use;
        return n;
    }

    /// Callers waiting past their spin, asleep, with no connection published for them
    /// (for tests and diagnostics; stats().waiting counts every waiting caller).
    std::size_t sleeping_waiters() const {
        std::lock_guard lk(mu_);
        std::size_t n = 0;
        for (const waiter* w = waiters_.front(); w; w = w->next) n += w->sleeping && !w->nudged;
        return n;
    }

    /// The most recent connect failure, if the last attempt failed.
    std::optional<connect_error> last_connect_error() const {
        std::lock_guard lk(mu_);
        if (consecutive_failures_ == 0) return std::nullopt;
        return unshared_copy(*last_error_);
    }

    /// The validated options the pool was constructed with.
    const pool_options& options() const noexcept { return opts_; }
    /// The factory the pool creates connections with.
    const Factory& factory() const noexcept { return factory_; }
    /// The pool's listener, for reading what it collected. The pool calls it from other
    /// threads at the same time: the listener's own members must be safe for that.
    listener_type& listener() noexcept { return listener_; }

private:
    friend lease_type;

    struct alignas(64) slot {
        enum state_t : std::uint8_t { empty, idle, in_use, reserved };
        std::atomic<state_t> state{empty};
        // Times, in clock ticks since the clock's epoch. Written by the slot's owner,
        // read by the housekeeper without owning it.
        std::atomic<std::int64_t> created{0}, retire_at{0}, last_returned{0}, last_alive{0}, acquired_at{0};
        std::atomic<std::source_location> where{};
        std::atomic<bool> leak_reported{false};
        std::atomic<std::uint64_t> acquisitions{0}; // single writer: the owner
        // Waits that ended with this slot, kept here rather than in pool-wide counters so
        // that two threads taking turns do not also pass those counters' line back and
        // forth. Single writer (the owner); stats() sums them.
        std::atomic<std::uint64_t> waits{0};
        std::atomic<typename duration::rep> wait_total{0}, wait_max{0};
        std::optional<connection_type> conn;        // touched only by the slot's owner
    };

    struct waiter {
        enum outcome_t { pending, handed, closed, breaker, rejected };
        std::condition_variable cv;
        std::uint32_t slot = 0;
        std::atomic<outcome_t> outcome{pending}; // written under mu_, last; read spinning
        bool sleeping = false; // under mu_: waiting on cv (a release then wakes it instead of handing over)
        bool nudged = false;   // under mu_: woken because a connection was published as idle
        bool missed = false;   // under mu_: lost a published connection to another caller once
        // under mu_: still counted in nudged_ after waking, until it has looked for the
        // published connection (else the connector would open one more for it meanwhile)
        bool counted = false;
        waiter* prev = nullptr;
        waiter* next = nullptr;
    };

    static pool_options validated(pool_options o) {
        o.validate();
        return o;
    }
    static duration to_clock(std::chrono::milliseconds d) { return std::chrono::duration_cast<duration>(d); }
    static std::int64_t ticks(time_point t) noexcept { return t.time_since_epoch().count(); }
    static time_point from_ticks(std::int64_t t) noexcept { return time_point(duration(t)); }
    static constexpr std::uint32_t none = ~std::uint32_t{0};

    // ---------------------------------------------------------------- acquire
    /// Timestamps for the hot path. For steady_clock (and a listener that does not time
    /// leases) this reads CLOCK_MONOTONIC_COARSE: the same time base as steady_clock,
    /// ~10 ns instead of ~30 ns, but only a few milliseconds' resolution, which is plenty
    /// for validation windows, idle timeouts and leak thresholds.
    static constexpr bool times_leases = requires(listener_type& l) { l.on_release(std::chrono::nanoseconds{}); };
    static time_point stamp_now() noexcept {
        if constexpr (!times_leases) return detail::coarse_now<clock>();
        else return clock::now();
    }

    std::optional<lease_type> acquire_within(duration timeout, bool throw_on_timeout, std::source_location where) {
        time_point start{}, deadline{};
        bool waited = false, timed = false;
        bool unresponsive = false; // a validation on borrow ran out of time in this acquire
        auto start_clock = [&] { // the clock is read only when we have to wait or validate
            if (!timed) {
                timed = true;
                start = clock::now();
                deadline = start + timeout;
            }
        };
        for (;;) {
            if (closed_.load(std::memory_order_relaxed)) throw pool_closed();
            std::uint32_t idx = none;
            // A thread whose last connection came by handoff stays in line while the pool is
            // contended: it queues (and re-scans) instead of grabbing a connection that
            // just turned idle, so that threads that are merely slow to be scheduled are
            // not overtaken again and again.
            const auto hint = detail::tl_hint;
            const bool contended = hint.pool == id_ && hint.contended;
            if (!contended && waiting_.load(std::memory_order_relaxed) == 0) idx = take_idle();
            bool handed = false;
            if (idx == none) {
                waited = true;
                start_clock();
                idx = wait_for_slot(start, deadline, throw_on_timeout, handed, unresponsive);
                if (idx == none) return std::nullopt;
            }
            const auto now = waited ? clock::now() : stamp_now();
            const auto v = validate_on_borrow(idx, now, timeout, start_clock, deadline);
            if (v == validation::no_time) { // the deadline passed: give the connection back, time out
                offer(idx);
                std::unique_lock lk(mu_);
                give_up(lk, timeout_cause(start, unresponsive), throw_on_timeout);
                return std::nullopt;
            }
            if (v != validation::ok) { // discarded; try again with the time left
                unresponsive = unresponsive || v == validation::timed_out;
                continue;
            }
            slot& s = slots_[idx];
            s.acquired_at.store(ticks(now), std::memory_order_relaxed);
            s.where.store(where, std::memory_order_relaxed);
            s.acquisitions.store(s.acquisitions.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
            detail::tl_hint = {id_, idx, handed};
            const auto wait = waited ? now - start : duration::zero();
            if (waited) record_wait(s, wait);
            if constexpr (requires { listener_.on_acquire(std::chrono::nanoseconds{}); }) {
                try { listener_.on_acquire(std::chrono::duration_cast<std::chrono::nanoseconds>(wait)); } catch (...) {}
            }
            return lease_type(this, &*s.conn, idx);
        }
    }

    bool try_claim(std::uint32_t i) noexcept {
        auto expected = slot::idle;
        return slots_[i].state.load() == slot::idle &&
               slots_[i].state.compare_exchange_strong(expected, slot::in_use);
    }

    /// Lock-free: the thread's last connection, else the first idle one.
    std::uint32_t take_idle() noexcept {
        const auto hint = detail::tl_hint;
        if (hint.pool == id_ && try_claim(hint.slot)) return hint.slot;
        const auto n = high_water_.load(std::memory_order_acquire);
        for (std::uint32_t i = 0; i < n; ++i)
            if (try_claim(i)) return i;
        return none;
    }

    std::uint32_t wait_for_slot(time_point start, time_point deadline, bool throw_on_timeout, bool& handed,
                                bool unresponsive) {
        waiter w;
        std::unique_lock lk(mu_);
        if (closed_) throw pool_closed();
        if (breaker_open(clock::now())) return give_up(lk, timeout_reason::circuit_open, throw_on_timeout);
        if (waiters_.size() >= opts_.max_waiters)
            return give_up(lk, timeout_reason::too_many_waiters, throw_on_timeout);
        waiters_.push_back(&w);
        waiting_.fetch_add(1);
        if (wants_connection()) work_cv_.notify_one();
        lk.unlock();
        const bool may_spin = clock::now() < deadline; // try_acquire() neither spins nor sleeps

        auto uncount = [&] { uncount_nudge(w); };
        // Leaves the line with `found`, a slot this thread claimed itself.
        auto keep = [&](std::uint32_t found) -> std::uint32_t {
            lk.lock();
            uncount();
            if (w.outcome == waiter::closed) {
                lk.unlock();
                discard(found, close_reason::closed);
                throw pool_closed();
            }
            if (w.outcome == waiter::handed) { // got one twice: put the extra one back
                const auto extra = w.slot;
                lk.unlock();
                offer(extra);
                return found;
            }
            if (w.outcome == waiter::pending) {
                waiters_.remove(&w);
                waiting_.fetch_sub(1);
            }
            lk.unlock();
            return found;
        };
        bool after_nudge = false;
        for (;;) {
            // Registered: a release from now on hands over directly, or, while we sleep,
            // publishes the connection and wakes us. Scan for one that became idle before
            // we registered, or was published while we slept.
            if (const std::uint32_t found = take_idle(); found != none) return keep(found);
            // Spin briefly before sleeping: a handoff usually comes within microseconds, and
            // a futex sleep + wake costs more than that. Also watch for a connection
            // published for a sleeping waiter ahead of us.
            if (may_spin) {
                std::uint32_t found = none;
                unsigned k = 0;
                detail::spin_until([&] {
                    if (w.outcome.load(std::memory_order_acquire) != waiter::pending) return true;
                    return ++k % 32 == 0 && (found = take_idle()) != none;
                });
                if (found != none) return keep(found);
                if (w.outcome.load(std::memory_order_acquire) == waiter::handed) {
                    handed = true;
                    return w.slot;
                }
            }
            lk.lock();
            // Woken for a published connection that someone else took first: from now on
            // a release hands over to us directly even while we sleep, so a waiter loses a
            // published connection at most once. We need a connection again: say so.
            if (after_nudge) w.missed = true;
            if (w.counted) {
                uncount();
                if (w.outcome.load(std::memory_order_relaxed) == waiter::pending && wants_connection())
                    work_cv_.notify_one();
            }
            bool nudged = false;
            while (w.outcome.load(std::memory_order_relaxed) == waiter::pending) {
                w.sleeping = true;
                const bool in_time = detail::wait_until<clock>(w.cv, lk, deadline);
                w.sleeping = false;
                if (w.nudged) { // a release published a connection instead of holding it for us
                    w.nudged = false;
                    w.counted = true; // nudged_ keeps counting us until we looked for it
                    nudged = true;
                    break;
                }
                if (!in_time) break;
            }
            if (w.outcome.load(std::memory_order_relaxed) != waiter::pending) uncount();
            switch (w.outcome.load(std::memory_order_relaxed)) {
            case waiter::handed: handed = true; return w.slot;
            case waiter::closed: throw pool_closed();
            case waiter::breaker:
            case waiter::rejected: {
                // Already out of the line. A connection published for us still counts.
                if (nudged) {
                    lk.unlock();
                    if (const std::uint32_t found = take_idle(); found != none) return found;
                    lk.lock();
                }
                const auto why = w.outcome.load(std::memory_order_relaxed) == waiter::breaker ? timeout_reason::circuit_open
                                                                                           : timeout_reason::rejected;
                return give_up(lk, why, throw_on_timeout);
            }
            case waiter::pending: break;
            }
            if (nudged) { // still in line: scan, then spin for the next release
                lk.unlock();
                after_nudge = true;
                continue;
            }
            waiters_.remove(&w);
            waiting_.fetch_sub(1);
            return give_up(lk, timeout_cause(start, unresponsive), throw_on_timeout);
        }
    }

    /// Counts a failed acquire, tells the listener, and throws pool_timeout or returns
    /// `none`. Called with mu_ held; releases it.
    std::uint32_t give_up(std::unique_lock<std::mutex>& lk, timeout_reason why, bool throw_on_timeout) {
        ++timed_out_;
        ++timed_out_by_[static_cast<std::size_t>(why)];
        auto e = make_timeout(why);
        lk.unlock();
        notify_timeout(e);
        if (throw_on_timeout) throw e;
        return none;
    }

    /// Why an acquire that waited since `start` ran out of time (mu_ held): the last
    /// connect failure's class while attempts fail (no answer: unresponsive; too many
    /// connections: server_full; refused: rejected; else unreachable); unresponsive when
    /// a validation on borrow timed out in this acquire, or when attempts were in flight
    /// and none finished during the whole wait; else exhausted.
    timeout_reason timeout_cause(time_point start, bool unresponsive) const {
        if (consecutive_failures_ > 0 && last_error_) {
            switch (last_error_->kind()) {
            case connect_failure::timed_out: return timeout_reason::unresponsive;
            case connect_failure::too_many_connections: return timeout_reason::server_full;
            case connect_failure::authentication:
            case connect_failure::bad_target: return timeout_reason::rejected;
            case connect_failure::unreachable:
            case connect_failure::unknown: break;
            }
            return timeout_reason::unreachable;
        }
        if (unresponsive) return timeout_reason::unresponsive;
        if (creating_ > 0 && last_connect_done_ < start) return timeout_reason::unresponsive;
        return timeout_reason::exhausted;
    }

    // A copy of `e` that shares no buffer with it: std::runtime_error's message is a
    // reference-counted string, and the connector thread replaces last_error_ (freeing the
    // shared buffer) while a copy handed out earlier is still being read elsewhere.
    static connect_error unshared_copy(const connect_error& e) {
        return connect_error(std::string(e.backend_message()), e.kind(), std::string(e.sqlstate()));
    }

    pool_timeout make_timeout(timeout_reason r) const { // mu_ held
        std::optional<connect_error> last;
        if (consecutive_failures_ > 0 && last_error_) last = unshared_copy(*last_error_);
        std::string detail = "pool '" + opts_.name + "', " + std::to_string(open_) + "/" +
                             std::to_string(opts_.max_size) + " connections, " + std::to_string(waiters_.size()) +
                             " waiting, target " + detail::scrub_secrets(factory_.describe());
        return pool_timeout(r, std::move(last), detail);
    }

    static void record_wait(slot& s, duration wait) noexcept { // s owned
        s.waits.store(s.waits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        s.wait_total.store(s.wait_total.load(std::memory_order_relaxed) + wait.count(), std::memory_order_relaxed);
        if (wait.count() > s.wait_max.load(std::memory_order_relaxed)) s.wait_max.store(wait.count(), std::memory_order_relaxed);
    }

    enum class validation { ok, failed, timed_out, no_time };

    /// Validates an owned slot's connection before it is lent out. The round trip gets only
    /// the time the caller has left (acquire with a timeout); with no time left the slot
    /// is not touched (no_time: the caller gives it back). A connection that fails, or
    /// does not answer in time (timed_out), is discarded: closing never blocks.
    template <class StartClock>
    validation validate_on_borrow(std::uint32_t idx, time_point now, duration timeout, StartClock& start_clock,
                                  const time_point& deadline) {
        slot& s = slots_[idx];
        bool ok;
        bool out_of_time = false;
        const auto skip = to_clock(opts_.validation_skip_window);
        try {
            if (skip > duration::zero() && now - from_ticks(s.last_alive.load(std::memory_order_relaxed)) <= skip) {
                ok = s.conn->is_open();
            } else if (timeout > duration::zero()) {
                start_clock();
                const auto t0 = clock::now();
                const auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - t0);
                if (budget.count() <= 0) return validation::no_time;
                ok = validation_policy::validate(*s.conn, budget);
                out_of_time = !ok && clock::now() - t0 >= to_clock(budget);
                now = clock::now();
            } else {
                ok = validation_policy::validate(*s.conn);
            }
        } catch (...) {
            ok = false;
        }
        if (ok) {
            s.last_alive.store(ticks(now), std::memory_order_relaxed);
            return validation::ok;
        }
        discard(idx, close_reason::validation);
        return out_of_time ? validation::timed_out : validation::failed;
    }

    // ---------------------------------------------------------------- release
    void give_back(std::uint32_t idx, bool invalidated) noexcept {
        slot& s = slots_[idx];
        const auto now = stamp_now();
        if constexpr (requires { listener_.on_release(std::chrono::nanoseconds{}); }) {
            try {
                listener_.on_release(std::chrono::duration_cast<std::chrono::nanoseconds>(
                    now - from_ticks(s.acquired_at.load(std::memory_order_relaxed))));
            } catch (...) {}
        }
        if (s.leak_reported.load(std::memory_order_relaxed)) {
            s.leak_reported.store(false, std::memory_order_relaxed);
            report_leak(s, now, true);
        }
        std::optional<close_reason> bad;
        if (invalidated || !s.conn->is_open()) bad = close_reason::broken;
        else if (closed_.load()) bad = close_reason::closed;
        else if (opts_.max_lifetime.count() > 0 && ticks(now) >= s.retire_at.load(std::memory_order_relaxed))
            bad = close_reason::lifetime;
        if (!bad) {
            try {
                s.conn->reset();
            } catch (...) {
                bad = close_reason::broken;
            }
        }
        if (bad) {
            discard(idx, *bad);
            return;
        }
        s.last_returned.store(ticks(now), std::memory_order_relaxed);
        offer(idx);
    }

    /// Makes an owned slot available: straight to the longest waiter, else idle.
    void offer(std::uint32_t idx) noexcept {
        slot& s = slots_[idx];
        if (waiting_.load() > 0) {
            std::unique_lock lk(mu_);
            if (hand_over(idx)) return;
            if (!closed_) {
                s.state.store(slot::idle);
                return;
            }
            lk.unlock();
            discard(idx, close_reason::closed);
            return;
        }
        s.state.store(slot::idle);
        // Dekker with wait_for_slot: it registers then re-scans; we publish then check.
        if (waiting_.load() > 0 && try_claim(idx)) {
            std::lock_guard lk(mu_);
            if (!hand_over(idx)) s.state.store(slot::idle);
        }
        // Dekker with close(): it sets closed_ then sweeps idle slots; we published idle
        // and now check closed_. Whoever wins the claim closes the connection.
        if (closed_.load() && try_claim(idx)) discard(idx, close_reason::closed);
    }

    /// Gives an owned slot to the first waiter in line that is awake (spinning, or between
    /// spin and sleep); true when it did. A sleeping waiter would need microseconds (tens
    /// on some VMs) to wake, all that time holding a connection nobody uses: instead the
    /// first sleeping waiter not yet woken is woken and false is returned, so that the
    /// caller publishes the slot as idle for whoever takes it first. A woken waiter keeps
    /// its place in line and, awake, gets a later release directly. Waiters already woken
    /// for an earlier published slot are passed over: that slot is theirs to take. A waiter
    /// that already lost a published slot to another caller gets the next one directly,
    /// asleep or not, so it loses at most one published connection.
    bool hand_over(std::uint32_t idx) noexcept { // mu_ held, slot owned
        waiter* w = waiters_.front();
        while (w && w->sleeping && w->nudged) w = w->next;
        if (!w) return false;
        if (w->sleeping && !w->missed) {
            w->nudged = true;
            ++nudged_;
            w->cv.notify_one();
            return false;
        }
        waiters_.remove(w);
        waiting_.fetch_sub(1);
        uncount_nudge(*w); // woken for an earlier published slot, now handed this one
        w->slot = idx;
        if (w->sleeping) w->cv.notify_one(); // it wakes once we release mu_
        // Last touch: a spinning waiter may return (and its stack frame go) right after.
        w->outcome.store(waiter::handed, std::memory_order_release);
        return true;
    }

    /// A woken waiter's published connection is found or gone: it no longer counts in nudged_ (mu_ held).
    void uncount_nudge(waiter& w) noexcept {
        if (w.counted) {
            w.counted = false;
            --nudged_;
        }
    }

    /// Closes an owned slot's connection (outside the lock) and frees the slot.
    void discard(std::uint32_t idx, close_reason why) noexcept {
        {
            std::optional<connection_type> doomed = std::move(slots_[idx].conn);
            slots_[idx].conn.reset();
        } // closed here, outside the lock
        {
            std::lock_guard lk(mu_);
            empty_slot(idx, why);
            work_cv_.notify_all();
        }
        notify_close(why);
    }

    void empty_slot(std::size_t idx, close_reason why) noexcept { // mu_ held
        slots_[idx].conn.reset();
        slots_[idx].state.store(slot::empty);
        --open_;
        ++closed_by_[static_cast<std::size_t>(why)];
    }

    void notify_close(close_reason why) noexcept {
        if constexpr (requires { listener_.on_close(why); }) {
            try { listener_.on_close(why); } catch (...) {}
        }
    }
    void notify_timeout(const pool_timeout& e) noexcept {
        if constexpr (requires { listener_.on_timeout(e); }) {
            try { listener_.on_timeout(e); } catch (...) {}
        }
    }

    void report_leak(slot& s, time_point now, bool returned) noexcept {
        {
            std::lock_guard lk(mu_);
            if (!returned) ++leaks_;
        }
        if constexpr (requires { listener_.on_leak(std::declval<const leak_report&>()); }) {
            try {
                leak_report r;
                r.acquired_at = s.where.load(std::memory_order_relaxed);
                r.held = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    now - from_ticks(s.acquired_at.load(std::memory_order_relaxed)));
                r.returned = returned;
                r.pool = opts_.name;
                listener_.on_leak(r);
            } catch (...) {}
        }
    }

    // ---------------------------------------------------------------- creation
    std::size_t idle_count() const noexcept {
        std::size_t n = 0;
        for (std::size_t i = 0; i < opts_.max_size; ++i)
            n += slots_[i].state.load(std::memory_order_relaxed) == slot::idle;
        return n;
    }

    bool wants_connection() const noexcept { // mu_ held
        if (closed_ || open_ + creating_ >= opts_.max_size) return false;
        // Waiters woken for a published connection have one coming: not counted.
        return waiters_.size() > nudged_ + creating_ || idle_count() + creating_ < opts_.min_idle;
    }

    /// Enough consecutive connect failures to trip the breaker (mu_ held).
    bool breaker_tripped() const noexcept {
        return opts_.breaker_failure_threshold > 0 && consecutive_failures_ >= opts_.breaker_failure_threshold;
    }
    /// Callers fail fast: tripped, and not yet breaker_cooldown since it opened (mu_ held).
    bool breaker_open(time_point now) const noexcept { return breaker_tripped() && now < breaker_until_; }

    void connector_loop() {
        std::unique_lock lk(mu_);
        while (!closed_) {
            const auto now = clock::now();
            const bool tripped = breaker_tripped();
            // While the breaker is tripped, one attempt at a time probes the server even
            // when nobody waits (callers fail fast and never queue), so that the pool
            // notices at once when the server answers again.
            const bool probe = tripped && open_ + creating_ < opts_.max_size;
            if ((!wants_connection() && !probe) || (tripped && creating_ > 0)) {
                work_cv_.wait(lk);
                continue;
            }
            if (now < retry_at_) {
                detail::wait_until<clock>(work_cv_, lk, retry_at_);
                continue;
            }
            ++creating_;
            lk.unlock();
            std::optional<connection_type> made;
            std::optional<connect_error> failure;
            const auto t0 = clock::now();
            try {
                made.emplace(factory_.create());
            } catch (const connect_error& e) { // kept and shown: mask anything shaped like a secret
                failure.emplace(detail::scrub_secrets(e.backend_message()), e.kind(), e.sqlstate());
            } catch (const std::exception& e) {
                failure.emplace(detail::scrub_secrets(e.what()));
            } catch (...) {
                failure.emplace("unknown exception from the connection factory");
            }
            const auto t1 = clock::now();
            if (made) {
                if constexpr (requires { listener_.on_connect(std::chrono::nanoseconds{}); }) {
                    try { listener_.on_connect(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0)); } catch (...) {}
                }
            } else if constexpr (requires { listener_.on_connect_failed(*failure); }) {
                try { listener_.on_connect_failed(*failure); } catch (...) {}
            }
            lk.lock();
            --creating_;
            last_connect_done_ = t1;
            work_cv_.notify_all(); // a connector waiting for this probe to end may go on
            if (made) {
                consecutive_failures_ = 0;
                retry_at_ = time_point{};
                if (closed_) {
                    lk.unlock();
                    made.reset();
                    lk.lock();
                    break;
                }
                place(std::move(*made), t1);
            } else {
                ++connect_failures_;
                ++consecutive_failures_;
                last_error_ = *failure;
                retry_at_ = t1 + backoff(consecutive_failures_);
                if (breaker_tripped()) {
                    if (consecutive_failures_ == opts_.breaker_failure_threshold)
                        breaker_until_ = t1 + to_clock(opts_.breaker_cooldown); // it opens now
                    retry_at_ = std::min(retry_at_, t1 + to_clock(opts_.breaker_probe_interval));
                    if (breaker_open(t1)) release_waiters(waiter::breaker);
                } else if (failure->kind() == connect_failure::authentication ||
                           failure->kind() == connect_failure::bad_target) {
                    // Retrying will not help the callers waiting now: tell them at once.
                    release_waiters(waiter::rejected);
                }
            }
        }
    }

    void release_waiters(typename waiter::outcome_t why) noexcept { // mu_ held
        while (waiter* w = waiters_.pop_front()) {
            waiting_.fetch_sub(1);
            w->cv.notify_one();
            w->outcome.store(why, std::memory_order_release); // last touch
        }
    }

    duration backoff(std::size_t failures) const {
        using namespace std::chrono;
        auto base = duration_cast<nanoseconds>(opts_.connect_retry_initial);
        const auto cap = duration_cast<nanoseconds>(opts_.connect_retry_max);
        for (std::size_t i = 1; i < failures && base < cap; ++i) base *= 2;
        base = std::min(base, cap);
        // "equal jitter": half fixed, half random, so retries from many pools spread out.
        const auto half = base / 2;
        const auto jitter = nanoseconds(static_cast<std::int64_t>(detail::random_unit() * static_cast<double>(half.count())));
        return duration_cast<duration>(half + jitter);
    }

    void place(connection_type&& c, time_point now) { // mu_ held
        std::size_t idx = 0;
        while (slots_[idx].state.load() != slot::empty) ++idx; // open_ + creating_ <= max_size guarantees one
        assert(idx < opts_.max_size);
        slot& s = slots_[idx];
        s.conn.emplace(std::move(c));
        const auto t = ticks(now);
        s.created.store(t, std::memory_order_relaxed);
        s.last_returned.store(t, std::memory_order_relaxed);
        s.last_alive.store(t, std::memory_order_relaxed);
        std::int64_t retire = std::numeric_limits<std::int64_t>::max();
        if (opts_.max_lifetime.count() > 0) {
            const auto life = to_clock(opts_.max_lifetime);
            const auto jitter = duration(static_cast<typename duration::rep>(
                detail::random_unit() * 0.025 * static_cast<double>(life.count())));
            retire = ticks(now + life - jitter);
        }
        s.retire_at.store(retire, std::memory_order_relaxed);
        s.leak_reported.store(false, std::memory_order_relaxed);
        ++open_;
        ++created_;
        if (idx + 1 > high_water_.load(std::memory_order_relaxed))
            high_water_.store(static_cast<std::uint32_t>(idx + 1), std::memory_order_release);
        s.state.store(slot::in_use);
        if (!hand_over(static_cast<std::uint32_t>(idx))) s.state.store(slot::idle);
    }

    // ---------------------------------------------------------------- housekeeping
    void housekeeper_loop() {
        std::unique_lock lk(hk_mu_);
        while (!closed_) {
            hk_cv_.wait_for(lk, opts_.housekeeping_period);
            if (closed_) break;
            lk.unlock();
            housekeep(clock::now());
            lk.lock();
        }
    }

    void housekeep(time_point now) {
        if (closed_) return;
        const auto n = high_water_.load(std::memory_order_acquire);
        const auto leak_after = to_clock(opts_.leak_detection_threshold);
        const auto idle_after = to_clock(opts_.idle_timeout);
        const auto keepalive = to_clock(opts_.keepalive_interval);
        std::size_t removable = 0; // connections above min_idle that idle_timeout may close
        // Keepalive pings of one pass share one housekeeping_period: on a hung server they
        // time out one after another, and must not hold up leak reports and retirement.
        const auto pings_until = clock::now() + to_clock(opts_.housekeeping_period);
        {
            std::lock_guard lk(mu_);
            removable = open_ > opts_.min_idle ? open_ - opts_.min_idle : 0;
        }
        for (std::uint32_t i = 0; i < n; ++i) {
            slot& s = slots_[i];
            const auto st = s.state.load();
            if (st == slot::in_use && leak_after > duration::zero()) {
                const auto at = from_ticks(s.acquired_at.load(std::memory_order_relaxed));
                if (now - at > leak_after && !s.leak_reported.load(std::memory_order_relaxed)) {
                    if (s.state.load() == slot::in_use && !s.leak_reported.exchange(true)) report_leak(s, now, false);
                }
                continue;
            }
            if (st != slot::idle) continue;
            std::optional<close_reason> retire;
            bool ping = false;
            if (now >= from_ticks(s.retire_at.load(std::memory_order_relaxed))) retire = close_reason::lifetime;
            else if (idle_after > duration::zero() && removable > 0 &&
                     now - from_ticks(s.last_returned.load(std::memory_order_relaxed)) > idle_after)
                retire = close_reason::idle;
            else if (keepalive > duration::zero() &&
                     now - from_ticks(s.last_alive.load(std::memory_order_relaxed)) >= keepalive)
                ping = true;
            if (!retire && !ping) continue;
            std::chrono::milliseconds budget{};
            if (!retire) {
                budget = std::chrono::duration_cast<std::chrono::milliseconds>(pings_until - clock::now());
                if (budget < std::chrono::milliseconds(5)) continue; // this pass's ping time is spent: next pass
            }
            auto expected = slot::idle;
            if (!s.state.compare_exchange_strong(expected, slot::reserved)) continue; // borrowed meanwhile
            if (retire) {
                if (*retire == close_reason::idle) --removable;
                discard(i, *retire);
                continue;
            }
            bool alive = false;
            try { alive = validate_by_ping::validate(*s.conn, budget); } catch (...) {}
            if (!alive) {
                discard(i, close_reason::validation);
                continue;
            }
            s.last_alive.store(ticks(clock::now()), std::memory_order_relaxed);
            s.state.store(slot::in_use); // offer() expects an owned slot
            offer(i);
        }
        std::lock_guard lk(mu_);
        if (wants_connection()) work_cv_.notify_all();
    }

    void join_threads() {
        {
            std::lock_guard lk(hk_mu_);
            hk_cv_.notify_all();
        }
        {
            std::lock_guard lk(mu_);
            work_cv_.notify_all();
        }
        const auto self = std::this_thread::get_id();
        for (auto& t : connectors_)
            if (t.joinable() && t.get_id() != self) t.join();
        if (housekeeper_.joinable() && housekeeper_.get_id() != self) housekeeper_.join();
    }

    Factory factory_;
    const pool_options opts_;
    listener_type listener_;
    std::unique_ptr<slot[]> slots_;
    const std::uint64_t id_;
    std::atomic<std::uint32_t> high_water_{0}; // slots [0, high_water_) have ever held a connection
    std::atomic<std::size_t> waiting_{0};      // == waiters_.size(), readable without mu_
    std::atomic<bool> closed_{false};

    mutable std::mutex mu_; // guards everything below
    detail::intrusive_fifo<waiter> waiters_;
    std::condition_variable work_cv_; // wakes connectors
    std::size_t open_ = 0;
    std::size_t creating_ = 0;
    std::size_t nudged_ = 0; // waiters woken for a published connection that have not yet looked for it (under mu_)
    std::size_t consecutive_failures_ = 0;
    std::optional<connect_error> last_error_;
    time_point retry_at_{};
    time_point breaker_until_{};
    std::uint64_t timed_out_ = 0, created_ = 0, connect_failures_ = 0, leaks_ = 0;
    std::array<std::uint64_t, timeout_reason_count> timed_out_by_{};
    time_point last_connect_done_{}; // when the last connection attempt ended (either way)
    std::array<std::uint64_t, close_reason_count> closed_by_{};

    std::mutex hk_mu_;
    std::condition_variable hk_cv_;
    std::vector<std::thread> connectors_;
    std::thread housekeeper_;
};

/// Deduces `pool<F, with_listener<L>>` from a listener passed to the constructor, so
/// `cistern::pool p(factory, opts, monitor.pool_listener());` needs no template arguments.
/// (`pool p(factory)` and `pool p(factory, opts)` deduce `pool<F>` from the constructor.)
template <class F, class L>
pool(F, pool_options, L) -> pool<F, with_listener<L>>;

} // namespace cistern

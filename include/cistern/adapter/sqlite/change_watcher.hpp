#pragma once
/// \file
/// `cistern::sqlite::change_watcher`: tells the application which tables of a SQLite
/// database changed — precisely for writes made through the connections of a pool built on
/// the same factory (their update hook), and "something changed" for commits by any other
/// connection or process (`PRAGMA data_version` polled on a connection of its own) — e.g.
/// to invalidate cached results. The SQLite counterpart of postgres::table_change_listener.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/adapter/sqlite/detail/write_feed.hpp>
#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/detail/change_reporter.hpp>
#include <cistern/detail/listener_thread.hpp>
#include <cistern/error.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cistern::sqlite {

/// Settings of a change_watcher.
struct change_watcher_options {
    /// How often `PRAGMA data_version` is read on the watcher's connection; a commit by
    /// another connection or process is reported within about this long (plus one read,
    /// microseconds). 0: no polling, no thread — only the writes of the factory's own
    /// connections are reported (use it when nothing else writes the file).
    std::chrono::milliseconds data_version_interval{100};
    /// Delay before the watcher's connection is opened again after an error.
    std::chrono::milliseconds reconnect_delay{200};

    /// Throws config_error for the first invalid field.
    void validate() const {
        if (data_version_interval.count() < 0)
            throw config_error("sqlite::change_watcher_options::data_version_interval",
                               std::to_string(data_version_interval.count()) + "ms", "must not be negative (0: off)");
        if (reconnect_delay.count() <= 0)
            throw config_error("sqlite::change_watcher_options::reconnect_delay",
                               std::to_string(reconnect_delay.count()) + "ms", "must be positive");
    }
};

/// What the watcher calls (cistern::table_change_handlers). They must not throw (an
/// exception is caught and ignored), should return quickly, and must not write through the
/// factory's connections (a report holds the lock that orders reports).
///  - `changed(table)`: a table was written by one of the factory's connections: its name
///    as connection::tables_of() reports it ("main.users", "aux.orders": lower case).
///    Called on the writing thread after the statement returned with no transaction open:
///    after the commit (or rollback).
///  - `gap()`: tables the watcher cannot name may have changed: `PRAGMA data_version`
///    moved (another connection or process committed; SQLite does not say what), the
///    watcher (re)opened its connection or lost it, or one of the factory's connections
///    wrote through a script in a way its update hook did not see. Drop everything cached
///    from this database (query_cache::clear()). Called on the polling thread, or on the
///    writing thread for a script.
using table_change_handlers = cistern::table_change_handlers;

/// Watches one SQLite database until destroyed. Thread-safe accessors.
///
/// Every commit of another connection moves data_version — the pool's own connections'
/// too, whose writes are already reported by table through `changed`: a poll that finds
/// data_version moved cannot tell them apart and calls `gap` (docs/invalidation.md,
/// "The cost of own writes").
class change_watcher {
public:
    /// Subscribes to `f`'s write feed (shared by every copy of `f`: pass the pool's,
    /// `pool.factory()`) and, unless data_version_interval is 0, starts the polling thread,
    /// whose first read is a `gap` (anything before it is unknown; with no thread, `gap`
    /// is called here). Throws config_error for invalid options, handlers without `changed`
    /// or an in-memory database (polling one's own private database shows nothing).
    change_watcher(const factory& f, table_change_handlers h, change_watcher_options o = {})
        : factory_(f), report_(std::move(h), "sqlite::table_change_handlers::changed"), opts_(o) {
        opts_.validate();
        const std::string& p = factory_.path();
        if (opts_.data_version_interval.count() > 0 &&
            (p.empty() || p.find(":memory:") != std::string::npos || p.find("mode=memory") != std::string::npos))
            throw config_error("sqlite::change_watcher", factory_.describe(),
                               "an in-memory database is private to its connection: nothing to poll (data_version_interval = 0 "
                               "reports the pool's own writes only)");
        subscription_ = factory_.write_feed()->subscribe({[this](std::string_view t) { own_write(t); }, [this] { gap(); }});
        if (opts_.data_version_interval.count() == 0) {
            gap();
            return;
        }
        try {
            thread_.emplace(cistern::detail::listener_thread::hooks{[this](cistern::detail::listener_thread& t) { session(t); },
                                                                    [this](bool) { gap(); },
                                                                    [this](std::string e) { report_.set_error(std::move(e)); }},
                            opts_.reconnect_delay);
        } catch (...) {
            factory_.write_feed()->unsubscribe(subscription_);
            throw;
        }
    }
    change_watcher(const change_watcher&) = delete;
    change_watcher& operator=(const change_watcher&) = delete;
    /// Unsubscribes (a report running on a writing thread is waited for), then stops the
    /// polling thread and joins it (within one PRAGMA, bounded by the busy timeout).
    ~change_watcher() {
        factory_.write_feed()->unsubscribe(subscription_);
        thread_.reset();
    }

    /// True while the polling connection is open and has read data_version once (always
    /// true with data_version_interval 0).
    bool watching() const noexcept { return !thread_ || thread_->listening(); }
    /// Reads of data_version so far.
    std::uint64_t polls() const noexcept { return polls_.load(std::memory_order_relaxed); }
    /// Reads that found data_version moved.
    std::uint64_t version_changes() const noexcept { return version_changes_.load(std::memory_order_relaxed); }
    /// Tables reported through `changed` so far.
    std::uint64_t tables_reported() const noexcept { return tables_.load(std::memory_order_relaxed); }
    /// Times `gap` was called so far.
    std::uint64_t gaps() const noexcept { return report_.gaps(); }
    /// The last error of the polling connection (its message), or empty.
    std::string last_error() const { return report_.last_error(); }
    /// The options in use.
    const change_watcher_options& options() const noexcept { return opts_; }

private:
    static std::int64_t data_version(connection& c) { return c.query("PRAGMA data_version").scalar<std::int64_t>(); }

    void session(cistern::detail::listener_thread& t) {
        connection c = factory_.create();
        std::int64_t seen = data_version(c);
        polls_.fetch_add(1, std::memory_order_relaxed);
        t.started_listening(); // gap: changes before this first read are unknown
        while (!t.stop_requested()) {
            t.wait_readable(-1, opts_.data_version_interval); // returns early only for stop
            if (t.stop_requested()) return;
            const std::int64_t now = data_version(c);
            polls_.fetch_add(1, std::memory_order_relaxed);
            if (now != seen) {
                seen = now;
                version_changes_.fetch_add(1, std::memory_order_relaxed);
                gap();
            }
        }
    }

    void own_write(std::string_view table) noexcept {
        tables_.fetch_add(1, std::memory_order_relaxed);
        report_.changed(table);
    }
    void gap() noexcept { report_.gap(); }

    factory factory_; // a copy: shares the write feed, opens the polling connection
    cistern::detail::change_reporter report_;
    change_watcher_options opts_;
    std::uint64_t subscription_ = 0;
    std::atomic<std::uint64_t> polls_{0}, version_changes_{0}, tables_{0};
    std::optional<cistern::detail::listener_thread> thread_; // last: stopped and joined first
};

} // namespace cistern::sqlite

#pragma once
/// \file
/// `cistern::postgres::table_change_listener`: hears which tables other processes changed
/// (`LISTEN` on a channel the triggers of strategy::postgres_notify_triggers notify) on a
/// dedicated connection and thread, and tells the application, e.g. to invalidate cached
/// results of those tables.

#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/adapter/postgres/detail/quote.hpp>
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/detail/change_reporter.hpp>
#include <cistern/detail/listener_thread.hpp>
#include <cistern/error.hpp>

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cistern::postgres {

/// Settings of a table_change_listener.
struct table_change_listener_options {
    /// The channel to LISTEN on (the triggers' first argument); a PostgreSQL identifier,
    /// 1 to 63 bytes without NUL.
    std::string channel = "cistern_table_changes";
    /// A ping (`SELECT 1`, bounded by the factory's options::ping_timeout) after this long
    /// without traffic, so that a server that went away is noticed within about
    /// ping_interval + ping_timeout even when no notification comes.
    std::chrono::milliseconds ping_interval{1000};
    /// Delay between reconnection attempts.
    std::chrono::milliseconds reconnect_delay{200};

    /// Throws config_error for the first invalid field.
    void validate() const {
        if (channel.empty() || channel.size() > 63)
            throw config_error("postgres::table_change_listener_options::channel", "\"" + channel + "\"",
                               "must be 1 to 63 bytes (a PostgreSQL identifier)");
        detail::reject_nul("postgres::table_change_listener_options::channel", channel);
        if (ping_interval.count() <= 0)
            throw config_error("postgres::table_change_listener_options::ping_interval",
                               std::to_string(ping_interval.count()) + "ms", "must be positive");
        if (reconnect_delay.count() <= 0)
            throw config_error("postgres::table_change_listener_options::reconnect_delay",
                               std::to_string(reconnect_delay.count()) + "ms", "must be positive");
    }
};

/// What the listener calls (cistern::table_change_handlers). Both run on the listener's
/// thread, one at a time, and must not throw (an exception is caught and ignored).
///  - `changed(table)`: the notification's payload, the table's qualified SQL name as the
///    trigger sends it, quoted where SQL needs it (public.users; a mixed-case table in
///    double quotes). Called after the writing transaction committed.
///  - `gap()`: changes may have been missed: called when the listener (re)starts listening
///    and when it loses its connection (notifications sent while it was not listening are
///    lost).
using table_change_handlers = cistern::table_change_handlers;

/// Listens on its own connection and thread until destroyed. Reconnects by itself (after
/// reconnect_delay) and calls `gap` on every (re)subscription and loss, so that nothing
/// missed while disconnected is served afterwards. Thread-safe accessors.
class table_change_listener {
public:
    /// Starts the thread; the first connection is made there (listening() turns true when
    /// LISTEN succeeded). Throws config_error for invalid options or handlers without
    /// `changed`.
    table_change_listener(factory f, table_change_handlers h, table_change_listener_options o = {})
        : factory_(std::move(f)), report_(std::move(h), "postgres::table_change_handlers::changed"), opts_(std::move(o)) {
        opts_.validate();
        thread_.emplace(cistern::detail::listener_thread::hooks{[this](cistern::detail::listener_thread& t) { session(t); },
                                                                [this](bool) { report_.gap(); },
                                                                [this](std::string e) { report_.set_error(std::move(e)); }},
                        opts_.reconnect_delay);
    }
    table_change_listener(const table_change_listener&) = delete;
    table_change_listener& operator=(const table_change_listener&) = delete;
    /// Stops listening and joins the thread (within about the factory's connect or ping
    /// timeout if a connection attempt is in progress).
    ~table_change_listener() = default;

    /// True while LISTEN is in effect on a live connection.
    bool listening() const noexcept { return thread_->listening(); }
    /// Notifications received so far.
    std::uint64_t notifications() const noexcept { return notifications_.load(std::memory_order_relaxed); }
    /// Times `gap` was called so far.
    std::uint64_t gaps() const noexcept { return report_.gaps(); }
    /// The last connection or protocol error (password redacted by the adapter), or empty.
    std::string last_error() const { return report_.last_error(); }
    /// The options in use.
    const table_change_listener_options& options() const noexcept { return opts_; }

private:
    using clock = std::chrono::steady_clock;

    void session(cistern::detail::listener_thread& t) {
        connection c = factory_.create();
        c.execute("LISTEN " + detail::quote_identifier(c.native(), opts_.channel));
        t.started_listening(); // gap: anything before this moment is unknown
        listen(c, t);
    }

    void listen(connection& c, const cistern::detail::listener_thread& t) {
        PGconn* pg = c.native();
        auto next_ping = clock::now() + opts_.ping_interval;
        while (!t.stop_requested()) {
            drain(pg);
            const auto now = clock::now();
            if (now >= next_ping) {
                if (!c.ping(std::chrono::milliseconds::max())) throw query_error("postgres: table_change_listener: ping unanswered");
                drain(pg); // notifications that arrived with the ping's answer
                next_ping = clock::now() + opts_.ping_interval;
                continue;
            }
            const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_ping - now) + std::chrono::milliseconds(1);
            if (t.wait_readable(PQsocket(pg), wait)) {
                if (!PQconsumeInput(pg))
                    throw query_error(std::string("postgres: table_change_listener: connection lost: ") + PQerrorMessage(pg));
                next_ping = clock::now() + opts_.ping_interval; // traffic: the server is there
            }
        }
    }

    void drain(PGconn* pg) {
        while (PGnotify* n = PQnotifies(pg)) {
            std::unique_ptr<PGnotify, void (*)(void*)> owned(n, PQfreemem);
            notifications_.fetch_add(1, std::memory_order_relaxed);
            report_.changed(std::string_view(n->extra));
        }
    }

    factory factory_;
    cistern::detail::change_reporter report_;
    table_change_listener_options opts_;
    std::atomic<std::uint64_t> notifications_{0};
    std::optional<cistern::detail::listener_thread> thread_; // last: stopped and joined first
};

} // namespace cistern::postgres

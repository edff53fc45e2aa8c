#pragma once
/// \file
/// `cistern::redis::connection`: one blocking hiredis connection, a cistern Connection.

#include <cistern/concepts.hpp>
#include <cistern/error.hpp>
#include <cistern/redis/detail/scrub.hpp>
#include <cistern/redis/options.hpp>
#include <cistern/redis/reply.hpp>

#include <hiredis/hiredis.h>

#include <sys/time.h>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::redis {

namespace detail {
struct context_free {
    void operator()(redisContext* c) const noexcept { redisFree(c); }
};
inline timeval to_timeval(std::chrono::milliseconds d) noexcept {
    timeval tv{};
    tv.tv_sec = static_cast<decltype(tv.tv_sec)>(d.count() / 1000);
    tv.tv_usec = static_cast<decltype(tv.tv_usec)>((d.count() % 1000) * 1000);
    return tv;
}
inline reply copy_reply(const redisReply* r) {
    reply out;
    switch (r->type) {
    case REDIS_REPLY_STRING: out.type = reply::kind::string; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = reply::kind::status; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = reply::kind::error; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = reply::kind::integer; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
        out.type = reply::kind::array;
        out.elements.reserve(r->elements);
        for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
        break;
    default: out.type = reply::kind::nil; break;
    }
    return out;
}
} // namespace detail

/// One command argument list: `{"SET", key, value}`.
using command_args = std::vector<std::string_view>;

/// A blocking connection to one Redis server. Models cistern::Connection, so
/// `cistern::pool<redis::factory>` serves it (timeouts, breaker, stats, monitor).
///
/// Opening connects within options::connect_timeout, sets the command timeout
/// (options::command_timeout, for every later send and receive), enables TCP keepalive,
/// authenticates (`AUTH [user] password`) and selects options::db, or throws connect_error
/// (authentication, bad_target or unreachable) whose message never holds the password.
///
/// A command that fails in transport (I/O error, timeout, connection closed) throws
/// query_error whose message starts "redis: connection lost" and leaves the connection
/// closed (is_open() false): a lease holding it should be invalidated. An error reply
/// (`-ERR ...`) is returned as reply::kind::error, the connection stays usable.
/// Not thread-safe: one thread at a time, as any pooled connection.
class connection {
public:
    /// Connects as described above.
    explicit connection(const options& o) : password_(o.password), target_(o.describe()) {
        const timeval ct = detail::to_timeval(o.connect_timeout);
        redisContext* c = o.unix_path.empty() ? redisConnectWithTimeout(o.host.c_str(), o.port, ct)
                                              : redisConnectUnixWithTimeout(o.unix_path.c_str(), ct);
        if (!c) throw connect_error("redis: cannot allocate a context for " + target_, connect_failure::unknown);
        ctx_.reset(c);
        if (c->err) {
            throw connect_error("redis: cannot connect to " + target_ + ": " + scrubbed(c->errstr),
                                connect_failure::unreachable);
        }
        redisSetTimeout(c, detail::to_timeval(o.command_timeout));
        if (o.keepalive && o.unix_path.empty()) redisEnableKeepAlive(c);
        try {
            if (!o.password.empty()) {
                const reply r = o.user.empty() ? command({"AUTH", o.password}) : command({"AUTH", o.user, o.password});
                if (r.is_error()) {
                    throw connect_error("redis: " + target_ + " rejected the credentials: " + scrubbed(r.str),
                                        connect_failure::authentication);
                }
            }
            if (o.db != 0) {
                const std::string db = std::to_string(o.db);
                const reply r = command({"SELECT", db});
                if (r.is_error()) {
                    const auto kind = r.str.starts_with("NOAUTH") ? connect_failure::authentication : connect_failure::bad_target;
                    throw connect_error("redis: " + target_ + ": SELECT " + db + " failed: " + scrubbed(r.str), kind);
                }
            }
        } catch (const query_error& e) {
            throw connect_error(std::string("redis: ") + target_ + ": no answer while authenticating: " + e.what(),
                                connect_failure::unreachable);
        }
    }

    /// Takes over `other`'s socket; `other` is left without one.
    connection(connection&&) noexcept = default;
    /// Takes over `other`'s socket (closing this one's); `other` is left without one.
    connection& operator=(connection&&) noexcept = default;
    ~connection() = default;

    /// True until a transport error (local check, no round trip).
    bool is_open() const noexcept { return ctx_ && ctx_->err == 0; }

    /// `PING`: true on `PONG`. Throws query_error when the connection is lost.
    bool ping() {
        const reply r = command({"PING"});
        return r.type == reply::kind::status && r.str == "PONG";
    }

    /// Nothing to undo between leases (no command leaves state behind); throws when the
    /// connection is broken, so that the pool discards it.
    void reset() {
        if (!is_open()) throw query_error("redis: connection lost (reset of a broken connection)");
    }

    /// Runs one command and returns its reply (error replies included).
    reply command(std::initializer_list<std::string_view> args) { return command(std::span<const std::string_view>(args.begin(), args.size())); }
    /// As above, for an argument list built at run time.
    reply command(std::span<const std::string_view> args) {
        append(args);
        return read();
    }

    /// Sends every command, then reads their replies: one round trip for all.
    std::vector<reply> pipeline(std::span<const command_args> commands) {
        for (const auto& c : commands) append(c);
        std::vector<reply> out;
        out.reserve(commands.size());
        for (std::size_t i = 0; i < commands.size(); ++i) out.push_back(read());
        return out;
    }

    /// Reads the next reply without sending a command: a message on a subscribed
    /// connection (`SUBSCRIBE`, or `CLIENT TRACKING ... REDIRECT` to it). Waits at most
    /// options::command_timeout; throws query_error when nothing came or the connection is lost.
    reply read_reply() { return read(); }

    /// The hiredis context (for the subscriber, which reads without blocking).
    redisContext* native() noexcept { return ctx_.get(); }
    /// The target with the password redacted.
    const std::string& describe() const noexcept { return target_; }

private:
    void append(std::span<const std::string_view> args) {
        if (!is_open()) throw query_error("redis: connection lost (" + target_ + ")");
        std::vector<const char*> argv(args.size());
        std::vector<std::size_t> lens(args.size());
        for (std::size_t i = 0; i < args.size(); ++i) {
            argv[i] = args[i].data();
            lens[i] = args[i].size();
        }
        if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(args.size()), argv.data(), lens.data()) != REDIS_OK)
            fail();
    }
    reply read() {
        void* raw = nullptr;
        if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || !raw) fail();
        std::unique_ptr<redisReply, void (*)(void*)> r(static_cast<redisReply*>(raw), freeReplyObject);
        return detail::copy_reply(r.get());
    }
    [[noreturn]] void fail() {
        std::string why = ctx_->errstr[0] ? scrubbed(ctx_->errstr) : std::string("unknown error");
        if (ctx_->err == 0) ctx_->err = REDIS_ERR_OTHER; // never reuse a context in an unknown state
        if (why == "Resource temporarily unavailable") why = "timed out (command_timeout)";
        throw query_error("redis: connection lost (" + target_ + "): " + why, ctx_->err);
    }
    std::string scrubbed(std::string_view s) const { return detail::scrub(s, password_); }

    std::unique_ptr<redisContext, detail::context_free> ctx_;
    std::string password_;
    std::string target_;
};

static_assert(cistern::detail::check_connection<connection>());

} // namespace cistern::redis

#pragma once
/// \file
/// The tier's invalidation subscriber: a dedicated connection and thread.

#include <cistern/detail/listener_thread.hpp>
#include <cistern/error.hpp>
#include <cistern/redis/connection.hpp>
#include <cistern/redis/detail/tier_state.hpp>
#include <cistern/redis/factory.hpp>

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::redis::detail {

/// Sends INCR + PUBLISH for each tag in state.pending over `c` (one round trip), then
/// forgets them. Throws query_error like any command.
inline void flush_pending(tier_state& st, connection& c, const std::string& channel) {
    std::set<std::string> tags;
    {
        std::lock_guard lk(st.mu);
        tags.swap(st.pending);
    }
    if (tags.empty()) return;
    std::vector<std::string> keys, messages;
    std::vector<command_args> cmds;
    keys.reserve(tags.size());
    messages.reserve(tags.size());
    for (const auto& t : tags) {
        keys.push_back(st.opts.redis.key_prefix + "v:" + t);
        messages.push_back(st.opts.instance_id + "\n" + t);
    }
    std::size_t i = 0;
    for (auto it = tags.begin(); it != tags.end(); ++it, ++i) {
        cmds.push_back({"INCR", keys[i]});
        cmds.push_back({"PUBLISH", channel, messages[i]});
    }
    try {
        c.pipeline(cmds);
    } catch (...) {
        std::lock_guard lk(st.mu);
        st.pending.insert(tags.begin(), tags.end());
        throw;
    }
    st.stats.invalidations_sent.fetch_add(tags.size(), std::memory_order_relaxed);
}

/// Subscribes to the tier's channel and hands other instances' messages to the
/// listeners; reconnects after resubscribe_delay when the connection is lost or a ping
/// goes unanswered; clears the listeners' caches on every (re)subscription and loss.
class subscriber {
public:
    subscriber(factory f, std::shared_ptr<tier_state> st, std::string channel)
        : factory_(std::move(f)), st_(std::move(st)), channel_(std::move(channel)),
          thread_({[this](cistern::detail::listener_thread& t) { session(t); },
                   [this](bool listening) {
                       st_->subscribed.store(listening);
                       if (listening) bump(st_->stats.subscriptions);
                       st_->clear_listeners(); // messages sent while we were not subscribed are lost
                   },
                   [this](std::string e) {
                       std::lock_guard lk(st_->mu);
                       st_->subscriber_error = std::move(e);
                   }},
                  st_->opts.resubscribe_delay) {}

private:
    using clock = std::chrono::steady_clock;

    void session(cistern::detail::listener_thread& t) {
        connection c = factory_.create();
        flush_pending(*st_, c, channel_);
        const reply r = c.command({"SUBSCRIBE", channel_});
        if (r.type != reply::kind::array) throw query_error("redis: SUBSCRIBE refused: " + r.str);
        t.started_listening();
        listen(c, t);
    }

    // Reads messages until the connection is lost, a ping goes unanswered, or stop.
    void listen(connection& c, const cistern::detail::listener_thread& t) {
        redisContext* ctx = c.native();
        const auto interval = st_->opts.subscriber_ping_interval;
        auto next_ping = clock::now() + interval;
        bool pinging = false;
        clock::time_point ping_sent{};
        while (!t.stop_requested()) {
            void* raw = nullptr;
            if (redisGetReplyFromReader(ctx, &raw) != REDIS_OK) throw query_error("redis: subscriber: protocol error");
            if (raw) {
                std::unique_ptr<redisReply, void (*)(void*)> r(static_cast<redisReply*>(raw), freeReplyObject);
                const reply m = detail::copy_reply(r.get());
                if (m.type == reply::kind::array && m.elements.size() >= 2 && m.elements[0].str == "pong") {
                    pinging = false;
                } else if (m.type == reply::kind::array && m.elements.size() == 3 && m.elements[0].str == "message") {
                    deliver(m.elements[2].str);
                }
                continue;
            }
            const auto now = clock::now();
            if (pinging && now - ping_sent > st_->opts.subscriber_ping_timeout)
                throw query_error("redis: subscriber: ping unanswered for " +
                                  std::to_string(st_->opts.subscriber_ping_timeout.count()) + " ms");
            if (!pinging && now >= next_ping) {
                if (redisAppendCommand(ctx, "PING") != REDIS_OK) throw query_error("redis: subscriber: connection lost");
                int done = 0;
                while (!done)
                    if (redisBufferWrite(ctx, &done) != REDIS_OK) throw query_error(std::string("redis: subscriber: connection lost: ") + ctx->errstr);
                ping_sent = now;
                pinging = true;
                next_ping = now + interval;
            }
            const auto until = pinging ? ping_sent + st_->opts.subscriber_ping_timeout : next_ping;
            const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now) + std::chrono::milliseconds(1);
            if (t.wait_readable(ctx->fd, std::max(wait, std::chrono::milliseconds(1))) && redisBufferRead(ctx) != REDIS_OK)
                throw query_error(std::string("redis: subscriber: connection lost: ") + ctx->errstr);
        }
    }

    void deliver(const std::string& message) {
        const auto nl = message.find('\n');
        if (nl == std::string::npos) return; // not ours
        if (std::string_view(message).substr(0, nl) == st_->opts.instance_id) {
            bump(st_->stats.echoes_ignored);
            return;
        }
        bump(st_->stats.invalidations_received);
        st_->tag_listeners(message.substr(nl + 1));
    }

    factory factory_;
    std::shared_ptr<tier_state> st_;
    std::string channel_;
    cistern::detail::listener_thread thread_; // last: its thread uses the members above
};

} // namespace cistern::redis::detail

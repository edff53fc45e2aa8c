#pragma once
/// \file
/// `cistern::redis::tier`: the Redis second tier behind in-memory caches, with a
/// breaker, versioned tags and invalidation messages to every instance.

#include <cistern/error.hpp>
#include <cistern/monitor/health.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/redis/connection.hpp>
#include <cistern/redis/detail/envelope.hpp>
#include <cistern/redis/detail/subscriber.hpp>
#include <cistern/redis/detail/tier_state.hpp>
#include <cistern/redis/factory.hpp>
#include <cistern/redis/local_listener.hpp>
#include <cistern/redis/lookup.hpp>
#include <cistern/redis/tier_options.hpp>
#include <cistern/redis/tier_stats.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::redis {

/// One application instance's connection to the shared Redis: L2 reads and writes for
/// any number of in-memory caches (redis::tiered_cache, query caches), tag versions and
/// invalidation messages.
///
/// Never throws from fetch/store/invalidate: a Redis error, a timeout or an open breaker
/// is a counted miss (tier_stats), and the caller goes on to the database. The
/// constructor throws config_error for bad options and connect_error at once when Redis
/// rejects the credentials or the database (an unreachable Redis is not an error: the
/// tier starts degraded and resumes by itself).
///
/// Keys: `<key_prefix><key>` for values, `<key_prefix>v:<tag>` for tag versions (INCR,
/// never expire), channel `<key_prefix>invalidate` for messages `<instance id>\n<tag>`.
///
/// Thread safety: every member may be called from any thread. Redis connections come
/// from a cistern::pool<redis::factory> (validated by is_open; its connect breaker and
/// retries apply); the subscriber has its own connection and thread.
class tier {
public:
    /// Validates, checks the credentials with one connection, starts the pool and the subscriber.
    explicit tier(tier_options opts)
        : st_(make_state(std::move(opts))), factory_(st_->opts.redis), probe_(probe()),
          pool_(factory_, pool_opts(st_->opts)) {
        if (st_->opts.subscribe)
            subscriber_ = std::make_unique<detail::subscriber>(factory_, st_, channel());
    }
    tier(const tier&) = delete;
    tier& operator=(const tier&) = delete;
    /// Stops the subscriber, then closes the pool. Caches attached must be detached first.
    ~tier() { subscriber_.reset(); }

    /// Reads `key` (prefix added) with the versions of `tags`, in one round trip (GET, PTTL,
    /// MGET). A value whose codec version is not `codec_version`, or whose envelope is
    /// broken, is `corrupt` (counted in decode_failures); one written before a tag moved is `stale`.
    lookup fetch(std::string_view key, std::span<const std::string> tags, std::uint8_t codec_version) {
        lookup out;
        const std::string k = st_->opts.redis.key_prefix + std::string(key);
        std::vector<std::string> vkeys = version_keys(tags);
        std::vector<command_args> cmds{{"GET", k}, {"PTTL", k}};
        if (!vkeys.empty()) {
            command_args mget{"MGET"};
            for (const auto& v : vkeys) mget.push_back(v);
            cmds.push_back(std::move(mget));
        }
        auto replies = run([&](connection& c) { return c.pipeline(cmds); });
        if (!replies) {
            out.status = st_->breaker_open() && last_was_skip_ ? lookup_status::skipped : lookup_status::failed;
            return out;
        }
        auto& rs = *replies;
        if (!vkeys.empty()) {
            if (rs[2].type != reply::kind::array || rs[2].elements.size() != vkeys.size()) {
                out.status = lookup_status::failed;
                return out;
            }
            for (const auto& e : rs[2].elements) {
                std::int64_t v = 0;
                if (e.is_string()) std::from_chars(e.str.data(), e.str.data() + e.str.size(), v);
                out.versions.push_back(v);
            }
        }
        if (rs[0].is_nil() || !rs[0].is_string()) {
            out.status = lookup_status::miss;
            detail::bump(st_->stats.misses);
            return out;
        }
        const auto env = detail::read_envelope(rs[0].str);
        if (!env || env->codec_version != codec_version || env->versions.size() != out.versions.size()) {
            out.status = lookup_status::corrupt;
            detail::bump(st_->stats.decode_failures);
            return out;
        }
        if (env->versions != out.versions) {
            out.status = lookup_status::stale;
            detail::bump(st_->stats.stale);
            return out;
        }
        if (rs[1].type == reply::kind::integer && rs[1].integer == -2) { // expired between GET and PTTL
            out.status = lookup_status::miss;
            detail::bump(st_->stats.misses);
            return out;
        }
        out.status = lookup_status::hit;
        out.payload.assign(env->payload);
        if (rs[1].type == reply::kind::integer && rs[1].integer >= 0)
            out.remaining_ttl = std::chrono::milliseconds(rs[1].integer);
        detail::bump(st_->stats.hits);
        return out;
    }

    /// Writes `payload` under `key` with the tag versions `read` saw, for `ttl` (SET ... PX;
    /// none: tier_options::default_ttl). Does nothing unless `read.answered()` (Redis
    /// answered the read: a failed read skips the write, bounding the extra latency), or
    /// when the value is larger than max_value_bytes (counted as oversized).
    void store(std::string_view key, std::uint8_t codec_version, std::string_view payload, const lookup& read,
               std::optional<std::chrono::nanoseconds> ttl) {
        if (!read.answered()) return;
        const std::string env = detail::make_envelope(codec_version, read.versions, payload);
        if (env.size() > st_->opts.max_value_bytes) {
            detail::bump(st_->stats.oversized);
            return;
        }
        auto ms = ttl ? std::chrono::duration_cast<std::chrono::milliseconds>(*ttl) : st_->opts.default_ttl;
        if (ms.count() <= 0) return; // already expired
        const std::string k = st_->opts.redis.key_prefix + std::string(key);
        const std::string px = std::to_string(ms.count());
        const auto ok = run([&](connection& c) { return c.command({"SET", k, env, "PX", px}); });
        if (ok && !ok->is_error()) detail::bump(st_->stats.writes);
    }

    /// How long an in-memory copy of what `read` found may live at most: the value's
    /// remaining Redis TTL on a hit, and no more than tier_options::unsubscribed_l1_ttl
    /// while the subscriber cannot hear other instances' invalidations (max(): no cap).
    std::chrono::nanoseconds local_ttl_cap(const lookup& read) const noexcept {
        std::chrono::nanoseconds cap = std::chrono::nanoseconds::max();
        if (read.status == lookup_status::hit && read.remaining_ttl != std::chrono::milliseconds::max())
            cap = read.remaining_ttl;
        if (st_->opts.subscribe && !subscribed())
            cap = std::min<std::chrono::nanoseconds>(cap, st_->opts.unsubscribed_l1_ttl);
        return cap;
    }

    /// Counts a value that fetch() returned as a hit but the codec could not decode.
    void count_decode_failure() noexcept {
        detail::bump(st_->stats.decode_failures);
        st_->stats.hits.fetch_sub(1, std::memory_order_relaxed);
    }

    /// Bumps `tag`'s version (INCR) and tells every instance (PUBLISH), in one round trip.
    /// Call it after the write to the database committed. When Redis does not answer, the
    /// tag is kept and sent again before the next operation that reaches Redis (and when
    /// the subscriber reconnects). Does not touch this instance's in-memory caches.
    /// Returns true when Redis took it now.
    bool invalidate(const std::string& tag) {
        {
            std::lock_guard lk(st_->mu);
            st_->pending.insert(tag);
        }
        if (!st_->allow()) return false;
        auto l = pool_.try_acquire_for(st_->opts.effective_acquire_timeout());
        if (!l) {
            st_->failed(acquire_failure());
            return false;
        }
        try {
            detail::flush_pending(*st_, **l, channel());
            st_->succeeded();
            return true;
        } catch (const std::exception& e) {
            l->invalidate();
            st_->failed(e.what());
            return false;
        }
    }

    /// Registers an in-memory cache's callbacks (see local_listener); returns an id for detach().
    std::size_t attach(local_listener l) {
        std::lock_guard lk(st_->listeners_mu);
        const std::size_t id = st_->next_listener++;
        st_->listeners.emplace(id, std::move(l));
        return id;
    }
    /// Removes a listener; when it returns, the listener is not running and will not run again.
    void detach(std::size_t id) {
        std::lock_guard lk(st_->listeners_mu);
        st_->listeners.erase(id);
    }

    /// True while the subscriber is subscribed (always false with subscribe = false).
    bool subscribed() const noexcept { return st_->subscribed.load(); }
    /// True while the breaker skips Redis.
    bool breaker_open() const { return st_->breaker_open(); }
    /// A snapshot of the tier's counters.
    tier_stats stats() const noexcept { return st_->stats.snapshot(); }
    /// The last error (scrubbed of the password), or empty.
    std::string last_error() const {
        std::lock_guard lk(st_->mu);
        return st_->last_error;
    }
    /// A "redis_tier" finding ("Redis unavailable ...", degraded) while the breaker is open
    /// or the subscriber is disconnected; nothing while the tier works.
    std::optional<health_finding> health() const { return st_->health(); }
    /// health() as a callable that stays valid after the tier is gone (then: nothing),
    /// for monitor::add_health_source().
    std::function<std::optional<health_finding>()> health_source() const {
        std::weak_ptr<detail::tier_state> w = st_;
        return [w]() -> std::optional<health_finding> {
            if (auto s = w.lock()) return s->health();
            return std::nullopt;
        };
    }
    /// The options the tier was built with.
    const tier_options& options() const noexcept { return st_->opts; }
    /// `redis://user:***@host:port/db` or `unix:/path?db=N`.
    std::string describe() const { return st_->target; }
    /// The channel invalidation messages travel on.
    std::string channel() const { return st_->opts.redis.key_prefix + "invalidate"; }
    /// The tier's connection pool (stats, monitor listener).
    pool<factory, validate_by_is_open>& connections() noexcept { return pool_; }

private:
    static std::shared_ptr<detail::tier_state> make_state(tier_options o) {
        o.validate();
        if (o.instance_id.empty()) {
            std::random_device rd;
            const std::uint64_t id = (std::uint64_t{rd()} << 32) ^ rd();
            char buf[17];
            std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
            o.instance_id = buf;
        }
        auto st = std::make_shared<detail::tier_state>();
        st->target = o.redis.describe();
        st->opts = std::move(o);
        return st;
    }
    static pool_options pool_opts(const tier_options& o) {
        pool_options p;
        p.name = "redis";
        p.min_idle = 1;
        p.max_size = o.pool_size;
        p.acquire_timeout = o.effective_acquire_timeout();
        p.max_concurrent_connects = 1;
        p.connect_retry_initial = std::chrono::milliseconds(10);
        p.connect_retry_max = std::max<std::chrono::milliseconds>(o.breaker_cooldown, std::chrono::milliseconds(10));
        p.breaker_failure_threshold = o.breaker_failure_threshold;
        p.breaker_cooldown = o.breaker_cooldown;
        p.housekeeping_period = std::chrono::milliseconds(200);
        p.validation_skip_window = std::chrono::milliseconds(0);
        return p;
    }
    // Checks the credentials once: a rejection throws now; an unreachable server is
    // recorded and the tier starts with one failure counted.
    bool probe() {
        try {
            connection c = factory_.create();
            return true;
        } catch (const connect_error& e) {
            if (e.kind() == connect_failure::authentication || e.kind() == connect_failure::bad_target) throw;
            st_->failed(e.what());
            return false;
        }
    }
    std::string acquire_failure() const {
        auto e = pool_.last_connect_error();
        return "no Redis connection within " + std::to_string(st_->opts.effective_acquire_timeout().count()) + " ms" +
               (e ? std::string(": ") + e->what() : std::string());
    }
    std::vector<std::string> version_keys(std::span<const std::string> tags) const {
        std::vector<std::string> v;
        v.reserve(tags.size());
        for (const auto& t : tags) v.push_back(st_->opts.redis.key_prefix + "v:" + t);
        return v;
    }

    // Runs `f` on a pooled connection, within the breaker; nothing on failure.
    template <class F>
    auto run(F&& f) -> std::optional<decltype(f(std::declval<connection&>()))> {
        last_was_skip_ = false;
        if (!st_->allow()) {
            last_was_skip_ = true;
            return std::nullopt;
        }
        auto l = pool_.try_acquire_for(st_->opts.effective_acquire_timeout());
        if (!l) {
            st_->failed(acquire_failure());
            return std::nullopt;
        }
        try {
            bool has_pending;
            {
                std::lock_guard lk(st_->mu);
                has_pending = !st_->pending.empty();
            }
            if (has_pending) detail::flush_pending(*st_, **l, channel());
            auto r = f(**l);
            st_->succeeded();
            return r;
        } catch (const std::exception& e) {
            l->invalidate();
            st_->failed(e.what());
            return std::nullopt;
        }
    }

    std::shared_ptr<detail::tier_state> st_;
    factory factory_;
    bool probe_;
    pool<factory, validate_by_is_open> pool_;
    std::unique_ptr<detail::subscriber> subscriber_;
    static inline thread_local bool last_was_skip_ = false;
};

} // namespace cistern::redis

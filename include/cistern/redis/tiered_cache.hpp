#pragma once
/// \file
/// `cistern::redis::tiered_cache<K, V, Codec>`: an in-memory cistern::cache (L1) in front
/// of the shared Redis tier (L2) in front of the loader (the database).

#include <cistern/cache/cache.hpp>
#include <cistern/cache/cache_options.hpp>
#include <cistern/cache/cache_stats.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>
#include <cistern/cache/expiry/per_entry.hpp>
#include <cistern/redis/key_format.hpp>
#include <cistern/redis/lookup.hpp>
#include <cistern/redis/tier.hpp>
#include <cistern/redis/value_codec.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace cistern::redis {

/// A two-level cache: get_or_load() looks in memory, then in Redis, then runs the
/// loader, all inside the in-memory cache's single flight, so concurrent misses of one
/// key in this process make one Redis read and at most one load.
///
/// - A loaded value is written to Redis (SET ... PX) with the entry's TTL (or the
///   cache's default TTL) and the versions its tags had before the load.
/// - An L2 hit is kept in memory for at most the value's remaining Redis TTL (PTTL).
/// - invalidate_tag(t) drops local entries tagged `t`, bumps t's version in Redis and
///   publishes it; every other instance's subscriber drops its own entries tagged `t`,
///   and L2 values stored with an older version of `t` are misses everywhere.
/// - While the tier's subscriber is disconnected, entries are kept in memory for at most
///   tier_options::unsubscribed_l1_ttl; when it (re)subscribes, memory is cleared.
/// - A Redis failure is a counted miss (tier::stats()): the loader runs, the value is
///   served from memory and the database.
///
/// `Codec` models ValueCodec<V>; `KeyFormat` turns keys into Redis key text (see
/// key_format). Keys in Redis are `<key_prefix><name>:<key text>`. The tier must outlive
/// the cache. Thread-safe like cistern::cache.
template <class K, class V, class Codec, class KeyFormat = key_format<K>, class Eviction = eviction::w_tinylfu,
          class... Policies>
class tiered_cache {
    static_assert(detail::check_value_codec<Codec, V>());

public:
    /// The in-memory (L1) cache type.
    using local_type = cache<K, V, Eviction, expiry::per_entry, Policies...>;

    /// `name` namespaces this cache's keys in Redis (distinct caches sharing a tier need
    /// distinct names); `default_ttl` applies to entries whose options name none, in
    /// memory and in Redis. Attaches to the tier's invalidation messages.
    tiered_cache(tier& t, std::string name, cache_options opts, std::chrono::nanoseconds default_ttl, Codec codec = {},
                 KeyFormat fmt = {})
        : tier_(t), name_(std::move(name)), default_ttl_(default_ttl), codec_(std::move(codec)), fmt_(std::move(fmt)),
          local_(opts, expiry::per_entry(default_ttl)) {
        if (name_.empty() || name_.find(' ') != std::string::npos)
            throw config_error("redis::tiered_cache name", "\"" + name_ + "\"", "must be non-empty, without spaces");
        listener_id_ = tier_.attach({[this](const std::string& tag) { local_.invalidate_tag(tag); },
                                     [this] { local_.clear(); }});
    }
    tiered_cache(const tiered_cache&) = delete;
    tiered_cache& operator=(const tiered_cache&) = delete;
    ~tiered_cache() { tier_.detach(listener_id_); }

    /// The value under `key`: from memory, else from Redis, else from `loader`
    /// (`V loader(const K&)` or `V loader()`), stored with `opts` (TTL, tags) in both tiers.
    /// A loader's exception reaches every waiting caller; nothing is stored.
    template <class Loader>
    [[gnu::always_inline]] V get_or_load(const K& key, Loader&& loader, entry_options opts = {}) {
        // Built only by the caller that misses L1 (on the heap: a miss is a Redis round trip
        // anyway), so that a hit pays one null check for it, not an optional's destructor.
        std::unique_ptr<miss_state> m;
        return local_.get_or_load(
            key, [&](const K& k) -> V { return load_miss(*m, k, loader); },
            [&]() -> entry_options { return miss_options(m, key, opts); }); // only in the caller that loads
    }

    /// The value in memory, if any (Redis is not asked).
    std::optional<V> get_local(const K& key) { return local_.get(key); }

    /// Drops local entries tagged `tag`, then bumps its version in Redis and tells every
    /// other instance. Call it after the database write committed. Returns true when
    /// Redis took the invalidation now (else it is retried; see tier::invalidate).
    bool invalidate_tag(const std::string& tag) {
        local_.invalidate_tag(tag);
        const bool sent = tier_.invalidate(tag);
        local_.invalidate_tag(tag); // a load that read the old version while we sent
        return sent;
    }

    /// The in-memory cache (stats, size, clear).
    local_type& local() noexcept { return local_; }
    /// The in-memory cache's statistics (local().stats()).
    cache_stats stats() const { return local_.stats(); }
    /// The shared Redis (L2) tier.
    tier& shared_tier() noexcept { return tier_; }

private:
    struct miss_state {
        lookup l2;
        std::optional<V> from_l2;
        std::string rkey;
        std::chrono::nanoseconds l2_ttl{};
    };

    // Out of line, so that the hit path (inlined into get_or_load) stays as small as cache's own.
    template <class Loader>
    [[gnu::noinline]] V load_miss(miss_state& m, const K& k, Loader& loader) {
        if (m.from_l2) return std::move(*m.from_l2);
        V v = invoke(loader, k);
        if (m.l2.answered()) {
            std::string bytes;
            codec_.encode(v, bytes);
            tier_.store(m.rkey, Codec::version, bytes, m.l2, m.l2_ttl);
        }
        return v;
    }
    [[gnu::noinline]] entry_options miss_options(std::unique_ptr<miss_state>& ms, const K& key, entry_options& opts) {
        ms = std::make_unique<miss_state>();
        miss_state& m = *ms;
        entry_options o = std::move(opts);
        m.l2_ttl = o.ttl ? *o.ttl : default_ttl_;
        m.rkey = name_ + ":" + fmt_(key);
        m.l2 = tier_.fetch(m.rkey, o.tags, Codec::version);
        if (m.l2.status == lookup_status::hit) {
            m.from_l2 = codec_.decode(m.l2.payload);
            if (!m.from_l2) {
                tier_.count_decode_failure();
                m.l2.status = lookup_status::corrupt; // overwritten after the load
            }
        }
        std::chrono::nanoseconds ttl = std::min(m.l2_ttl, tier_.local_ttl_cap(m.l2));
        if (ttl <= std::chrono::nanoseconds::zero()) ttl = std::chrono::nanoseconds(1);
        o.ttl = ttl;
        return o;
    }

    template <class Loader>
    static V invoke(Loader& loader, const K& k) {
        if constexpr (std::is_invocable_v<Loader&, const K&>) return static_cast<V>(std::invoke(loader, k));
        else return static_cast<V>(std::invoke(loader));
    }

    tier& tier_;
    std::string name_;
    std::chrono::nanoseconds default_ttl_;
    Codec codec_;
    KeyFormat fmt_;
    local_type local_;
    std::size_t listener_id_ = 0;
};

} // namespace cistern::redis

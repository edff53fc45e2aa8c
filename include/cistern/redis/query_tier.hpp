#pragma once
/// \file
/// `cistern::redis::query_tier`: the Redis tier as a query_cache's shared second tier
/// (cistern::result_tier): results stored in Redis with the versions of the tables they
/// read, invalidations of tables sent to every instance.

#include <cistern/cache/result_tier.hpp>
#include <cistern/error.hpp>
#include <cistern/redis/local_listener.hpp>
#include <cistern/redis/lookup.hpp>
#include <cistern/redis/row_set_codec.hpp>
#include <cistern/redis/tier.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace cistern::redis {

/// A result_tier over a redis::tier: pass it to a query_cache to share its results with
/// every instance using the same Redis, key prefix and `name`.
///
/// Keys in Redis are `<key_prefix><name>:<query key text>` (statement and parameters,
/// see query_cache); values are row_set_codec bytes in the tier's envelope with the
/// versions of the result's tags (its tables). Every failure of Redis is a miss or a
/// deferred invalidation, as for redis::tier. The tier must outlive the query tier, and
/// the query tier the query caches that use it. Thread-safe.
class query_tier final : public result_tier {
public:
    /// `name` namespaces the results in Redis (query caches that must not share results
    /// need distinct names). Throws config_error for an empty name or one with spaces.
    query_tier(tier& t, std::string name) : tier_(t), name_(std::move(name)) {
        if (name_.empty() || name_.find(' ') != std::string::npos)
            throw config_error("redis::query_tier name", "\"" + name_ + "\"", "must be non-empty, without spaces");
        name_ += ':';
    }

    tier_ticket fetch(std::string_view key, std::span<const std::string> tags) override {
        lookup l = tier_.fetch(name_ + std::string(key), tags, row_set_codec::version);
        tier_ticket out;
        if (l.status == lookup_status::hit) {
            if (auto rows = codec_.decode(l.payload)) {
                out.rows = std::make_shared<const row_set>(std::move(*rows));
            } else {
                tier_.count_decode_failure();
                l.status = lookup_status::corrupt; // rewritten after the load
            }
        }
        out.local_ttl_cap = tier_.local_ttl_cap(l);
        out.may_store = l.answered();
        out.versions = std::move(l.versions);
        return out;
    }

    void store(std::string_view key, const row_set& rows, const tier_ticket& ticket,
               std::optional<std::chrono::nanoseconds> ttl) override {
        if (!ticket.may_store) return;
        lookup read;
        read.status = lookup_status::miss; // answered: see lookup::answered()
        read.versions = ticket.versions;
        std::string bytes;
        codec_.encode(rows, bytes);
        tier_.store(name_ + std::string(key), row_set_codec::version, bytes, read, ttl);
    }

    void invalidate(std::span<const std::string> tags) override {
        for (const std::string& t : tags) tier_.invalidate(t);
    }

    std::size_t attach(listener l) override { return tier_.attach({std::move(l.on_tag), std::move(l.on_clear)}); }
    void detach(std::size_t id) noexcept override { tier_.detach(id); }

    /// The Redis tier underneath (stats, health, breaker).
    tier& shared_tier() noexcept { return tier_; }

private:
    tier& tier_;
    std::string name_; // with the trailing ':'
    row_set_codec codec_;
};

} // namespace cistern::redis

#pragma once
/// \file
/// `cistern::redis::tier_options`: the numbers of the Redis second tier.

#include <cistern/error.hpp>
#include <cistern/redis/options.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace cistern::redis {

/// Options of redis::tier, validated at construction (config_error names the field).
///
/// Extra latency bound when Redis is slow or down (see docs/redis.md): one tier
/// operation waits at most `acquire_timeout` for a connection plus `command_timeout`
/// (twice when the connection is validated first); a get_or_load miss makes at most two
/// operations (read, then write), and a failed read skips the write. After
/// `breaker_failure_threshold` consecutive failures the breaker opens and calls skip
/// Redis entirely (no extra latency) for `breaker_cooldown`; then one call probes.
struct tier_options {
    using ms = std::chrono::milliseconds; ///< unit of the durations below

    /// Server, credentials, key prefix, connect and command timeouts.
    options redis{};
    /// Connections in the tier's pool (the subscriber has one more of its own).
    std::size_t pool_size = 8;
    /// Wait for a pooled connection; 0: connect_timeout + command_timeout.
    ms acquire_timeout{0};
    /// Consecutive failed operations that open the tier's breaker. At least 1.
    std::size_t breaker_failure_threshold = 3;
    /// How long an open breaker skips Redis before one call probes it again.
    ms breaker_cooldown{1000};
    /// L2 time to live of an entry written without one.
    ms default_ttl = std::chrono::minutes(10);
    /// Encoded values larger than this (bytes) are not written to Redis (counted as oversized).
    std::size_t max_value_bytes = 1 << 20;
    /// Run the invalidation subscriber (a dedicated connection and thread).
    bool subscribe = true;
    /// The subscriber pings its connection this often, to notice a server that hangs.
    ms subscriber_ping_interval{500};
    /// A subscriber ping unanswered this long counts as a lost connection.
    ms subscriber_ping_timeout{1000};
    /// Delay between the subscriber's reconnection attempts.
    ms resubscribe_delay{100};
    /// While the subscriber is not subscribed, in-memory entries live at most this long
    /// (invalidations sent meanwhile are lost). 0: nothing is kept in memory then.
    ms unsubscribed_l1_ttl{1000};
    /// This instance's id in invalidation messages (its own echoes are ignored); empty:
    /// random. Must not contain '\n'.
    std::string instance_id{};

    /// acquire_timeout, or its default.
    ms effective_acquire_timeout() const noexcept {
        return acquire_timeout.count() > 0 ? acquire_timeout : redis.connect_timeout + redis.command_timeout;
    }

    /// Throws config_error naming the first invalid field and its value.
    void validate() const {
        redis.validate();
        auto msv = [](ms d) { return std::to_string(d.count()) + "ms"; };
        if (pool_size == 0 || pool_size > 1024)
            throw config_error("redis::tier_options::pool_size", std::to_string(pool_size), "must be 1..1024");
        if (acquire_timeout < ms::zero())
            throw config_error("redis::tier_options::acquire_timeout", msv(acquire_timeout), "must not be negative");
        if (breaker_failure_threshold == 0)
            throw config_error("redis::tier_options::breaker_failure_threshold", "0", "must be at least 1");
        if (breaker_cooldown <= ms::zero())
            throw config_error("redis::tier_options::breaker_cooldown", msv(breaker_cooldown), "must be positive");
        if (default_ttl <= ms::zero())
            throw config_error("redis::tier_options::default_ttl", msv(default_ttl), "must be positive");
        if (max_value_bytes == 0)
            throw config_error("redis::tier_options::max_value_bytes", "0", "must be positive");
        if (subscriber_ping_interval <= ms::zero())
            throw config_error("redis::tier_options::subscriber_ping_interval", msv(subscriber_ping_interval), "must be positive");
        if (subscriber_ping_timeout <= ms::zero())
            throw config_error("redis::tier_options::subscriber_ping_timeout", msv(subscriber_ping_timeout), "must be positive");
        if (resubscribe_delay <= ms::zero())
            throw config_error("redis::tier_options::resubscribe_delay", msv(resubscribe_delay), "must be positive");
        if (unsubscribed_l1_ttl < ms::zero())
            throw config_error("redis::tier_options::unsubscribed_l1_ttl", msv(unsubscribed_l1_ttl), "must not be negative");
        if (instance_id.find('\n') != std::string::npos)
            throw config_error("redis::tier_options::instance_id", instance_id, "must not contain a newline");
    }
};

} // namespace cistern::redis

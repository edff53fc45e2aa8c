#pragma once
// Shared by the Redis tests: one throwaway redis-server per process, tier options for
// it, and a "database" (a versioned map) that counts its loads.

#include <cistern/redis/tier.hpp>
#include <cistern/redis/tier_options.hpp>

#include "support/redis_server.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace cistern::test {

inline redis_server& server() {
    static redis_server s;
    return s;
}

/// Tier options for the test server over TCP (or its Unix socket), with a prefix of
/// its own so that tests do not see each other's keys.
inline redis::tier_options tier_opts(const std::string& prefix, bool unix_socket = false) {
    redis::tier_options o;
    o.redis.host = "127.0.0.1";
    o.redis.port = static_cast<std::uint16_t>(server().port());
    if (unix_socket) o.redis.unix_path = server().socket_path();
    o.redis.password = redis_server::password;
    o.redis.key_prefix = prefix;
    o.redis.connect_timeout = std::chrono::milliseconds(300);
    o.redis.command_timeout = std::chrono::milliseconds(200); // generous: CI runs two tests at once on 2 cores
    o.breaker_cooldown = std::chrono::milliseconds(300);
    o.subscriber_ping_interval = std::chrono::milliseconds(200);
    o.subscriber_ping_timeout = std::chrono::milliseconds(600);
    o.resubscribe_delay = std::chrono::milliseconds(50);
    return o;
}

/// The system of record the caches sit in front of: key -> value, with a load counter.
struct database {
    std::mutex mu;
    std::map<std::string, std::string> rows;
    std::atomic<int> loads{0};
    void write(const std::string& k, const std::string& v) {
        std::lock_guard lk(mu);
        rows[k] = v;
    }
    std::string read(const std::string& k) {
        ++loads;
        std::lock_guard lk(mu);
        return rows[k];
    }
};

} // namespace cistern::test

#pragma once
/// \file
/// `cistern::redis::options`: where and how a Redis connection is opened.

#include <cistern/error.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace cistern::redis {

/// Target, credentials and limits of a Redis connection. A plain aggregate; validate()
/// (called by redis::factory) throws config_error naming the field. The password never
/// appears in describe(), in messages or in exceptions.
struct options {
    /// Host name or address for TCP (ignored when unix_path is set).
    std::string host = "127.0.0.1";
    /// TCP port (ignored when unix_path is set).
    std::uint16_t port = 6379;
    /// Non-empty: connect over this Unix domain socket instead of TCP.
    std::string unix_path{};
    /// ACL user for `AUTH user password` (Redis 6+); empty: `AUTH password` (the default user).
    std::string user{};
    /// Password; empty: no AUTH.
    std::string password{};
    /// Logical database selected with `SELECT` after connecting (0..).
    int db = 0;
    /// Prepended to every key and channel the tier uses (a namespace per application).
    std::string key_prefix = "cistern:";
    /// Bound on opening the connection (TCP or Unix connect).
    std::chrono::milliseconds connect_timeout{200};
    /// Bound on one command's round trip (socket send and receive timeouts).
    std::chrono::milliseconds command_timeout{50};
    /// Enable TCP keepalive on the socket (TCP only).
    bool keepalive = true;

    /// Throws config_error naming the first invalid field and its value.
    void validate() const {
        auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; };
        if (unix_path.empty() && host.empty())
            throw config_error("redis::options::host", "\"\"", "needs a host (or unix_path)");
        if (unix_path.empty() && port == 0) throw config_error("redis::options::port", "0", "must be 1..65535");
        if (db < 0) throw config_error("redis::options::db", std::to_string(db), "must not be negative");
        if (connect_timeout <= std::chrono::milliseconds::zero())
            throw config_error("redis::options::connect_timeout", ms(connect_timeout), "must be positive");
        if (command_timeout <= std::chrono::milliseconds::zero())
            throw config_error("redis::options::command_timeout", ms(command_timeout), "must be positive");
        if (!user.empty() && password.empty())
            throw config_error("redis::options::user", user, "an ACL user needs a password");
        for (char c : key_prefix)
            if (static_cast<unsigned char>(c) < 0x20 || c == ' ')
                throw config_error("redis::options::key_prefix", key_prefix, "must not contain spaces or control characters");
    }

    /// `redis://user:***@host:port/db` or `unix:/path?db=N` (password, if any, as ***).
    std::string describe() const {
        const std::string auth = password.empty() ? "" : user + ":***@";
        if (!unix_path.empty()) return "unix:" + unix_path + "?db=" + std::to_string(db) + (password.empty() ? "" : "&password=***");
        return "redis://" + auth + host + ":" + std::to_string(port) + "/" + std::to_string(db);
    }
};

} // namespace cistern::redis

#pragma once
/// \file
/// detail: classification of libpq connection failures, and password scrubbing.

#include <cistern/error.hpp>

#include <string>
#include <string_view>

namespace cistern::postgres::detail {

/// libpq reports a failed connection as text only (no SQLSTATE); classify by the
/// server's and libpq's standard messages.
inline connect_failure classify_connect_message(std::string_view m, std::string& sqlstate) {
    auto has = [&](std::string_view s) { return m.find(s) != std::string_view::npos; };
    if (has("password authentication failed") || has("no password supplied") || has("SCRAM authentication") ||
        has("authentication failed")) {
        sqlstate = "28P01";
        return connect_failure::authentication;
    }
    if (has("role \"") && has("does not exist")) {
        sqlstate = "28000";
        return connect_failure::authentication;
    }
    if (has("too many clients") || has("remaining connection slots are reserved") || has("too many connections")) {
        sqlstate = "53300";
        return connect_failure::too_many_connections;
    }
    if (has("database \"") && has("does not exist")) {
        sqlstate = "3D000";
        return connect_failure::bad_target;
    }
    if (has("invalid connection option") || has("invalid URI") || has("invalid integer value") ||
        has("missing \"=\"") || has("unterminated quoted string"))
        return connect_failure::bad_target;
    if (has("timeout expired")) return connect_failure::timed_out; // libpq's own connect_timeout: no answer
    if (has("Connection refused") || has("could not connect") ||
        has("No such file or directory") || has("could not translate host name") || has("Network is unreachable") ||
        has("server closed the connection") || has("the database system is starting up") ||
        has("the database system is shutting down") || has("No route to host")) {
        if (has("starting up") || has("shutting down")) sqlstate = "57P03";
        return connect_failure::unreachable;
    }
    return connect_failure::unknown;
}

/// `text` with every occurrence of `secret` replaced by "***".
inline std::string scrub(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
        text.replace(pos, secret.size(), "***");
    return text;
}

/// libpq messages end with a newline; trim it.
inline std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

} // namespace cistern::postgres::detail

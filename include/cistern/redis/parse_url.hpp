#pragma once
/// \file
/// `cistern::redis::parse_url`: redis options from a URL.

#include <cistern/error.hpp>
#include <cistern/redis/options.hpp>

#include <charconv>
#include <string>
#include <string_view>

namespace cistern::redis {

namespace detail {
inline std::string percent_decode(std::string_view s, const char* field) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') { out += s[i]; continue; }
        unsigned v = 0;
        if (i + 2 >= s.size() ||
            std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr != s.data() + i + 3)
            throw config_error(field, "(redacted)", "bad percent escape");
        out += static_cast<char>(v);
        i += 2;
    }
    return out;
}
inline int parse_int(std::string_view s, const char* field, int lo, int hi) {
    int v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size() || v < lo || v > hi)
        throw config_error(field, std::string(s), "must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
    return v;
}
} // namespace detail

/// Options from `url`, starting from `base` for what the URL does not say (timeouts,
/// key prefix). Accepted forms:
///  - `redis://[[user]:password@]host[:port][/db]` (TCP; port 6379 and db 0 by default;
///    user and password percent-decoded; `redis://:pw@host` authenticates the default user);
///  - `unix:/path/to/redis.sock[?db=N][&user=U][&password=P]` (Unix socket).
/// Throws config_error (field "redis url", value redacted) for anything else.
inline options parse_url(std::string_view url, options base = {}) {
    options o = std::move(base);
    auto bad = [](const std::string& why) { return config_error("redis url", "(redacted)", why); };
    if (url.starts_with("unix:")) {
        std::string_view rest = url.substr(5);
        if (rest.starts_with("//")) rest.remove_prefix(2);
        const auto q = rest.find('?');
        std::string_view path = rest.substr(0, q);
        if (path.empty() || path.front() != '/') throw bad("unix: needs an absolute socket path");
        o.unix_path = std::string(path);
        if (q != std::string_view::npos) {
            std::string_view qs = rest.substr(q + 1);
            while (!qs.empty()) {
                const auto amp = qs.find('&');
                std::string_view kv = qs.substr(0, amp);
                qs = amp == std::string_view::npos ? std::string_view{} : qs.substr(amp + 1);
                const auto eq = kv.find('=');
                if (eq == std::string_view::npos) throw bad("query parameter without '='");
                const std::string_view k = kv.substr(0, eq), v = kv.substr(eq + 1);
                if (k == "db") o.db = detail::parse_int(v, "redis url db", 0, 1 << 20);
                else if (k == "user") o.user = detail::percent_decode(v, "redis url user");
                else if (k == "password") o.password = detail::percent_decode(v, "redis url password");
                else throw bad("unknown parameter '" + std::string(k) + "' (db, user, password)");
            }
        }
        return o;
    }
    if (!url.starts_with("redis://")) throw bad("must start with redis:// or unix:");
    std::string_view rest = url.substr(8);
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        std::string_view db = rest.substr(slash + 1);
        if (!db.empty()) o.db = detail::parse_int(db, "redis url db", 0, 1 << 20);
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        std::string_view cred = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const auto colon = cred.find(':');
        if (colon == std::string_view::npos) {
            o.password = detail::percent_decode(cred, "redis url password"); // redis://password@host
        } else {
            o.user = detail::percent_decode(cred.substr(0, colon), "redis url user");
            o.password = detail::percent_decode(cred.substr(colon + 1), "redis url password");
        }
    }
    std::string_view host = authority;
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
        host = authority.substr(0, colon);
        o.port = static_cast<std::uint16_t>(detail::parse_int(authority.substr(colon + 1), "redis url port", 1, 65535));
    }
    if (host.empty()) throw bad("no host");
    o.host = std::string(host);
    o.unix_path.clear();
    return o;
}

} // namespace cistern::redis

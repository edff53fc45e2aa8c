#pragma once
/// \file
/// detail: finding every secret a PostgreSQL target may carry, without trusting libpq's
/// parse, and removing them (and the raw target) from any text.

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::postgres::detail {

/// `s` with %XX escapes decoded (a malformed escape is kept as written).
inline std::string percent_decode(std::string_view s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

/// True for a `postgresql://` or `postgres://` target.
inline bool is_url_target(std::string_view t) {
    return t.starts_with("postgresql://") || t.starts_with("postgres://");
}

/// Every string in `target` that may be a secret, found conservatively (more rather
/// than less): the URL's user-info password up to the last '@' (a password with an
/// unescaped '@' or '/' included), raw and decoded; the value of every `password` /
/// `sslpassword` parameter, raw, unquoted and decoded, up to a space and up to a '&';
/// and the PGPASSWORD environment variable.
inline std::vector<std::string> secrets_of(std::string_view target) {
    std::vector<std::string> out;
    auto keep = [&](std::string v) {
        if (!v.empty()) out.push_back(std::move(v));
    };
    if (is_url_target(target)) {
        const auto rest = target.substr(target.find("://") + 3);
        if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
            const auto info = rest.substr(0, at);
            if (const auto colon = info.find(':'); colon != std::string_view::npos) {
                keep(std::string(info.substr(colon + 1)));
                keep(percent_decode(info.substr(colon + 1)));
            }
        }
    }
    for (std::string_view key : {std::string_view("password"), std::string_view("sslpassword")}) {
        for (auto pos = target.find(key); pos != std::string_view::npos; pos = target.find(key, pos + 1)) {
            auto i = pos + key.size();
            while (i < target.size() && (target[i] == ' ' || target[i] == '\t')) ++i;
            if (i >= target.size() || target[i] != '=') continue;
            ++i;
            while (i < target.size() && (target[i] == ' ' || target[i] == '\t')) ++i;
            if (i < target.size() && target[i] == '\'') { // conninfo quoting: \' and \\ escapes
                std::string raw, unquoted;
                std::size_t j = i + 1;
                for (; j < target.size() && target[j] != '\''; ++j) {
                    if (target[j] == '\\' && j + 1 < target.size()) {
                        raw += target[j];
                        ++j;
                    }
                    raw += target[j];
                    unquoted += target[j];
                }
                keep(raw);
                keep(unquoted);
                keep(std::string(target.substr(i, j - i + (j < target.size() ? 1 : 0))));
                continue;
            }
            auto j = i;
            while (j < target.size() && target[j] != ' ' && target[j] != '\t' && target[j] != '\n') ++j;
            const auto to_space = target.substr(i, j - i);
            keep(std::string(to_space));
            keep(percent_decode(to_space));
            const auto amp = to_space.find('&');
            if (amp != std::string_view::npos) {
                keep(std::string(to_space.substr(0, amp)));
                keep(percent_decode(to_space.substr(0, amp)));
            }
        }
    }
    if (const char* env = std::getenv("PGPASSWORD"); env && *env) keep(env);
    return out;
}

/// `text` with every occurrence of `secret` replaced by "***".
inline std::string replace_all(std::string text, std::string_view secret) {
    if (secret.empty()) return text;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
        text.replace(pos, secret.size(), "***");
    return text;
}

/// `text` without the raw `target` and without any secret it carries (secrets_of),
/// longest first so that a secret containing a shorter one is removed whole.
inline std::string redact_message(std::string text, std::string_view target) {
    text = replace_all(std::move(text), target);
    auto secrets = secrets_of(target);
    std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& s : secrets) text = replace_all(std::move(text), s);
    return text;
}

} // namespace cistern::postgres::detail

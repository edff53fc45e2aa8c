#pragma once
/// \file
/// cistern::redis::detail::scrub: removes a password from a message.

#include <string>
#include <string_view>

namespace cistern::redis::detail {

/// `s` with every occurrence of `secret` replaced by "***" (nothing when secret is empty).
inline std::string scrub(std::string_view s, std::string_view secret) {
    std::string out(s);
    if (secret.empty()) return out;
    for (std::size_t p = out.find(secret); p != std::string::npos; p = out.find(secret, p + 3))
        out.replace(p, secret.size(), "***");
    return out;
}

} // namespace cistern::redis::detail

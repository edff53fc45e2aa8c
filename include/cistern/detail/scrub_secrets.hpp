#pragma once
/// \file
/// detail: masks the usual shapes of a secret in free text (for messages that come from
/// a factory or backend cistern does not know, before they are kept or shown).

#include <algorithm>
#include <string>
#include <string_view>

namespace cistern::detail {

/// `text` with `scheme://user:SECRET@` masked as `scheme://user:***@` (up to the last '@'
/// before the next space or quote, so a password holding '@' or '/' is masked whole) and
/// the value of every `password=` / `sslpassword=` (quoted or up to a space) masked as
/// `***`. Adapters scrub their own messages precisely; this is the safety net for text
/// of unknown origin.
inline std::string scrub_secrets(std::string text) {
    auto is_end = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\''; };
    for (std::size_t pos = text.find("://"); pos != std::string::npos; pos = text.find("://", pos + 3)) {
        std::size_t end = pos + 3;
        while (end < text.size() && !is_end(text[end])) ++end;
        const std::string_view span(text.data() + pos + 3, end - pos - 3);
        const auto at = span.rfind('@');
        if (at == std::string_view::npos) continue;
        const auto colon = span.substr(0, at).find(':');
        if (colon == std::string_view::npos) continue;
        text.replace(pos + 3 + colon + 1, at - colon - 1, "***");
    }
    for (std::string_view key : {std::string_view("password"), std::string_view("PASSWORD")}) {
        for (std::size_t pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + 1)) {
            std::size_t i = pos + key.size();
            while (i < text.size() && text[i] == ' ') ++i;
            if (i >= text.size() || text[i] != '=') continue;
            ++i;
            while (i < text.size() && text[i] == ' ') ++i;
            std::size_t j = i;
            if (j < text.size() && text[j] == '\'') {
                for (++j; j < text.size() && text[j] != '\''; ++j)
                    if (text[j] == '\\') ++j;
                j = std::min(j + 1, text.size());
            } else {
                while (j < text.size() && !is_end(text[j]) && text[j] != '&') ++j;
            }
            if (j > i) text.replace(i, j - i, "***");
        }
    }
    return text;
}

} // namespace cistern::detail

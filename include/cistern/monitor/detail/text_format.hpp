#pragma once
/// \file
/// Escaping and number formatting shared by the monitor's text sinks.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

namespace cistern::detail {

/// A JSON string literal (with the quotes).
inline std::string json_quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
    return out;
}

/// A Prometheus label value, escaped (backslash, double quote, newline), without quotes.
inline std::string prom_label_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

/// A double in the shortest form that reads back exactly ("0.001", "1e-09", "42").
inline std::string format_number(double v) {
    char buf[32];
    for (int prec = 6; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

/// Nanoseconds as seconds, formatted.
inline std::string format_seconds(std::chrono::nanoseconds d) {
    return format_number(static_cast<double>(d.count()) / 1e9);
}

/// `t` in UTC as strftime `format` writes it (at most 47 characters); by default
/// ISO 8601, "2026-11-22T20:10:00Z".
inline std::string format_utc(std::chrono::system_clock::time_point t, const char* format = "%Y-%m-%dT%H:%M:%SZ") {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[48];
    return std::string(buf, std::strftime(buf, sizeof buf, format, &tm));
}

} // namespace cistern::detail

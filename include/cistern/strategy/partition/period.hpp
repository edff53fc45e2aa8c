#pragma once
/// \file
/// `cistern::strategy::partition::period`: calendar periods (day, ISO week, month, year)
/// and the arithmetic the time-partitioning strategies share (pure, no database).

#include <cistern/error.hpp>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace cistern::strategy::partition {

/// Length of one time partition. Weeks start on Monday (ISO 8601).
enum class period { daily, weekly, monthly, yearly };

/// The period's name: "daily", "weekly", "monthly" or "yearly" ("unknown" outside the enum).
inline const char* to_string(period p) noexcept {
    switch (p) {
    case period::daily: return "daily";
    case period::weekly: return "weekly";
    case period::monthly: return "monthly";
    case period::yearly: return "yearly";
    }
    return "unknown";
}

/// Start (UTC midnight) of the period that contains `t`.
inline std::chrono::sys_days period_floor(std::chrono::sys_seconds t, period p) {
    using namespace std::chrono;
    const sys_days d = floor<days>(t);
    const year_month_day ymd{d};
    switch (p) {
    case period::daily: return d;
    case period::weekly: return d - (weekday{d} - Monday);
    case period::monthly: return sys_days{ymd.year() / ymd.month() / 1};
    case period::yearly: return sys_days{ymd.year() / January / 1};
    }
    return d;
}

/// The start of the period `n` periods after the one starting at `start` (n may be negative).
/// `start` must be a period start as returned by period_floor.
inline std::chrono::sys_days period_add(std::chrono::sys_days start, period p, int n) {
    using namespace std::chrono;
    switch (p) {
    case period::daily: return start + days{n};
    case period::weekly: return start + weeks{n};
    case period::monthly: {
        const year_month_day ymd{start};
        return sys_days{(ymd.year() / ymd.month() + months{n}) / 1};
    }
    case period::yearly: {
        const year_month_day ymd{start};
        return sys_days{(ymd.year() + years{n}) / January / 1};
    }
    }
    return start;
}

/// Partition-name suffix of the period starting at `start`: daily `20240115`, weekly
/// `20240115` (its Monday), monthly `202401`, yearly `2024`.
inline std::string period_suffix(std::chrono::sys_days start, period p) {
    const std::chrono::year_month_day ymd{start};
    char buf[16];
    const int y = static_cast<int>(ymd.year());
    const unsigned m = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
    switch (p) {
    case period::daily:
    case period::weekly: std::snprintf(buf, sizeof buf, "%04d%02u%02u", y, m, d); break;
    case period::monthly: std::snprintf(buf, sizeof buf, "%04d%02u", y, m); break;
    case period::yearly: std::snprintf(buf, sizeof buf, "%04d", y); break;
    }
    return buf;
}

/// Inverse of period_suffix: the period start a suffix names, or nullopt when `s` is not a
/// suffix of period `p` (wrong length, not a date, or not a period start).
inline std::optional<std::chrono::sys_days> parse_period_suffix(std::string_view s, period p) {
    using namespace std::chrono;
    const std::size_t want = p == period::monthly ? 6 : p == period::yearly ? 4 : 8;
    if (s.size() != want) return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9') return std::nullopt;
    auto num = [&](std::size_t b, std::size_t n) {
        int v = 0;
        for (std::size_t i = b; i < b + n; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    const int y = num(0, 4);
    const unsigned m = want >= 6 ? static_cast<unsigned>(num(4, 2)) : 1u;
    const unsigned d = want == 8 ? static_cast<unsigned>(num(6, 2)) : 1u;
    const year_month_day ymd{year{y}, month{m}, day{d}};
    if (!ymd.ok()) return std::nullopt;
    const sys_days start{ymd};
    if (period_floor(sys_seconds{start}, p) != start) return std::nullopt;
    return start;
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a time point: the text form both databases compare.
inline std::string format_timestamp(std::chrono::sys_seconds t) {
    using namespace std::chrono;
    const sys_days d = floor<days>(t);
    const year_month_day ymd{d};
    const hh_mm_ss<seconds> hms{t - d};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

} // namespace cistern::strategy::partition

#pragma once
/// \file
/// `cistern::statement_trend`: one statement's calls and time over a monitor's newest
/// history intervals (what a dashboard draws as the statement's sparkline).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cistern {

/// Per-interval figures of one statement, oldest first, one element per interval. The
/// vectors are aligned with the newest `calls.size()` elements of
/// monitor_history::intervals (monitor_options::statement_trend_length of them at most).
struct statement_trend {
    std::uint32_t id = 0;                   ///< statement_summary::id of the statement
    std::string fingerprint;                ///< its fingerprint (never a literal value)
    std::vector<std::uint64_t> calls;       ///< calls that ended in each interval
    std::vector<std::chrono::nanoseconds> total; ///< their summed time, per interval
    /// Summed time over all the trend's intervals.
    std::chrono::nanoseconds sum() const noexcept {
        std::chrono::nanoseconds s{};
        for (auto t : total) s += t;
        return s;
    }
};

} // namespace cistern

#pragma once
/// \file
/// `cistern::monitor_history`: the intervals of a monitor's history within a window, and
/// their merge.

#include <chrono>
#include <cstddef>
#include <vector>

#include <cistern/monitor/history_interval.hpp>
#include <cistern/monitor/statement_trend.hpp>

namespace cistern {

/// What monitor::history(window) returns: the closed intervals that ended within the
/// window (oldest first) and `total`, their merge (counters summed, percentiles from the
/// merged interval histograms, pool gauges of the newest interval, peak the highest).
struct monitor_history {
    std::chrono::nanoseconds interval{}; ///< monitor_options::history_interval (0: history off)
    std::size_t capacity = 0;            ///< monitor_options::history_length
    std::chrono::nanoseconds window{};   ///< the window asked for
    std::vector<history_interval> intervals; ///< closed intervals that ended in the window, oldest first
    history_interval total;              ///< the merge of `intervals`
    /// Per statement with a call in them, its calls and time in the newest
    /// `statements[i].calls.size()` of `intervals` (monitor_options::statement_trend_length
    /// at most), by summed time, descending.
    std::vector<statement_trend> statements;
};

} // namespace cistern

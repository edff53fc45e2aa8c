#pragma once
/// \file
/// detail::history_ring: a monitor's fixed-size ring of closed history intervals.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <cistern/monitor/history_interval.hpp>
#include <cistern/monitor/interval_histogram.hpp>
#include <cistern/monitor/monitor_history.hpp>

namespace cistern::detail {

/// `capacity` slots allocated once; push() overwrites the oldest. Not thread-safe (the
/// monitor guards it with its history mutex).
class history_ring {
public:
    explicit history_ring(std::size_t capacity) : slots_(std::max<std::size_t>(capacity, 1)) {}

    std::size_t capacity() const noexcept { return slots_.size(); }
    std::size_t size() const noexcept { return std::min<std::uint64_t>(pushed_, slots_.size()); }

    /// Adds a closed interval that ended at `end_steady_ns` (steady_clock, ns).
    void push(const history_interval& figures, const interval_histogram& latency, std::int64_t end_steady_ns) {
        slot& s = slots_[pushed_ % slots_.size()];
        s.figures = figures;
        s.latency = latency;
        s.end_steady_ns = end_steady_ns;
        ++pushed_;
    }

    /// The intervals that ended within `window` before the newest one's end (all of them
    /// for a window at least as long as the ring), oldest first, and their merge.
    monitor_history read(std::chrono::nanoseconds window, std::chrono::nanoseconds interval) const {
        monitor_history h;
        h.interval = interval;
        h.capacity = slots_.size();
        h.window = window;
        const std::size_t n = size();
        if (n == 0) return h;
        const std::uint64_t first = pushed_ - n;
        const std::int64_t newest_end = slots_[(pushed_ - 1) % slots_.size()].end_steady_ns;
        std::uint64_t from = first;
        // an interval is in the window if it ended after newest_end - window
        while (from < pushed_ && newest_end - slots_[from % slots_.size()].end_steady_ns >= window.count())
            ++from;
        interval_histogram merged;
        h.intervals.reserve(static_cast<std::size_t>(pushed_ - from));
        history_interval& t = h.total;
        for (std::uint64_t i = from; i < pushed_; ++i) {
            const slot& s = slots_[i % slots_.size()];
            const history_interval& f = s.figures;
            h.intervals.push_back(f);
            merged.merge_from(s.latency);
            if (i == from) t.begin = f.begin;
            t.length += f.length;
            t.calls += f.calls;
            t.errors += f.errors;
            t.rows += f.rows;
            t.slow += f.slow;
            t.total += f.total;
            t.pool_observed = f.pool_observed;
            t.pool_size = f.pool_size;
            t.pool_in_use = f.pool_in_use;
            t.pool_in_use_peak = std::max(t.pool_in_use_peak, f.pool_in_use_peak);
            t.pool_idle = f.pool_idle;
            t.pool_waiting = f.pool_waiting;
            t.pool_pending = f.pool_pending;
            t.pool_max_size = f.pool_max_size;
            t.pool_acquired += f.pool_acquired;
            t.pool_waited += f.pool_waited;
            t.pool_wait_total += f.pool_wait_total;
            t.pool_timeouts += f.pool_timeouts;
            t.pool_connect_failures += f.pool_connect_failures;
            t.cache_observed = f.cache_observed;
            t.cache_hits += f.cache_hits;
            t.cache_misses += f.cache_misses;
            t.cache_loads += f.cache_loads;
            t.cache_evictions += f.cache_evictions;
        }
        set_percentiles(t, merged);
        return h;
    }

    /// Fills p50/p95/p99/max of `f` from `h`.
    static void set_percentiles(history_interval& f, const interval_histogram& h) noexcept {
        using ns = std::chrono::nanoseconds;
        f.p50 = ns(static_cast<std::int64_t>(h.percentile(50)));
        f.p95 = ns(static_cast<std::int64_t>(h.percentile(95)));
        f.p99 = ns(static_cast<std::int64_t>(h.percentile(99)));
        f.max = ns(static_cast<std::int64_t>(h.percentile(100)));
    }

private:
    struct slot {
        history_interval figures;
        interval_histogram latency;
        std::int64_t end_steady_ns = 0;
    };
    std::vector<slot> slots_;
    std::uint64_t pushed_ = 0;
};

} // namespace cistern::detail

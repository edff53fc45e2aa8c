#pragma once
/// \file
/// detail::statement_trends: per-statement rings of per-interval calls and time, filled
/// when a history interval closes (off the recording path).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <cistern/monitor/statement_stats.hpp>
#include <cistern/monitor/statement_trend.hpp>

namespace cistern::detail {

/// One ring of `length` points per statement the registry holds (bounded by
/// max_fingerprints + 1), 16 bytes a point. All rings share one write position, so the
/// point for interval i is at the same index in each; a statement first seen later has
/// zeros before it (it had no calls). Not thread-safe (the monitor's history mutex guards it).
class statement_trends {
public:
    explicit statement_trends(std::size_t length) : length_(length) {}

    std::size_t length() const noexcept { return length_; }

    /// Records, for each statement, what it did since the previous tick (from its
    /// cumulative counters) as the newest point. Counters that went down (reset_stats)
    /// count from zero.
    void tick(const std::vector<const statement_stats*>& all) {
        if (length_ == 0) return;
        const std::size_t pos = ticks_ % length_;
        for (const statement_stats* st : all) {
            auto [it, added] = rings_.try_emplace(st);
            ring& r = it->second;
            if (added) r.points.assign(length_, point{});
            const std::uint64_t c = st->calls(), t = st->total_ns();
            r.points[pos] = point{c >= r.last_calls ? c - r.last_calls : c, t >= r.last_total ? t - r.last_total : t};
            r.last_calls = c;
            r.last_total = t;
            r.touched = ticks_;
        }
        for (auto& [st, r] : rings_)
            if (r.touched != ticks_) r.points[pos] = point{}; // left the registry's list: no calls
        ++ticks_;
    }

    /// Takes the statements' current counters as the base for the next tick (when the
    /// first interval starts, and after the monitor reset them), without adding a point.
    void rebase(const std::vector<const statement_stats*>& all) {
        if (length_ == 0) return;
        for (const statement_stats* st : all) {
            auto [it, added] = rings_.try_emplace(st);
            if (added) it->second.points.assign(length_, point{});
            it->second.last_calls = st->calls();
            it->second.last_total = st->total_ns();
        }
    }

    /// The newest `n` points (at most length() and the ticks so far) of every statement
    /// with a call in them, by summed time, descending.
    std::vector<statement_trend> read(std::size_t n) const {
        n = std::min<std::size_t>({n, length_, static_cast<std::size_t>(ticks_)});
        std::vector<statement_trend> out;
        if (n == 0) return out;
        for (const auto& [st, r] : rings_) {
            statement_trend tr;
            tr.id = st->id;
            tr.fingerprint = st->fingerprint;
            tr.calls.reserve(n);
            tr.total.reserve(n);
            std::uint64_t any = 0;
            for (std::uint64_t i = ticks_ - n; i < ticks_; ++i) {
                const point& p = r.points[i % length_];
                tr.calls.push_back(p.calls);
                tr.total.push_back(std::chrono::nanoseconds(static_cast<std::int64_t>(p.total_ns)));
                any += p.calls;
            }
            if (any) out.push_back(std::move(tr));
        }
        std::sort(out.begin(), out.end(), [](const statement_trend& a, const statement_trend& b) {
            const auto sa = a.sum(), sb = b.sum();
            return sa != sb ? sa > sb : a.id < b.id;
        });
        return out;
    }

private:
    struct point {
        std::uint64_t calls = 0, total_ns = 0;
    };
    struct ring {
        std::vector<point> points;
        std::uint64_t last_calls = 0, last_total = 0, touched = 0;
    };
    std::size_t length_;
    std::uint64_t ticks_ = 0;
    std::unordered_map<const statement_stats*, ring> rings_;
};

} // namespace cistern::detail

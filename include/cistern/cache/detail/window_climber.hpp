#pragma once
/// \file
/// detail::window_climber: the hill climber that sizes W-TinyLFU's admission window.

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace cistern::detail {

/// Moves the window of a W-TinyLFU towards the size with the best hit ratio.
///
/// The policy reports every request (record: a hit, or an insert after a miss); every
/// period() requests the climber compares the sample's hit ratio with the previous
/// sample's and returns how much to grow (> 0) or shrink (< 0) the window:
///  - the first sample only sets the baseline (no collapse from a previous ratio of 0);
///    the first move grows the window by 6.25 % of the capacity;
///  - a move that raised the hit ratio by more than 0.05 points is followed by another
///    in the same direction; one that lowered it by as much, by a move back with half the
///    step (damping oscillation); one that changed it less, by a move the same way with a
///    step 10 % smaller. The step never falls below 0.5 % of the capacity;
///  - at the smallest or the largest window the direction turns, so the climber never
///    stays at an extreme without trying the other direction.
/// The period is 2 x capacity, at least 40 960 requests and at most 10 x capacity (as
/// Caffeine's): a 65 536-entry cache decides every 131 072 requests instead of every
/// 655 360, a 1 000-entry one every 10 000 (shorter samples of small caches measure the
/// workload's phase rather than the window).
class window_climber {
public:
    /// Starts over for `capacity` weight units; returns the initial window (1 %, at least 1).
    std::uint64_t reset(std::uint64_t capacity) noexcept {
        capacity_ = std::max<std::uint64_t>(capacity, 1);
        const std::uint64_t c = std::max<std::uint64_t>(capacity_, 16);
        period_ = std::min<std::uint64_t>(10 * c, std::max<std::uint64_t>(2 * c, 40960));
        hits_ = requests_ = 0;
        have_rate_ = false;
        previous_ = 0;
        step_ = initial_step * static_cast<double>(capacity_);
        return std::max<std::uint64_t>(1, capacity_ / 100);
    }
    /// The capacity changed to `capacity` (the window keeps its share): the period and the
    /// step scale with it; the sample under way goes on.
    void set_capacity(std::uint64_t capacity) noexcept {
        const std::uint64_t old = capacity_;
        capacity_ = std::max<std::uint64_t>(capacity, 1);
        const std::uint64_t c = std::max<std::uint64_t>(capacity_, 16);
        period_ = std::min<std::uint64_t>(10 * c, std::max<std::uint64_t>(2 * c, 40960));
        step_ *= static_cast<double>(capacity_) / static_cast<double>(old);
    }
    /// Counts one request; true when a decision is due (then call decide()).
    bool record(bool hit) noexcept {
        hits_ += hit ? 1 : 0;
        return ++requests_ >= period_;
    }
    /// The window's change, given its current size and the largest it may take; starts
    /// the next sample.
    std::int64_t decide(std::uint64_t window, std::uint64_t max_window) noexcept {
        const double rate = static_cast<double>(hits_) / static_cast<double>(requests_);
        hits_ = requests_ = 0;
        if (have_rate_) {
            const double change = rate - previous_;
            // Better: the same step again. Worse: back, with half the step. Neither: smaller.
            if (change < -noise) step_ = -step_ * reverse_rate;
            else if (change <= noise) step_ *= decay_rate;
            const double min_step = min_step_share * static_cast<double>(capacity_);
            if (std::abs(step_) < min_step) step_ = step_ < 0 ? -min_step : min_step;
        }
        have_rate_ = true;
        previous_ = rate;
        // At an extreme, turn: the other direction may not have been tried.
        if ((step_ < 0 && window <= 1) || (step_ > 0 && window >= max_window)) step_ = -step_;
        const double amount = std::round(step_);
        if (amount < 0) return static_cast<std::int64_t>(std::max(amount, -static_cast<double>(window - 1)));
        return static_cast<std::int64_t>(std::min(amount, static_cast<double>(max_window - window)));
    }
    /// Requests between two decisions.
    std::uint64_t period() const noexcept { return period_; }

    /// The first step, as a share of the capacity.
    static constexpr double initial_step = 0.0625;
    /// A change of the hit ratio smaller than this is noise.
    static constexpr double noise = 0.0005;
    /// The step after a move that lowered the hit ratio, as a share of the last one.
    static constexpr double reverse_rate = 0.5;
    /// The step after a move that changed nothing, as a share of the last one.
    static constexpr double decay_rate = 0.9;
    /// The smallest step, as a share of the capacity.
    static constexpr double min_step_share = 0.005;

private:
    std::uint64_t capacity_ = 1, period_ = 40960, hits_ = 0, requests_ = 0;
    bool have_rate_ = false;
    double previous_ = 0, step_ = 0;
};

} // namespace cistern::detail

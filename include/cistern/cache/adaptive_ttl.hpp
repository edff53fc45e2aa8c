#pragma once
/// \file
/// `cistern::adaptive_ttl`: a time to live per table, derived from how often the table is
/// invalidated, for the query cache's results that were given no TTL of their own — a
/// safety net under invalidation on write, which stays the mechanism that keeps results
/// fresh (see docs/cache.md, "Adaptive TTL").

#include <cistern/coarse_clock.hpp>
#include <cistern/error.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cistern {

/// The numbers of an adaptive_ttl. Validated at construction: a bad value throws
/// config_error naming the field.
struct adaptive_ttl_options {
    ///@{
    /// Bounds of every TTL given (a table never invalidated, or whose second invalidation
    /// has not been seen, gets max_ttl). 0 < min_ttl <= max_ttl.
    std::chrono::nanoseconds min_ttl = std::chrono::seconds(1), max_ttl = std::chrono::hours(1);
    ///@}
    /// TTL = factor × the estimated interval between invalidations (then bounded). > 0.
    double factor = 1.0;
    /// Weight of the newest interval in the moving average (EWMA), in (0, 1]: 1 follows
    /// only the last interval, 0.2 (the default) about the last five.
    double smoothing = 0.2;
    /// Tables (invalidation tags) tracked at most; invalidations of further ones are
    /// counted in untracked() and those tables get max_ttl. > 0.
    std::size_t max_tables = 4096;

    /// Throws config_error when a field is out of range.
    void validate() const {
        if (min_ttl.count() <= 0)
            throw config_error("adaptive_ttl_options.min_ttl", std::to_string(min_ttl.count()) + " ns", "must be > 0");
        if (max_ttl < min_ttl)
            throw config_error("adaptive_ttl_options.max_ttl", std::to_string(max_ttl.count()) + " ns", "must be >= min_ttl");
        if (!(factor > 0.0) || factor > 1e6)
            throw config_error("adaptive_ttl_options.factor", std::to_string(factor), "must be in (0, 1e6]");
        if (!(smoothing > 0.0 && smoothing <= 1.0))
            throw config_error("adaptive_ttl_options.smoothing", std::to_string(smoothing), "must be in (0, 1]");
        if (max_tables == 0) throw config_error("adaptive_ttl_options.max_tables", "0", "must be > 0");
    }
};

/// What a query cache asks of a TTL source (query_cache::set_ttl_source): told of every
/// invalidation by the tags it drops, asked for the TTL of a result by the tags it
/// carries. Called on the miss and invalidation paths only, from any thread.
class ttl_source {
public:
    /// An invalidation of the results carrying any of `tags` (a table's tags, see
    /// query_cache's matching rule). Never throws.
    virtual void observe_invalidation(std::span<const std::string> tags) noexcept = 0;
    /// The TTL of a result carrying `tags`. May throw std::bad_alloc only.
    virtual std::chrono::nanoseconds ttl_for(std::span<const std::string> tags) const = 0;

protected:
    ~ttl_source() = default;
};

namespace detail {

template <class C> concept at_has_now = requires { C::now(); };
template <class C> concept at_has_time_point = requires { typename C::time_point; typename C::duration; };
template <class C> concept at_now_is_time_point = requires { { C::now() } -> std::convertible_to<typename C::time_point>; };

/// True for a clock adaptive_ttl can read; otherwise a static_assert names what is missing.
template <class C>
consteval bool check_ttl_clock() {
    static_assert(at_has_now<C>, "cistern::adaptive_ttl: the clock needs `static time_point now()`");
    static_assert(at_has_time_point<C>, "cistern::adaptive_ttl: the clock needs `time_point` and `duration` types");
    static_assert(at_now_is_time_point<C>, "cistern::adaptive_ttl: the clock's now() must return its time_point");
    static_assert(C::is_steady, "cistern::adaptive_ttl: the clock must be monotonic (C::is_steady)");
    return true;
}

} // namespace detail

/// Per table, an estimate of the interval between its invalidations and a TTL from it:
///
///  - Each invalidation of a tag (a table name as query_cache tags results: `main.users`,
///    `users`, `*.users`) at time t closes an interval t − (its previous invalidation); the
///    estimate is the exponentially weighted moving average of these intervals
///    (options.smoothing), and, as time passes without another invalidation, at least the
///    time since the last one (a table that went quiet gets longer TTLs again).
///  - TTL of a tag = factor × estimate, bounded by [min_ttl, max_ttl]; max_ttl for a tag
///    with fewer than two invalidations seen.
///  - TTL of a result = the minimum over the tags it carries (the tables it read).
///
/// It sees only the invalidations the query cache is told of (execute(), invalidate(),
/// a shared tier's), the same writes invalidation already handles: the TTL bounds how long
/// a result can outlive a write the cache was not told of, on a table whose writes it
/// was told of. Thread-safe (one mutex, taken on misses and invalidations, never on hits).
///
/// `Clock`: monotonic, `static time_point now()` (default coarse_steady_clock; tests pass
/// a clock they move by hand).
template <class Clock = coarse_steady_clock>
class basic_adaptive_ttl final : public ttl_source {
    static_assert(detail::check_ttl_clock<Clock>());

public:
    /// Throws config_error for bad options.
    explicit basic_adaptive_ttl(adaptive_ttl_options options = {}) : opts_((options.validate(), options)) {}
    basic_adaptive_ttl(const basic_adaptive_ttl&) = delete;
    basic_adaptive_ttl& operator=(const basic_adaptive_ttl&) = delete;

    /// The options it was constructed with.
    const adaptive_ttl_options& options() const noexcept { return opts_; }

    void observe_invalidation(std::span<const std::string> tags) noexcept override {
        const auto now = Clock::now();
        std::lock_guard lock(mu_);
        for (const std::string& tag : tags) {
            auto it = tables_.find(std::string_view(tag));
            if (it == tables_.end()) {
                if (tables_.size() >= opts_.max_tables) {
                    ++untracked_;
                    continue;
                }
                try {
                    it = tables_.emplace(tag, estimate{}).first;
                } catch (...) { // std::bad_alloc: this tag keeps max_ttl
                    ++untracked_;
                    continue;
                }
            }
            estimate& e = it->second;
            if (e.invalidations > 0) {
                const double interval = std::max(0.0, std::chrono::duration<double, std::nano>(now - e.last).count());
                e.mean_ns = e.invalidations == 1 ? interval : opts_.smoothing * interval + (1.0 - opts_.smoothing) * e.mean_ns;
            }
            e.last = now;
            ++e.invalidations;
        }
    }

    std::chrono::nanoseconds ttl_for(std::span<const std::string> tags) const override {
        const auto now = Clock::now();
        std::lock_guard lock(mu_);
        std::chrono::nanoseconds ttl = opts_.max_ttl;
        for (const std::string& tag : tags)
            if (auto it = tables_.find(std::string_view(tag)); it != tables_.end()) ttl = std::min(ttl, ttl_locked(it->second, now));
        return ttl;
    }

    /// The TTL a result that read only `tag` gets now (max_ttl for a tag not seen twice).
    std::chrono::nanoseconds ttl_of(std::string_view tag) const {
        const auto now = Clock::now();
        std::lock_guard lock(mu_);
        const auto it = tables_.find(tag);
        return it == tables_.end() ? opts_.max_ttl : ttl_locked(it->second, now);
    }
    /// The estimated interval between invalidations of `tag` (nothing before its second).
    std::optional<std::chrono::nanoseconds> interval_of(std::string_view tag) const {
        const auto now = Clock::now();
        std::lock_guard lock(mu_);
        const auto it = tables_.find(tag);
        if (it == tables_.end() || it->second.invalidations < 2) return std::nullopt;
        return to_ns(interval_locked(it->second, now));
    }
    /// Invalidations seen of `tag`.
    std::uint64_t invalidations_of(std::string_view tag) const {
        std::lock_guard lock(mu_);
        const auto it = tables_.find(tag);
        return it == tables_.end() ? 0 : it->second.invalidations;
    }
    /// Tags tracked now.
    std::size_t tracked() const {
        std::lock_guard lock(mu_);
        return tables_.size();
    }
    /// Invalidations of tags not tracked (past max_tables).
    std::uint64_t untracked() const {
        std::lock_guard lock(mu_);
        return untracked_;
    }

private:
    struct estimate {
        typename Clock::time_point last{};
        double mean_ns = 0.0;
        std::uint64_t invalidations = 0;
    };
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    static std::chrono::nanoseconds to_ns(double ns) noexcept {
        return ns >= 9.2e18 ? std::chrono::nanoseconds::max() : std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
    }
    static double interval_locked(const estimate& e, typename Clock::time_point now) noexcept {
        const double quiet = std::chrono::duration<double, std::nano>(now - e.last).count();
        return std::max(e.mean_ns, quiet);
    }
    std::chrono::nanoseconds ttl_locked(const estimate& e, typename Clock::time_point now) const noexcept {
        if (e.invalidations < 2) return opts_.max_ttl;
        const double ns = opts_.factor * interval_locked(e, now);
        return std::clamp(to_ns(ns), opts_.min_ttl, opts_.max_ttl);
    }

    adaptive_ttl_options opts_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, estimate, text_hash, std::equal_to<>> tables_;
    std::uint64_t untracked_ = 0;
};

/// basic_adaptive_ttl on coarse_steady_clock.
using adaptive_ttl = basic_adaptive_ttl<>;

} // namespace cistern

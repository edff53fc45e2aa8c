#pragma once
/// \file
/// cistern::coarse_steady_clock: the default clock of cistern::cache and the monitor's
/// timestamp of statements recorded by duration. A monotonic clock
/// read from the kernel's last scheduler tick (Linux CLOCK_MONOTONIC_COARSE), with the
/// same time base as std::chrono::steady_clock.

#include <chrono>
#include <cstdint>
#include <ctime>

namespace cistern {

/// A monotonic clock that costs a few nanoseconds per read instead of the ~20-30 ns of
/// std::chrono::steady_clock, at a resolution of one scheduler tick (1-4 ms on Linux;
/// clock_getres(CLOCK_MONOTONIC_COARSE) tells). It lags steady_clock by at most that
/// tick, so a TTL ends up to one tick late. Reading it does not serialize the processor
/// (no rdtsc + fence), so it does not stall the cache misses of a lookup.
///
/// Where CLOCK_MONOTONIC_COARSE does not exist, it is std::chrono::steady_clock.
/// For TTLs that must be precise below a few milliseconds, give the cache
/// `cache_policy::with_clock<std::chrono::steady_clock>`.
struct coarse_steady_clock {
    ///@{
    /// The std::chrono clock members: signed 64-bit nanosecond ticks.
    using rep = std::int64_t;
    using period = std::nano;
    using duration = std::chrono::nanoseconds;
    using time_point = std::chrono::time_point<coarse_steady_clock>;
    ///@}
    /// True: the clock never goes backwards.
    static constexpr bool is_steady = true;
    /// The clock the cache times loads with (a load takes long enough for a precise read).
    using precise_clock = std::chrono::steady_clock;

    /// The current time (since an unspecified start, typically boot). Never throws; safe
    /// from any thread.
    [[gnu::always_inline]] static time_point now() noexcept {
#if defined(__linux__) && defined(CLOCK_MONOTONIC_COARSE)
        timespec ts;
        if (::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
            return time_point(duration(std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec));
#endif
        return time_point(std::chrono::duration_cast<duration>(std::chrono::steady_clock::now().time_since_epoch()));
    }
};

} // namespace cistern

#pragma once
// Test support: a monotonic clock that only moves when a test calls advance() (one
// process-wide time, shared by every pool and cache that uses it).

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cistern::test {

struct manual_clock {
    using rep = std::int64_t;
    using period = std::nano;
    using duration = std::chrono::nanoseconds;
    using time_point = std::chrono::time_point<manual_clock>;
    static constexpr bool is_steady = true;
    // Not zero: catches "0 means unset" bugs.
    static inline std::atomic<std::int64_t> ticks{1'000'000'000'000};
    static time_point now() noexcept { return time_point(duration(ticks.load())); }
    template <class R, class P>
    static void advance(std::chrono::duration<R, P> d) noexcept {
        ticks.fetch_add(std::chrono::duration_cast<duration>(d).count());
    }
};

} // namespace cistern::test

#pragma once
// A monotonic clock the tests move by hand (shared by every cache in the process).

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

    static time_point now() noexcept { return time_point(duration(ticks().load(std::memory_order_relaxed))); }
    static void advance(duration d) noexcept { ticks().fetch_add(d.count(), std::memory_order_relaxed); }
    static std::atomic<std::int64_t>& ticks() noexcept {
        static std::atomic<std::int64_t> t{1'000'000'000'000}; // not zero: catch "0 means unset" bugs
        return t;
    }
};

} // namespace cistern::test

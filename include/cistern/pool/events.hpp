#pragma once
/// \file
/// What a pool tells its listener: close reasons, leak reports, and the listener hooks.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <ostream>
#include <source_location>
#include <string>
#include <thread>

namespace cistern {

class connect_error;
class pool_timeout;

/// Why the pool closed a connection.
enum class close_reason : std::uint8_t {
    broken,     ///< is_open()/reset() failed, or the lease was invalidated by its holder
    validation, ///< ping() failed on borrow or keepalive
    idle,       ///< idle longer than idle_timeout while above min_idle
    lifetime,   ///< older than max_lifetime (retired when idle or on return)
    closed      ///< the pool was closed
};
/// Number of close_reason values: the size of per-reason arrays such as pool_stats::closed.
inline constexpr std::size_t close_reason_count = 5;

/// The reason's name as used in logs and metric labels ("broken", "validation", "idle",
/// "lifetime", "closed"); "unknown" for a value outside the enum. Never allocates.
inline const char* to_string(close_reason r) noexcept {
    switch (r) {
    case close_reason::broken: return "broken";
    case close_reason::validation: return "validation";
    case close_reason::idle: return "idle";
    case close_reason::lifetime: return "lifetime";
    case close_reason::closed: return "closed";
    }
    return "unknown";
}

/// A lease held longer than pool_options::leak_detection_threshold. Reported once when
/// the threshold passes (`returned == false`) and again when the lease finally comes
/// back (`returned == true`, `held` is then the whole time it was held).
struct leak_report {
    std::source_location acquired_at;  ///< where acquire() was called
    std::chrono::nanoseconds held{};   ///< how long the lease has been (or was) held
    bool returned = false;             ///< false: still held; true: came back late
    std::string pool;                  ///< the pool's name (pool_options::name)
};

/// Writes a one-line human-readable report: the pool's name, how long the lease was held,
/// whether it has come back, and the file, line and function that acquired it.
inline std::ostream& operator<<(std::ostream& os, const leak_report& r) {
    using namespace std::chrono;
    os << "cistern[" << r.pool << "]: "
       << (r.returned ? "leaked connection returned after " : "possible connection leak: held for ")
       << duration_cast<milliseconds>(r.held).count() << " ms, acquired at " << r.acquired_at.file_name()
       << ':' << r.acquired_at.line() << " in " << r.acquired_at.function_name();
    return os;
}

/// A pool listener receives pool events. Every hook is optional: the pool calls only
/// the ones the type declares (checked at compile time), so an empty listener costs
/// nothing. Hooks are called outside the pool's locks, from the thread where the event
/// happened (acquire/release: the caller; connect, leak: the pool's background
/// threads), and must not throw (an exception from a hook is swallowed).
///
///   void on_acquire(std::chrono::nanoseconds waited);   // a lease was handed out
///   void on_release(std::chrono::nanoseconds held);     // a lease came back
///   void on_connect(std::chrono::nanoseconds took);     // a connection was created
///   void on_connect_failed(const cistern::connect_error&);
///   void on_timeout(const cistern::pool_timeout&);      // acquire gave up
///   void on_leak(const cistern::leak_report&);
///   void on_close(cistern::close_reason);               // a connection was closed
struct null_listener {};

/// The default listener: writes leak reports to std::clog, ignores everything else.
struct log_leaks_listener {
    /// Writes `r` and a newline to std::clog. Does not throw unless std::clog does.
    void on_leak(const leak_report& r) const { std::clog << r << '\n'; }
};

} // namespace cistern

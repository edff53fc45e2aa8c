#pragma once
/// \file
/// A pool listener (pool/events.hpp hooks) that forwards every event to a monitor.

#include <chrono>

#include <cistern/monitor/pool_metrics.hpp>

namespace cistern {

/// Pass `monitor.pool_listener()` to a pool's constructor: `cistern::pool p(factory, opts,
/// monitor.pool_listener())` deduces `cistern::pool<F, cistern::with_listener<cistern::pool_listener>>`.
/// Or name that type and pass
/// `monitor.pool_listener()` to the pool's constructor. Copyable handle; the monitor
/// must outlive the pool. A default-constructed listener drops every event.
struct pool_listener {
    /// The metrics events go to; null drops every event.
    pool_metrics* metrics = nullptr;

    ///@{
    /// Forwards the pool event to `metrics` (the hook of the same name in pool/events.hpp);
    /// does nothing when `metrics` is null. Never throws.
    void on_acquire(std::chrono::nanoseconds waited) const noexcept { if (metrics) metrics->on_acquire(waited); }
    void on_release(std::chrono::nanoseconds held) const noexcept { if (metrics) metrics->on_release(held); }
    void on_connect(std::chrono::nanoseconds took) const noexcept { if (metrics) metrics->on_connect(took); }
    void on_connect_failed(const connect_error& e) const noexcept { if (metrics) metrics->on_connect_failed(e); }
    void on_timeout(const pool_timeout& e) const noexcept { if (metrics) metrics->on_timeout(e); }
    void on_leak(const leak_report& r) const noexcept { if (metrics) metrics->on_leak(r); }
    void on_close(close_reason why) const noexcept { if (metrics) metrics->on_close(why); }
    ///@}
};

} // namespace cistern

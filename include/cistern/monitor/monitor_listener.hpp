#pragma once
/// \file
/// A pool listener that feeds a monitor.

#include <chrono>

#include <cistern/monitor/monitor_core.hpp>
#include <cistern/pool/events.hpp>

namespace cistern {

class connect_error;
class pool_timeout;

/// Pool listener (see pool/events.hpp) forwarding acquire waits, usage (hold) times,
/// connection creation times, connect failures, timeouts, closes and leak reports to a
/// monitor. Use as `cistern::pool<F, cistern::with_listener<cistern::monitor_listener>>
/// p(factory, opts, mon.listener());`. The monitor must outlive the pool.
class monitor_listener {
public:
    monitor_listener() = default;
    explicit monitor_listener(monitor_core& m) noexcept : m_(&m) {}

    void on_acquire(std::chrono::nanoseconds waited) noexcept { if (m_) m_->pool_acquired(waited); }
    void on_release(std::chrono::nanoseconds held) noexcept { if (m_) m_->pool_released(held); }
    void on_connect(std::chrono::nanoseconds took) noexcept { if (m_) m_->pool_connected(took); }
    void on_connect_failed(const connect_error&) noexcept { if (m_) m_->pool_connect_failed(); }
    void on_timeout(const pool_timeout&) noexcept { if (m_) m_->pool_timed_out(); }
    void on_close(close_reason r) noexcept { if (m_) m_->pool_closed(r); }
    /// Also logs the report to std::clog, as the pool's default listener does.
    void on_leak(const leak_report& r) {
        std::clog << r << '\n';
        if (m_) m_->pool_leak(r);
    }

private:
    monitor_core* m_ = nullptr;
};

} // namespace cistern

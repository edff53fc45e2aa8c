#pragma once
/// \file
/// Times one statement and records it when it goes out of scope.

#include <chrono>
#include <cstdint>
#include <exception>
#include <string_view>

#include <cistern/monitor/monitor_core.hpp>

namespace cistern {

/// RAII timer: reads the clock when created and again when destroyed, then records the
/// statement in the monitor. Destroyed during stack unwinding, it records a failure.
/// `sql` must stay valid while the timer lives.
class statement_timer {
public:
    statement_timer(monitor_core& m, std::string_view sql) noexcept
        : m_(&m), sql_(sql), exceptions_(std::uncaught_exceptions()),
          start_(std::chrono::steady_clock::now()) {}
    statement_timer(const statement_timer&) = delete;
    statement_timer& operator=(const statement_timer&) = delete;
    ~statement_timer() {
        const auto took = std::chrono::steady_clock::now() - start_;
        const bool ok = ok_ && std::uncaught_exceptions() == exceptions_;
        try { m_->record(sql_, took, rows_, ok); } catch (...) {}
    }
    /// Rows returned or changed.
    void rows(std::uint64_t n) noexcept { rows_ = n; }
    /// Marks the statement failed.
    void fail() noexcept { ok_ = false; }

private:
    monitor_core* m_;
    std::string_view sql_;
    int exceptions_;
    std::chrono::steady_clock::time_point start_;
    std::uint64_t rows_ = 0;
    bool ok_ = true;
};

} // namespace cistern

#pragma once
/// \file
/// `cistern::monitored<C>`: wraps a connection so that every query/execute is timed and
/// recorded, without changing the code that uses the connection.

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <string_view>
#include <type_traits>
#include <utility>

#include <cistern/concepts.hpp>
#include <cistern/monitor/recorder_ref.hpp>

namespace cistern {

namespace detail {
/// Rows a statement returned or affected, from its result: `size()` of a row set, the
/// value of an integral affected-row count (negative counts as 0), else 0.
template <class T>
std::uint64_t rows_of(const T& r) noexcept {
    if constexpr (requires { { r.size() } -> std::convertible_to<std::size_t>; }) {
        return static_cast<std::uint64_t>(r.size());
    } else if constexpr (std::is_integral_v<T>) {
        return r > 0 ? static_cast<std::uint64_t>(r) : 0u;
    } else {
        return 0;
    }
}
} // namespace detail

/// A Connection that records every `query`, `execute` and `execute_script` it forwards
/// to the wrapped connection `C` in a StatementRecorder (a `monitor<Sinks...>`): the
/// statement text, the time it took (two steady_clock reads), the rows it returned
/// (`size()` of the result) or affected (the integral result), and whether it threw.
/// A statement that throws is recorded as failed and the exception propagates unchanged.
///
/// `is_open()`, `ping()` and `reset()` are forwarded untimed, so
/// `pool<monitored_factory<F>>` behaves exactly like `pool<F>`. Members of `C` not
/// wrapped here are reached through `base()` or `->` (untimed).
///
/// Parameter values are never recorded, only the statement text (which the monitor
/// reduces to its fingerprint). Not thread-safe beyond what `C` is; the recorder must be
/// safe to call from several threads when several connections share it.
template <class C>
class monitored {
    static_assert(detail::check_connection<C>());

public:
    /// The wrapped connection type.
    using connection_type = C;

    /// Wraps `conn`; statements are recorded in `recorder`, which must outlive this object.
    /// When `C` names its database system (a static `db_system_name`, as
    /// sqlite::connection and postgres::connection do), the recorder is told
    /// (recorder_ref::db_system()), so a monitor labels its metrics without configuration.
    monitored(C conn, recorder_ref recorder) noexcept(std::is_nothrow_move_constructible_v<C>)
        : conn_(std::move(conn)), rec_(recorder) {
        if constexpr (requires { std::string_view(C::db_system_name); }) rec_.db_system(C::db_system_name);
    }

    /// `C::is_open()`, untimed: a local check, no round trip.
    bool is_open() const noexcept(noexcept(std::declval<const C&>().is_open())) { return conn_.is_open(); }
    /// `C::ping()`, untimed; throws what it throws.
    bool ping() { return conn_.ping(); }
    /// `C::reset()`, untimed; returns and throws what it does.
    decltype(auto) reset() { return conn_.reset(); }

    /// `C::query(sql, args...)`, timed and recorded with rows = the result's size().
    template <class... A>
        requires requires(C& c, std::string_view s, A&&... a) { c.query(s, std::forward<A>(a)...); }
    auto query(std::string_view sql, A&&... args) {
        return timed(sql, [&] { return conn_.query(sql, std::forward<A>(args)...); });
    }

    /// `C::execute(sql, args...)`, timed and recorded with rows = the affected-row count.
    template <class... A>
        requires requires(C& c, std::string_view s, A&&... a) { c.execute(s, std::forward<A>(a)...); }
    auto execute(std::string_view sql, A&&... args) {
        return timed(sql, [&] { return conn_.execute(sql, std::forward<A>(args)...); });
    }

    /// `C::execute_script(sql)`, timed and recorded as one statement.
    template <class... A>
        requires requires(C& c, std::string_view s, A&&... a) { c.execute_script(s, std::forward<A>(a)...); }
    auto execute_script(std::string_view sql, A&&... args) {
        return timed(sql, [&] { return conn_.execute_script(sql, std::forward<A>(args)...); });
    }

    /// `C::in_transaction()`, where C has it.
    bool in_transaction() const
        requires requires(const C& c) { { c.in_transaction() } -> std::convertible_to<bool>; }
    {
        return conn_.in_transaction();
    }

    /// The wrapped connection (its calls are not recorded).
    C& base() noexcept { return conn_; }
    /// The wrapped connection (its calls are not recorded).
    const C& base() const noexcept { return conn_; }
    /// Member access to the wrapped connection (calls are not recorded).
    C* operator->() noexcept { return &conn_; }
    /// Member access to the wrapped connection (calls are not recorded).
    const C* operator->() const noexcept { return &conn_; }

    /// The recorder statements go to.
    recorder_ref recorder() const noexcept { return rec_; }

private:
    template <class Fn>
    auto timed(std::string_view sql, Fn&& fn) -> std::invoke_result_t<Fn&> {
        using result = std::invoke_result_t<Fn&>;
        const auto t0 = std::chrono::steady_clock::now();
        try {
            if constexpr (std::is_void_v<result>) {
                fn();
                rec_.record(sql, t0, std::chrono::steady_clock::now(), 0, true);
            } else {
                result r = fn();
                rec_.record(sql, t0, std::chrono::steady_clock::now(), detail::rows_of(r), true);
                return r;
            }
        } catch (...) {
            rec_.record(sql, t0, std::chrono::steady_clock::now(), 0, false);
            throw;
        }
    }

    C conn_;
    recorder_ref rec_;
};

} // namespace cistern

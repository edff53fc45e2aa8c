#pragma once
/// \file
/// `cistern::monitored_factory<F>`: a ConnectionFactory whose connections record every
/// statement, so `pool<monitored_factory<sqlite::factory>>` is monitored without any
/// change to the code that uses the pool's leases.

#include <string>
#include <utility>

#include <cistern/concepts.hpp>
#include <cistern/monitor/monitored.hpp>
#include <cistern/monitor/recorder_ref.hpp>

namespace cistern {

/// Wraps the factory `F`: `create()` returns `monitored<connection_t<F>>` recording into
/// the recorder given at construction (typically a `monitor<Sinks...>`, which must
/// outlive the factory and every connection it created). `describe()` is F's.
///
/// Example:
/// \code
///   cistern::monitor<cistern::null_sink> mon;
///   cistern::pool p(cistern::monitored_factory(cistern::sqlite::factory("app.db"), mon));
///   auto c = p.acquire();
///   c->query("SELECT * FROM users WHERE id = ?", 7);   // timed, recorded as one fingerprint
/// \endcode
template <class F>
class monitored_factory {
    static_assert(detail::check_connection_factory<F>());

public:
    /// What create() returns: F's connection wrapped in monitored<>.
    using connection_type = monitored<connection_t<F>>;

    /// Wraps `factory`; every connection it creates records into `recorder`, which must
    /// outlive the factory and every connection it made.
    monitored_factory(F factory, recorder_ref recorder) : f_(std::move(factory)), rec_(recorder) {}

    /// A new connection from F, wrapped. Throws what F::create() throws.
    connection_type create() { return connection_type(f_.create(), rec_); }

    /// F's description of its target (password redacted by F).
    std::string describe() const { return f_.describe(); }

    /// The wrapped factory.
    F& base() noexcept { return f_; }
    /// The wrapped factory.
    const F& base() const noexcept { return f_; }

private:
    F f_;
    recorder_ref rec_;
};

/// Deduces `monitored_factory<F>` from a factory and a recorder such as a monitor<Sinks...>:
/// `cistern::monitored_factory(sqlite::factory("app.db"), mon)`.
template <class F, class R>
monitored_factory(F, R&) -> monitored_factory<F>;

} // namespace cistern

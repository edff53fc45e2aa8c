#pragma once
/// \file
/// The public concepts of cistern's connection layer, each with its contract.
/// A type that does not model a concept is rejected by the templates that need it
/// with a static_assert naming the missing member (see detail::check_connection).

#include <concepts>
#include <string>
#include <type_traits>
#include <utility>

namespace cistern {

/// A movable handle to one database session.
///
/// Contract:
///  - `c.is_open()` (const) answers locally, without a round trip, whether the
///    handle still believes its session is usable. It must not throw.
///  - `c.ping()` makes a round trip to the server and returns true when it answered.
///    It may throw instead of returning false; the pool treats both alike.
///  - `c.reset()` returns the session to a clean state (rolls back an open
///    transaction, discards session state the adapter chooses to discard).
///    It throws when that is impossible; the pool then discards the connection.
/// A connection may offer more (execute, query, prepare); the pool asks nothing else.
/// Moved-from connections need only be destructible.
template <class C>
concept Connection = std::is_nothrow_destructible_v<C> && std::movable<C> &&
    requires(C& c, const C& cc) {
        { cc.is_open() } -> std::convertible_to<bool>;
        { c.ping() } -> std::convertible_to<bool>;
        c.reset();
    };

/// Creates connections to one target.
///
/// Contract:
///  - `f.create()` returns a new, open Connection or throws cistern::connect_error.
///    It may block for the duration of a connect; the pool calls it outside its locks,
///    possibly from several threads at once (at most pool_options::max_concurrent_connects).
///  - `f.describe()` (const) names the target for diagnostics with any password
///    redacted, e.g. "sqlite:/var/db/app.db" or "postgresql://app:***@db:5432/app".
template <class F>
concept ConnectionFactory = requires(F& f, const F& cf) {
    { f.create() } -> Connection;
    { cf.describe() } -> std::convertible_to<std::string>;
};

/// The connection type a factory creates.
template <ConnectionFactory F>
using connection_t = std::remove_cvref_t<decltype(std::declval<F&>().create())>;

namespace detail {

// Member-by-member checks, so that a static_assert can name what is missing.
template <class C> concept has_is_open = requires(const C& c) { { c.is_open() } -> std::convertible_to<bool>; };
template <class C> concept has_ping = requires(C& c) { { c.ping() } -> std::convertible_to<bool>; };
template <class C> concept has_reset = requires(C& c) { c.reset(); };
template <class F> concept has_create = requires(F& f) { f.create(); };
template <class F> concept has_describe = requires(const F& f) { { f.describe() } -> std::convertible_to<std::string>; };

/// Evaluates to true for a Connection; otherwise fails a static_assert that names the
/// first missing requirement. Use as `static_assert(detail::check_connection<C>())`.
template <class C>
consteval bool check_connection() {
    static_assert(has_is_open<C>,
                  "cistern::Connection: the type needs `bool is_open() const` (a local check, no round trip)");
    static_assert(has_ping<C>,
                  "cistern::Connection: the type needs `bool ping()` (a round trip to the server)");
    static_assert(has_reset<C>,
                  "cistern::Connection: the type needs `reset()` (return the session to a clean state)");
    static_assert(std::movable<C>, "cistern::Connection: the type must be movable");
    static_assert(std::is_nothrow_destructible_v<C>,
                  "cistern::Connection: the destructor must not throw");
    return Connection<C>;
}

/// As check_connection, for ConnectionFactory.
template <class F>
consteval bool check_connection_factory() {
    static_assert(has_create<F>,
                  "cistern::ConnectionFactory: the type needs `create()` returning a Connection");
    static_assert(has_describe<F>,
                  "cistern::ConnectionFactory: the type needs `std::string describe() const` (target, password redacted)");
    if constexpr (has_create<F>) {
        (void)check_connection<std::remove_cvref_t<decltype(std::declval<F&>().create())>>();
    }
    return ConnectionFactory<F>;
}

} // namespace detail
} // namespace cistern

// The other public concepts live beside the templates that use them; this header
// gathers them so that one include shows every contract cistern asks of user types:
//   EvictionPolicy, ExpiryPolicy                    (cache/concepts.hpp)
//   MetricSink                                      (monitor/concepts.hpp)
//   PartitionStrategy, IndexStrategy                (strategy/concepts.hpp)
#include <cistern/cache/concepts.hpp>
#include <cistern/monitor/concepts.hpp>
#include <cistern/strategy/concepts.hpp>

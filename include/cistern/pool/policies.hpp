#pragma once
/// \file
/// Template policies of cistern::pool: the clock, the listener and the validation
/// strategy. Pass them in any order: `pool<F, with_clock<C>, with_listener<L>>`.

#include <cistern/pool/events.hpp>

#include <chrono>
#include <concepts>
#include <type_traits>

namespace cistern {

/// Use `Clock` for every time the pool measures (timeouts, idle, lifetime, leaks).
/// It must be a monotonic clock; a test clock may be advanced by hand (the pool then
/// re-reads it in short real-time slices while it waits).
template <class Clock>
struct with_clock {
    /// The clock the pool reads.
    using clock_type = Clock;
};

/// Send pool events to a `Listener` (see pool/events.hpp for the hooks). The pool
/// holds the listener by value; pass it as the constructor's third argument.
template <class Listener>
struct with_listener {
    /// The listener type the pool holds and notifies.
    using listener_type = Listener;
};

namespace detail {
/// A connection whose ping can be bounded by the caller: `ping(std::chrono::milliseconds)`.
template <class C>
concept bounded_ping = requires(C& c, std::chrono::milliseconds d) {
    { c.ping(d) } -> std::convertible_to<bool>;
};
} // namespace detail

/// Validation on borrow with a round trip: `ping()` (default). When the connection
/// offers `ping(std::chrono::milliseconds)`, the pool passes the time its caller has
/// left, so validation never runs past the acquire deadline.
struct validate_by_ping {
    /// Marks this type as a validation policy for the pool's policy selection.
    using validation_tag = void;
    /// Returns true if `c` is open and answers a ping() round trip; false otherwise.
    /// Exceptions thrown by `c.ping()` propagate (the pool treats them as a failed validation).
    template <class C>
    static bool validate(C& c) { return c.is_open() && static_cast<bool>(c.ping()); }
    /// validate() within `budget` where the connection supports a bounded ping.
    template <class C>
    static bool validate(C& c, std::chrono::milliseconds budget) {
        if constexpr (detail::bounded_ping<C>) return c.is_open() && static_cast<bool>(c.ping(budget));
        else return validate(c);
    }
};

/// Validation on borrow by the local check `is_open()` only: no round trip, so a
/// connection the server closed is found out by the caller's first statement.
struct validate_by_is_open {
    /// Marks this type as a validation policy for the pool's policy selection.
    using validation_tag = void;
    /// Returns `c.is_open()`: a local check, no round trip.
    template <class C>
    static bool validate(C& c) { return c.is_open(); }
    /// The same: no round trip, nothing to bound.
    template <class C>
    static bool validate(C& c, std::chrono::milliseconds) { return c.is_open(); }
};

namespace detail {

template <class P> concept clock_policy = requires { typename P::clock_type; };
template <class P> concept listener_policy = requires { typename P::listener_type; };
template <class P> concept validation_policy = requires { typename P::validation_tag; };

template <template <class> class Is, class Default, class... P>
struct pick_policy { using type = Default; };
template <template <class> class Is, class Default, class First, class... Rest>
struct pick_policy<Is, Default, First, Rest...> {
    using type = std::conditional_t<Is<First>::value, First, typename pick_policy<Is, Default, Rest...>::type>;
};
template <class P> struct is_clock_policy : std::bool_constant<clock_policy<P>> {};
template <class P> struct is_listener_policy : std::bool_constant<listener_policy<P>> {};
template <class P> struct is_validation_policy : std::bool_constant<validation_policy<P>> {};

template <class... P>
struct pool_policies {
    static_assert(((clock_policy<P> || listener_policy<P> || validation_policy<P>) && ...),
                  "cistern::pool: unknown policy; expected with_clock<C>, with_listener<L>, "
                  "validate_by_ping or validate_by_is_open");
    static_assert((int(clock_policy<P>) + ... + 0) <= 1, "cistern::pool: more than one with_clock<> policy");
    static_assert((int(listener_policy<P>) + ... + 0) <= 1, "cistern::pool: more than one with_listener<> policy");
    static_assert((int(validation_policy<P>) + ... + 0) <= 1, "cistern::pool: more than one validation policy");

    using clock = typename pick_policy<is_clock_policy, with_clock<std::chrono::steady_clock>, P...>::type::clock_type;
    using listener = typename pick_policy<is_listener_policy, with_listener<log_leaks_listener>, P...>::type::listener_type;
    using validation = typename pick_policy<is_validation_policy, validate_by_ping, P...>::type;

    static_assert(clock::is_steady, "cistern::pool: with_clock<C> needs a monotonic clock (C::is_steady)");
};

} // namespace detail
} // namespace cistern

#pragma once
/// \file
/// Template policies of cistern::cache besides eviction and expiry: clock, weigher,
/// removal listener, hash and locking. Pass them in any order after the expiry policy.

#include <cistern/coarse_clock.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <mutex>
#include <type_traits>

namespace cistern::cache_policy {

/// Read time from `Clock` (default cistern::coarse_steady_clock: a few ns per read, one
/// scheduler tick of resolution; std::chrono::steady_clock for precise TTLs); a test
/// clock may be advanced by hand. It must be monotonic. Loads are timed with
/// `Clock::precise_clock` when the clock names one, else with `Clock`.
template <class Clock>
struct with_clock {
    /// The clock the cache reads.
    using clock_type = Clock;
};

/// Weigh entries with `Weigher` (`std::uint64_t operator()(const K&, const V&) const`,
/// at most 2^32 - 1) and bound the cache by cache_options::max_weight.
template <class Weigher>
struct with_weigher {
    /// The weigher the cache calls on every insert and replacement.
    using weigher_type = Weigher;
};

/// Call `Listener` (`void operator()(const K&, const V&, removal_cause)`) for every
/// entry that leaves the cache, after the shard's lock is released, on the thread whose
/// call removed it. The listener may call the cache.
template <class Listener>
struct with_listener {
    /// The listener the cache calls for every removed entry.
    using listener_type = Listener;
};

/// Hash keys with `Hash` and compare them with `Eq` (defaults std::hash, std::equal_to).
template <class Hash, class Eq = void>
struct with_hash {
    /// The key hash function.
    using hash_type = Hash;
    /// The key equality (void: std::equal_to of the key type).
    using key_equal_type = Eq;
};

/// No locks: for a cache used by one thread at a time (one shard, no mutex).
struct single_threaded {
    /// Marks this type as a locking policy for the cache's policy selection.
    using locking_tag = void;
    /// False: the cache takes no lock.
    static constexpr bool threaded = false;
};

/// A spin lock per shard (the default).
struct multi_threaded {
    /// Marks this type as a locking policy for the cache's policy selection.
    using locking_tag = void;
    /// True: each shard is guarded by a spin lock.
    static constexpr bool threaded = true;
};

/// The listener used when none is given: does nothing and costs nothing.
struct no_listener {
    /// Ignores the removal.
    template <class K, class V, class C>
    void operator()(const K&, const V&, C) const noexcept {}
};

/// The weigher used when none is given: every entry weighs 1.
struct unit_weigher {
    /// Returns 1.
    template <class K, class V>
    std::uint64_t operator()(const K&, const V&) const noexcept { return 1; }
};

} // namespace cistern::cache_policy

namespace cistern::detail {

template <class P> concept cache_clock_policy = requires { typename P::clock_type; };
template <class P> concept cache_weigher_policy = requires { typename P::weigher_type; };
template <class P> concept cache_listener_policy = requires { typename P::listener_type; };
template <class P> concept cache_hash_policy = requires { typename P::hash_type; typename P::key_equal_type; };
template <class P> concept cache_locking_policy = requires { typename P::locking_tag; };

template <template <class> class Is, class Default, class... P>
struct cache_pick { using type = Default; };
template <template <class> class Is, class Default, class First, class... Rest>
struct cache_pick<Is, Default, First, Rest...> {
    using type = std::conditional_t<Is<First>::value, First, typename cache_pick<Is, Default, Rest...>::type>;
};
template <class P> struct is_cache_clock : std::bool_constant<cache_clock_policy<P>> {};
template <class P> struct is_cache_weigher : std::bool_constant<cache_weigher_policy<P>> {};
template <class P> struct is_cache_listener : std::bool_constant<cache_listener_policy<P>> {};
template <class P> struct is_cache_hash : std::bool_constant<cache_hash_policy<P>> {};
template <class P> struct is_cache_locking : std::bool_constant<cache_locking_policy<P>> {};

template <class C>
struct cache_load_clock { using type = C; };
template <class C>
    requires requires { typename C::precise_clock; }
struct cache_load_clock<C> { using type = typename C::precise_clock; };

template <class K, class... P>
struct cache_policies {
    static_assert(((cache_clock_policy<P> || cache_weigher_policy<P> || cache_listener_policy<P> ||
                    cache_hash_policy<P> || cache_locking_policy<P>) && ...),
                  "cistern::cache: unknown policy; expected cache_policy::with_clock<C>, with_weigher<W>, "
                  "with_listener<L>, with_hash<H, Eq>, single_threaded or multi_threaded");
    static_assert((int(cache_clock_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one with_clock<> policy");
    static_assert((int(cache_weigher_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one with_weigher<> policy");
    static_assert((int(cache_listener_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one with_listener<> policy");
    static_assert((int(cache_hash_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one with_hash<> policy");
    static_assert((int(cache_locking_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one locking policy");

    using clock = typename cache_pick<is_cache_clock, cache_policy::with_clock<coarse_steady_clock>, P...>::type::clock_type;
    using load_clock = typename cache_load_clock<clock>::type;
    static constexpr bool weighted = (cache_weigher_policy<P> || ...);
    using weigher = typename cache_pick<is_cache_weigher, cache_policy::with_weigher<cache_policy::unit_weigher>, P...>::type::weigher_type;
    static constexpr bool listening = (cache_listener_policy<P> || ...);
    using listener = typename cache_pick<is_cache_listener, cache_policy::with_listener<cache_policy::no_listener>, P...>::type::listener_type;
    using hash_policy = typename cache_pick<is_cache_hash, cache_policy::with_hash<std::hash<K>, std::equal_to<K>>, P...>::type;
    using hash = typename hash_policy::hash_type;
    using key_equal = std::conditional_t<std::is_void_v<typename hash_policy::key_equal_type>, std::equal_to<K>,
                                         typename hash_policy::key_equal_type>;
    static constexpr bool threaded = cache_pick<is_cache_locking, cache_policy::multi_threaded, P...>::type::threaded;

    static_assert(clock::is_steady, "cistern::cache: with_clock<C> needs a monotonic clock (C::is_steady)");
};

} // namespace cistern::detail

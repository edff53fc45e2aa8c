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
#include <thread>
#include <type_traits>
#include <utility>

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

/// Runs each refresh on a new thread of its own (detached; the cache's destructor waits
/// for the refreshes it started). The default executor of with_refresh.
struct thread_executor {
    /// Starts `task` on a new thread; throws std::system_error if no thread can be started.
    void operator()(std::function<void()> task) const { std::thread(std::move(task)).detach(); }
};

/// Runs each refresh at once on the thread whose read triggered it, after that read has
/// released every lock: that caller waits for the reload, every other reader of the key
/// gets the current value meanwhile.
struct inline_executor {
    /// Runs `task` now.
    void operator()(std::function<void()> task) const { task(); }
};

/// Refresh after write: an entry written cache_options::refresh_after_write ago or longer
/// is reloaded by `Reloader` when it is next read, while reads keep returning the current
/// value. `Reloader` is `V operator()(const K&, const V& old)` or `V operator()(const K&)`;
/// it runs on `Executor` (`void operator()(std::function<void()>)`: thread_executor, the
/// default, inline_executor, or a pool of your own), without any lock held. One reload
/// per entry at a time (a write starts the entry over: its value wins over a reload still
/// running, whose value is dropped, and the next due read may start another); a reload
/// that throws keeps the old value (counted as a refresh failure) and the next read tries
/// again.
template <class Reloader, class Executor = thread_executor>
struct with_refresh {
    /// The reloader the cache calls for a due entry.
    using reloader_type = Reloader;
    /// Where the reloader runs.
    using executor_type = Executor;
};

/// No locks: for a cache used by one thread at a time (one shard, no mutex).
struct single_threaded {
    /// Marks this type as a locking policy for the cache's policy selection.
    using locking_tag = void;
    /// False: the cache takes no lock.
    static constexpr bool threaded = false;
};

/// A spin lock per shard (the default). Reads skip it where the cache allows it
/// (cache::optimistic_reads) while several threads read a shard: a shard's reads take its
/// lock (cheaper for one thread) until a read finds the lock taken, and take it again once
/// one thread alone has read the shard for a while.
struct multi_threaded {
    /// Marks this type as a locking policy for the cache's policy selection.
    using locking_tag = void;
    /// True: each shard is guarded by a spin lock.
    static constexpr bool threaded = true;
    /// True: reads may skip the lock where the cache allows it.
    static constexpr bool skip_lock_on_reads = true;
    /// True: reads take the lock until a read finds it taken (and again once one thread reads alone).
    static constexpr bool sole_reader_locks = true;
};

/// A spin lock per shard that reads always skip where the cache allows it
/// (cache::optimistic_reads), even for a shard's only reader.
struct lock_free_reads {
    /// Marks this type as a locking policy for the cache's policy selection.
    using locking_tag = void;
    /// True: each shard is guarded by a spin lock.
    static constexpr bool threaded = true;
    /// True: reads may skip the lock where the cache allows it.
    static constexpr bool skip_lock_on_reads = true;
    /// False: every read that may skip the lock does.
    static constexpr bool sole_reader_locks = false;
};

/// A spin lock per shard that every read takes too, whatever the key and value types:
/// each read updates the eviction policy at once, in the order reads happen across all
/// shards. Costs read scaling on several cores; for comparison, or for a policy whose
/// shared state must see every access in order.
struct locked_reads {
    /// Marks this type as a locking policy for the cache's policy selection.
    using locking_tag = void;
    /// True: each shard is guarded by a spin lock.
    static constexpr bool threaded = true;
    /// False: reads take the lock.
    static constexpr bool skip_lock_on_reads = false;
};

/// The listener used when none is given: does nothing and costs nothing.
struct no_listener {
    /// Ignores the removal.
    template <class K, class V, class C>
    void operator()(const K&, const V&, C) const noexcept {}
};

/// The reloader used when no with_refresh is given: never called.
struct no_reloader {};

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
template <class P> concept cache_refresh_policy = requires { typename P::reloader_type; typename P::executor_type; };

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
template <class P> struct is_cache_refresh : std::bool_constant<cache_refresh_policy<P>> {};

template <class C>
struct cache_load_clock { using type = C; };
template <class C>
    requires requires { typename C::precise_clock; }
struct cache_load_clock<C> { using type = typename C::precise_clock; };

template <class K, class... P>
struct cache_policies {
    static_assert(((cache_clock_policy<P> || cache_weigher_policy<P> || cache_listener_policy<P> ||
                    cache_hash_policy<P> || cache_locking_policy<P> || cache_refresh_policy<P>) && ...),
                  "cistern::cache: unknown policy; expected cache_policy::with_clock<C>, with_weigher<W>, "
                  "with_listener<L>, with_hash<H, Eq>, with_refresh<R, E>, single_threaded, multi_threaded, lock_free_reads or locked_reads");
    static_assert((int(cache_clock_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one with_clock<> policy");
    static_assert((int(cache_weigher_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one with_weigher<> policy");
    static_assert((int(cache_listener_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one with_listener<> policy");
    static_assert((int(cache_hash_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one with_hash<> policy");
    static_assert((int(cache_locking_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one locking policy");
    static_assert((int(cache_refresh_policy<P>) + ... + 0) <= 1, "cistern::cache: more than one with_refresh<> policy");

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
    using locking = typename cache_pick<is_cache_locking, cache_policy::multi_threaded, P...>::type;
    static constexpr bool threaded = locking::threaded;
    static constexpr bool skip_lock_on_reads = requires { requires locking::skip_lock_on_reads; };
    static constexpr bool sole_reader_locks = requires { requires locking::sole_reader_locks; };
    static constexpr bool refreshing = (cache_refresh_policy<P> || ...);
    using refresh_policy = typename cache_pick<is_cache_refresh,
                                               cache_policy::with_refresh<cache_policy::no_reloader, cache_policy::inline_executor>,
                                               P...>::type;
    using reloader = typename refresh_policy::reloader_type;
    using executor = typename refresh_policy::executor_type;

    static_assert(clock::is_steady, "cistern::cache: with_clock<C> needs a monotonic clock (C::is_steady)");
};

} // namespace cistern::detail

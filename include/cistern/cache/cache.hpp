#pragma once
/// \file
/// `cistern::cache<K, V, Eviction, Expiry, Policies...>`: a bounded, sharded, thread-safe
/// in-memory cache with pluggable eviction and expiry, weights, tags, statistics and
/// single-flight loading.

#include <cistern/cache/cache_options.hpp>
#include <cistern/cache/cache_policies.hpp>
#include <cistern/cache/cache_stats.hpp>
#include <cistern/cache/concepts.hpp>
#include <cistern/cache/detail/entry_store.hpp>
#include <cistern/cache/detail/hash.hpp>
#include <cistern/cache/detail/read_buffer.hpp>
#include <cistern/cache/detail/slot_table.hpp>
#include <cistern/detail/seq_spin_mutex.hpp>
#include <cistern/detail/spin_mutex.hpp>
#include <cistern/cache/detail/timer_wheel.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>
#include <cistern/cache/expiry/never.hpp>
#include <cistern/cache/removal_cause.hpp>
#include <cistern/error.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace cistern {

template <class Pool, class Eviction>
class query_cache; // a friend of cache (its hit: cache::hit_of)

namespace detail {

/// A mutex that does nothing (single_threaded caches).
struct null_mutex {
    void lock() noexcept {}
    void unlock() noexcept {}
};

template <bool Weighted>
struct weight_field {
    std::uint32_t value = 1;
    std::uint32_t get() const noexcept { return value; }
    void set(std::uint64_t w) noexcept { value = static_cast<std::uint32_t>(w); }
};
template <>
struct weight_field<false> {
    std::uint32_t get() const noexcept { return 1; }
    void set(std::uint64_t) noexcept {}
};

struct no_wheel {};

// The due time of an entry, kept beside its key so that a read checks expiry without
// touching the timer wheel's arrays.
template <bool Expiring>
struct due_field {
    std::int64_t value = 0;
    std::int64_t get() const noexcept { return value; }
    void set(std::int64_t d) noexcept { value = d; }
};
template <>
struct due_field<false> {
    std::int64_t get() const noexcept { return 0; }
    void set(std::int64_t) noexcept {}
};

// Refresh after write: when the entry was last written, and whether a reload of it runs.
template <bool Refreshing>
struct written_field {
    std::int64_t at = 0;
    bool refreshing = false;
};
template <>
struct written_field<false> {};

/// The bookkeeping of refreshes running on an executor, shared with each task so that
/// the cache's destructor can wait for them whatever the executor does.
struct refresh_tracker {
    std::mutex mu;
    std::condition_variable idle;
    std::size_t running = 0;
    void begin() {
        std::lock_guard lock(mu);
        ++running;
    }
    void end() {
        std::lock_guard lock(mu);
        if (--running == 0) idle.notify_all();
    }
    void wait_idle() {
        std::unique_lock lock(mu);
        idle.wait(lock, [&] { return running == 0; });
    }
};

template <class P> concept ev_sets_capacity = requires(P& p, std::uint64_t c) { p.set_capacity(c); };
// An expiry policy that promises after_read() returns `remaining` (reads never move an
// entry's due time), so a read need not write.
template <class P> concept ex_reads_keep_expiry = requires { requires P::reads_keep_expiry; };

// Selects the heterogeneous overloads of cache's lookups: transparent hash and equality,
// and a lookup type other than the key type (which takes the ordinary overload).
template <class Q, class K, class Hash, class Eq>
concept other_lookup_key = TransparentHash<Hash, Eq> && !std::is_same_v<Q, K>;

} // namespace detail

/// A bounded in-memory cache from `K` to `V`.
///
/// - `Eviction` models EvictionPolicy (eviction::lru, fifo, slru, lfu, sieve, s3fifo,
///   w_tinylfu; default w_tinylfu).
/// - `Expiry` models ExpiryPolicy<K, V> (expiry::never, after_write, after_access,
///   per_entry; default never). An expired entry is never returned.
/// - `Policies...` (any order, each optional): cache_policy::with_clock<C>,
///   with_weigher<W>, with_listener<L>, with_hash<H, Eq>, with_refresh<R, E>,
///   single_threaded, multi_threaded (the default), lock_free_reads, locked_reads.
///
/// Values are returned by copy (`std::optional<V>`), so nothing a caller holds can
/// dangle when another thread evicts; store `std::shared_ptr<const T>` for large values.
///
/// Thread safety: with the default locking every member function may be called from
/// any thread. Keys are spread by hash over N shards; each shard has its own spin lock,
/// hash index, eviction policy instance, timer wheel and counters, so there is no global
/// lock on the read path and threads touching different shards never contend. Listeners
/// and loaders run outside every lock. `single_threaded` uses one shard and no lock.
///
/// Reads without the lock: when there is no weigher and no refresh, and the expiry
/// policy's reads keep an entry's due time (expiry::never, after_write, per_entry:
/// `reads_keep_expiry`), get() and the hit of get_or_load() may take no lock
/// (`optimistic_reads`; by default only while a shard's lock is contended, see
/// cache_policy::multi_threaded). Such a read copies the key and value under the shard's
/// sequence count and keeps the copy only when no write overlapped it (else it takes the
/// lock). A key or value that is not trivially copyable (std::string, std::shared_ptr:
/// `guarded_reads`) is compared or copied in place, inside a grace period (epoch-based
/// reclamation with per-stripe reader counts, detail::read_buffer). A write that finds no
/// reader inside changes values in place and frees what it removes at once; one that
/// overlaps readers publishes a replacing value on the heap and files the removed node or
/// replaced value, freed once every reader that might be in it has left (at the next write
/// that finds no reader inside, or every 32 filings of a shard once two epoch steps saw
/// the earlier readers gone). Its access is recorded for the eviction policy
/// in a small per-thread ring and replayed under the lock when the ring fills, before any
/// write of the shard and before any locked access, so a single thread sees exactly the
/// policy it would with locked reads, and concurrent readers never write a shared line.
/// Under contention a ring may drop accesses (the policy sees fewer, as Caffeine's read
/// buffers); statistics stay exact. Such a cache reserves each shard's index for its
/// share of max_size at construction (about 11-21 bytes per entry of the bound) and keeps
/// the index arrays it outgrows (set_max_size) until it is destroyed, so that a reader
/// never touches freed memory.
///
/// Bound: after any call returns, size() (or weight(), with a weigher) is at most the
/// bound of cache_options. The bound is split exactly between shards, so eviction is
/// per shard: with shards = 1 the policy sees the whole cache.
///
/// Heterogeneous lookup: when the hash and equality of cache_policy::with_hash<H, Eq> are
/// both transparent (`is_transparent`, as for std::unordered_map), get, contains, erase
/// and get_or_load also take a lookup key of any type `Q` modelling LookupKey<Q, K, H, Eq>
/// (a view of a key: `std::string_view` for `std::string`, a text and a span of
/// parameters for a query key), and build no `K` unless get_or_load stores one on a miss
/// (`K(q)`). `H{}(q)` must equal `H{}(K(q))`, and `Eq{}(k, q)` hold exactly for that key.
/// Lookups by `K` take the same code as with an ordinary hash.
template <class K, class V, class Eviction = eviction::w_tinylfu, class Expiry = expiry::never, class... Policies>
class cache {
    static_assert(detail::check_eviction_policy<Eviction>());
    static_assert(detail::check_expiry_policy<Expiry, K, V>());
    using policies = detail::cache_policies<K, Policies...>;

public:
    /// The key type.
    using key_type = K;
    /// The value type.
    using mapped_type = V;
    /// The eviction policy (an EvictionPolicy), one instance per shard.
    using eviction_type = Eviction;
    /// The expiry policy (an ExpiryPolicy for K and V).
    using expiry_type = Expiry;
    /// The clock expiry times are read from (cache_policy::with_clock; default coarse_steady_clock).
    using clock = typename policies::clock;
    /// Times loads: clock::precise_clock when the clock names one, else clock.
    using load_clock = typename policies::load_clock;
    /// The weigher (cache_policy::with_weigher; default unit_weigher: every entry weighs 1).
    using weigher_type = typename policies::weigher;
    /// The removal listener (cache_policy::with_listener; default no_listener).
    using listener_type = typename policies::listener;
    /// The key hash function (cache_policy::with_hash; default std::hash<K>).
    using hasher = typename policies::hash;
    /// The key equality (cache_policy::with_hash; default std::equal_to<K>).
    using key_equal = typename policies::key_equal;
    /// True when the cache is bounded by weight (a with_weigher policy was given).
    static constexpr bool weighted = policies::weighted;
    /// False for cache_policy::single_threaded (no locks), true otherwise.
    static constexpr bool threaded = policies::threaded;
    /// True when the expiry policy keeps time (Expiry::expires).
    static constexpr bool expiring = Expiry::expires;
    /// True with cache_policy::with_refresh (refresh after write).
    static constexpr bool refreshing = policies::refreshing;
    /// The reloader of cache_policy::with_refresh (default: none, never called).
    using reloader_type = typename policies::reloader;
    /// The executor refreshes run on (cache_policy::with_refresh; default thread_executor).
    using executor_type = typename policies::executor;
    static_assert(!refreshing || std::is_invocable_r_v<V, reloader_type&, const K&, const V&> ||
                      std::is_invocable_r_v<V, reloader_type&, const K&>,
                  "cistern::cache_policy::with_refresh<R, E>: R needs `V operator()(const K&, const V& old)` or "
                  "`V operator()(const K&)`");
    static_assert(!refreshing || std::is_invocable_v<executor_type&, std::function<void()>>,
                  "cistern::cache_policy::with_refresh<R, E>: E needs `void operator()(std::function<void()> task)`");
    /// True when hasher and key_equal are both transparent: get, contains, erase and
    /// get_or_load also accept lookup keys of other types (see the class comment).
    static constexpr bool heterogeneous = TransparentHash<hasher, key_equal>;
    /// True when get() and the hit of get_or_load() read without the shard's lock (see the
    /// class comment): threaded (not cache_policy::locked_reads), no weigher, no refresh,
    /// and an expiry policy whose reads keep the due time.
    static constexpr bool optimistic_reads = threaded && policies::skip_lock_on_reads && !weighted && !refreshing &&
                                             (!expiring || detail::ex_reads_keep_expiry<Expiry>);
    /// True when, besides, K or V is not trivially copyable (std::string, std::shared_ptr):
    /// a read without the lock compares the key and copies the value in place, inside a
    /// grace period (detail::read_buffer::enter), so the cache frees a removed entry or a
    /// replaced value only once no such reader can be in it (see the class comment).
    static constexpr bool guarded_reads =
        optimistic_reads && !(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    /// True when, besides, a shard's reads take its lock while no read finds it taken
    /// (cache_policy::multi_threaded, the default; not cache_policy::lock_free_reads).
    static constexpr bool sole_reader_locks = optimistic_reads && policies::sole_reader_locks;

private:
    // guarded_reads with a value that is not trivially copyable: the entry reaches its value
    // through a pointer (boxed_value: the first value in the entry, later ones on the heap).
    static constexpr bool boxed_values = guarded_reads && !std::is_trivially_copyable_v<V>;
    // Removals filed before reclaim() tries to free them.
    static constexpr std::size_t reclaim_batch = 32;

public:

    /// Validates `opts` (throws config_error) and builds the shards. `reloader` and
    /// `executor` are used only with cache_policy::with_refresh.
    explicit cache(cache_options opts, Expiry expiry = Expiry{}, weigher_type weigher = weigher_type{},
                   listener_type listener = listener_type{}, reloader_type reloader = reloader_type{},
                   executor_type executor = executor_type{})
        : opts_(validated(opts)), expiry_(std::move(expiry)), weigher_(std::move(weigher)),
          listener_(std::move(listener)), reloader_(std::move(reloader)), executor_(std::move(executor)) {
        const std::uint64_t bound = weighted ? opts_.max_weight : opts_.max_size;
        bound_.store(bound, std::memory_order_relaxed);
        const std::size_t n = opts_.shards;
        shards_ = std::make_unique<shard[]>(n);
        shard_mask_ = n - 1;
        const std::int64_t now = expiring ? now_ns() : 0;
        for (std::size_t i = 0; i < n; ++i) {
            shards_[i].budget = bound / n + (i < bound % n ? 1 : 0);
            if constexpr (weighted && requires(Eviction& p) { p.set_weighted(); }) shards_[i].policy.set_weighted();
            shards_[i].policy.reset(shards_[i].budget);
            if constexpr (expiring) shards_[i].wheel.clear(now);
            if constexpr (optimistic_reads) {
                shard& s = shards_[i];
                s.table.keep_retired(true);
                s.store.keep_retired(true);
                reserve_for_readers(s);
                s.reads.init();
            }
        }
        // A policy whose climber the shards share (the default's mini caches): one for the cache.
        if constexpr (requires(Eviction& p) { p.share_climber(p, std::uint64_t{}); })
            for (std::size_t i = 0; i < n; ++i) shards_[i].policy.share_climber(shards_[0].policy, bound);
    }

    cache(const cache&) = delete;
    cache& operator=(const cache&) = delete;

    /// Waits for the refreshes this cache started, then destroys every entry.
    ~cache() {
        if constexpr (refreshing) refresh_tracker_->wait_idle();
        for (std::size_t i = 0; i <= shard_mask_; ++i) {
            shard& s = shards_[i];
            free_filed(s, ~std::uint64_t{0}); // first: filed first values lie in live nodes too
            s.table.for_each([&](std::uint32_t slot) { s.store.destroy(slot); });
        }
    }

    /// A copy of the value under `key`, or nothing (absent or expired). A hit counts as
    /// an access for the eviction and expiry policies. No allocation, one shard lock.
    /// With cache_policy::with_refresh, a hit on an entry written refresh_after_write ago
    /// or longer still returns the current value and starts one reload of it (see
    /// with_refresh; with inline_executor this call runs it before returning).
    [[gnu::always_inline]] std::optional<V> get(const K& key) { return get_as(key); }
    /// get() by a lookup key `key` of another type (a cache whose hash and equality are
    /// transparent; Q models LookupKey<Q, K, hasher, key_equal>): builds no K.
    template <class Q>
        requires detail::other_lookup_key<Q, K, hasher, key_equal>
    std::optional<V> get(const Q& key) {
        static_assert(detail::check_lookup_key<Q, K, hasher, key_equal, false>());
        return get_as(key);
    }

    /// True when a live entry is under `key`; not an access, not counted in stats.
    bool contains(const K& key) { return contains_as(key); }
    /// contains() by a lookup key of another type (as get(const Q&)).
    template <class Q>
        requires detail::other_lookup_key<Q, K, hasher, key_equal>
    bool contains(const Q& key) {
        static_assert(detail::check_lookup_key<Q, K, hasher, key_equal, false>());
        return contains_as(key);
    }

    /// Stores `value` under `key` (replacing any value: cause replaced), with the TTL and
    /// tags of `opts`, then evicts until the shard is within its bound. An entry heavier
    /// than its shard's bound is not stored (the listener hears `evicted`).
    void put(const K& key, V value, entry_options opts = {}) {
        const std::uint64_t h = hash_of(key);
        const std::uint64_t w = weigh(key, value);
        shard& s = shard_for(h);
        removals out;
        {
            std::lock_guard lock(s.mu);
            store_locked(s, key, h, std::move(value), w, opts, out);
            mark_stale(s, key);
        }
        notify(out);
    }

    /// Stores `value` under `key` with `opts` only if no live entry is there (Caffeine's
    /// putIfAbsent), atomically; returns a copy of the value found, or nothing when
    /// `value` was stored. Finding one is an access for the eviction and expiry policies,
    /// not a hit or a miss in stats(). Storing it makes a load of `key` in flight not
    /// store its result (as put does).
    std::optional<V> put_if_absent(const K& key, V value, entry_options opts = {}) {
        const std::uint64_t h = hash_of(key);
        const std::uint64_t w = weigh(key, value);
        shard& s = shard_for(h);
        removals out;
        std::optional<V> found;
        {
            std::lock_guard lock(s.mu);
            const std::uint32_t slot = find(s, key, h);
            if (slot != none && live(s, slot, h, out)) {
                found.emplace(value_of(s.store[slot]));
            } else {
                store_locked(s, key, h, std::move(value), w, opts, out);
                mark_stale(s, key);
            }
        }
        notify(out);
        return found;
    }

    /// Atomic read-modify-write of the entry under `key` (Caffeine's compute):
    /// `fn(const V* current)`, with the live value or nullptr when there is none, returns
    /// the new value (anything convertible to std::optional<V>), or std::nullopt to remove
    /// the entry (cause explicit_) or leave it absent. The new value is stored with `opts`
    /// (replacing: cause replaced) and evicted to the bound as by put. Returns what `fn`
    /// returned. No other call on `key` runs between the read and the write: `fn` runs
    /// under the shard's lock, so it must be short and must not call this cache (that
    /// would deadlock); if it throws, nothing changes and the exception propagates. Not a
    /// hit or a miss in stats(); a write makes a load of `key` in flight not store its
    /// result (as put does).
    template <class F>
        requires std::is_convertible_v<std::invoke_result_t<F&, const V*>, std::optional<V>>
    std::optional<V> compute(const K& key, F&& fn, entry_options opts = {}) {
        const std::uint64_t h = hash_of(key);
        shard& s = shard_for(h);
        removals out;
        std::optional<V> next;
        try {
            std::lock_guard lock(s.mu);
            std::uint32_t slot = find(s, key, h);
            if (slot != none && !live(s, slot, h, out)) slot = none;
            next = std::invoke(fn, slot == none ? static_cast<const V*>(nullptr) : &value_of(s.store[slot]));
            if (next) {
                const std::uint64_t w = weigh(key, *next);
                store_locked(s, key, h, V(*next), w, opts, out);
                mark_stale(s, key);
            } else if (slot != none) {
                s.policy.on_erase(slot);
                remove(s, slot, h, removal_cause::explicit_, out);
                mark_stale(s, key);
            }
        } catch (...) {
            notify(out);
            throw;
        }
        notify(out);
        return next;
    }

    /// Removes the entry under `key` (cause explicit_); true when there was one. A load
    /// of `key` in flight still answers its waiters but does not store its result.
    bool erase(const K& key) { return erase_as(key); }
    /// erase() by a lookup key of another type (as get(const Q&)).
    template <class Q>
        requires detail::other_lookup_key<Q, K, hasher, key_equal>
    bool erase(const Q& key) {
        static_assert(detail::check_lookup_key<Q, K, hasher, key_equal, false>());
        return erase_as(key);
    }

    /// Removes every entry (cause explicit_). Loads in flight do not store their results.
    void clear() {
        for (std::size_t i = 0; i <= shard_mask_; ++i) {
            shard& s = shards_[i];
            removals out;
            {
                std::lock_guard lock(s.mu);
                drain_reads(s);
                std::vector<std::uint32_t> slots;
                slots.reserve(s.table.size());
                s.table.for_each([&](std::uint32_t slot) { slots.push_back(slot); });
                for (std::uint32_t slot : slots) {
                    s.policy.on_erase(slot);
                    remove(s, slot, hash_of(s.store[slot].key), removal_cause::explicit_, out);
                }
                ++s.epoch;
            }
            notify(out);
        }
    }

    /// Removes every entry tagged `tag` (cause explicit_) and returns how many. Loads in
    /// flight when it is called do not store their results.
    std::size_t invalidate_tag(const std::string& tag) {
        std::size_t n = 0;
        for (std::size_t i = 0; i <= shard_mask_; ++i) {
            shard& s = shards_[i];
            removals out;
            {
                std::lock_guard lock(s.mu);
                ++s.epoch;
                drain_reads(s);
                auto it = s.tag_index.find(tag);
                if (it == s.tag_index.end()) continue;
                std::vector<std::uint32_t> slots(it->second.begin(), it->second.end());
                for (std::uint32_t slot : slots) {
                    s.policy.on_erase(slot);
                    remove(s, slot, hash_of(s.store[slot].key), removal_cause::explicit_, out);
                }
                n += slots.size();
            }
            notify(out);
        }
        return n;
    }

    /// The value under `key`, loading it with `loader` (`V loader(const K&)` or
    /// `V loader()`) on a miss and storing it with `opts`. Single flight: while a load
    /// of `key` runs, other callers missing `key` wait for its result instead of loading,
    /// unless the key was written or removed, a tag invalidated or the cache cleared since
    /// that load started: a caller arriving after such a change starts its own load (the
    /// older one's result may predate the change; it answers only its earlier waiters and
    /// is not stored). If the loader throws, every waiter gets the exception and nothing is stored. The
    /// loader runs without any lock held; it must not load the same key.
    template <class Loader>
    [[gnu::always_inline]] V get_or_load(const K& key, Loader&& loader, entry_options opts = {}) {
        return load_through(key, loader, [&]() -> entry_options { return std::move(opts); });
    }

    /// As above, with the options made by `make_opts()` (returning entry_options) only
    /// when this call runs the loader: a hit or a wait for another caller's load never
    /// calls it (for options that cost something to build, such as tags parsed from a
    /// statement). It runs before the loader, without any lock held; if it throws, the
    /// exception reaches every waiter, as a loader's would, and nothing is loaded.
    template <class Loader, class MakeOpts>
        requires std::is_invocable_r_v<entry_options, MakeOpts&>
    [[gnu::always_inline]] V get_or_load(const K& key, Loader&& loader, MakeOpts&& make_opts) {
        return load_through(key, loader, make_opts);
    }

    /// get_or_load() by a lookup key `key` of another type (a cache whose hash and equality
    /// are transparent; Q models LookupKey<Q, K, hasher, key_equal> and K is constructible
    /// from `const Q&`): a hit, or a wait for a load in flight, builds no K; a miss that
    /// loads builds the key once, `K(key)` (under the shard's lock, where the record of the
    /// load in flight is made), hands it to the loader (`V loader(const K&)` or
    /// `V loader()`) and stores the value under it. Debug builds assert that the built key
    /// hashes and compares as `key` does. Single flight as above: a lookup key and the key
    /// it builds are one key.
    template <class Q, class Loader>
        requires detail::other_lookup_key<Q, K, hasher, key_equal>
    [[gnu::always_inline]] V get_or_load(const Q& key, Loader&& loader, entry_options opts = {}) {
        static_assert(detail::check_lookup_key<Q, K, hasher, key_equal, true>());
        return load_through(key, loader, [&]() -> entry_options { return std::move(opts); });
    }
    /// get_or_load() by a lookup key of another type, with options made only when it loads.
    template <class Q, class Loader, class MakeOpts>
        requires detail::other_lookup_key<Q, K, hasher, key_equal> && std::is_invocable_r_v<entry_options, MakeOpts&>
    [[gnu::always_inline]] V get_or_load(const Q& key, Loader&& loader, MakeOpts&& make_opts) {
        static_assert(detail::check_lookup_key<Q, K, hasher, key_equal, true>());
        return load_through(key, loader, make_opts);
    }

    /// Copies of the values under `keys`, in their order: element i is what get(keys[i])
    /// would return (a hit or a miss each, an access on a hit; refreshes as get).
    std::vector<std::optional<V>> get_all(std::span<const K> keys) {
        std::vector<std::optional<V>> result(keys.size());
        for (std::size_t i = 0; i < keys.size(); ++i) result[i] = get(keys[i]);
        return result;
    }
    /// get_all for a braced list of keys.
    std::vector<std::optional<V>> get_all(std::initializer_list<K> keys) {
        return get_all(std::span<const K>(keys.begin(), keys.size()));
    }

    /// The values under `keys`, in their order, loading every missing key with one call
    /// of `bulk_loader(std::span<const K> missing)` (Caffeine's getAll with loadAll).
    /// `missing` holds each key that is neither cached nor being loaded by another call,
    /// once. The loader returns a range of (key, value) pairs (a map, a vector of pairs);
    /// what it returns for those keys is stored with `opts` and returned; a key it does
    /// not return is nothing in the result and is not stored (keys it was not asked for
    /// are ignored). Single flight per key: a key another call is loading is waited for,
    /// after this call's own load; a get_or_load of a key this call loads waits for it
    /// (and gets cistern::not_loaded if the loader did not return that key). If the loader
    /// throws, nothing is stored, every caller waiting for its keys gets the exception and
    /// so does this call; an exception of another call's load of a key reaches this call
    /// too. Counts a hit or a miss per key and one load (or load failure) per loader call.
    /// The loader runs without any lock held and must not load the keys it was given.
    template <class BulkLoader>
        requires std::is_invocable_v<BulkLoader&, std::span<const K>>
    std::vector<std::optional<V>> get_or_load_all(std::span<const K> keys, BulkLoader&& bulk_loader,
                                                  entry_options opts = {}) {
        return load_all_through(keys, bulk_loader, opts);
    }
    /// get_or_load_all for a braced list of keys.
    template <class BulkLoader>
        requires std::is_invocable_v<BulkLoader&, std::span<const K>>
    std::vector<std::optional<V>> get_or_load_all(std::initializer_list<K> keys, BulkLoader&& bulk_loader,
                                                  entry_options opts = {}) {
        return load_all_through(std::span<const K>(keys.begin(), keys.size()), bulk_loader, opts);
    }

    /// Changes the bound on the number of entries (a cache without a weigher) to `n` at
    /// runtime; a smaller bound evicts at once, each shard down to its new share (the
    /// eviction policy chooses the victims; the listener hears `evicted`). Throws
    /// config_error (field cache_options.max_size) when `n` is 0 or below shard_count().
    void set_max_size(std::uint64_t n) {
        static_assert(!weighted, "cistern::cache::set_max_size: a cache with a weigher is bounded by weight; call set_max_weight");
        set_bound(n, "cache_options.max_size");
    }
    /// Changes the bound on the total weight (a cache with cache_policy::with_weigher) to
    /// `n` at runtime, as set_max_size does for entries (field cache_options.max_weight).
    void set_max_weight(std::uint64_t n) {
        static_assert(weighted, "cistern::cache::set_max_weight: needs cache_policy::with_weigher<W>; call set_max_size");
        set_bound(n, "cache_options.max_weight");
    }

    /// The number of entries. An estimate in one respect: entries that expired but were not
    /// swept yet are counted (get() never returns them); call cleanup() first for the exact
    /// count.
    std::size_t size() const {
        std::size_t n = 0;
        for (std::size_t i = 0; i <= shard_mask_; ++i) {
            std::lock_guard lock(shards_[i].mu);
            n += shards_[i].table.size();
        }
        return n;
    }
    /// The total weight (equals size() without a weigher).
    std::uint64_t weight() const {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i <= shard_mask_; ++i) {
            std::lock_guard lock(shards_[i].mu);
            n += shards_[i].weight;
        }
        return n;
    }
    /// The bound: max_weight with a weigher, else max_size (as last set by set_max_size or
    /// set_max_weight).
    std::uint64_t bound() const noexcept { return bound_.load(std::memory_order_relaxed); }
    /// The number of independently locked shards, fixed at construction (a power of two).
    std::size_t shard_count() const noexcept { return shard_mask_ + 1; }

    /// Removes expired entries now (they are also removed as time passes during other
    /// calls, and are never returned either way).
    void cleanup() {
        if constexpr (expiring) {
            const std::int64_t now = now_ns();
            for (std::size_t i = 0; i <= shard_mask_; ++i) {
                removals out;
                {
                    std::lock_guard lock(shards_[i].mu);
                    drain_reads(shards_[i]);
                    sweep(shards_[i], now, out);
                }
                notify(out);
            }
        }
    }

    /// A snapshot of the counters, summed over shards.
    cache_stats stats() const {
        cache_stats r;
        for (std::size_t i = 0; i <= shard_mask_; ++i) {
            const shard& s = shards_[i];
            std::lock_guard lock(s.mu);
            r.hits += s.hits;
            r.misses += s.misses;
            if constexpr (optimistic_reads) {
                if (opts_.record_stats) {
                    r.hits += s.reads.recorded();
                    r.misses += s.reads.misses();
                }
            }
            r.loads += s.loads;
            r.load_failures += s.load_failures;
            r.total_load_time += std::chrono::duration_cast<std::chrono::nanoseconds>(s.load_time);
            r.evictions += s.removed[static_cast<int>(removal_cause::evicted)];
            r.evicted_weight += s.evicted_weight;
            r.refreshes += s.refreshes;
            r.refresh_failures += s.refresh_failures;
            r.expirations += s.removed[static_cast<int>(removal_cause::expired)];
            r.explicit_removals += s.removed[static_cast<int>(removal_cause::explicit_)];
            r.replacements += s.removed[static_cast<int>(removal_cause::replaced)];
        }
        return r;
    }

    /// Bytes of the cache's own structures (entries, index, wheel, and the policy's when it
    /// reports them: W-TinyLFU), for memory measurements; excludes heap memory owned by
    /// keys and values.
    std::size_t memory_bytes() const {
        std::size_t n = sizeof(*this) + (shard_mask_ + 1) * sizeof(shard);
        for (std::size_t i = 0; i <= shard_mask_; ++i) {
            std::lock_guard lock(shards_[i].mu);
            n += shards_[i].store.memory_bytes() + shards_[i].table.memory_bytes();
            if constexpr (expiring) n += shards_[i].wheel.memory_bytes();
            if constexpr (optimistic_reads) n += shards_[i].reads.memory_bytes();
            if constexpr (guarded_reads) n += shards_[i].retired_slots.capacity() * sizeof(shards_[i].retired_slots[0]);
            if constexpr (boxed_values)
                n += shards_[i].retired_boxes.capacity() * sizeof(shards_[i].retired_boxes[0]);
            if constexpr (requires(const Eviction& p) { p.memory_bytes(); }) n += shards_[i].policy.memory_bytes();
        }
        return n;
    }

private:
    static constexpr std::uint32_t none = 0xffffffffu;
    using mutex_type = std::conditional_t<
        threaded, std::conditional_t<optimistic_reads, detail::seq_spin_mutex, detail::spin_mutex>, detail::null_mutex>;

    // guarded_reads with a value that is not trivially copyable: the node holds its first
    // value in place and publishes a pointer to the current one. A write builds the new
    // value on the heap and publishes it (a reader without the lock may be copying the old
    // one); the caller files the old value: a heap one to be freed, the first one to be
    // emptied (moved from) two grace periods later, so that what it holds is released
    // then and the node still destroys it as usual.
    class boxed_value {
    public:
        explicit boxed_value(V&& v) : first_(std::move(v)), p_(&first_) {}
        boxed_value(const boxed_value&) = delete;
        boxed_value& operator=(const boxed_value&) = delete;
        ~boxed_value() {
            if (V* p = p_.load(std::memory_order_relaxed); p != &first_) delete p;
        }
        V& get() const noexcept { return *p_.load(std::memory_order_relaxed); }
        // Without the lock: the value published last (built before it was published).
        const V& shared() const noexcept { return *p_.load(std::memory_order_acquire); }
        // Publishes `v` in place of the current value and returns the old one: a heap value
        // (the caller frees it) or nullptr for the first value (the caller empties it with
        // release_first()).
        V* replace(V&& v) {
            V* fresh = new V(std::move(v));
            V* old = p_.exchange(fresh, std::memory_order_acq_rel);
            return old == &first_ ? nullptr : old;
        }
        // Once no reader can be in it: releases what the replaced first value holds.
        void release_first() {
            [[maybe_unused]] V gone(std::move(first_));
        }

    private:
        V first_;
        std::atomic<V*> p_;
    };
    struct node {
        K key;
        std::conditional_t<boxed_values, boxed_value, V> value;
        [[no_unique_address]] detail::weight_field<weighted> w;
        [[no_unique_address]] detail::due_field<expiring> due;
        [[no_unique_address]] detail::written_field<refreshing> written;
        node(const K& k, V&& v) : key(k), value(std::move(v)) {}
    };
    static V& value_of(node& n) noexcept {
        if constexpr (boxed_values) return n.value.get();
        else return n.value;
    }
    static const V& value_of(const node& n) noexcept {
        if constexpr (boxed_values) return n.value.get();
        else return n.value;
    }
    // A value a write replaced (boxed_values): on the heap (`old`), or the first value of
    // `slot` when `old` is null.
    struct retired_value {
        std::uint64_t epoch;
        std::uint32_t slot;
        V* old;
    };
    struct flight {
        std::promise<V> promise;
        std::shared_future<V> result;
        std::uint64_t epoch = 0;
        bool stale = false;
        const void* batch = nullptr; // the get_or_load_all call that owns it, if any
        std::size_t batch_index = 0; // its place among that call's own keys
    };
    using removal = std::tuple<K, V, removal_cause>;
    // A reload to start once the lock is released: the key, the value it replaces and
    // the write time that identifies the entry.
    struct pending_refresh {
        K key;
        V old;
        std::int64_t written;
    };
    // Work for after the lock is released: removed entries for the listener, refreshes.
    struct removals {
        std::conditional_t<policies::listening, std::vector<removal>, detail::no_wheel> items;
        std::conditional_t<refreshing, std::vector<pending_refresh>, detail::no_wheel> refreshes;
    };

    struct alignas(64) shard {
        mutable mutex_type mu;
        // Beside the lock: every read tests its locked mode, and a read without the lock
        // reads the sequence count and records here.
        [[no_unique_address]] std::conditional_t<optimistic_reads, detail::read_buffer, detail::no_wheel> reads;
        detail::slot_table table;
        detail::entry_store<node> store;
        Eviction policy;
        [[no_unique_address]] std::conditional_t<expiring, detail::timer_wheel, detail::no_wheel> wheel;
        std::uint64_t weight = 0, budget = 0;
        std::uint64_t hits = 0, misses = 0, loads = 0, load_failures = 0;
        typename load_clock::duration load_time{0};
        std::uint64_t removed[4] = {0, 0, 0, 0};
        std::uint64_t evicted_weight = 0, refreshes = 0, refresh_failures = 0;
        std::uint64_t epoch = 0;
        std::unordered_map<std::string, std::unordered_set<std::uint32_t>> tag_index;
        std::unordered_map<std::uint32_t, std::vector<std::string>> tags_of;
        std::unordered_map<K, std::shared_ptr<flight>, hasher, key_equal> flights;
        // guarded_reads: whether the write under way found no reader inside (writing()).
        [[no_unique_address]] std::conditional_t<guarded_reads, bool, detail::no_wheel> unread{};
        // guarded_reads: removed slots and replaced values, with the epoch they were filed
        // under, until reclaim() frees them.
        [[no_unique_address]] std::conditional_t<guarded_reads, std::vector<std::pair<std::uint64_t, std::uint32_t>>,
                                                 detail::no_wheel> retired_slots;
        [[no_unique_address]] std::conditional_t<boxed_values, std::vector<retired_value>, detail::no_wheel> retired_boxes;
    };

    static cache_options validated(cache_options o) {
        if constexpr (weighted) {
            if (o.max_weight == 0)
                throw config_error("cache_options.max_weight", "0", "a cache with a weigher needs a positive max_weight");
            if (o.max_size != 0)
                throw config_error("cache_options.max_size", std::to_string(o.max_size),
                                   "a cache with a weigher is bounded by max_weight; leave max_size at 0");
        } else {
            if (o.max_size == 0)
                throw config_error("cache_options.max_size", "0", "must be positive (or use a weigher and max_weight)");
            if (o.max_weight != 0)
                throw config_error("cache_options.max_weight", std::to_string(o.max_weight),
                                   "needs cache_policy::with_weigher<W>; use max_size to bound the entry count");
        }
        if constexpr (refreshing) {
            if (o.refresh_after_write.count() <= 0)
                throw config_error("cache_options.refresh_after_write", std::to_string(o.refresh_after_write.count()) + "ns",
                                   "cache_policy::with_refresh needs a positive refresh_after_write");
        } else if (o.refresh_after_write.count() != 0) {
            throw config_error("cache_options.refresh_after_write", std::to_string(o.refresh_after_write.count()) + "ns",
                               "needs cache_policy::with_refresh<Reloader> (the reloader)");
        }
        const std::uint64_t bound = weighted ? o.max_weight : o.max_size;
        if (o.shards != 0) {
            if (!std::has_single_bit(o.shards) || o.shards > 1024)
                throw config_error("cache_options.shards", std::to_string(o.shards), "must be 0 or a power of two <= 1024");
            if (!threaded && o.shards != 1)
                throw config_error("cache_options.shards", std::to_string(o.shards), "a single_threaded cache has one shard");
            if (o.shards > bound)
                throw config_error("cache_options.shards", std::to_string(o.shards), "more shards than the bound");
        } else if (!threaded) {
            o.shards = 1;
        } else {
            const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
            std::size_t n = std::min<std::size_t>(std::bit_ceil(32 * hw), 64);
            while (n > 1 && bound / n < 32) n /= 2;
            o.shards = n;
        }
        return o;
    }

    // The key's hash (a lookup key's: that of the key it stands for).
    template <class Q>
    std::uint64_t hash_of(const Q& key) const { return detail::mix64(static_cast<std::uint64_t>(hasher{}(key))); }
    shard& shard_for(std::uint64_t h) const noexcept { return shards_[h & shard_mask_]; }
    template <class Q>
    std::uint32_t find(shard& s, const Q& key, std::uint64_t h) const {
        return s.table.find(h, [&](std::uint32_t slot) {
            // The key, the entry and the policy's links are independent loads: start
            // them together rather than one after the other.
            if constexpr (detail::ev_prefetches_slot<Eviction>) s.policy.prefetch_slot(slot);
            return key_equal{}(s.store[slot].key, key);
        });
    }
    // Before the lock: starts loading the index bucket and the policy's line for `h`.
    static void prefetch(const shard& s, std::uint64_t h) noexcept {
        s.table.prefetch(h);
        if constexpr (detail::ev_prefetches<Eviction>) s.policy.prefetch(h);
    }

    // Reads without the lock (optimistic_reads). Under the lock, before changing the index
    // or an entry's key, value or due time: readers that overlap the change retry locked.
    // With guarded_reads, a write that finds no reader inside (read_buffer::none_inside)
    // changes values in place and frees what it removes at once (`s.unread`), as a cache
    // read under its lock does, and frees what earlier writes filed.
    void writing(shard& s) {
        if constexpr (optimistic_reads) {
            if (s.mu.begin_write()) {
                if constexpr (guarded_reads) {
                    s.unread = s.reads.none_inside();
                    if (s.unread) free_filed(s, ~std::uint64_t{0});
                }
            }
        }
    }
    // Sizes the index and the store's directory for the shard's bound (one more entry: a
    // write inserts before it evicts), so that neither grows while readers are in it.
    static void reserve_for_readers(shard& s) {
        s.table.reserve(s.budget + 1);
        s.store.reserve(s.budget + 1);
    }
    enum class peeked { hit, miss, busy };
    // Looks `key` up without the lock. hit: `value` holds a consistent copy of the live
    // value in `slot`; miss: no entry; busy: a write overlapped, or the entry has expired
    // (the caller takes the lock, which also removes it). A key or value that is trivially
    // copyable is copied under the sequence count and used only once the copy is known
    // whole. With guarded_reads the read is inside a grace period, so every node and value
    // it reaches stays constructed until it leaves: a key that is not trivially copyable is
    // compared in place (a node's key never changes while the node is in its slot), a value
    // that is not trivially copyable is copied through its published pointer (a write
    // changes that value in place only when no reader is inside, see writing()). The copy
    // is kept only if no write overlapped.
    template <class Q>
    [[gnu::always_inline]] peeked peek(const shard& s, const Q& key, std::uint64_t h, std::optional<V>& value,
                                       std::uint32_t& slot) const {
        [[maybe_unused]] const auto inside = [&] {
            if constexpr (guarded_reads) return s.reads.enter();
            else return detail::no_wheel{};
        }();
        // After the announcement, seq_cst (see read_buffer::none_inside).
        const std::uint64_t seq = s.mu.read_begin(guarded_reads ? std::memory_order_seq_cst : std::memory_order_acquire);
        if (seq & 1) return peeked::busy;
        [[maybe_unused]] std::array<std::byte, std::is_trivially_copyable_v<V> ? sizeof(V) : 1> vb{};
        [[maybe_unused]] std::int64_t due = 0;
        bool torn = false;
        slot = s.table.find_shared(h, [&](std::uint32_t candidate) {
            const node* n = s.store.peek(candidate);
            if (n == nullptr) {
                torn = true;
                return true;
            }
            if constexpr (std::is_trivially_copyable_v<K>) {
                std::array<std::byte, sizeof(K)> kb;
                detail::seq_copy(kb.data(), &n->key, sizeof(K));
                if (!s.mu.read_valid(seq)) {
                    torn = true;
                    return true;
                }
                if (!key_equal{}(std::bit_cast<K>(kb), key)) return false;
            } else {
                if (!key_equal{}(n->key, key)) return false;
            }
            if constexpr (boxed_values) value.emplace(n->value.shared());
            else detail::seq_copy(vb.data(), &n->value, sizeof(V));
            if constexpr (expiring) detail::seq_copy(&due, &n->due.value, sizeof due);
            return true;
        });
        // (Only a boxed value is copied before the read is known whole: dropped if it is not.)
        if (torn || !s.mu.read_valid(seq)) {
            if constexpr (boxed_values) value.reset();
            return peeked::busy;
        }
        if (slot == none) return peeked::miss;
        if constexpr (expiring) {
            // Expired, or time entered a new tick of the wheel (about once a millisecond):
            // the lock, to remove what is due, as a locked read would.
            const std::int64_t now = now_ns();
            if (due <= now || s.wheel.ticked_shared(now)) {
                if constexpr (boxed_values) value.reset();
                return peeked::busy;
            }
        }
        if constexpr (!boxed_values) value.emplace(std::bit_cast<V>(vb));
        return peeked::hit;
    }
    // Whether this read takes the lock because the shard is in locked mode (sole_reader_locks;
    // see detail::read_buffer).
    [[gnu::always_inline]] bool reads_locked(const shard& s) const noexcept {
        if constexpr (sole_reader_locks) return s.reads.locked();
        else return false;
    }
    // The lock of a read: in locked mode, a read that finds the lock taken turns the mode off.
    [[gnu::always_inline]] void lock_for_read(shard& s, bool locked_mode) noexcept {
        if constexpr (sole_reader_locks) {
            if (locked_mode) {
                if (s.mu.try_lock_expecting_free()) [[likely]] return;
                s.reads.contended();
            }
        }
        s.mu.lock();
    }
    // After a hit without the lock: records the access for the policy; when this thread's
    // ring is full, replays the shard's rings if the lock is free.
    [[gnu::always_inline]] void record_read(shard& s, std::uint32_t slot, std::uint64_t h) {
        if (s.reads.record((h & 0xffffffff00000000ULL) | slot, opts_.record_stats)) [[unlikely]] replay_reads(s);
    }
    [[gnu::noinline]] void replay_reads(shard& s) {
        std::unique_lock lock(s.mu, std::try_to_lock);
        if (!lock.owns_lock()) return; // another thread holds it: records beyond a ring are lost
        s.reads.drain_as_drainer([&](std::uint64_t r) { replay(s, r); }, sole_reader_locks);
    }
    // Under the lock: applies the recorded accesses, skipping a record whose slot has been
    // freed or now holds a key of another hash.
    void drain_reads(shard& s) {
        if constexpr (optimistic_reads) {
            s.reads.drain([&](std::uint64_t r) { replay(s, r); });
        }
    }
    void replay(shard& s, std::uint64_t r) {
        const std::uint32_t slot = static_cast<std::uint32_t>(r);
        if (!s.store.live(slot)) return;
        const std::uint64_t h = hash_of(s.store[slot].key);
        if ((h ^ r) >> 32) return;
        s.policy.on_access(slot, h);
    }
    std::uint64_t weigh(const K& key, const V& value) const {
        if constexpr (weighted) {
            const std::uint64_t w = static_cast<std::uint64_t>(weigher_(key, value));
            if (w > 0xffffffffULL) throw std::length_error("cistern::cache: an entry's weight must be below 2^32");
            return w;
        } else {
            return 1;
        }
    }
    std::int64_t now_ns() const {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch()).count();
    }
    static std::int64_t due_at(std::int64_t now, std::chrono::nanoseconds ttl) noexcept {
        if (ttl == std::chrono::nanoseconds::max()) return detail::timer_wheel::never;
        if (ttl.count() <= 0) return now;
        return ttl.count() > detail::timer_wheel::never - now ? detail::timer_wheel::never - 1 : now + ttl.count();
    }
    static std::chrono::nanoseconds remaining(std::int64_t now, std::int64_t due) noexcept {
        return due == detail::timer_wheel::never ? std::chrono::nanoseconds::max() : std::chrono::nanoseconds(due - now);
    }

    // A found entry is live unless expired; an expired one is removed. On a live
    // entry, records the access (eviction and expiry policies). A read in locked mode
    // (`sole`) skips the replay: the mode began with a drain and reads since recorded
    // nothing, so only a read that saw the mode off just before it turned on can have
    // left records, which the next drain replays.
    [[gnu::always_inline]] bool live(shard& s, std::uint32_t slot, std::uint64_t h, removals& out, bool sole = false) {
        if (!sole) drain_reads(s); // accesses made without the lock come first
        if constexpr (expiring) {
            const std::int64_t due = s.store[slot].due.get();
            // Nothing in the shard is due (the wheel is empty) and reads keep this entry's
            // "never": no time to read, nothing to sweep.
            if constexpr (detail::ex_reads_keep_expiry<Expiry>)
                if (due == detail::timer_wheel::never && s.wheel.size() == 0) {
                    s.policy.on_access(slot, h);
                    return true;
                }
            const std::int64_t now = now_ns();
            if (due <= now) {
                s.policy.on_erase(slot);
                remove(s, slot, h, removal_cause::expired, out);
                sweep(s, now, out);
                return false;
            }
            sweep(s, now, out); // cannot remove `slot`: it is due later
            const node& n = s.store[slot];
            const std::int64_t next = due_at(now, expiry_.after_read(n.key, value_of(n), remaining(now, due)));
            if (next != due) schedule(s, slot, next);
        }
        s.policy.on_access(slot, h);
        return true;
    }

    // Expires what the wheel holds due by `now`. The wheel has work only when time
    // entered a new tick (about once a millisecond), so the rest is out of line.
    void sweep(shard& s, std::int64_t now, removals& out) {
        if constexpr (expiring)
            if (s.wheel.ticked(now)) [[unlikely]] sweep_ticked(s, now, out);
    }
    [[gnu::noinline, gnu::cold]] void sweep_ticked(shard& s, std::int64_t now, removals& out) {
        if constexpr (expiring) {
            s.wheel.advance(now, [&](std::uint32_t slot) {
                s.policy.on_erase(slot);
                remove(s, slot, hash_of(s.store[slot].key), removal_cause::expired, out);
            });
        }
    }

    void store_locked(shard& s, const K& key, std::uint64_t h, V&& value, std::uint64_t w, const entry_options& opts,
                      removals& out) {
        writing(s);
        drain_reads(s); // the policy sees reads made without the lock before it evicts
        std::int64_t now = 0;
        if constexpr (expiring || refreshing) now = now_ns();
        if constexpr (expiring) sweep(s, now, out);
        std::uint32_t slot = find(s, key, h);
        if (slot != none) {
            if (!replace_locked(s, slot, h, std::move(value), w, opts.ttl, now, out)) return;
        } else {
            if (w > s.budget) {
                ++s.removed[static_cast<int>(removal_cause::evicted)];
                s.evicted_weight += w;
                if constexpr (policies::listening) out.items.emplace_back(key, std::move(value), removal_cause::evicted);
                return;
            }
            slot = s.store.create(key, std::move(value));
            try {
                s.table.insert(h, slot);
            } catch (...) {
                s.store.destroy(slot);
                throw;
            }
            node& n = s.store[slot];
            n.w.set(w);
            if constexpr (refreshing) n.written = {now, false};
            s.weight += w;
            s.policy.on_insert(slot, h, w);
            if constexpr (expiring) schedule(s, slot, due_at(now, expiry_.after_create(n.key, value_of(n), opts.ttl)));
        }
        set_tags(s, slot, opts.tags);
        settle(s, key, h, slot, now, out);
    }

    // Replaces the value in `slot` (cause replaced) with `value` of weight `w`; false when
    // the entry is then too heavy for its shard and was removed (cause evicted). The
    // caller then sets tags (or keeps them) and calls settle().
    bool replace_locked(shard& s, std::uint32_t slot, std::uint64_t h, V&& value, std::uint64_t w,
                        std::optional<std::chrono::nanoseconds> ttl, [[maybe_unused]] std::int64_t now, removals& out) {
        node& n = s.store[slot];
        ++s.removed[static_cast<int>(removal_cause::replaced)];
        if (!replaced_under_readers(s, slot, std::move(value), out)) {
            if constexpr (policies::listening) out.items.emplace_back(n.key, std::move(value_of(n)), removal_cause::replaced);
            value_of(n) = std::move(value);
        }
        s.weight = s.weight - n.w.get() + w;
        n.w.set(w);
        if constexpr (refreshing) n.written = {now, false};
        if (w > s.budget) {
            s.policy.on_erase(slot);
            remove(s, slot, h, removal_cause::evicted, out);
            return false;
        }
        s.policy.on_update(slot, h, w);
        if constexpr (expiring) schedule(s, slot, due_at(now, expiry_.after_update(n.key, value_of(n), ttl, remaining(now, n.due.get()))));
        return true;
    }

    // After a write of `key` into `slot`: evicts until the shard is within its bound, and
    // drops the entry if its TTL is already over (it never becomes visible).
    void settle(shard& s, const K& key, std::uint64_t h, [[maybe_unused]] std::uint32_t slot,
                [[maybe_unused]] std::int64_t now, removals& out) {
        evict_to_budget(s, out);
        if constexpr (expiring) {
            if (find(s, key, h) == slot && s.store[slot].due.get() <= now) {
                s.policy.on_erase(slot);
                remove(s, slot, h, removal_cause::expired, out);
            }
        }
    }
    void evict_to_budget(shard& s, removals& out) {
        while (s.weight > s.budget) {
            const std::uint32_t victim = s.policy.evict();
            remove(s, victim, hash_of(s.store[victim].key), removal_cause::evicted, out);
        }
    }

    // A caller that misses may wait for the load in flight only if nothing removed or
    // wrote the key, invalidated a tag or cleared the shard since that load started: the
    // load may have read the data before that change, and its result would be stale for a
    // caller that arrives after it. Such a caller starts a load of its own.
    static bool joinable(const shard& s, const flight& f) noexcept { return !f.stale && f.epoch == s.epoch; }
    // Forgets the flight `f` of `key`, unless a newer load has taken its place.
    static void end_flight(shard& s, const K& key, const flight* f) {
        if (auto it = s.flights.find(key); it != s.flights.end() && it->second.get() == f) s.flights.erase(it);
    }

    template <class Q>
    void mark_stale(shard& s, const Q& key) {
        if (!s.flights.empty())
            if (auto it = s.flights.find(key); it != s.flights.end()) it->second->stale = true;
    }

    // Under the lock, on a hit of `slot`: queues a reload if the entry is due for one and
    // none runs.
    void check_refresh(shard& s, std::uint32_t slot, removals& out) {
        if constexpr (refreshing) {
            node& n = s.store[slot];
            if (n.written.refreshing || now_ns() - n.written.at < opts_.refresh_after_write.count()) return;
            n.written.refreshing = true;
            out.refreshes.push_back(pending_refresh{n.key, value_of(n), n.written.at});
        }
    }
    // Without any lock: hands a queued reload to the executor.
    void start_refresh(pending_refresh& p) {
        if constexpr (refreshing) {
            std::shared_ptr<detail::refresh_tracker> tracker = refresh_tracker_;
            tracker->begin();
            try {
                executor_(std::function<void()>([this, tracker, p]() mutable {
                    run_refresh(p);
                    tracker->end();
                }));
            } catch (...) { // the executor could not take it
                finish_refresh(p, std::nullopt);
                tracker->end();
            }
        }
    }
    void run_refresh(pending_refresh& p) {
        if constexpr (refreshing) {
            std::optional<V> v;
            try {
                if constexpr (std::is_invocable_v<reloader_type&, const K&, const V&>) v.emplace(std::invoke(reloader_, std::as_const(p.key), std::as_const(p.old)));
                else v.emplace(std::invoke(reloader_, std::as_const(p.key)));
            } catch (...) {
                v.reset();
            }
            finish_refresh(p, std::move(v));
        }
    }
    // Stores a reload's value (nothing: it failed) if the entry it was started for is
    // still there, unchanged; counts it either way.
    void finish_refresh(pending_refresh& p, std::optional<V> v) {
        if constexpr (refreshing) {
            const std::uint64_t h = hash_of(p.key);
            std::uint64_t w = 0;
            if (v) {
                try {
                    w = weigh(p.key, *v);
                } catch (...) {
                    v.reset();
                }
            }
            shard& s = shard_for(h);
            removals out;
            {
                std::lock_guard lock(s.mu);
                ++(v ? s.refreshes : s.refresh_failures);
                const std::uint32_t slot = find(s, p.key, h);
                if (slot != none && s.store[slot].written.refreshing && s.store[slot].written.at == p.written) {
                    if (!v) {
                        s.store[slot].written.refreshing = false; // the next read tries again
                    } else {
                        const std::int64_t now = now_ns();
                        if constexpr (expiring) sweep(s, now, out);
                        if (find(s, p.key, h) == slot && replace_locked(s, slot, h, std::move(*v), w, std::nullopt, now, out))
                            settle(s, p.key, h, slot, now, out);
                    }
                }
            }
            notify(out);
        }
    }

    // set_max_size / set_max_weight: splits `n` between the shards and evicts each down.
    void set_bound(std::uint64_t n, const char* field) {
        static_assert(detail::ev_sets_capacity<Eviction>,
                      "cistern::cache: changing the bound at runtime needs an eviction policy with "
                      "`void set_capacity(std::uint64_t capacity)` (every built-in has it)");
        const std::size_t count = shard_mask_ + 1;
        if (n == 0) throw config_error(field, "0", "must be positive");
        if (n < count)
            throw config_error(field, std::to_string(n), "below the number of shards (" + std::to_string(count) + ")");
        std::lock_guard resizing(resize_mu_);
        bound_.store(n, std::memory_order_relaxed);
        for (std::size_t i = 0; i < count; ++i) {
            shard& s = shards_[i];
            removals out;
            {
                std::lock_guard lock(s.mu);
                s.budget = n / count + (i < n % count ? 1 : 0);
                drain_reads(s);
                s.policy.set_capacity(s.budget);
                evict_to_budget(s, out);
                if constexpr (optimistic_reads) {
                    writing(s);
                    reserve_for_readers(s);
                }
            }
            notify(out);
        }
    }

    void schedule(shard& s, std::uint32_t slot, std::int64_t due) {
        writing(s);
        s.store[slot].due.set(due);
        s.wheel.schedule(slot, due);
    }

    void set_tags(shard& s, std::uint32_t slot, const std::vector<std::string>& tags) {
        if (!s.tags_of.empty()) drop_tags(s, slot);
        if (tags.empty()) return;
        auto& mine = s.tags_of[slot];
        for (const std::string& t : tags) {
            if (std::find(mine.begin(), mine.end(), t) != mine.end()) continue;
            mine.push_back(t);
            s.tag_index[t].insert(slot);
        }
    }
    void drop_tags(shard& s, std::uint32_t slot) {
        auto it = s.tags_of.find(slot);
        if (it == s.tags_of.end()) return;
        for (const std::string& t : it->second) {
            auto ti = s.tag_index.find(t);
            if (ti == s.tag_index.end()) continue;
            ti->second.erase(slot);
            if (ti->second.empty()) s.tag_index.erase(ti);
        }
        s.tags_of.erase(it);
    }

    // Removes `slot` from the index, wheel, tags and storage (the policy has already
    // forgotten it) and records the removal.
    void remove(shard& s, std::uint32_t slot, std::uint64_t h, removal_cause cause, removals& out) {
        writing(s);
        if constexpr (guarded_reads)
            if (!s.unread) s.retired_slots.reserve(s.retired_slots.size() + 1); // before any change
        node& n = s.store[slot];
        s.table.erase(h, slot);
        if constexpr (expiring) s.wheel.deschedule(slot);
        if (!s.tags_of.empty()) drop_tags(s, slot);
        s.weight -= n.w.get();
        ++s.removed[static_cast<int>(cause)];
        if (cause == removal_cause::evicted) s.evicted_weight += n.w.get();
        if constexpr (guarded_reads) {
            if (!s.unread) {
                // Readers without the lock may be in the node: copies for the listener, and
                // the slot is filed for reclaim() instead of destroyed.
                if constexpr (policies::listening) out.items.emplace_back(n.key, value_of(n), cause);
                s.store.retire(slot);
                s.retired_slots.emplace_back(s.reads.epoch(), slot);
                if (s.retired_slots.size() >= reclaim_batch) reclaim(s);
                return;
            }
        }
        if constexpr (policies::listening) out.items.emplace_back(std::move(n.key), std::move(value_of(n)), cause);
        s.store.destroy(slot);
    }
    // boxed_values, while readers may be inside (the write under way did not find the shard
    // unread): publishes `value` on the heap in place of the value in `slot`, whose old
    // value is filed for reclaim() (the listener hears a copy); true when it did. False
    // otherwise: the caller changes the value in place.
    bool replaced_under_readers(shard& s, std::uint32_t slot, V&& value, removals& out) {
        if constexpr (boxed_values) {
            if (s.unread) return false;
            node& n = s.store[slot];
            if constexpr (policies::listening) out.items.emplace_back(n.key, value_of(n), removal_cause::replaced);
            s.retired_boxes.reserve(s.retired_boxes.size() + 1); // filing the old value cannot fail below
            V* old = n.value.replace(std::move(value));
            s.retired_boxes.push_back({s.reads.epoch(), slot, old});
            if (s.retired_boxes.size() >= reclaim_batch) reclaim(s);
            return true;
        } else {
            return false;
        }
    }
    // guarded_reads, under the lock: frees what no reader without the lock can still be
    // reading, filed two grace periods ago or more (see detail::read_buffer).
    void reclaim(shard& s) { free_filed(s, s.reads.advance()); }
    // guarded_reads: frees what was filed under an epoch e with e + 2 <= `epoch` (all of it
    // for ~0, when no reader is inside). Values first: a replaced first value lies in its
    // node, and a node is filed after its values (so it is never freed before them).
    void free_filed(shard& s, std::uint64_t epoch) {
        if constexpr (guarded_reads) {
            const auto due = [epoch](std::uint64_t filed) { return filed + 2 <= epoch; };
            std::size_t kept = 0;
            if constexpr (boxed_values) {
                for (const retired_value& r : s.retired_boxes) {
                    if (!due(r.epoch)) s.retired_boxes[kept++] = r;
                    else if (r.old != nullptr) delete r.old;
                    else s.store[r.slot].value.release_first();
                }
                s.retired_boxes.resize(kept);
                kept = 0;
            }
            for (const auto& r : s.retired_slots) {
                if (!due(r.first)) s.retired_slots[kept++] = r;
                else s.store.reclaim(r.second);
            }
            s.retired_slots.resize(kept);
        }
    }

    void notify(removals& out) {
        if constexpr (policies::listening) {
            for (auto& [k, v, c] : out.items) listener_(static_cast<const K&>(k), static_cast<const V&>(v), c);
            out.items.clear();
        }
        if constexpr (refreshing) {
            for (auto& p : out.refreshes) start_refresh(p);
            out.refreshes.clear();
        }
    }

    // query_cache's hit: get() that counts a hit and leaves a miss uncounted (the
    // get_or_load that follows a miss counts it).
    template <class, class> friend class query_cache;
    template <class Q>
    [[gnu::always_inline]] std::optional<V> hit_of(const Q& key) { return get_as<false>(key); }

    // The bodies of get, contains and erase, for the key type and for lookup keys.
    template <bool CountMiss = true, class Q>
    [[gnu::always_inline]] std::optional<V> get_as(const Q& key) {
        const std::uint64_t h = hash_of(key);
        shard& s = shard_for(h);
        prefetch(s, h);
        std::optional<V> result;
        [[maybe_unused]] bool sole = false;
        if constexpr (optimistic_reads) {
            sole = reads_locked(s);
            if (!sole) {
                std::uint32_t slot;
                switch (peek(s, key, h, result, slot)) {
                case peeked::hit:
                    record_read(s, slot, h);
                    return result;
                case peeked::miss:
                    if (CountMiss && opts_.record_stats) s.reads.count_miss();
                    return result;
                case peeked::busy: // the lock below (peek fills `result` only on a hit)
                    break;
                }
            }
        }
        removals out;
        {
            lock_for_read(s, sole);
            std::lock_guard lock(s.mu, std::adopt_lock);
            const std::uint32_t slot = find(s, key, h);
            if (slot != none && live(s, slot, h, out, sole)) {
                result.emplace(value_of(s.store[slot]));
                if (opts_.record_stats) ++s.hits;
                if constexpr (refreshing) check_refresh(s, slot, out);
            } else if (CountMiss && opts_.record_stats) {
                ++s.misses;
            }
        }
        notify(out);
        return result;
    }
    template <class Q>
    [[gnu::always_inline]] bool contains_as(const Q& key) {
        const std::uint64_t h = hash_of(key);
        shard& s = shard_for(h);
        std::lock_guard lock(s.mu);
        const std::uint32_t slot = find(s, key, h);
        if (slot == none) return false;
        if constexpr (expiring) return s.store[slot].due.get() > now_ns();
        return true;
    }
    template <class Q>
    [[gnu::always_inline]] bool erase_as(const Q& key) {
        const std::uint64_t h = hash_of(key);
        shard& s = shard_for(h);
        removals out;
        bool found = false;
        {
            std::lock_guard lock(s.mu);
            drain_reads(s);
            const std::uint32_t slot = find(s, key, h);
            if (slot != none) {
                s.policy.on_erase(slot);
                remove(s, slot, h, removal_cause::explicit_, out);
                found = true;
            }
            mark_stale(s, key);
        }
        notify(out);
        return found;
    }

    // get_or_load's body; make_opts() is called only when this call loads. The hit stays
    // here, small enough to inline into every caller (a wrapper such as
    // redis::tiered_cache adds nothing to it); the miss is out of line.
    template <class Q, class Loader, class MakeOpts>
    [[gnu::always_inline]] V load_through(const Q& key, Loader& loader, MakeOpts&& make_opts) {
        const std::uint64_t h = hash_of(key);
        shard& s = shard_for(h);
        prefetch(s, h);
        [[maybe_unused]] bool sole = false;
        if constexpr (optimistic_reads) {
            std::optional<V> value;
            std::uint32_t slot;
            sole = reads_locked(s);
            if (!sole && peek(s, key, h, value, slot) == peeked::hit) [[likely]] {
                record_read(s, slot, h);
                return std::move(*value);
            }
        }
        removals out;
        lock_for_read(s, sole);
        std::unique_lock lock(s.mu, std::adopt_lock);
        const std::uint32_t slot = find(s, key, h);
        if (slot != none && live(s, slot, h, out, sole)) [[likely]] {
            if (opts_.record_stats) ++s.hits;
            if constexpr (refreshing) check_refresh(s, slot, out);
            V v = value_of(s.store[slot]);
            lock.unlock();
            notify(out);
            return v;
        }
        return load_miss(s, h, key, loader, make_opts, lock, out);
    }

    // The miss of load_through, entered with the shard locked: waits for a load in flight
    // or runs the loader (without the lock) and stores its value. A lookup key of another
    // type than K is built into a K (`built`) only when this call loads.
    template <class Q, class Loader, class MakeOpts, class Lock>
    [[gnu::noinline]] V load_miss(shard& s, std::uint64_t h, const Q& lookup, Loader& loader, MakeOpts& make_opts, Lock& lock,
                                  removals& out) {
        std::shared_ptr<flight> f;
        [[maybe_unused]] std::conditional_t<std::is_same_v<Q, K>, detail::no_wheel, std::optional<K>> built;
        {
            if (opts_.record_stats) ++s.misses;
            auto it = s.flights.find(lookup);
            if (it != s.flights.end() && joinable(s, *it->second)) {
                std::shared_future<V> fut = it->second->result;
                lock.unlock();
                notify(out);
                return fut.get();
            }
            if constexpr (!std::is_same_v<Q, K>) {
                built.emplace(lookup);
                assert(hash_of(*built) == h && key_equal{}(*built, lookup) &&
                       "cistern::cache: a lookup key must hash and compare as the key built from it");
            }
            f = std::make_shared<flight>();
            f->result = f->promise.get_future().share();
            f->epoch = s.epoch;
            if (it != s.flights.end()) it->second = f; // the older load answers only its own waiters
            else s.flights.emplace(owned(lookup, built), f);
            lock.unlock();
        }
        const K& key = owned(lookup, built);
        notify(out);
        const auto start = opts_.record_stats ? load_clock::now() : typename load_clock::time_point{};
        try {
            const entry_options opts = make_opts();
            V v = invoke_loader(loader, key);
            const std::uint64_t w = weigh(key, v);
            {
                std::lock_guard relock(s.mu);
                end_flight(s, key, f.get());
                if (opts_.record_stats) {
                    ++s.loads;
                    s.load_time += load_clock::now() - start;
                }
                if (!f->stale && f->epoch == s.epoch) store_locked(s, key, h, V(v), w, opts, out);
            }
            notify(out);
            f->promise.set_value(v);
            return v;
        } catch (...) {
            {
                std::lock_guard relock(s.mu);
                end_flight(s, key, f.get());
                if (opts_.record_stats) {
                    ++s.load_failures;
                    s.load_time += load_clock::now() - start;
                }
            }
            f->promise.set_exception(std::current_exception());
            throw;
        }
    }

    // get_or_load_all's body.
    template <class BulkLoader>
    std::vector<std::optional<V>> load_all_through(std::span<const K> keys, BulkLoader& bulk_loader,
                                                   const entry_options& opts) {
        const std::size_t n = keys.size();
        std::vector<std::optional<V>> result(n);
        struct own {
            std::size_t index;              // first position of the key in `keys`
            std::uint64_t hash;
            std::shared_ptr<flight> f;
        };
        std::vector<own> mine;                                  // flights this call started
        std::vector<std::pair<std::size_t, std::shared_ptr<flight>>> waits; // flights it waits for
        const void* const batch = &mine;
        for (std::size_t i = 0; i < n; ++i) {
            const K& key = keys[i];
            const std::uint64_t h = hash_of(key);
            shard& s = shard_for(h);
            removals out;
            {
                std::lock_guard lock(s.mu);
                const std::uint32_t slot = find(s, key, h);
                if (slot != none && live(s, slot, h, out)) {
                    if (opts_.record_stats) ++s.hits;
                    if constexpr (refreshing) check_refresh(s, slot, out);
                    result[i].emplace(value_of(s.store[slot]));
                } else {
                    if (opts_.record_stats) ++s.misses;
                    auto it = s.flights.find(key);
                    if (it != s.flights.end() && (joinable(s, *it->second) || it->second->batch == batch)) {
                        waits.emplace_back(i, it->second);
                    } else {
                        auto f = std::make_shared<flight>();
                        f->result = f->promise.get_future().share();
                        f->epoch = s.epoch;
                        f->batch = batch;
                        f->batch_index = mine.size();
                        if (it != s.flights.end()) it->second = f;
                        else s.flights.emplace(key, f);
                        mine.push_back(own{i, h, std::move(f)});
                    }
                }
            }
            notify(out);
        }
        if (!mine.empty()) load_batch(keys, bulk_loader, opts, mine, result);
        for (auto& [i, f] : waits) {
            if (f->batch == batch) {
                result[i] = result[mine[f->batch_index].index]; // a repeated key of this call
                continue;
            }
            try {
                result[i].emplace(f->result.get());
            } catch (const not_loaded&) {
                // another bulk load was not given a value for it: absent
            }
        }
        return result;
    }

    // Runs the bulk loader for this call's own flights, stores and publishes what it returned.
    template <class BulkLoader, class Own>
    void load_batch(std::span<const K> keys, BulkLoader& bulk_loader, const entry_options& opts, std::vector<Own>& mine,
                    std::vector<std::optional<V>>& result) {
        std::vector<K> missing;
        missing.reserve(mine.size());
        for (const Own& o : mine) missing.push_back(keys[o.index]);
        shard& first = shard_for(mine.front().hash); // where the call's load is counted
        const auto start = opts_.record_stats ? load_clock::now() : typename load_clock::time_point{};
        std::vector<std::optional<V>> got(mine.size());
        try {
            using loaded_type = std::invoke_result_t<BulkLoader&, std::span<const K>>;
            auto&& loaded = std::invoke(bulk_loader, std::span<const K>(missing));
            std::unordered_map<K, std::size_t, hasher, key_equal> where;
            where.reserve(missing.size());
            for (std::size_t j = 0; j < missing.size(); ++j) where.emplace(missing[j], j);
            for (auto&& kv : loaded) {
                auto&& [k, v] = kv;
                auto it = where.find(k);
                if (it == where.end() || got[it->second]) continue;
                // Values of a container the loader returned by value are moved out of it.
                if constexpr (std::is_reference_v<loaded_type>) got[it->second].emplace(static_cast<V>(v));
                else got[it->second].emplace(static_cast<V>(std::move(v)));
            }
        } catch (...) {
            const std::exception_ptr e = std::current_exception();
            for (std::size_t j = 0; j < mine.size(); ++j) {
                shard& s = shard_for(mine[j].hash);
                {
                    std::lock_guard lock(s.mu);
                    end_flight(s, missing[j], mine[j].f.get());
                    if (j == 0 && opts_.record_stats) {
                        ++s.load_failures;
                        s.load_time += load_clock::now() - start;
                    }
                }
                mine[j].f->promise.set_exception(e);
            }
            throw;
        }
        {
            std::lock_guard lock(first.mu);
            if (opts_.record_stats) {
                ++first.loads;
                first.load_time += load_clock::now() - start;
            }
        }
        std::exception_ptr first_failure; // a weigher's, rethrown once every flight is answered
        for (std::size_t j = 0; j < mine.size(); ++j) {
            const K& key = missing[j];
            const std::uint64_t h = mine[j].hash;
            shard& s = shard_for(h);
            flight& f = *mine[j].f;
            removals out;
            std::uint64_t w = 0;
            std::exception_ptr failed;
            if (got[j]) {
                try {
                    w = weigh(key, *got[j]);
                } catch (...) {
                    failed = std::current_exception();
                }
            }
            {
                std::lock_guard lock(s.mu);
                end_flight(s, key, &f);
                if (got[j] && !failed && !f.stale && f.epoch == s.epoch) store_locked(s, key, h, V(*got[j]), w, opts, out);
            }
            notify(out);
            if (failed) {
                f.promise.set_exception(failed);
                if (!first_failure) first_failure = failed;
                continue;
            }
            if (got[j]) {
                f.promise.set_value(*got[j]);
                result[mine[j].index] = std::move(got[j]);
            } else {
                f.promise.set_exception(std::make_exception_ptr(
                    not_loaded("cistern::cache::get_or_load_all: the bulk loader returned no value for the key")));
            }
        }
        if (first_failure) std::rethrow_exception(first_failure);
    }

    // The key a load stores: `lookup` itself, or the K built from it.
    template <class Q, class Built>
    static const K& owned(const Q& lookup, [[maybe_unused]] const Built& built) noexcept {
        if constexpr (std::is_same_v<Q, K>) return lookup;
        else return *built;
    }

    template <class Loader>
    static V invoke_loader(Loader& loader, const K& key) {
        if constexpr (std::is_invocable_v<Loader&, const K&>) return static_cast<V>(std::invoke(loader, key));
        else return static_cast<V>(std::invoke(loader));
    }

    cache_options opts_;
    [[no_unique_address]] Expiry expiry_;
    [[no_unique_address]] weigher_type weigher_;
    [[no_unique_address]] listener_type listener_;
    [[no_unique_address]] reloader_type reloader_;
    [[no_unique_address]] executor_type executor_;
    std::unique_ptr<shard[]> shards_;
    std::size_t shard_mask_ = 0;
    std::atomic<std::uint64_t> bound_{0};
    std::mutex resize_mu_; // one set_bound at a time
    std::shared_ptr<detail::refresh_tracker> refresh_tracker_ =
        refreshing ? std::make_shared<detail::refresh_tracker>() : nullptr;
};

} // namespace cistern

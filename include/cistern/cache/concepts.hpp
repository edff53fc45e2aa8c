#pragma once
/// \file
/// The cache's policy concepts, EvictionPolicy and ExpiryPolicy, each with its contract,
/// and detail::check_eviction_policy / check_expiry_policy, which name a missing member;
/// LookupKey (heterogeneous lookup) and detail::check_lookup_key.

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>

namespace cistern {

/// Chooses which entry of a cache shard leaves when the shard is over its bound.
///
/// The shard numbers its entries with 32-bit slots and tells the policy, under the
/// shard's lock (never concurrently), everything that happens to them:
///  - `p.reset(capacity)`: forget every slot; the bound is `capacity` weight units
///    (entries, when the cache has no weigher).
///  - `p.on_insert(slot, hash, weight)`: a new entry (after a miss). `hash` is the
///    key's 64-bit hash, for frequency sketches.
///  - `p.on_access(slot, hash)`: a hit.
///  - `p.on_update(slot, hash, weight)`: the entry's value was replaced (new weight).
///  - `p.on_erase(slot)`: the entry was removed for another reason than evict().
///  - `p.evict()`: only called while the shard is over its bound and not empty; picks
///    one entry, forgets it and returns its slot. Refusing admission is returning the
///    slot just inserted.
/// The policy must be default-constructible; it owns no keys or values.
/// Optional: `p.prefetch(hash)` (const, noexcept), called *without* the lock before a
/// lookup, to start loading memory the access will touch (W-TinyLFU's sketch line); it
/// may only read state that reset() alone changes.
/// Optional: `p.prefetch_slot(slot)` (const, noexcept), called under the lock when a
/// lookup finds a candidate slot, before the key comparison, to start loading what
/// on_access(slot) will touch.
/// Optional: `p.set_weighted()`, called once before the first reset() by a cache with a
/// weigher: the bound is in weight units (bytes, say) and says nothing of the number of
/// entries, so state kept per entry must be sized by the entries tracked, not by the bound.
/// Optional: `p.memory_bytes()` (const): bytes of the policy's own structures, counted by
/// cache::memory_bytes().
/// Optional: `p.set_capacity(capacity)`, under the lock: the bound changed at runtime
/// (cache::set_max_size / set_max_weight, which need it); keep every entry, then the
/// shard calls evict() while it is over the new bound. Every built-in has it.
template <class P>
concept EvictionPolicy = std::default_initializable<P> &&
    requires(P& p, std::uint32_t slot, std::uint64_t hash, std::uint64_t weight) {
        p.reset(weight);
        p.on_insert(slot, hash, weight);
        p.on_access(slot, hash);
        p.on_update(slot, hash, weight);
        p.on_erase(slot);
        { p.evict() } -> std::same_as<std::uint32_t>;
    };

/// Says how long an entry lives, from its creation, replacement and reads.
///
/// Durations are std::chrono::nanoseconds; `nanoseconds::max()` means "does not
/// expire". `requested` is the per-call TTL given to put()/get_or_load(), if any;
/// `remaining` is the time the entry had left.
///  - `P::expires` (static constexpr bool): false lets the cache skip all time keeping.
///  - `p.after_create(key, value, requested)`, `p.after_update(key, value, requested,
///    remaining)`, `p.after_read(key, value, remaining)` return the new time to live.
///  - optional `P::reads_keep_expiry` (static constexpr bool): true promises that
///    after_read always returns `remaining`, which lets the cache read entries without
///    its lock (cache::optimistic_reads).
/// They are called under the shard's lock and must not throw or call the cache.
template <class P, class K, class V>
concept ExpiryPolicy = requires(const P& p, const K& k, const V& v, std::optional<std::chrono::nanoseconds> requested,
                                std::chrono::nanoseconds remaining) {
    { P::expires } -> std::convertible_to<bool>;
    { p.after_create(k, v, requested) } -> std::same_as<std::chrono::nanoseconds>;
    { p.after_update(k, v, requested, remaining) } -> std::same_as<std::chrono::nanoseconds>;
    { p.after_read(k, v, remaining) } -> std::same_as<std::chrono::nanoseconds>;
};

/// True when `Hash` and `Eq` both declare `is_transparent` (as std::unordered_map asks in
/// C++20): a cache with them (cache_policy::with_hash<Hash, Eq>) accepts lookup keys of
/// other types than its key type (see LookupKey).
template <class Hash, class Eq>
concept TransparentHash = requires {
    typename Hash::is_transparent;
    typename Eq::is_transparent;
};

/// A type `Q` a cache of `K` hashed by `Hash` and compared by `Eq` can be looked up by
/// without building a `K` (heterogeneous lookup: cache::get, contains, erase, get_or_load):
/// `Hash` and `Eq` are transparent, `Hash` hashes a `Q`, and `Eq` compares a `K` with a `Q`
/// both ways. Contract (not checkable at compile time): `Eq{}(k, q)` is true exactly when
/// `k` equals the key the lookup means, and then `Hash{}(q) == Hash{}(k)`; the key built
/// from `q` on a miss (`K(q)`: see cache::get_or_load) is such a `k`.
template <class Q, class K, class Hash, class Eq>
concept LookupKey = TransparentHash<Hash, Eq> && requires(Hash& h, Eq& eq, const Q& q, const K& k) {
    { h(q) } -> std::convertible_to<std::size_t>;
    { eq(k, q) } -> std::convertible_to<bool>;
    { eq(q, k) } -> std::convertible_to<bool>;
};

namespace detail {

/// A policy with the optional prefetch(hash) hook.
template <class P> concept ev_prefetches = requires(const P& p, std::uint64_t h) { p.prefetch(h); };
/// A policy with the optional prefetch_slot(slot) hook.
template <class P> concept ev_prefetches_slot = requires(const P& p, std::uint32_t s) { p.prefetch_slot(s); };
template <class P> concept ev_has_reset = requires(P& p, std::uint64_t c) { p.reset(c); };
template <class P> concept ev_has_insert = requires(P& p, std::uint32_t s, std::uint64_t h, std::uint64_t w) { p.on_insert(s, h, w); };
template <class P> concept ev_has_access = requires(P& p, std::uint32_t s, std::uint64_t h) { p.on_access(s, h); };
template <class P> concept ev_has_update = requires(P& p, std::uint32_t s, std::uint64_t h, std::uint64_t w) { p.on_update(s, h, w); };
template <class P> concept ev_has_erase = requires(P& p, std::uint32_t s) { p.on_erase(s); };
template <class P> concept ev_has_evict = requires(P& p) { { p.evict() } -> std::same_as<std::uint32_t>; };

/// True for an EvictionPolicy; otherwise a static_assert names the first missing member.
template <class P>
consteval bool check_eviction_policy() {
    static_assert(std::default_initializable<P>, "cistern::EvictionPolicy: the type must be default-constructible");
    static_assert(ev_has_reset<P>, "cistern::EvictionPolicy: the type needs `reset(std::uint64_t capacity)`");
    static_assert(ev_has_insert<P>,
                  "cistern::EvictionPolicy: the type needs `on_insert(std::uint32_t slot, std::uint64_t hash, std::uint64_t weight)`");
    static_assert(ev_has_access<P>,
                  "cistern::EvictionPolicy: the type needs `on_access(std::uint32_t slot, std::uint64_t hash)`");
    static_assert(ev_has_update<P>,
                  "cistern::EvictionPolicy: the type needs `on_update(std::uint32_t slot, std::uint64_t hash, std::uint64_t weight)`");
    static_assert(ev_has_erase<P>, "cistern::EvictionPolicy: the type needs `on_erase(std::uint32_t slot)`");
    static_assert(ev_has_evict<P>, "cistern::EvictionPolicy: the type needs `std::uint32_t evict()`");
    return EvictionPolicy<P>;
}

template <class P> concept ex_has_flag = requires { { P::expires } -> std::convertible_to<bool>; };
template <class P, class K, class V> concept ex_has_create =
    requires(const P& p, const K& k, const V& v, std::optional<std::chrono::nanoseconds> r) {
        { p.after_create(k, v, r) } -> std::same_as<std::chrono::nanoseconds>;
    };
template <class P, class K, class V> concept ex_has_update =
    requires(const P& p, const K& k, const V& v, std::optional<std::chrono::nanoseconds> r, std::chrono::nanoseconds n) {
        { p.after_update(k, v, r, n) } -> std::same_as<std::chrono::nanoseconds>;
    };
template <class P, class K, class V> concept ex_has_read =
    requires(const P& p, const K& k, const V& v, std::chrono::nanoseconds n) {
        { p.after_read(k, v, n) } -> std::same_as<std::chrono::nanoseconds>;
    };

/// True for an ExpiryPolicy<P, K, V>; otherwise a static_assert names the first missing member.
template <class P, class K, class V>
consteval bool check_expiry_policy() {
    static_assert(ex_has_flag<P>, "cistern::ExpiryPolicy: the type needs `static constexpr bool expires`");
    static_assert(ex_has_create<P, K, V>,
                  "cistern::ExpiryPolicy: the type needs `std::chrono::nanoseconds after_create(key, value, requested) const`");
    static_assert(ex_has_update<P, K, V>,
                  "cistern::ExpiryPolicy: the type needs `std::chrono::nanoseconds after_update(key, value, requested, remaining) const`");
    static_assert(ex_has_read<P, K, V>,
                  "cistern::ExpiryPolicy: the type needs `std::chrono::nanoseconds after_read(key, value, remaining) const`");
    return ExpiryPolicy<P, K, V>;
}

template <class Q, class Hash> concept lk_hashes = requires(Hash& h, const Q& q) { { h(q) } -> std::convertible_to<std::size_t>; };
template <class Q, class K, class Eq> concept lk_compares = requires(Eq& eq, const Q& q, const K& k) {
    { eq(k, q) } -> std::convertible_to<bool>;
    { eq(q, k) } -> std::convertible_to<bool>;
};

/// True for a LookupKey<Q, K, Hash, Eq> (and, when `builds`, a `K` constructible from a
/// `const Q&`: what get_or_load stores on a miss); otherwise a static_assert says what is
/// missing.
template <class Q, class K, class Hash, class Eq, bool builds>
consteval bool check_lookup_key() {
    static_assert(lk_hashes<Q, Hash>,
                  "cistern::cache: a lookup key of another type than the key type needs the hasher of "
                  "with_hash<Hash, Eq> to hash it: `std::size_t operator()(const Q&) const`");
    static_assert(lk_compares<Q, K, Eq>,
                  "cistern::cache: a lookup key of another type than the key type needs the key_equal of "
                  "with_hash<Hash, Eq> to compare it with the key: `bool operator()(const K&, const Q&) const` "
                  "and `bool operator()(const Q&, const K&) const`");
    static_assert(!builds || std::is_constructible_v<K, const Q&>,
                  "cistern::cache::get_or_load: a lookup key of another type than the key type must build the key "
                  "stored on a miss: K needs a constructor from `const Q&` (or Q an `explicit operator K() const`)");
    return LookupKey<Q, K, Hash, Eq> && (!builds || std::is_constructible_v<K, const Q&>);
}

} // namespace detail
} // namespace cistern

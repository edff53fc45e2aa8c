#pragma once
/// \file
/// `cistern::query_cache<Pool, Eviction>`: caches query results (row_set) by statement
/// text and bound parameters, loads misses through a pool lease (single flight), tags each
/// result with the base tables it read (asked of the connection where it can answer), and
/// drops them when one of those tables is written through execute() or invalidated.

#include <cistern/cache/adaptive_ttl.hpp>
#include <cistern/cache/cache.hpp>
#include <cistern/cache/cache_options.hpp>
#include <cistern/cache/cache_policies.hpp>
#include <cistern/cache/cache_stats.hpp>
#include <cistern/cache/detail/hash.hpp>
#include <cistern/cache/detail/shared_text.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>
#include <cistern/cache/expiry/per_entry.hpp>
#include <cistern/cache/query_admission.hpp>
#include <cistern/cache/result_tier.hpp>
#include <cistern/error.hpp>
#include <cistern/monitor/statement_registry.hpp>
#include <cistern/row_set.hpp>
#include <cistern/sql/dialect.hpp>
#include <cistern/sql/lexer.hpp>
#include <cistern/sql/name.hpp>
#include <cistern/sql/scan_tables.hpp>
#include <cistern/sql/table_access.hpp>
#include <cistern/sql/table_aware_connection.hpp>
#include <cistern/value.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace cistern {

namespace detail {

/// The cache key of a query, owned (built only on a miss that stores a result): the
/// statement text, shared by every key of that text when the keys are built through a
/// text_interner (the query cache's: one copy of a statement's text, whose cache lines a hit
/// finds warm), and the bound parameters, the first two kept in the key itself (a point
/// lookup's parameter lies in the cache's node, not in an allocation of its own).
class query_key {
public:
    /// Parameters kept in the key without an allocation.
    static constexpr std::size_t inline_params = 2;

    /// A key of its own copy of `sql` with copies of `params`.
    query_key(std::string_view sql, std::span<const value> params) : query_key(shared_text(sql, text_hash(sql)), params) {}
    /// A key of the shared text `sql` with copies of `params`.
    query_key(shared_text sql, std::span<const value> params) : text_(std::move(sql)), count_(params.size()) {
        if (params.size() <= inline_params) std::copy(params.begin(), params.end(), local_.begin());
        else spilled_.assign(params.begin(), params.end());
    }

    /// The statement text.
    std::string_view sql() const noexcept { return text_.view(); }
    /// Its detail::text_hash.
    std::uint64_t sql_hash() const noexcept { return text_.hash(); }
    /// The bound parameters.
    std::span<const value> params() const noexcept {
        return count_ <= inline_params ? std::span<const value>(local_.data(), count_) : std::span<const value>(spilled_);
    }
    /// The bytes the key takes beyond sizeof(query_key): the text's block (counted whole,
    /// shared or not) and the parameters' allocations.
    std::size_t heap_bytes() const noexcept {
        std::size_t n = text_.heap_bytes() + spilled_.capacity() * sizeof(value);
        for (const value& v : params()) {
            if (auto* s = std::get_if<std::string>(&v)) n += string_heap_bytes(*s);
            else if (auto* b = std::get_if<blob>(&v)) n += b->capacity();
        }
        return n;
    }
    /// Same text, same parameters.
    friend bool operator==(const query_key& a, const query_key& b) noexcept {
        return same_query(a.sql_hash(), a.sql(), a.params(), b.sql_hash(), b.sql(), b.params());
    }
    /// Two queries are the same: the texts' hashes and lengths first, then the parameters,
    /// then the texts' bytes (a key and a view of one compare alike: query_key_equal).
    static bool same_query(std::uint64_t ha, std::string_view a, std::span<const value> pa, std::uint64_t hb,
                           std::string_view b, std::span<const value> pb) noexcept {
        if (ha != hb || a.size() != b.size() || pa.size() != pb.size()) return false;
        for (std::size_t i = 0; i < pa.size(); ++i) {
            // value's ==, with integers (a point lookup's parameter) compared without the
            // variant's dispatch
            if (pa[i].index() != pb[i].index()) return false;
            if (pa[i].index() == 1 ? *std::get_if<1>(&pa[i]) != *std::get_if<1>(&pb[i]) : pa[i] != pb[i]) return false;
        }
        return same_text(a.data(), b.data(), a.size());
    }

private:
    // A string's allocation (none while its characters fit in the object itself).
    static std::size_t string_heap_bytes(const std::string& s) noexcept {
        const auto* d = s.data();
        const auto* o = reinterpret_cast<const char*>(&s);
        const bool inside = !std::less<const char*>{}(d, o) && std::less<const char*>{}(d, o + sizeof(std::string));
        return inside ? 0 : s.capacity() + 1;
    }

    shared_text text_;
    std::size_t count_;
    std::array<value, inline_params> local_{};
    std::vector<value> spilled_; // more than inline_params parameters
};

/// A query key looked up without owning it (query_cache::query's hit): the statement text,
/// its parameters, and the text's hash `sql_hash`, which must be detail::text_hash(sql)
/// (the two-argument constructor computes it; query() computes it once for the cache and
/// the admission's lookup). Hashes (query_key_hash) and compares (query_key_equal) as the
/// query_key it converts to, which shares the text `texts` holds when `texts` is set.
struct query_key_view {
    std::string_view sql;            ///< the statement text
    std::span<const value> params;   ///< its bound parameters
    std::uint64_t sql_hash;          ///< detail::text_hash(sql)
    text_interner* texts = nullptr;  ///< where the owned key's text comes from (null: a copy of its own)
    /// A view of `text` with `parameters`, hashing the text.
    query_key_view(std::string_view text, std::span<const value> parameters) noexcept
        : sql(text), params(parameters), sql_hash(text_hash(text)) {}
    /// A view of `text` with `parameters` whose hash `text_h` = detail::text_hash(text) is
    /// known, building keys whose text comes from `interner` (if set).
    query_key_view(std::string_view text, std::span<const value> parameters, std::uint64_t text_h,
                   text_interner* interner = nullptr) noexcept
        : sql(text), params(parameters), sql_hash(text_h), texts(interner) {}
    /// The owned key (the shared text, or a copy of it, and copies of the parameters).
    explicit operator query_key() const {
        return query_key(texts ? texts->intern(sql, sql_hash) : shared_text(sql, sql_hash), params);
    }
};

/// param_hash of a parameter that is not an integer (out of line: the text hash would
/// make every caller's hash too large to inline).
[[gnu::noinline]] inline std::uint64_t param_hash_other(const value& v) noexcept {
    switch (v.index()) {
    case 2: return std::hash<double>{}(*std::get_if<2>(&v));
    case 3: return text_hash(*std::get_if<3>(&v));
    case 4: {
        const blob& b = *std::get_if<4>(&v);
        return text_hash(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    }
    default: return 0; // null
    }
}

/// The bits of one parameter that query_key_hash_of folds in: its type and its value. An
/// integer's bits are its value; text and blobs are hashed as statement text is
/// (detail::text_hash, out of line in param_hash_other); the cache's mix of the key's hash
/// (detail::mix64) spreads the result.
[[gnu::always_inline]] inline std::uint64_t param_hash(const value& v) noexcept {
    const std::uint64_t type = static_cast<std::uint64_t>(v.index()) << 59;
    if (v.index() == 1) [[likely]] return type ^ static_cast<std::uint64_t>(*std::get_if<1>(&v));
    return type ^ param_hash_other(v);
}

/// The hash of a query key from its text's hash (detail::text_hash) and its parameters:
/// each parameter is folded in by a multiply and a shift, both bijective (so two keys of one
/// text whose one parameter is an integer, of different values, never share a hash).
[[gnu::always_inline]] inline std::uint64_t query_key_hash_of(std::uint64_t text_h, std::span<const value> params) noexcept {
    std::uint64_t h = text_h;
    for (const value& v : params) {
        h = (h ^ param_hash(v)) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 32;
    }
    return h;
}

/// Hashes a query_key, and a query_key_view as the key it converts to (transparent).
struct query_key_hash {
    using is_transparent = void; ///< query_key_view lookups (cache heterogeneous lookup)
    /// The hash of an owned key.
    std::size_t operator()(const query_key& k) const noexcept {
        return static_cast<std::size_t>(query_key_hash_of(k.sql_hash(), k.params()));
    }
    /// The hash of a view: that of the owned key with the same text and parameters.
    std::size_t operator()(const query_key_view& k) const noexcept {
        return static_cast<std::size_t>(query_key_hash_of(k.sql_hash, k.params));
    }
};

/// Compares query keys and views of them by text and parameters (transparent; see
/// query_key::same_query).
struct query_key_equal {
    using is_transparent = void; ///< query_key_view lookups (cache heterogeneous lookup)
    /// Same text, same parameters.
    bool operator()(const query_key& a, const query_key& b) const noexcept { return a == b; }
    /// Same text, same parameters.
    bool operator()(const query_key& a, const query_key_view& b) const noexcept {
        return query_key::same_query(a.sql_hash(), a.sql(), a.params(), b.sql_hash, b.sql, b.params);
    }
    /// Same text, same parameters.
    bool operator()(const query_key_view& a, const query_key& b) const noexcept { return (*this)(b, a); }
};

struct query_weigher {
    std::uint64_t operator()(const query_key& k, const std::shared_ptr<const row_set>& rows) const noexcept {
        std::uint64_t n = sizeof(query_key) + k.heap_bytes();
        n += rows ? rows->byte_size() : 0;
        return n > 0xffffffffULL ? 0xffffffffULL : n;
    }
};

/// The text of a query key for a shared tier (result_tier): the statement, then each
/// parameter with its type, lengths spelled out so that no two keys share a text.
inline std::string query_key_text(const query_key_view& k) {
    std::string out(k.sql);
    for (const value& v : k.params) {
        out += '\x1f';
        if (std::holds_alternative<null_t>(v)) out += 'n';
        else if (auto* i = std::get_if<std::int64_t>(&v)) out += 'i' + std::to_string(*i);
        else if (auto* d = std::get_if<double>(&v)) {
            char buf[40];
            const int n = std::snprintf(buf, sizeof buf, "%a", *d); // exact: hexadecimal floating point
            out += 'd';
            out.append(buf, static_cast<std::size_t>(n));
        } else if (auto* str = std::get_if<std::string>(&v)) {
            out += 's' + std::to_string(str->size()) + ':';
            out += *str;
        } else if (auto* b = std::get_if<blob>(&v)) {
            out += 'b' + std::to_string(b->size()) + ':';
            out.append(reinterpret_cast<const char*>(b->data()), b->size());
        }
    }
    return out;
}

/// The tag every result in a shared tier also carries: invalidated by a schema change
/// (DDL through execute()), it makes every instance drop its results and analysis memo.
inline const std::string query_all_tag = "*all";

/// A refusal to cache a statement's result: a config_error, so that a caller that did not
/// ask to run refused statements uncached sees the reason as before.
struct query_refused : config_error {
    using config_error::config_error;
    bool writes = false; ///< the statement writes: never run by query(), even uncached
};

/// The dialect a connection type's names are read in (its db_system_name), for canonical names.
template <class C>
constexpr sql::dialect dialect_of() {
    if constexpr (requires { C::db_system_name; }) {
        if (std::string_view(C::db_system_name) == "sqlite") return sql::dialect::sqlite;
        if (std::string_view(C::db_system_name) == "postgresql") return sql::dialect::postgres;
    }
    return sql::dialect::generic;
}

/// What the query cache keeps of one statement's analysis (memoised per statement text).
struct statement_tables {
    sql::table_access access;
    std::vector<std::string> tags; ///< tags of access.read (see query_cache)
    bool schema_change = false;    ///< DDL (or a text the cache cannot read as anything else)
};

/// First keyword of a statement, lower case ("" if none).
inline std::string first_keyword(std::string_view sql) {
    for (const auto& t : sql::tokenize(sql))
        if (t.kind == sql::token_kind::word) return t.lower;
    return {};
}

} // namespace detail

/// What query() does with a statement whose result must not be cached.
enum class refused_statement {
    throw_error, ///< throw config_error saying why (the default)
    run_uncached ///< run it through a lease and return its rows without caching them (never a write)
};

/// Whether a call of query_cache::query() follows the automatic admission.
enum class admission_mode {
    automatic, ///< cache it if the query cache has no admission, or if its admission admits the statement
    always     ///< cache it whatever the admission decides (as without admission)
};

/// Per-call options of query_cache::query().
struct query_cache_call {
    /// Time to live of this result (default: the query cache's default TTL).
    std::optional<std::chrono::nanoseconds> ttl{};
    /// Tables the statement reads, added to those found. A statement whose tables cannot be
    /// found with certainty or whose result depends on a volatile function is cached only
    /// when tables are declared here (the caller vouches for them); one that writes or
    /// locks rows is never cached, declared or not.
    std::vector<std::string> tables{};
    /// What to do when the result must not be cached (see query_cache::query).
    refused_statement if_refused = refused_statement::throw_error;
    /// With an admission (query_cache::set_admission): follow it, or cache this call anyway.
    admission_mode admission = admission_mode::automatic;
};

/// Counters of the query cache's per-statement analysis memo (see query_cache::memo_stats).
struct query_cache_memo_stats {
    std::uint64_t lookups = 0;  ///< misses of the result cache that looked a statement up
    std::uint64_t analyses = 0; ///< statements analysed (tables_of or sql::scan_tables)
    std::uint64_t drops = 0;    ///< times the memo was emptied (DDL through execute(), clear(), full)
    std::size_t size = 0;       ///< statements memoised now
};

/// A cache of query results in front of a connection pool, never stale for writes made
/// through it.
///
/// `Pool` is a cistern::pool (anything whose `acquire()` returns a lease `l` with
/// `l->query(std::string_view, std::span<const value>)` returning a row_set and
/// `l->execute(std::string_view, std::span<const value>)`). Results are kept as
/// `std::shared_ptr<const row_set>` (shared, never copied, valid after eviction), weighed
/// by row_set::byte_size() plus the key, within cache_options::max_weight bytes.
///
/// Tables: on a miss, the base tables a statement reads come from the lease's connection
/// when it models TableAwareConnection (SQLite: the authorizer; PostgreSQL: the parser and
/// catalog), else from sql::scan_tables (the text only: views are not expanded). The
/// answer is memoised per statement text (at most memo_capacity statements; emptied by
/// DDL seen through execute() and by clear()); a hit reads neither the text nor the memo.
///
/// Matching (invalidate): names are canonical SQL names in the connection's dialect
/// (sql::canonical_name: unquoted parts lower-cased, quoted parts exact — SQLite folds
/// those too, as it compares names without regard to case). A result that read `s.t` is
/// dropped by invalidate("t") (any schema) and invalidate("s.t"); a result whose source
/// named `t` without a schema (the scanner) is dropped by invalidate("t") and by
/// invalidate of any "x.t". Thread-safe like cache.
template <class Pool, class Eviction = eviction::w_tinylfu>
class query_cache {
public:
    /// What query() returns: shared, immutable rows that stay valid after eviction.
    using rows_ptr = std::shared_ptr<const row_set>;
    /// The underlying cache type (see underlying()).
    using cache_type = cache<detail::query_key, rows_ptr, Eviction, expiry::per_entry,
                             cache_policy::with_weigher<detail::query_weigher>,
                             cache_policy::with_hash<detail::query_key_hash, detail::query_key_equal>>;
    /// The pool's lease type.
    using lease_type = decltype(std::declval<Pool&>().acquire());
    /// The pool's connection type.
    using connection_type = std::remove_cvref_t<decltype(*std::declval<lease_type&>())>;
    /// True when tables are asked of the connection (it models TableAwareConnection);
    /// false: sql::scan_tables reads the text.
    static constexpr bool asks_connection = TableAwareConnection<connection_type>;
    /// The dialect names are read in (from the connection's db_system_name).
    static constexpr sql::dialect name_dialect = detail::dialect_of<connection_type>();
    /// Statements whose analysis is memoised at most; past it the memo is emptied.
    static constexpr std::size_t memo_capacity = 4096;

    /// `opts.max_weight` is the bound in bytes (e.g. 100 << 20 for "100 MB");
    /// `default_ttl` applies to results whose call names no TTL (none: no expiry).
    /// Throws config_error for bad options. The pool must outlive the query cache.
    ///
    /// `tier` (optional) is a shared second tier (e.g. redis::query_tier): a miss looks
    /// there before the database, a loaded result is written there, and invalidations
    /// (invalidate(), writes through execute()) reach every instance sharing it. It must
    /// outlive the query cache.
    query_cache(Pool& pool, cache_options opts, std::optional<std::chrono::nanoseconds> default_ttl = std::nullopt,
                result_tier* tier = nullptr)
        : pool_(pool), cache_(opts, default_ttl ? expiry::per_entry(*default_ttl) : expiry::per_entry{}),
          default_ttl_(default_ttl), tier_(tier) {
        if (tier_)
            listener_ = tier_->attach({[this](const std::string& tag) { on_shared_tag(tag); },
                                       [this] { clear_noexcept(); }});
    }
    query_cache(const query_cache&) = delete;
    query_cache& operator=(const query_cache&) = delete;
    /// Detaches from the shared tier (no invalidation runs into a destroyed cache).
    ~query_cache() {
        if (tier_) tier_->detach(listener_);
        if (query_admission* a = admission_.load(std::memory_order_relaxed)) a->detach(admission_listener_);
    }

    /// The rows of `sql` with `params`: from the cache, or by running it through a lease
    /// of the pool (once for all concurrent callers of the same key that arrived before any
    /// invalidation). Errors of the pool or the statement reach every waiting caller and
    /// nothing is cached. A statement whose result must not be cached — its tables are
    /// uncertain or its result volatile (unless call.tables declares them), it locks rows,
    /// it writes, or it reads no table — throws config_error saying why, or with
    /// `call.if_refused = run_uncached` runs uncached; a write always throws (use execute()).
    ///
    /// With an admission (set_admission()) and `call.admission` automatic, a statement it
    /// does not admit runs through a lease uncached (a write still throws), without
    /// touching the cache or its statistics.
    ///
    /// `params` is read in place (a vector, an array, a braced list: see the overload):
    /// the text and the parameters are hashed once, where they are, and shared with the
    /// admission's lookup; a hit allocates nothing (it returns a copy of the shared
    /// pointer). A miss that runs the statement copies them into the cached key.
    rows_ptr query(std::string_view sql, std::span<const value> params = {}, const query_cache_call& call = {}) {
        const std::uint64_t text_h = detail::text_hash(sql);
        detail::admission_entry* admitted = nullptr;
        if (query_admission* adm = admission_.load(std::memory_order_acquire); adm && call.admission == admission_mode::automatic) {
            detail::admission_entry& e = adm->lookup(sql, text_h);
            if (!e.admitted()) return pass_through(e, sql, params);
            admitted = &e;
        }
        const detail::query_key_view key(sql, params, text_h, &texts_);
        if (std::optional<rows_ptr> hit = cache_.hit_of(key)) [[likely]] { // the hit: nothing else to build
            if (admitted) admitted->count_served();
            return std::move(*hit);
        }
        return load(key, call, admitted);
    }
    /// query() with a braced list of parameters, `qc.query(sql, {id, name})`, read in
    /// place as above.
    [[gnu::always_inline]] rows_ptr query(std::string_view sql, std::initializer_list<value> params,
                                          const query_cache_call& call = {}) {
        return query(sql, std::span<const value>(params.begin(), params.size()), call);
    }

    /// Runs a statement that writes (INSERT, UPDATE, DELETE, DDL, ...) through a lease and
    /// returns what the connection's execute returns (rows changed). Every cached result
    /// that read a table it writes is dropped when it returns — also when it throws, as it
    /// may have applied part of its work — so that a query() started after execute()
    /// returns never sees rows from before the write. DDL, and a statement whose written
    /// tables are not certain, drops every cached result and the analysis memo. Throws
    /// config_error for transaction control (BEGIN, COMMIT, ...: a lease is not a
    /// transaction), errors of the pool and the statement as they are.
    auto execute(std::string_view sql, std::span<const value> params = {}) {
        const std::string kind = detail::first_keyword(sql);
        if (kind == "begin" || kind == "commit" || kind == "end" || kind == "rollback" || kind == "savepoint" ||
            kind == "release" || kind == "start" || kind == "abort")
            throw config_error("query_cache::execute", std::string(sql.substr(0, 60)),
                               "transaction control through the query cache: each statement runs on its own lease; "
                               "write inside a transaction on a lease and call invalidate() after COMMIT");
        auto lease = pool_.acquire();
        const detail::statement_tables a = analyse(*lease, sql);
        struct after {
            query_cache& qc;
            const detail::statement_tables& a;
            ~after() { qc.forget_writes(a); }
        } invalidate_on_exit{*this, a};
        return lease->execute(sql, params);
    }
    /// execute() for a braced list of parameters.
    auto execute(std::string_view sql, std::initializer_list<value> params) {
        return execute(sql, std::span<const value>(params.begin(), params.size()));
    }

    /// Drops every cached result that read `table` (see the class comment for the
    /// matching rule) and returns how many. Call it after writing to the table other than
    /// through execute(). Loads in flight are not stored, and callers arriving later do not
    /// wait for them.
    std::size_t invalidate(std::string_view table) { return invalidate_canonical(sql::canonical_name(table, name_dialect)); }
    /// Drops every cached result of this instance and the analysis memo (call it after DDL
    /// made elsewhere; with a shared tier, DDL through execute() also reaches the others).
    void clear() {
        drop_memo();
        cache_.clear();
    }
    /// A snapshot of the underlying cache's counters (see cache::stats()). Refusals count as
    /// load failures there.
    cache_stats stats() const { return cache_.stats(); }
    /// Refused statements run uncached (refused_statement::run_uncached).
    std::uint64_t uncached() const noexcept { return uncached_.load(std::memory_order_relaxed); }
    /// Counters of the analysis memo. Thread-safe.
    query_cache_memo_stats memo_stats() const {
        std::lock_guard lock(memo_mu_);
        query_cache_memo_stats s = memo_counts_;
        s.size = memo_.size();
        return s;
    }
    /// The number of cached results (expired ones not yet swept may be counted).
    std::size_t size() const { return cache_.size(); }
    /// Bytes held, as weighed.
    std::uint64_t weight() const { return cache_.weight(); }
    /// The underlying cache (for listeners of stats, cleanup(), etc.).
    cache_type& underlying() noexcept { return cache_; }

    /// Turns automatic admission on (`a`: see query_admission) or off (nullptr, the
    /// default: every call is cached as before). Results of a statement `a` drops are
    /// removed. Call it while no query() runs; an admission destroyed first detaches itself
    /// (destroy neither while the other's calls run).
    void set_admission(query_admission* a) {
        if (query_admission* old = admission_.load(std::memory_order_relaxed)) old->detach(admission_listener_);
        admission_.store(nullptr, std::memory_order_release);
        if (!a) return;
        admission_listener_ = a->attach([this](const std::string& tag) { on_dropped(tag); },
                                        [this] { admission_.store(nullptr, std::memory_order_release); });
        admission_.store(a, std::memory_order_release);
    }
    /// The admission set (nullptr: none).
    query_admission* admission() const noexcept { return admission_.load(std::memory_order_acquire); }
    /// Gives results whose call names no TTL a TTL from `s` (e.g. an adaptive_ttl, told of
    /// every invalidation) on top of the default TTL — the smaller wins; nullptr (the
    /// default): off. `s` must outlive the query cache or be replaced first.
    void set_ttl_source(ttl_source* s) noexcept { ttl_source_.store(s, std::memory_order_release); }

    /// The tables `sql` reads, as sql::scan_tables finds them in the text (the fallback
    /// for connections that cannot answer); throws config_error saying why when its result
    /// must not be cached.
    static std::vector<std::string> tables_of(std::string_view sql) {
        sql::table_access a = sql::scan_tables(sql);
        if (auto why = a.refusal()) refuse(sql, *why, !a.written.empty());
        return std::move(a.read);
    }

private:
    using analysis_ptr = std::shared_ptr<const detail::statement_tables>;
    struct text_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    [[noreturn]] static void refuse(std::string_view sql, const std::string& why, bool writes) {
        detail::query_refused e("query_cache_call.tables", std::string(sql.substr(0, 60)),
                                "not cached: " + why +
                                    (writes ? "; run writes through query_cache::execute()"
                                            : "; declare the tables it reads to cache it anyway"));
        e.writes = writes;
        throw e;
    }

    [[noreturn]] static void refuse_write(std::string_view sql, const detail::statement_tables& a) {
        refuse(sql, "the statement writes (" + (a.access.written.empty() ? std::string("the schema") : a.access.written.front()) + ")",
               true);
    }

    /// The miss of query(): loads `key` through the cache (single flight), with the tier and
    /// the options made only when this caller runs the statement. A load another caller
    /// finished meanwhile is a hit.
    [[gnu::noinline]] rows_ptr load(const detail::query_key_view& key, const query_cache_call& call,
                                    detail::admission_entry* admitted) {
        bool ran = false; // this caller ran the statement (else: answered without the database)
        std::optional<lease_type> lease; // acquired by the options, used by the loader: one lease a miss
        std::optional<shared_read> shared; // the second tier's answer (a miss with a tier only)
        try {
            rows_ptr rows = cache_.get_or_load(
                key,
                [&](const detail::query_key& k) -> rows_ptr {
                    if (shared && shared->ticket.rows) return shared->ticket.rows;
                    if (!lease) lease.emplace(pool_.acquire());
                    ran = true;
                    auto rows = std::make_shared<const row_set>((*lease)->query(k.sql(), k.params()));
                    if (shared) tier_->store(shared->key, *rows, shared->ticket, call.ttl ? call.ttl : default_ttl_);
                    return rows;
                },
                [&] { return adapted(miss_options(key, call, lease, shared), call, admitted); });
            if (admitted && !ran) admitted->count_served();
            return rows;
        } catch (const detail::query_refused& e) {
            if (call.if_refused != refused_statement::run_uncached || e.writes) throw;
            lease.reset();
            ++uncached_;
            auto l = pool_.acquire();
            return std::make_shared<const row_set>(l->query(key.sql, key.params));
        }
    }

    /// What a miss read from the shared tier, kept for the load.
    struct shared_read {
        std::string key;
        tier_ticket ticket;
    };

    /// The entry options of a miss: its tags, its TTL and, with a tier, what the tier has.
    entry_options miss_options(const detail::query_key_view& key, const query_cache_call& call, std::optional<lease_type>& lease,
                               std::optional<shared_read>& shared) {
        entry_options o{.ttl = call.ttl, .tags = tags_for(key.sql, call, lease)};
        if (!tier_) return o;
        shared_read& r = shared.emplace();
        r.key = detail::query_key_text(key);
        std::vector<std::string> tags = o.tags;
        tags.push_back(detail::query_all_tag);
        r.ticket = tier_->fetch(r.key, tags);
        if (r.ticket.local_ttl_cap != std::chrono::nanoseconds::max()) {
            const auto own = o.ttl ? *o.ttl : default_ttl_.value_or(std::chrono::nanoseconds::max());
            o.ttl = std::max(std::chrono::nanoseconds(1), std::min(own, r.ticket.local_ttl_cap));
        }
        return o;
    }

    /// The options of a miss finished for the admission and the TTL source: the tag of an
    /// admitted statement and, without a TTL from the call, the smallest of the TTLs.
    entry_options adapted(entry_options o, const query_cache_call& call, const detail::admission_entry* admitted) {
        ttl_source* src = ttl_source_.load(std::memory_order_acquire);
        if (!call.ttl && (src || (admitted && admitted->ttl().count() > 0))) {
            auto ttl = o.ttl ? *o.ttl : default_ttl_.value_or(std::chrono::nanoseconds::max());
            if (admitted && admitted->ttl().count() > 0) ttl = std::min(ttl, admitted->ttl());
            if (src) ttl = std::min(ttl, src->ttl_for(o.tags));
            if (ttl != std::chrono::nanoseconds::max()) o.ttl = ttl;
        }
        if (admitted) o.tags.push_back(admitted->tag());
        return o;
    }

    /// A statement the admission does not admit: run uncached (a write is refused, once
    /// per text: the entry remembers that the text is a read).
    rows_ptr pass_through(detail::admission_entry& e, std::string_view sql, std::span<const value> params) {
        std::optional<lease_type> lease;
        lease.emplace(pool_.acquire());
        if (!e.known_read()) {
            const analysis_ptr a = memoised(sql, lease);
            if (!a->access.written.empty() || a->schema_change) refuse_write(sql, *a);
            e.mark_read();
        }
        e.count_passed();
        return std::make_shared<const row_set>((*lease)->query(sql, params));
    }

    /// Results of a statement the admission dropped (on the evaluating thread).
    void on_dropped(const std::string& tag) noexcept {
        try {
            cache_.invalidate_tag(tag);
        } catch (...) {
            clear_noexcept();
        }
    }

    /// An invalidation from another instance sharing the tier (on the tier's thread).
    void on_shared_tag(const std::string& tag) noexcept {
        if (tag == detail::query_all_tag) {
            clear_noexcept();
            return;
        }
        if (ttl_source* src = ttl_source_.load(std::memory_order_acquire)) src->observe_invalidation(std::span<const std::string>(&tag, 1));
        try {
            cache_.invalidate_tag(tag);
        } catch (...) {
            clear_noexcept();
        }
    }

    /// The tags of `sql` for this call, on a miss: the found tables (memoised), plus the
    /// declared ones; throws query_refused when the result must not be cached.
    std::vector<std::string> tags_for(std::string_view sql, const query_cache_call& call, std::optional<lease_type>& lease) {
        const analysis_ptr a = memoised(sql, lease);
        const sql::table_access& t = a->access;
        if (!t.written.empty() || a->schema_change) refuse_write(sql, *a);
        if (t.locks_rows) refuse(sql, *t.refusal(), false);
        if (call.tables.empty()) {
            if (auto why = t.refusal()) refuse(sql, *why, false);
            return a->tags;
        }
        std::vector<std::string> declared;
        for (const auto& d : call.tables) sql::table_access::add(declared, sql::canonical_name(d, name_dialect));
        std::vector<std::string> tags = a->tags;
        for (auto& tag : tags_of(declared))
            if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
        return tags;
    }

    /// The memoised analysis of `sql`, made with the lease (acquired here if needed).
    analysis_ptr memoised(std::string_view sql, std::optional<lease_type>& lease) {
        std::uint64_t generation;
        {
            std::lock_guard lock(memo_mu_);
            ++memo_counts_.lookups;
            if (auto it = memo_.find(sql); it != memo_.end()) return it->second;
            generation = memo_generation_;
        }
        if constexpr (asks_connection)
            if (!lease) lease.emplace(pool_.acquire());
        analysis_ptr a;
        if constexpr (asks_connection) a = std::make_shared<const detail::statement_tables>(analyse(**lease, sql));
        else a = std::make_shared<const detail::statement_tables>(analyse_text(sql));
        std::lock_guard lock(memo_mu_);
        ++memo_counts_.analyses;
        if (generation == memo_generation_) { // no DDL since the analysis began
            if (memo_.size() >= memo_capacity) {
                memo_.clear();
                ++memo_counts_.drops;
            }
            memo_.emplace(std::string(sql), a);
        }
        return a;
    }

    /// The tables of `sql` as the connection (or the scanner) reports them.
    static detail::statement_tables analyse(connection_type& c, std::string_view sql) {
        if constexpr (asks_connection) return finish(c.tables_of(sql), sql);
        else return analyse_text(sql);
    }
    static detail::statement_tables analyse_text(std::string_view sql) { return finish(sql::scan_tables(sql), sql); }
    static detail::statement_tables finish(sql::table_access t, std::string_view sql) {
        detail::statement_tables a;
        const std::string kind = detail::first_keyword(sql);
        a.schema_change = kind == "create" || kind == "alter" || kind == "drop" || kind == "attach" || kind == "detach" ||
                          kind == "comment" || kind == "grant" || kind == "revoke" || kind == "reindex";
        for (const auto& w : t.written) {
            const auto bare = sql::unqualified(w);
            if (bare == "sqlite_master" || bare == "sqlite_schema" || bare == "sqlite_temp_master") a.schema_change = true;
        }
        a.tags = tags_of(t.read);
        a.access = std::move(t);
        return a;
    }

    /// Tags of `tables` (canonical names): each name, plus its unqualified form for a qualified
    /// name ("public.users" → also "users"), or "*.name" for an unqualified one.
    static std::vector<std::string> tags_of(const std::vector<std::string>& tables) {
        std::vector<std::string> tags;
        tags.reserve(tables.size() * 2);
        for (const auto& t : tables) {
            std::string name = t;
            if (name.find('.') != std::string::npos) tags.emplace_back(sql::unqualified(name));
            else tags.push_back("*." + name);
            tags.push_back(std::move(name));
        }
        return tags;
    }

    std::size_t invalidate_canonical(const std::string& name) {
        std::vector<std::string> tags{name};
        if (name.find('.') != std::string::npos) tags.push_back("*." + std::string(sql::unqualified(name)));
        if (ttl_source* src = ttl_source_.load(std::memory_order_acquire)) src->observe_invalidation(tags);
        std::size_t n = 0;
        for (const auto& t : tags) n += cache_.invalidate_tag(t);
        if (tier_) {
            tier_->invalidate(tags);
            for (const auto& t : tags) cache_.invalidate_tag(t); // a load that read the old versions meanwhile
        }
        return n;
    }

    /// After a write: drops what it may have changed (never throws).
    void forget_writes(const detail::statement_tables& a) noexcept {
        try {
            if (a.schema_change || !a.access.certain) {
                clear();
                if (tier_) tier_->invalidate(std::span<const std::string>(&detail::query_all_tag, 1));
                return;
            }
            for (const auto& w : a.access.written) invalidate_canonical(w);
        } catch (...) { // std::bad_alloc building a tag: fall back to dropping everything
            clear_noexcept();
        }
    }
    void clear_noexcept() noexcept {
        try {
            clear();
        } catch (...) {
        }
    }

    void drop_memo() {
        std::lock_guard lock(memo_mu_);
        ++memo_generation_;
        ++memo_counts_.drops;
        memo_.clear();
    }

    Pool& pool_;
    cache_type cache_;
    std::optional<std::chrono::nanoseconds> default_ttl_;
    result_tier* tier_ = nullptr;
    std::size_t listener_ = 0;
    mutable std::mutex memo_mu_;
    std::unordered_map<std::string, analysis_ptr, text_hash, std::equal_to<>> memo_;
    detail::text_interner texts_{memo_capacity}; // one copy of each statement text for the cached keys
    std::uint64_t memo_generation_ = 0;
    query_cache_memo_stats memo_counts_{};
    std::atomic<std::uint64_t> uncached_{0};
    std::atomic<query_admission*> admission_{nullptr};
    std::size_t admission_listener_ = 0;
    std::atomic<ttl_source*> ttl_source_{nullptr};
};

} // namespace cistern

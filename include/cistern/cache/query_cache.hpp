#pragma once
/// \file
/// `cistern::query_cache<Pool, Eviction>`: caches query results (row_set) by statement
/// text and bound parameters, loads misses through a pool lease (single flight), and
/// drops every result that read a table when that table is invalidated.

#include <cistern/cache/cache.hpp>
#include <cistern/cache/cache_options.hpp>
#include <cistern/cache/cache_policies.hpp>
#include <cistern/cache/cache_stats.hpp>
#include <cistern/cache/detail/hash.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>
#include <cistern/cache/expiry/per_entry.hpp>
#include <cistern/error.hpp>
#include <cistern/row_set.hpp>
#include <cistern/sql/name.hpp>
#include <cistern/sql/scan_tables.hpp>
#include <cistern/sql/table_access.hpp>
#include <cistern/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cistern {

namespace detail {

/// The cache key of a query: statement text and bound parameters.
struct query_key {
    std::string sql;
    std::vector<value> params;
    friend bool operator==(const query_key&, const query_key&) = default;
};

struct query_key_hash {
    std::size_t operator()(const query_key& k) const noexcept {
        std::uint64_t h = std::hash<std::string>{}(k.sql);
        for (const value& v : k.params) {
            std::uint64_t x = v.index();
            if (auto* i = std::get_if<std::int64_t>(&v)) x ^= mix64(static_cast<std::uint64_t>(*i));
            else if (auto* d = std::get_if<double>(&v)) x ^= std::hash<double>{}(*d);
            else if (auto* s = std::get_if<std::string>(&v)) x ^= std::hash<std::string>{}(*s);
            else if (auto* b = std::get_if<blob>(&v))
                x ^= std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(b->data()), b->size()));
            h = mix64(h ^ x) + 0x9e3779b97f4a7c15ULL;
        }
        return static_cast<std::size_t>(h);
    }
};

struct query_weigher {
    std::uint64_t operator()(const query_key& k, const std::shared_ptr<const row_set>& rows) const noexcept {
        std::uint64_t n = sizeof(query_key) + k.sql.capacity() + k.params.capacity() * sizeof(value);
        for (const value& v : k.params) {
            if (auto* s = std::get_if<std::string>(&v)) n += s->capacity();
            else if (auto* b = std::get_if<blob>(&v)) n += b->capacity();
        }
        n += rows ? rows->byte_size() : 0;
        return n > 0xffffffffULL ? 0xffffffffULL : n;
    }
};

} // namespace detail

/// Per-call options of query_cache::query().
struct query_cache_call {
    /// Time to live of this result (default: the query cache's default TTL).
    std::optional<std::chrono::nanoseconds> ttl{};
    /// Tables the statement reads. Empty: found by sql::scan_tables from the text; a
    /// statement whose tables cannot be found with certainty (a function that may read
    /// anything, a volatile function, a text the scanner cannot read), or that writes or
    /// locks rows, is refused with config_error saying why, rather than cached without
    /// invalidation. Declared tables are trusted, except that a locking read (FOR UPDATE /
    /// FOR SHARE) is never cached.
    std::vector<std::string> tables{};
};

/// A cache of query results in front of a connection pool.
///
/// `Pool` is a cistern::pool (anything whose `acquire()` returns a lease `l` with
/// `l->query(std::string_view, std::span<const value>)` returning a row_set). Results are
/// kept as `std::shared_ptr<const row_set>` (shared, never copied, valid after eviction),
/// weighed by row_set::byte_size() plus the key, within cache_options::max_weight bytes.
/// Each entry is tagged with the tables it reads (sql::canonical_name: unquoted names
/// lower-cased, quoted names exact; a qualified name also tags its unqualified form);
/// invalidate(table) drops them, and a load that overlaps an invalidation returns its rows
/// but does not store them. Thread-safe like cache.
template <class Pool, class Eviction = eviction::w_tinylfu>
class query_cache {
public:
    /// What query() returns: shared, immutable rows that stay valid after eviction.
    using rows_ptr = std::shared_ptr<const row_set>;
    /// The underlying cache type (see underlying()).
    using cache_type = cache<detail::query_key, rows_ptr, Eviction, expiry::per_entry,
                             cache_policy::with_weigher<detail::query_weigher>,
                             cache_policy::with_hash<detail::query_key_hash, std::equal_to<detail::query_key>>>;

    /// `opts.max_weight` is the bound in bytes (e.g. 100 << 20 for "100 MB");
    /// `default_ttl` applies to results whose call names no TTL (none: no expiry).
    /// Throws config_error for bad options. The pool must outlive the query cache.
    query_cache(Pool& pool, cache_options opts, std::optional<std::chrono::nanoseconds> default_ttl = std::nullopt)
        : pool_(pool), cache_(opts, default_ttl ? expiry::per_entry(*default_ttl) : expiry::per_entry{}) {}

    /// The rows of `sql` with `params`: from the cache, or by running it through a lease
    /// of the pool (once for all concurrent callers of the same key). Errors of the pool
    /// or the statement reach every waiting caller and nothing is cached.
    rows_ptr query(std::string_view sql, std::vector<value> params = {}, query_cache_call call = {}) {
        detail::query_key key{std::string(sql), std::move(params)};
        return cache_.get_or_load(
            key,
            [this](const detail::query_key& k) {
                auto lease = pool_.acquire();
                return std::make_shared<const row_set>(lease->query(k.sql, std::span<const value>(k.params)));
            },
            [&] { // only on a miss, before the statement runs: a hit does not read the text
                std::vector<std::string> tags;
                if (call.tables.empty()) {
                    tags = tags_of(tables_of(sql));
                } else {
                    if (sql::scan_tables(sql).locks_rows) refuse(sql, "the statement locks rows (FOR UPDATE / FOR SHARE)");
                    for (auto& t : call.tables) t = sql::canonical_name(t);
                    tags = tags_of(call.tables);
                }
                return entry_options{.ttl = call.ttl, .tags = std::move(tags)};
            });
    }

    /// Drops every cached result that read `table`, read as an SQL name (sql::canonical_name:
    /// `users`, `Users` and `public.users` fold to lower case, public.\"Users\" keeps its
    /// case). An unqualified name drops results of that table in any schema; a qualified one
    /// drops those of that schema's table and those whose statement named the table without
    /// a schema. Returns how many results were dropped. Call it after writing to the table.
    std::size_t invalidate(std::string_view table) {
        const std::string name = sql::canonical_name(table);
        std::size_t n = cache_.invalidate_tag(name);
        if (name.find('.') != std::string::npos) n += cache_.invalidate_tag("*." + std::string(sql::unqualified(name)));
        return n;
    }
    /// Drops every cached result.
    void clear() { cache_.clear(); }
    /// A snapshot of the underlying cache's counters (see cache::stats()). Thread-safe.
    cache_stats stats() const { return cache_.stats(); }
    /// The number of cached results (expired ones not yet swept may be counted).
    std::size_t size() const { return cache_.size(); }
    /// Bytes held, as weighed.
    std::uint64_t weight() const { return cache_.weight(); }
    /// The underlying cache (for listeners of stats, cleanup(), etc.).
    cache_type& underlying() noexcept { return cache_; }

    /// The tables `sql` reads, as query() finds them (sql::scan_tables); throws config_error
    /// saying why when its result must not be cached (see query_cache_call::tables).
    static std::vector<std::string> tables_of(std::string_view sql) {
        sql::table_access a = sql::scan_tables(sql);
        if (auto why = a.refusal()) refuse(sql, *why);
        return std::move(a.read);
    }

private:
    [[noreturn]] static void refuse(std::string_view sql, const std::string& why) {
        throw config_error("query_cache_call.tables", std::string(sql.substr(0, 60)),
                           "not cached: " + why + "; declare the tables it reads to cache it anyway");
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

    Pool& pool_;
    cache_type cache_;
};

} // namespace cistern

#pragma once
/// \file
/// Reading PostgreSQL's index catalog for the index strategies.

#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/value.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cistern::strategy::index::detail {

/// An index of the schema with its size, scan count and everything that decides whether
/// two indexes serve the same lookups.
struct postgres_index : existing_index {
    std::int64_t oid = 0;        ///< pg_index.indexrelid: lower is older
    std::int64_t size_bytes = 0;
    std::int64_t scans = 0;
    bool valid = true;
    /// Backs a constraint of its table (primary key, unique, exclusion): never dropped.
    bool constraint = false;
    /// A partitioned index (on a partitioned table): size and scans are its partitions'
    /// sums; it can only be dropped as a whole and never CONCURRENTLY.
    bool partitioned = false;
    /// An index of one partition attached to a partitioned index: it cannot be dropped
    /// on its own (drop the partitioned index instead).
    bool attached = false;
    /// Per key column "opclass:collation:indoption" (operator class, collation, DESC/NULLS
    /// bits): two keys are the same only when these match too.
    std::vector<std::string> key_options;
    /// INCLUDE columns (not part of the key).
    std::vector<std::string> include;
    /// Key columns' attribute numbers (0 for an expression).
    std::vector<int> key_attnums;
    /// pg_get_indexdef: the index as CREATE INDEX, for reasons.
    std::string definition;
    /// Names of the constraints it enforces (primary key, unique, exclusion).
    std::vector<std::string> constraints;
    /// Foreign keys of its table whose columns are its leading key columns (any order): the
    /// index serves their checks and ON DELETE/UPDATE actions of the referenced table.
    std::vector<std::string> foreign_keys;
};

/// Splits `s` on `sep` ("" gives no parts).
inline std::vector<std::string> split_list(const std::string& s, char sep) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    std::size_t b = 0;
    for (;;) {
        auto e = s.find(sep, b);
        out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
        if (e == std::string::npos) break;
        b = e + 1;
    }
    return out;
}

/// Every index on tables of `schema` (partitioned parents' indexes included): key columns
/// by name (an expression as its text in parentheses), INCLUDE columns, operator classes,
/// collations and orderings, access method, partial predicate, the constraints it enforces
/// and the foreign keys it serves.
template <class C>
std::vector<postgres_index> postgres_indexes(C& c, const std::string& schema) {
    std::array<value, 1> arg{value{schema}};
    auto rs = c.query(
        "SELECT ct.relname::text, ci.relname::text, x.indisunique, x.indisprimary, am.amname::text, "
        "coalesce(pg_get_expr(x.indpred, x.indrelid, true), ''), "
        "coalesce((SELECT string_agg(CASE WHEN x.indkey[g.k - 1] = 0 THEN '(' || pg_get_indexdef(x.indexrelid, g.k, true) || ')' "
        "  ELSE a.attname::text END, E'\\x1f' ORDER BY g.k) FROM generate_series(1, x.indnatts) g(k) "
        "  LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[g.k - 1]), ''), "
        "x.indnkeyatts::bigint, "
        "CASE WHEN ci.relkind = 'I' THEN (SELECT coalesce(sum(pg_relation_size(t.relid)), 0) "
        "  FROM pg_partition_tree(x.indexrelid) t WHERE t.isleaf) ELSE pg_relation_size(x.indexrelid) END::bigint, "
        "CASE WHEN ci.relkind = 'I' THEN (SELECT coalesce(sum(s2.idx_scan), 0) FROM pg_partition_tree(x.indexrelid) t "
        "  JOIN pg_stat_user_indexes s2 ON s2.indexrelid = t.relid) ELSE coalesce(s.idx_scan, 0) END::bigint, x.indisvalid, "
        "coalesce((SELECT string_agg(k.conname::text, E'\\x1f' ORDER BY k.conname) FROM pg_constraint k "
        "  WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')), ''), "
        "ci.relkind = 'I', EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = x.indexrelid), x.indexrelid::bigint, "
        "coalesce((SELECT string_agg(coalesce(oc.opcname::text, '') || ':' || coalesce(co.collname::text, '') || ':' || "
        "  x.indoption[g.k - 1]::text, E'\\x1f' ORDER BY g.k) FROM generate_series(1, x.indnkeyatts) g(k) "
        "  LEFT JOIN pg_opclass oc ON oc.oid = x.indclass[g.k - 1] LEFT JOIN pg_collation co ON co.oid = x.indcollation[g.k - 1]), ''), "
        "pg_get_indexdef(x.indexrelid), "
        "coalesce((SELECT string_agg(x.indkey[g.k - 1]::text, ' ' ORDER BY g.k) FROM generate_series(1, x.indnkeyatts) g(k)), '') "
        "FROM pg_index x JOIN pg_class ci ON ci.oid = x.indexrelid JOIN pg_class ct ON ct.oid = x.indrelid "
        "JOIN pg_namespace ns ON ns.oid = ct.relnamespace JOIN pg_am am ON am.oid = ci.relam "
        "LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = x.indexrelid "
        "WHERE ns.nspname = $1 ORDER BY 1, 2",
        std::span<const value>(arg));
    std::vector<postgres_index> out;
    for (auto r : rs) {
        postgres_index e;
        e.table = r.template get<std::string>(0);
        e.name = r.template get<std::string>(1);
        e.unique = r.template get<bool>(2);
        e.primary = r.template get<bool>(3);
        e.method = r.template get<std::string>(4);
        e.predicate = r.template get<std::string>(5);
        auto all = split_list(r.template get<std::string>(6), '\x1f');
        const auto keys = static_cast<std::size_t>(r.template get<std::int64_t>(7));
        for (std::size_t i = 0; i < all.size(); ++i) (i < keys ? e.columns : e.include).push_back(all[i]);
        e.size_bytes = r.template get<std::int64_t>(8);
        e.scans = r.template get<std::int64_t>(9);
        e.valid = r.template get<bool>(10);
        e.constraints = split_list(r.template get<std::string>(11), '\x1f');
        e.constraint = !e.constraints.empty();
        e.partitioned = r.template get<bool>(12);
        e.attached = r.template get<bool>(13);
        e.oid = r.template get<std::int64_t>(14);
        e.key_options = split_list(r.template get<std::string>(15), '\x1f');
        e.definition = r.template get<std::string>(16);
        for (auto& a : split_list(r.template get<std::string>(17), ' ')) e.key_attnums.push_back(std::stoi(a));
        out.push_back(std::move(e));
    }
    // Foreign keys of the schema's tables: an index whose leading key columns are exactly the
    // foreign key's columns (in any order, no predicate) serves it.
    auto fks = c.query("SELECT t.relname::text, k.conname::text, array_to_string(k.conkey, ' '), k.confrelid::regclass::text "
                       "FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace "
                       "WHERE k.contype = 'f' AND ns.nspname = $1 ORDER BY 2",
                       std::span<const value>(arg));
    for (auto r : fks) {
        const auto table = r.template get<std::string>(0);
        std::vector<int> cols;
        for (auto& a : split_list(r.template get<std::string>(2), ' ')) cols.push_back(std::stoi(a));
        std::sort(cols.begin(), cols.end());
        for (auto& e : out) {
            if (e.table != table || !e.predicate.empty() || e.key_attnums.size() < cols.size() || !e.valid) continue;
            if (e.method != "btree" && !(e.method == "hash" && cols.size() == 1)) continue;
            std::vector<int> lead(e.key_attnums.begin(), e.key_attnums.begin() + static_cast<std::ptrdiff_t>(cols.size()));
            std::sort(lead.begin(), lead.end());
            if (lead == cols)
                e.foreign_keys.push_back(r.template get<std::string>(1) + " (references " + r.template get<std::string>(3) + ")");
        }
    }
    return out;
}

} // namespace cistern::strategy::index::detail

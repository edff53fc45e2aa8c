#pragma once
/// \file
/// Reading PostgreSQL's index catalog for the index strategies.

#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/value.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cistern::strategy::index::detail {

/// An index of the schema with its size and scan count.
struct postgres_index : existing_index {
    std::int64_t size_bytes = 0;
    std::int64_t scans = 0;
    bool valid = true;
    bool constraint = false; ///< backs a constraint (unique, primary key, exclusion)
    /// A partitioned index (on a partitioned table): size and scans are its partitions'
    /// sums; it can only be dropped as a whole and never CONCURRENTLY.
    bool partitioned = false;
    /// An index of one partition attached to a partitioned index: it cannot be dropped
    /// on its own (drop the partitioned index instead).
    bool attached = false;
};

/// Every index on tables of `schema` (partitioned parents' indexes included), key columns
/// by name ("<expression>" for expressions), access method and partial predicate.
template <class C>
std::vector<postgres_index> postgres_indexes(C& c, const std::string& schema) {
    std::array<value, 1> arg{value{schema}};
    auto rs = c.query(
        "SELECT ct.relname::text, ci.relname::text, x.indisunique, x.indisprimary, am.amname::text, "
        "coalesce(pg_get_expr(x.indpred, x.indrelid), ''), "
        "coalesce((SELECT string_agg(CASE WHEN k.attnum = 0 THEN '<expression>' ELSE a.attname::text END, E'\\x1f' ORDER BY k.ord) "
        "  FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
        "  LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
        "  WHERE k.ord <= x.indnkeyatts), ''), "
        "CASE WHEN ci.relkind = 'I' THEN (SELECT coalesce(sum(pg_relation_size(t.relid)), 0) "
        "  FROM pg_partition_tree(x.indexrelid) t WHERE t.isleaf) ELSE pg_relation_size(x.indexrelid) END::bigint, "
        "CASE WHEN ci.relkind = 'I' THEN (SELECT coalesce(sum(s2.idx_scan), 0) FROM pg_partition_tree(x.indexrelid) t "
        "  JOIN pg_stat_user_indexes s2 ON s2.indexrelid = t.relid) ELSE coalesce(s.idx_scan, 0) END::bigint, x.indisvalid, "
        "EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid), "
        "ci.relkind = 'I', EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = x.indexrelid) "
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
        const auto cols = r.template get<std::string>(6);
        std::size_t b = 0;
        while (b <= cols.size() && !cols.empty()) {
            auto e2 = cols.find('\x1f', b);
            e.columns.push_back(cols.substr(b, e2 == std::string::npos ? std::string::npos : e2 - b));
            if (e2 == std::string::npos) break;
            b = e2 + 1;
        }
        e.size_bytes = r.template get<std::int64_t>(7);
        e.scans = r.template get<std::int64_t>(8);
        e.valid = r.template get<bool>(9);
        e.constraint = r.template get<bool>(10);
        e.partitioned = r.template get<bool>(11);
        e.attached = r.template get<bool>(12);
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace cistern::strategy::index::detail

#pragma once
/// \file
/// `cistern::inspect::postgres_cache_hit`: buffer cache hit rate of tables and indexes.

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cistern::inspect {

/// Block hits and reads of one kind of relation (tables or indexes), since the
/// statistics were reset.
struct cache_hit {
    std::string kind; ///< "tables" or "indexes"
    ///@{
    /// Block requests served from shared buffers (`hits`) and read from outside them
    /// (`reads`), summed over the user relations of this kind.
    std::int64_t hits = 0, reads = 0;
    ///@}
    /// hits / (hits + reads); 1.0 when there was no block request.
    double ratio() const noexcept { return hits + reads == 0 ? 1.0 : static_cast<double>(hits) / static_cast<double>(hits + reads); }
    /// Table column names: kind, hits, reads, hit_rate.
    static std::vector<std::string> columns() { return {"kind", "hits", "reads", "hit_rate"}; }
    /// This row's cells in columns() order (hit_rate is ratio()).
    std::vector<value> cells() const { return {kind, hits, reads, ratio()}; }
};

/// Two rows (tables, indexes) for the current database. A finding when a rate is below
/// options::cache_hit_warning after options::cache_min_blocks block requests.
template <class C>
check_result<cache_hit> postgres_cache_hit(C& c, const options& o = {}) {
    check_result<cache_hit> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "cache hit rate", [&] {
        auto rs = c.query(std::string_view(
            "SELECT 'tables', coalesce(sum(heap_blks_hit), 0)::int8, coalesce(sum(heap_blks_read), 0)::int8 FROM pg_statio_user_tables"
            " UNION ALL "
            "SELECT 'indexes', coalesce(sum(idx_blks_hit), 0)::int8, coalesce(sum(idx_blks_read), 0)::int8 FROM pg_statio_user_indexes"));
        for (auto row : rs) r.rows.push_back({row.template get<std::string>(0), row.template get<std::int64_t>(1), row.template get<std::int64_t>(2)});
    });
    for (auto& h : r.rows)
        if (h.hits + h.reads >= o.cache_min_blocks && h.ratio() < o.cache_hit_warning)
            r.add(health_status::degraded, "cache_hit_rate",
                  h.kind + " hit rate " + detail::percent_text(h.ratio()) + " (" + std::to_string(h.reads) + " blocks read from disk)",
                  "raise shared_buffers (about 25 % of RAM) or add memory; look for sequential scans of large tables "
                  "(`cistern monitor tables`)");
    r.notes.push_back("since the statistics were last reset; only this database");
    return r;
}

} // namespace cistern::inspect

#pragma once
/// \file
/// `cistern::inspect::postgres_invalid_indexes`: indexes left invalid (a failed CREATE INDEX
/// CONCURRENTLY or REINDEX CONCURRENTLY).

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <string>
#include <vector>

namespace cistern::inspect {

/// An index the planner never uses because it is not valid.
struct invalid_index {
    ///@{
    /// Schema of the index, the index name and the name of the table it is on (unquoted).
    std::string schema, index, table;
    ///@}
    /// Table column names: index, table.
    static std::vector<std::string> columns() { return {"index", "table"}; }
    /// This row's cells in columns() order; index is shown as schema.index.
    std::vector<value> cells() const { return {schema + "." + index, table}; }
};

/// Every invalid index of user schemas; each is a degraded finding (writes still
/// maintain it, reads never use it).
template <class C>
check_result<invalid_index> postgres_invalid_indexes(C& c, const options& o = {}) {
    check_result<invalid_index> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "invalid indexes", [&] {
        for (auto row : c.query(std::string_view(
                 "SELECT n.nspname::text, ci.relname::text, ct.relname::text FROM pg_index i"
                 " JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class ct ON ct.oid = i.indrelid"
                 " JOIN pg_namespace n ON n.oid = ci.relnamespace"
                 " WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")))
            r.rows.push_back({row.template get<std::string>(0), row.template get<std::string>(1), row.template get<std::string>(2)});
    });
    for (auto& i : r.rows)
        r.add(health_status::degraded, "invalid_index",
              "index " + i.schema + "." + i.index + " on " + i.table + " is invalid: writes maintain it, queries never use it",
              "REINDEX INDEX CONCURRENTLY " + i.schema + "." + i.index + " (or drop it and create it again)");
    return r;
}

} // namespace cistern::inspect

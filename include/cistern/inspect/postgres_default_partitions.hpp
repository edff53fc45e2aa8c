#pragma once
/// \file
/// `cistern::inspect::postgres_default_partitions`: rows sitting in default partitions
/// (pg_partman's check_default).

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/monitor/default_partition_rows.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cistern::inspect {

/// One default partition and its exact row count.
struct default_partition {
    ///@{
    /// Schema of the default partition, name of its partitioned (parent) table, and name of
    /// the default partition itself (unquoted).
    std::string schema, parent, partition;
    ///@}
    /// Exact count(*) of rows stored in the default partition itself (FROM ONLY).
    std::int64_t rows = 0;
    /// Table column names: parent, default_partition, rows.
    static std::vector<std::string> columns() { return {"parent", "default_partition", "rows"}; }
    /// This row's cells in columns() order; parent is shown as schema.parent.
    std::vector<value> cells() const { return {schema + "." + parent, partition, rows}; }
};

/// Every default partition with its exact row count (count(*), bounded by
/// statement_timeout). A default partition holding rows is a degraded finding: a partition
/// created later for their range fails until they are moved out.
template <class C>
check_result<default_partition> postgres_default_partitions(C& c, const options& o = {}) {
    check_result<default_partition> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "default partitions", [&] {
        auto list = c.query(std::string_view(
            "SELECT n.nspname::text, p.relname::text, d.relname::text, format('%I.%I', n.nspname, d.relname)"
            " FROM pg_partitioned_table pt JOIN pg_class p ON p.oid = pt.partrelid"
            " JOIN pg_class d ON d.oid = pt.partdefid JOIN pg_namespace n ON n.oid = d.relnamespace"
            " WHERE pt.partdefid <> 0 ORDER BY 1, 2"));
        for (auto row : list) {
            default_partition d{row.template get<std::string>(0), row.template get<std::string>(1), row.template get<std::string>(2), 0};
            d.rows = c.query("SELECT count(*)::int8 FROM ONLY " + row.template get<std::string>(3)).template scalar<std::int64_t>();
            r.rows.push_back(std::move(d));
        }
    });
    for (auto& d : r.rows)
        if (d.rows > 0)
            r.add(health_status::degraded, "default_partition_rows",
                  std::to_string(d.rows) + " row(s) in default partition " + d.schema + "." + d.partition + " of " + d.parent,
                  "move them out: in one transaction detach " + d.partition + ", create the partitions the rows belong to, "
                  "INSERT ... SELECT the rows into " + d.parent + ", then reattach (or recreate) the default partition");
    return r;
}

/// The check's rows as the monitor takes them (monitor::observe_default_partitions), names
/// schema-qualified. Empty when the check could not run (see r.state).
inline std::vector<default_partition_rows> default_partition_figures(const check_result<default_partition>& r) {
    std::vector<default_partition_rows> out;
    out.reserve(r.rows.size());
    for (const auto& d : r.rows) out.push_back({d.schema + "." + d.parent, d.schema + "." + d.partition, d.rows});
    return out;
}

} // namespace cistern::inspect

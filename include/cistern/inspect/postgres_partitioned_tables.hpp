#pragma once
/// \file
/// `cistern::inspect::postgres_partitioned_tables`: the partitioned tables of a schema with
/// their partitioning method, key column and type, partition count and default partition,
/// so a caller can pick the partition strategy that fits each.

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cistern::inspect {

/// One partitioned (parent) table.
struct partitioned_table {
    std::string table;      ///< unquoted name
    std::string method;     ///< "range", "list" or "hash"
    std::string key;        ///< pg_get_partkeydef, e.g. "RANGE (created_at)"
    std::string column;     ///< the key column when the key is one plain column, else ""
    std::string key_type;   ///< its type (format_type), e.g. "timestamp with time zone", "bigint"
    std::int64_t partitions = 0; ///< attached partitions
    bool has_default = false;    ///< a DEFAULT partition is attached

    /// True for a time key (date, timestamp, timestamptz): range_by_time fits.
    bool time_key() const { return key_type == "date" || key_type.rfind("timestamp", 0) == 0; }
    /// True for an integer key (smallint, integer, bigint): range_by_id fits.
    bool integer_key() const { return key_type == "smallint" || key_type == "integer" || key_type == "bigint"; }
    /// Table column names: table, key, type, partitions, default.
    static std::vector<std::string> columns() { return {"table", "key", "type", "partitions", "default"}; }
    /// This row's cells in columns() order.
    std::vector<value> cells() const { return {table, key, key_type, partitions, std::string(has_default ? "yes" : "no")}; }
};

/// The partitioned tables of `schema` that are not themselves partitions, by name.
/// Read-only, bounded by o.statement_timeout; errors become state and a note.
template <class C>
check_result<partitioned_table> postgres_partitioned_tables(C& c, const std::string& schema = "public", const options& o = {}) {
    check_result<partitioned_table> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "partitioned tables", [&] {
        std::array<value, 1> arg{value{schema}};
        auto rs = c.query(
            "SELECT c.relname::text, CASE pt.partstrat WHEN 'r' THEN 'range' WHEN 'l' THEN 'list' ELSE 'hash' END,"
            " pg_get_partkeydef(c.oid),"
            " coalesce((SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = pt.partattrs[0]"
            "           AND pt.partnatts = 1), ''),"
            " coalesce((SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = c.oid"
            "           AND a.attnum = pt.partattrs[0] AND pt.partnatts = 1), ''),"
            " (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid)::int8, pt.partdefid <> 0"
            " FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT c.relispartition ORDER BY 1",
            std::span<const value>(arg));
        for (auto row : rs) {
            partitioned_table t;
            t.table = row.template get<std::string>(0);
            t.method = row.template get<std::string>(1);
            t.key = row.template get<std::string>(2);
            t.column = row.template get<std::string>(3);
            t.key_type = row.template get<std::string>(4);
            t.partitions = row.template get<std::int64_t>(5);
            t.has_default = row.template get<bool>(6);
            r.rows.push_back(std::move(t));
        }
    });
    return r;
}

} // namespace cistern::inspect

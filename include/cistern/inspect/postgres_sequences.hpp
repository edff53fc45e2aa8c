#pragma once
/// \file
/// `cistern::inspect::postgres_sequences`: sequences near their maximum (pghero's
/// sequence_danger), counting the column type's limit.

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace cistern::inspect {

/// One sequence and how much of it is used.
struct sequence_usage {
    ///@{
    /// Schema and name of the sequence; table and column: the owning column (both empty when
    /// the sequence is not owned).
    std::string schema, sequence, table, column; ///< table/column: the owner, when owned
    ///@}
    std::int64_t last_value = 0; ///< 0 when never used or not readable
    std::int64_t max_value = 0;  ///< the smaller of the sequence's maximum and its column type's
    bool readable = true;        ///< false: no SELECT privilege on the sequence
    /// Share of [0, max_value] consumed.
    double ratio() const noexcept {
        return max_value <= 0 ? 0.0 : static_cast<double>(last_value) / static_cast<double>(max_value);
    }
    /// Table column names: sequence, owner, last_value, max_value, used.
    static std::vector<std::string> columns() { return {"sequence", "owner", "last_value", "max_value", "used"}; }
    /// This row's cells in columns() order: schema.sequence, table.column (empty when not
    /// owned), last_value or "<no privilege>" when not readable, max_value, ratio().
    std::vector<value> cells() const {
        return {schema + "." + sequence, table.empty() ? std::string() : table + "." + column,
                readable ? value(last_value) : value(std::string("<no privilege>")), max_value, ratio()};
    }
};

/// Every ascending sequence of user schemas, fullest first. A sequence the role cannot
/// read is a row with readable = false (and a note), never an error. Findings at
/// options::sequence_warning / _critical.
template <class C>
check_result<sequence_usage> postgres_sequences(C& c, const options& o = {}) {
    check_result<sequence_usage> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "sequences", [&] {
        auto rs = c.query(std::string_view(
            "SELECT s.schemaname::text, s.sequencename::text, coalesce(own.tbl, ''), coalesce(own.col, ''),"
            " has_sequence_privilege(format('%I.%I', s.schemaname, s.sequencename), 'SELECT'),"
            " coalesce(s.last_value, 0)::int8,"
            " least(s.max_value, CASE own.typ WHEN 'smallint' THEN 32767 WHEN 'integer' THEN 2147483647"
            "   ELSE 9223372036854775807 END)::int8"
            " FROM pg_sequences s"
            " LEFT JOIN (SELECT d.objid, c.relname::text AS tbl, a.attname::text AS col,"
            "   format_type(a.atttypid, a.atttypmod) AS typ"
            "   FROM pg_depend d JOIN pg_class c ON c.oid = d.refobjid"
            "   JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
            "   WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass"
            "   AND d.deptype IN ('a', 'i')) own"
            "  ON own.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass"
            " WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema') AND s.increment_by > 0"));
        for (auto row : rs) {
            sequence_usage u;
            u.schema = row.template get<std::string>(0);
            u.sequence = row.template get<std::string>(1);
            u.table = row.template get<std::string>(2);
            u.column = row.template get<std::string>(3);
            u.readable = row.template get<bool>(4);
            u.last_value = row.template get<std::int64_t>(5);
            u.max_value = row.template get<std::int64_t>(6);
            r.rows.push_back(std::move(u));
        }
    });
    std::sort(r.rows.begin(), r.rows.end(), [](auto& a, auto& b) { return a.ratio() > b.ratio(); });
    std::size_t unreadable = 0;
    for (auto& u : r.rows) {
        if (!u.readable) {
            ++unreadable;
            continue;
        }
        const double q = u.ratio();
        if (q >= o.sequence_warning)
            r.add(q >= o.sequence_critical ? health_status::unhealthy : health_status::degraded, "sequence_near_max",
                  "sequence " + u.schema + "." + u.sequence + (u.table.empty() ? "" : " (" + u.table + "." + u.column + ")") +
                      " is at " + std::to_string(u.last_value) + " of " + std::to_string(u.max_value) + " (" +
                      detail::percent_text(q) + ")",
                  "change the column and the sequence to bigint (ALTER TABLE ... ALTER COLUMN ... TYPE bigint; "
                  "ALTER SEQUENCE ... AS bigint) before inserts fail");
    }
    if (unreadable)
        r.notes.push_back(std::to_string(unreadable) + " sequence(s) not readable by this role (no SELECT privilege): "
                          "their use is unknown");
    return r;
}

} // namespace cistern::inspect

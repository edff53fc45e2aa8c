#pragma once
/// \file
/// `cistern::strategy::query_rules::postgres_context`: a statement_context filled from a
/// PostgreSQL database: the EXPLAIN text (generic plan for $n parameters) and the planner's
/// row estimates (pg_class.reltuples) of the tables it scans sequentially.

#include <cistern/strategy/detail/postgres_explain.hpp>
#include <cistern/strategy/query_rules/context.hpp>
#include <cistern/strategy/query_rules/detail/rules.hpp>
#include <cistern/value.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cistern::strategy::query_rules {

/// See file comment. `c` needs query/execute (cistern::postgres::connection).
template <class C>
statement_context postgres_context(C& c, std::string_view sql) {
    statement_context ctx;
    ctx.plan = cistern::strategy::detail::postgres_explain(c, sql);
    std::size_t pos = 0;
    while ((pos = ctx.plan.find("Seq Scan on ", pos)) != std::string::npos) {
        pos += 12;
        const std::string table = detail::plan_name(std::string_view(ctx.plan).substr(pos));
        if (table.empty() || ctx.table_rows.contains(table)) continue;
        std::array<value, 1> arg{value{table}};
        auto rs = c.query("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE relname = $1 AND relkind IN ('r', 'p', 'm') "
                          "ORDER BY pg_table_is_visible(oid) DESC LIMIT 1",
                          std::span<const value>(arg));
        if (rs.size() == 1) ctx.table_rows[table] = rs.template scalar<std::int64_t>();
    }
    return ctx;
}

} // namespace cistern::strategy::query_rules

#pragma once
/// \file
/// `cistern::strategy::query_rules::sqlite_context`: a statement_context filled from a SQLite
/// database: the statement's EXPLAIN QUERY PLAN and the row counts of the tables it scans.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/strategy/detail/quote.hpp>
#include <cistern/strategy/index/detail/sqlite_catalog.hpp>
#include <cistern/strategy/query_rules/context.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace cistern::strategy::query_rules {

/// The plan of `sql` (EXPLAIN QUERY PLAN detail lines, parameters unbound) and, for every
/// table the plan scans, its row count (`count(*)`; SQLite keeps no cheaper exact figure).
/// Throws query_error when SQLite cannot prepare the statement.
inline statement_context sqlite_context(cistern::sqlite::connection& c, std::string_view sql) {
    statement_context ctx;
    ctx.plan = cistern::strategy::index::detail::explain_query_plan(c, sql);
    std::size_t pos = 0;
    while (pos < ctx.plan.size()) {
        auto nl = ctx.plan.find('\n', pos);
        std::string line = ctx.plan.substr(pos, (nl == std::string::npos ? ctx.plan.size() : nl) - pos);
        pos = nl == std::string::npos ? ctx.plan.size() : nl + 1;
        if (!line.starts_with("SCAN ") || line.starts_with("SCAN CONSTANT")) continue;
        std::string table = line.substr(5);
        if (table.starts_with("TABLE ")) table = table.substr(6);
        if (auto sp = table.find(' '); sp != std::string::npos) table = table.substr(0, sp);
        if (ctx.table_rows.contains(table)) continue;
        try {
            ctx.table_rows[table] =
                c.query("SELECT count(*) FROM " + cistern::strategy::detail::quote_sqlite_identifier(table)).scalar<std::int64_t>();
        } catch (const query_error&) {
            // an alias or a subquery name, not a table: no figure
        }
    }
    return ctx;
}

} // namespace cistern::strategy::query_rules

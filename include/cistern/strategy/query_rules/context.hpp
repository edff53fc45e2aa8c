#pragma once
/// \file
/// `cistern::strategy::query_rules::statement_context`: what is known about a statement
/// besides its text (its plan, the size of the tables it reads).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cistern::strategy::query_rules {

/// Optional facts for the plan-aware rules. Empty by default: text rules still run.
struct statement_context {
    /// EXPLAIN output: PostgreSQL text format (one line per node) or SQLite's
    /// EXPLAIN QUERY PLAN `detail` column, one line per row.
    std::string plan;
    /// Row counts (estimates are fine) by table name as written in the statement, unquoted.
    std::map<std::string, std::int64_t, std::less<>> table_rows;

    /// Rows of `table`, if known. Tries the name as given and lower-cased.
    std::optional<std::int64_t> rows_of(std::string_view table) const {
        if (auto it = table_rows.find(table); it != table_rows.end()) return it->second;
        std::string low(table);
        for (auto& c : low) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        if (auto it = table_rows.find(low); it != table_rows.end()) return it->second;
        return std::nullopt;
    }
};

} // namespace cistern::strategy::query_rules

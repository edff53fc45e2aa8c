#pragma once
/// \file
/// `cistern::strategy::index::recommendation`: one piece of index advice.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cistern::strategy::index {

/// What the advisor proposes for one index.
struct recommendation {
    /// Whether the recommendation creates or drops an index.
    enum class action { create, drop };
    /// What to do with the index.
    action what = action::create;
    std::string table;                ///< unquoted
    std::vector<std::string> columns; ///< unquoted, in index order
    std::string index_name;           ///< unquoted; for create, the proposed name
    std::string sql;                  ///< the statement that carries it out (quoted)
    std::string reason;               ///< why, with the evidence (costs, scans, the covering index)
    std::optional<double> cost_before; ///< PostgreSQL: total plan cost without the index
    std::optional<double> cost_after;  ///< PostgreSQL: total plan cost with it
    std::string plan_before;           ///< SQLite: EXPLAIN QUERY PLAN detail lines before
    std::string plan_after;            ///< SQLite: ... and with the candidate
    std::optional<std::int64_t> size_bytes; ///< drop advice: the index size
    std::optional<std::int64_t> scans;      ///< unused advice: index scans since the stats reset
    std::vector<std::string> statements;    ///< workload statements that motivated a create
};

} // namespace cistern::strategy::index

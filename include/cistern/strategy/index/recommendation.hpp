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
    std::string sql;                  ///< what carries it out (quoted): `steps` joined by ";\n" when there are several
    /// The statements that carry it out, in order, when there is more than one (the
    /// non-blocking form on a partitioned table: CREATE INDEX ON ONLY the parent, CREATE INDEX
    /// CONCURRENTLY per partition, ALTER INDEX ... ATTACH PARTITION); empty: just `sql`.
    std::vector<std::string> steps;
    std::string reason;               ///< why, with the evidence (costs, scans, the covering index)
    std::optional<double> cost_before; ///< PostgreSQL: total plan cost without the index, summed over `statements`
    std::optional<double> cost_after;  ///< PostgreSQL: total plan cost with it, summed over `statements`
    /// PostgreSQL: estimated cost saved over the whole workload, each statement's
    /// (cost_before - cost_after) times its calls.
    std::optional<double> cost_saved;
    std::string plan_before;           ///< SQLite: EXPLAIN QUERY PLAN detail lines before
    std::string plan_after;            ///< SQLite: ... and with the candidate
    std::optional<std::int64_t> size_bytes; ///< drop advice: the index size
    std::optional<std::int64_t> scans;      ///< unused advice: index scans since the stats reset
    std::vector<std::string> statements;    ///< workload statements that motivated a create (that it serves best)
    /// Drop/keep advice: the constraints that keep the index (primary key, unique, exclusion,
    /// or the referencing side of a foreign key), by name; empty when none.
    std::vector<std::string> backs;
};

} // namespace cistern::strategy::index

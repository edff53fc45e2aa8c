#pragma once
/// \file
/// `cistern::strategy::partition::range_by_time`: PostgreSQL declarative range partitioning
/// by a time column (daily, weekly, monthly, yearly), with premade future partitions, an
/// optional default partition, indexes on the parent, maintenance and retention.

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/partition/detail/postgres_range.hpp>
#include <cistern/strategy/partition/move_options.hpp>
#include <cistern/strategy/partition/on_expiry.hpp>
#include <cistern/strategy/partition/partition_info.hpp>
#include <cistern/strategy/partition/period.hpp>
#include <cistern/strategy/partition/pruning_report.hpp>
#include <cistern/strategy/plan.hpp>
#include <cistern/row_set.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::strategy::partition {

/// Configuration of range_by_time (validated by its constructor).
struct range_by_time_options {
    /// The schema of the table (unquoted; the strategy quotes it).
    std::string schema = "public";
    /// The partitioned table's name (unquoted).
    std::string table;
    std::string column;                ///< timestamp, timestamptz or date column
    std::vector<column_def> columns;   ///< to create the parent; empty: convert the existing empty table
    /// The length of one partition.
    period every = period::monthly;
    int premake = 4;                   ///< future partitions kept ready besides the current one
    /// Also keep a default partition for rows outside every range partition.
    bool default_partition = false;
    std::vector<std::vector<std::string>> indexes; ///< declared on the parent
    std::chrono::seconds retention{0}; ///< expire partitions entirely older than now - retention; 0 keeps all
    /// What retention does with an expired partition.
    on_expiry expiry = on_expiry::drop;
    bool detach_concurrently = true;   ///< use DETACH ... CONCURRENTLY where PostgreSQL allows it
};

/// Time-range partitioning for PostgreSQL (see file comment). Partitions are named
/// `<table>_p<suffix>` (period_suffix), the default one `<table>_default`. Bounds are UTC.
class range_by_time : public detail::postgres_range_strategy<range_by_time, std::chrono::sys_seconds> {
    friend class detail::postgres_range_strategy<range_by_time, std::chrono::sys_seconds>;

public:

    /// Throws config_error (naming the field and value) for an empty schema, table or column,
    /// a column not among `columns`, an empty index column list, a premake outside 0..1000
    /// or a negative retention.
    explicit range_by_time(range_by_time_options o) : o_(std::move(o)) {
        common().validate("range_by_time_options");
        if (o_.premake < 0 || o_.premake > 1000)
            throw config_error("range_by_time_options::premake", std::to_string(o_.premake), "must be 0..1000");
        if (o_.retention.count() < 0)
            throw config_error("range_by_time_options::retention", std::to_string(o_.retention.count()) + "s", "must not be negative");
    }

    /// The validated options.
    const range_by_time_options& options() const noexcept { return o_; }

    /// The unquoted name of the partition for the period starting at `start`:
    /// `<table>_p<suffix>`, shortened with a hash of the table name when that would exceed
    /// PostgreSQL's 63 bytes (see docs/partitioning.md).
    std::string partition_name(std::chrono::sys_days start) const { return common().partition_name(period_suffix(start, o_.every)); }

    /// Plan: detach (and, for on_expiry::drop, drop) every partition whose upper bound is at
    /// or before `now - retention`. DETACH ... CONCURRENTLY (run outside a transaction) when
    /// detach_concurrently is set and the table has no default partition; a plain DETACH
    /// otherwise. A partition holding any row at or after the cutoff is never touched. Rows
    /// of the default partition older than the cutoff are reported as an alert (never deleted).
    template <StrategyConnection C>
    plan retention(C& c, const position_type& now) const {
        if (o_.retention.count() == 0) return plan{};
        const auto cutoff = now - o_.retention;
        const auto cutoff_us = std::chrono::time_point_cast<std::chrono::microseconds>(cutoff);
        return detail::retention(
            c, common(), o_.expiry, o_.detach_concurrently, [&](const std::string& upper) { return parse_timestamp(upper) <= cutoff_us; },
            format_timestamp(cutoff) + "+00", format_timestamp(cutoff) + " UTC");
    }

private:
    detail::postgres_range_common common() const {
        return {o_.schema, o_.table, o_.column, o_.columns, o_.default_partition, o_.indexes};
    }

    detail::range_spec period_range(std::chrono::sys_days start, std::string why) const {
        return {partition_name(start), format_timestamp(std::chrono::sys_seconds{start}) + "+00",
                format_timestamp(std::chrono::sys_seconds{period_add(start, o_.every, 1)}) + "+00", std::move(why)};
    }

    std::vector<detail::range_spec> due(const position_type& now) const {
        std::vector<detail::range_spec> out;
        const auto first = period_floor(now, o_.every);
        for (int i = 0; i <= o_.premake; ++i)
            out.push_back(period_range(period_add(first, o_.every, i),
                                       i == 0 ? "partition for the current period" : "premade future partition " + std::to_string(i)));
        return out;
    }

    detail::range_keys keys() const {
        return {detail::key_kind::time, [this](std::int64_t unix_seconds) {
                    return period_range(period_floor(std::chrono::sys_seconds{std::chrono::seconds{unix_seconds}}, o_.every),
                                        "rows moved out of the default partition");
                }};
    }

    range_by_time_options o_;
};

} // namespace cistern::strategy::partition

#pragma once
/// \file
/// `cistern::strategy::partition::range_by_id`: PostgreSQL declarative range partitioning by
/// an integer key in fixed intervals, with premade partitions ahead of the current key.

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/partition/detail/postgres_range.hpp>
#include <cistern/strategy/partition/move_options.hpp>
#include <cistern/strategy/partition/on_expiry.hpp>
#include <cistern/strategy/partition/partition_info.hpp>
#include <cistern/strategy/partition/pruning_report.hpp>
#include <cistern/strategy/plan.hpp>

#include <charconv>
#include <cstdint>
#include <system_error>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::strategy::partition {

/// Configuration of range_by_id (validated by its constructor).
struct range_by_id_options {
    /// The schema of the table (unquoted; the strategy quotes it).
    std::string schema = "public";
    /// The partitioned table's name (unquoted).
    std::string table;
    std::string column;              ///< integer key (bigint, integer)
    std::vector<column_def> columns; ///< to create the parent; empty: convert the existing empty table
    std::int64_t interval = 1'000'000; ///< keys per partition
    int premake = 4;                 ///< partitions kept ready beyond the one holding the current key
    /// Also keep a default partition for keys outside every range partition.
    bool default_partition = false;
    /// Column lists of the indexes declared on the parent (PostgreSQL cascades them).
    std::vector<std::vector<std::string>> indexes;
    /// What retention(c, below) does with a partition lying wholly below `below`.
    on_expiry expiry = on_expiry::drop;
    bool detach_concurrently = true; ///< use DETACH ... CONCURRENTLY where PostgreSQL allows it
};

/// Integer-range partitioning for PostgreSQL. Partition `<table>_p<lower>` holds keys
/// [lower, lower + interval); lower is a multiple of interval. Names that would exceed
/// PostgreSQL's 63 bytes are shortened with a hash of the table name.
class range_by_id : public detail::postgres_range_strategy<range_by_id, std::int64_t> {
    friend class detail::postgres_range_strategy<range_by_id, std::int64_t>;

public:
    using detail::postgres_range_strategy<range_by_id, std::int64_t>::maintain;

    /// Throws config_error (naming the field and value) for an empty schema, table or column,
    /// a column not among `columns`, an empty index column list, a non-positive interval or a
    /// premake outside 0..1000.
    explicit range_by_id(range_by_id_options o) : o_(std::move(o)) {
        common().validate("range_by_id_options");
        if (o_.interval <= 0) throw config_error("range_by_id_options::interval", std::to_string(o_.interval), "must be positive");
        if (o_.premake < 0 || o_.premake > 1000)
            throw config_error("range_by_id_options::premake", std::to_string(o_.premake), "must be 0..1000");
    }

    /// The validated options.
    const range_by_id_options& options() const noexcept { return o_; }

    /// As maintain(c, key) with the table's current max(column) (0 when empty).
    template <StrategyConnection C>
    plan maintain(C& c) const {
        const auto top = c.query("SELECT coalesce(max(" + detail::q(c, o_.column) + "), 0)::bigint FROM " +
                                 detail::qualified(c, common(), o_.table))
                             .template scalar<std::int64_t>();
        return maintain(c, top);
    }

    /// Plan: detach (and, for on_expiry::drop, drop) every partition whose keys all lie
    /// below `below` (upper bound <= below), CONCURRENTLY when allowed (as range_by_time's
    /// retention). A partition holding a key >= below is kept with an alert; rows of the
    /// default partition below `below` are reported (never deleted).
    template <StrategyConnection C>
    plan retention(C& c, std::int64_t below) const {
        const std::string text = std::to_string(below);
        return detail::retention(
            c, common(), o_.expiry, o_.detach_concurrently,
            [below](const std::string& upper) {
                std::int64_t u = 0;
                auto r = std::from_chars(upper.data(), upper.data() + upper.size(), u);
                return r.ec == std::errc{} && r.ptr == upper.data() + upper.size() && u <= below;
            },
            text, text);
    }

    /// The unquoted name of the partition whose range starts at `lower`.
    std::string partition_name(std::int64_t lower) const { return common().partition_name(std::to_string(lower)); }

private:
    detail::postgres_range_common common() const {
        return {o_.schema, o_.table, o_.column, o_.columns, o_.default_partition, o_.indexes};
    }

    std::int64_t floor_key(std::int64_t key) const {
        const std::int64_t r = key % o_.interval;
        return r < 0 ? key - r - o_.interval : key - r;
    }

    detail::range_spec key_range(std::int64_t lower, std::string why) const {
        return {partition_name(lower), std::to_string(lower), std::to_string(lower + o_.interval), std::move(why)};
    }

    std::vector<detail::range_spec> due(position_type key) const {
        std::vector<detail::range_spec> out;
        std::int64_t lower = floor_key(key);
        for (int i = 0; i <= o_.premake; ++i, lower += o_.interval)
            out.push_back(key_range(lower, i == 0 ? "partition holding the current key" : "premade partition " + std::to_string(i)));
        return out;
    }

    detail::range_keys keys() const {
        return {detail::key_kind::integer,
                [this](std::int64_t key) { return key_range(floor_key(key), "rows moved out of the default partition"); }};
    }

    range_by_id_options o_;
};

} // namespace cistern::strategy::partition

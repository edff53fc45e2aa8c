#pragma once
/// \file
/// The strategy concepts: PartitionStrategy and IndexStrategy, with readable checks
/// (detail::check_partition_strategy / detail::check_index_strategy) in the style of
/// cistern::detail::check_connection.

#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/partition/partition_info.hpp>
#include <cistern/strategy/plan.hpp>

#include <concepts>
#include <string_view>
#include <vector>

namespace cistern::strategy {

/// Anything a strategy can run statements on: `execute(sql)` and `query(sql)`.
/// Strategies take such a connection by reference for one call and never keep it.
template <class C>
concept StrategyConnection = requires(C& c, std::string_view sql) {
    c.execute(sql);
    c.query(sql);
};

/// A partitioning scheme for one table.
///
/// Contract (for `S::position_type p`: a time point for time partitioning, a key for id
/// partitioning):
///  - `s.create(c, p)` returns the plan that creates the partitioned table (or converts an
///    empty one) with the partition holding `p` and the premade ones after it;
///  - `s.maintain(c, p)` returns the plan that creates partitions that are due at `p`, with
///    alerts for anything it found but will not fix (rows in a default partition);
///  - `s.analyze(c)` reports every partition (bounds, rows, size).
/// None of them changes the database; apply the plan for that.
template <class S, class C>
concept PartitionStrategy = StrategyConnection<C> && requires { typename S::position_type; } &&
    requires(const S& s, C& c, const typename S::position_type& p) {
        { s.create(c, p) } -> std::same_as<plan>;
        { s.maintain(c, p) } -> std::same_as<plan>;
        { s.analyze(c) } -> std::same_as<std::vector<partition::partition_info>>;
    };

/// An index advisor: `s.advise(c)` inspects the database (and the workload the strategy was
/// given) and returns advice whose to_plan() carries it out. advise() itself changes nothing
/// that outlives the call (candidates are tried in a rolled-back transaction or savepoint).
template <class S, class C>
concept IndexStrategy = StrategyConnection<C> && requires(const S& s, C& c) {
    { s.advise(c) } -> std::same_as<index::advice>;
};

namespace detail {

template <class C> concept has_execute = requires(C& c, std::string_view sql) { c.execute(sql); };
template <class C> concept has_query = requires(C& c, std::string_view sql) { c.query(sql); };
template <class S> concept has_position_type = requires { typename S::position_type; };
template <class S, class C> concept has_create = requires(const S& s, C& c, const typename S::position_type& p) {
    { s.create(c, p) } -> std::same_as<plan>;
};
template <class S, class C> concept has_maintain = requires(const S& s, C& c, const typename S::position_type& p) {
    { s.maintain(c, p) } -> std::same_as<plan>;
};
template <class S, class C> concept has_analyze = requires(const S& s, C& c) {
    { s.analyze(c) } -> std::same_as<std::vector<partition::partition_info>>;
};
template <class S, class C> concept has_advise = requires(const S& s, C& c) {
    { s.advise(c) } -> std::same_as<index::advice>;
};

/// True for a StrategyConnection; otherwise a static_assert names what is missing.
template <class C>
consteval bool check_strategy_connection() {
    static_assert(has_execute<C>, "cistern::strategy: the connection needs `execute(std::string_view sql)`");
    static_assert(has_query<C>, "cistern::strategy: the connection needs `query(std::string_view sql)` returning a row_set");
    return StrategyConnection<C>;
}

/// True for a PartitionStrategy<S, C>; otherwise a static_assert names what is missing.
template <class S, class C>
consteval bool check_partition_strategy() {
    (void)check_strategy_connection<C>();
    static_assert(has_position_type<S>,
                  "cistern::PartitionStrategy: the type needs `using position_type = ...` (time point or key)");
    if constexpr (has_position_type<S>) {
        static_assert(has_create<S, C>,
                      "cistern::PartitionStrategy: the type needs `plan create(Connection&, const position_type&) const`");
        static_assert(has_maintain<S, C>,
                      "cistern::PartitionStrategy: the type needs `plan maintain(Connection&, const position_type&) const`");
        static_assert(has_analyze<S, C>,
                      "cistern::PartitionStrategy: the type needs `std::vector<partition_info> analyze(Connection&) const`");
    }
    return PartitionStrategy<S, C>;
}

/// True for an IndexStrategy<S, C>; otherwise a static_assert names what is missing.
template <class S, class C>
consteval bool check_index_strategy() {
    (void)check_strategy_connection<C>();
    static_assert(has_advise<S, C>, "cistern::IndexStrategy: the type needs `index::advice advise(Connection&) const`");
    return IndexStrategy<S, C>;
}

} // namespace detail
} // namespace cistern::strategy

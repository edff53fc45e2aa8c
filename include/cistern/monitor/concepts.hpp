#pragma once
/// \file
/// The MetricSink concept and its readable check.

#include <concepts>
#include <type_traits>

#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// Receives monitor snapshots.
///
/// Contract: `s.publish(snap)` handles one snapshot. The monitor calls it from one
/// thread at a time (the push thread or a flush() caller), never concurrently for the
/// same sink. It may throw: the monitor catches, counts the failure and carries on.
/// Sinks are moved into the monitor.
template <class S>
concept MetricSink = std::move_constructible<S> && requires(S& s, const monitor_snapshot& snap) {
    s.publish(snap);
};

namespace detail {
template <class S> concept has_publish = requires(S& s, const monitor_snapshot& snap) { s.publish(snap); };

/// True for a MetricSink; otherwise a static_assert names what is missing.
template <class S>
consteval bool check_metric_sink() {
    static_assert(has_publish<S>,
                  "cistern::MetricSink: the sink needs `void publish(const cistern::monitor_snapshot&)`");
    static_assert(std::move_constructible<S>, "cistern::MetricSink: the sink must be move-constructible");
    return MetricSink<S>;
}
} // namespace detail

} // namespace cistern

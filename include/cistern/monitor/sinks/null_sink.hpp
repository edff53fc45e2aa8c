#pragma once
/// \file
/// A sink that drops every snapshot (for a monitor read only through snapshot()/health()).

#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// Drops snapshots.
struct null_sink {
    /// MetricSink::publish: does nothing.
    void publish(const monitor_snapshot&) noexcept {}
};

} // namespace cistern

#pragma once
/// \file
/// A sink that discards snapshots.

#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// Discards every snapshot (for a monitor read only through snapshot()/health()).
struct null_sink {
    void publish(const monitor_snapshot&) noexcept {}
};

} // namespace cistern

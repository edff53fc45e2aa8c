#pragma once
/// \file
/// A sink that hands each snapshot to a function.

#include <functional>
#include <utility>

#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// Calls `fn(snapshot)` for every snapshot. The function may throw; the monitor counts it.
class callback_sink {
public:
    /// Calls `fn` for every snapshot; an empty `fn` makes the sink drop them.
    explicit callback_sink(std::function<void(const monitor_snapshot&)> fn) : fn_(std::move(fn)) {}
    /// MetricSink::publish: calls the function with `s`; throws what it throws.
    void publish(const monitor_snapshot& s) {
        if (fn_) fn_(s);
    }

private:
    std::function<void(const monitor_snapshot&)> fn_;
};

} // namespace cistern

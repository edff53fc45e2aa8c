#pragma once
/// \file
/// A sink that calls a function.

#include <functional>
#include <utility>

#include <cistern/monitor/snapshot.hpp>

namespace cistern {

/// Calls a user function with each snapshot. Exceptions it throws are isolated by the
/// monitor (counted in sink_failures()).
class callback_sink {
public:
    explicit callback_sink(std::function<void(const monitor_snapshot&)> f) : f_(std::move(f)) {}
    void publish(const monitor_snapshot& s) {
        if (f_) f_(s);
    }

private:
    std::function<void(const monitor_snapshot&)> f_;
};

} // namespace cistern

#pragma once
// Test support: wait for a condition that background threads bring about. The limit is
// a generous upper bound against hangs, never a performance assertion.

#include <chrono>
#include <thread>

namespace cistern::test {

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

} // namespace cistern::test

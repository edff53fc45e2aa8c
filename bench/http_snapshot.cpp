// The cost of serving GET /api/performance for a monitor with 200 fingerprints: one
// snapshot(), history() (360 intervals) and performance_json() + dump(), off any
// recording thread. Prints the median of 21 runs.
#include <cistern/http/performance_json.hpp>
#include <cistern/monitor/monitor.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

int main() {
    cistern::monitor_options o;
    o.history_ticker = false;
    o.flush_on_shutdown = false;
    cistern::monitor<> m(o);
    auto t = std::chrono::steady_clock::now();
    m.tick_history(t);
    for (int round = 0; round < 360; ++round) {
        for (int s = 0; s < 200; ++s)
            for (int k = 0; k < 5; ++k)
                m.record("SELECT c" + std::to_string(s) + " FROM t" + std::to_string(s) + " WHERE id = 1",
                         std::chrono::microseconds(100 + 37 * k + s));
        t += std::chrono::seconds(10);
        m.tick_history(t);
    }
    std::vector<double> ms;
    std::size_t bytes = 0;
    for (int i = 0; i < 21; ++i) {
        const auto a = std::chrono::steady_clock::now();
        const auto snap = m.snapshot();
        const auto hist = m.history();
        const std::string body = cistern::http::performance_json(snap, hist, snap.health).dump();
        const auto b = std::chrono::steady_clock::now();
        bytes = body.size();
        ms.push_back(std::chrono::duration<double, std::milli>(b - a).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("snapshot + history + JSON, %zu statements, %zu intervals: median %.2f ms (min %.2f, max %.2f), %zu bytes\n",
                m.snapshot().statements.size(), m.history().intervals.size(), ms[ms.size() / 2], ms.front(), ms.back(), bytes);
}

// expect: cistern::MetricSink: the sink needs `void publish\(const cistern::monitor_snapshot&\)`
#include <cistern/monitor/monitor.hpp>

struct not_a_sink {
    void write(int) {}
};

int main() {
    cistern::monitor<not_a_sink> m({}, not_a_sink{});
    return 0;
}

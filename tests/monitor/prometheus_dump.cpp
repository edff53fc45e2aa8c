// Writes the Prometheus exposition of a filled monitor to stdout (checked by promtool in CTest).
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/sinks/prometheus_sink.hpp>

#include "sample_monitor.hpp"

#include <iostream>

int main() {
    cistern::monitor_options o;
    o.flush_on_shutdown = false;
    cistern::monitor<cistern::prometheus_sink> m(o, cistern::prometheus_sink("main", &std::cout));
    cistern::test::fill_sample(m);
    m.flush();
    return 0;
}

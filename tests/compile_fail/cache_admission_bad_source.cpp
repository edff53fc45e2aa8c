// expect: cistern::query_admission: the source needs `monitor_snapshot snapshot\(\)`
#include <cistern/cache/query_admission.hpp>

struct not_a_monitor {
    int snapshot() const { return 0; }
};

int main() {
    not_a_monitor m;
    cistern::query_admission a(m);
    return 0;
}

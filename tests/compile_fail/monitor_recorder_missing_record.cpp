// expect: cistern::StatementRecorder: the type needs .record\(std::string_view sql
// A recorder for monitored connections must have record(sql, duration, rows, ok); the check names it.
#include <cistern/monitor/recorder_ref.hpp>

namespace {
struct not_a_recorder {
    void add(int) {}
};
} // namespace

void attach() {
    not_a_recorder r;
    cistern::recorder_ref ref(r);
    (void)ref;
}

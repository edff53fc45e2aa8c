#pragma once
/// \file
/// The StatementRecorder concept: anything that records one executed statement
/// (cistern::monitor<Sinks...> models it), and its readable check.

#include <chrono>
#include <concepts>
#include <cstdint>
#include <string_view>

namespace cistern {

/// Records executed statements.
///
/// Contract: `r.record(sql, duration, rows, ok)` records one execution of the statement
/// text `sql` that took `duration`, returned or affected `rows` rows and succeeded when
/// `ok`. It may be called from several threads at once and must not keep `sql` after it
/// returns. It may throw; monitored connections swallow what it throws, so recording
/// never changes the outcome of a statement.
template <class R>
concept StatementRecorder = requires(R& r, std::string_view sql, std::chrono::nanoseconds d, std::uint64_t rows,
                                     bool ok) { r.record(sql, d, rows, ok); };

namespace detail {
/// True for a StatementRecorder; otherwise a static_assert names the missing member.
template <class R>
consteval bool check_statement_recorder() {
    static_assert(StatementRecorder<R>,
                  "cistern::StatementRecorder: the type needs `record(std::string_view sql, "
                  "std::chrono::nanoseconds duration, std::uint64_t rows, bool ok)`");
    return StatementRecorder<R>;
}
} // namespace detail

} // namespace cistern

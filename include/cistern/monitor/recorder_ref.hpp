#pragma once
/// \file
/// `cistern::recorder_ref`: a non-owning, type-erased reference to a StatementRecorder.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include <cistern/monitor/statement_recorder.hpp>

namespace cistern {

/// Refers to any StatementRecorder (typically a `monitor<Sinks...>`) without naming its
/// type, so that `monitored<C>` and `monitored_factory<F>` do not depend on the sinks.
/// Costs one indirect call per statement. The recorder must outlive every copy.
class recorder_ref {
public:
    /// Refers to `r`.
    template <class R>
        requires(!std::same_as<std::remove_cvref_t<R>, recorder_ref>)
    recorder_ref(R& r) noexcept // NOLINT(google-explicit-constructor): a reference converts implicitly
        : obj_(std::addressof(r)), fn_(&call<R>), system_fn_(&tell_system<R>) {
        static_assert(detail::check_statement_recorder<R>());
    }

    /// The time points of record(sql, start, end, rows, ok): steady_clock's.
    using time_point = std::chrono::steady_clock::time_point;

    /// Records one execution; never throws (what the recorder throws is dropped, so
    /// that recording never changes the outcome of the statement it observes).
    void record(std::string_view sql, std::chrono::nanoseconds d, std::uint64_t rows, bool ok) const noexcept {
        fn_(obj_, sql, time_point{}, time_point{} + d, rows, ok, false);
    }
    /// Records one execution that ran from `start` to `end`: a recorder that also has
    /// `record(sql, start, end, rows, ok)` (cistern::monitor does) gets the time points,
    /// any other gets `end - start`.
    void record(std::string_view sql, time_point start, time_point end, std::uint64_t rows, bool ok) const noexcept {
        fn_(obj_, sql, start, end, rows, ok, true);
    }

    /// Tells the recorder which database system its statements run on (OpenTelemetry
    /// db.system.name, e.g. "sqlite"): a recorder with `observe_db_system(std::string_view)`
    /// (cistern::monitor has it) gets the name, any other ignores it. Never throws.
    void db_system(std::string_view name) const noexcept { system_fn_(obj_, name); }

private:
    template <class R>
    static void tell_system(void* o, std::string_view name) noexcept {
        if constexpr (requires(R& r) { r.observe_db_system(name); }) {
            try {
                static_cast<R*>(o)->observe_db_system(name);
            } catch (...) {
            }
        }
    }

    template <class R>
    static void call(void* o, std::string_view sql, time_point start, time_point end, std::uint64_t rows, bool ok,
                     bool points) noexcept {
        try {
            R& r = *static_cast<R*>(o);
            if constexpr (requires { r.record(sql, start, end, rows, ok); }) {
                if (points) {
                    r.record(sql, start, end, rows, ok);
                    return;
                }
            }
            r.record(sql, std::chrono::duration_cast<std::chrono::nanoseconds>(end - start), rows, ok);
        } catch (...) {
        }
    }

    void* obj_;
    void (*fn_)(void*, std::string_view, time_point, time_point, std::uint64_t, bool, bool) noexcept;
    void (*system_fn_)(void*, std::string_view) noexcept;
};

} // namespace cistern

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
        : obj_(std::addressof(r)), fn_(&call<R>) {
        static_assert(detail::check_statement_recorder<R>());
    }

    /// Records one execution; never throws (what the recorder throws is dropped, so
    /// that recording never changes the outcome of the statement it observes).
    void record(std::string_view sql, std::chrono::nanoseconds d, std::uint64_t rows, bool ok) const noexcept {
        fn_(obj_, sql, d, rows, ok);
    }

private:
    template <class R>
    static void call(void* o, std::string_view sql, std::chrono::nanoseconds d, std::uint64_t rows, bool ok) noexcept {
        try {
            static_cast<R*>(o)->record(sql, d, rows, ok);
        } catch (...) {
        }
    }

    void* obj_;
    void (*fn_)(void*, std::string_view, std::chrono::nanoseconds, std::uint64_t, bool) noexcept;
};

} // namespace cistern

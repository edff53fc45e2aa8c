#pragma once
/// \file
/// `cistern::table_change_handlers` and `cistern::detail::change_reporter`: what a source of
/// table changes (postgres::table_change_listener, sqlite::change_watcher) calls, and the
/// bookkeeping they share: the handlers called without letting an exception out, the count
/// of gaps, the last error. Standard library only.

#include <cistern/error.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace cistern {

/// What a table-change source calls. Both must not throw (an exception is caught and
/// ignored) and should return quickly; the source says on which thread they run.
struct table_change_handlers {
    /// A table changed, named so that it can go to query_cache::invalidate() as it is (the
    /// source says in which form). Called after the write committed.
    std::function<void(std::string_view table)> changed;
    /// Changes may have been missed or cannot be named: the safe reaction is to drop
    /// everything the tables' changes would drop (query_cache::clear()). The source says when.
    std::function<void()> gap;
};

namespace detail {

/// Calls a source's handlers and keeps its counters and last error. Thread-safe.
class change_reporter {
public:
    /// Throws config_error naming `field` when `h` has no `changed`.
    change_reporter(table_change_handlers h, const char* field) : handlers_(std::move(h)) {
        if (!handlers_.changed) throw config_error(field, "empty", "needs a callable");
    }

    /// Calls `changed(table)`, swallowing an exception.
    void changed(std::string_view table) noexcept {
        try {
            handlers_.changed(table);
        } catch (...) {
        }
    }
    /// Counts a gap and calls `gap` (if set), swallowing an exception.
    void gap() noexcept {
        gaps_.fetch_add(1, std::memory_order_relaxed);
        if (!handlers_.gap) return;
        try {
            handlers_.gap();
        } catch (...) {
        }
    }
    /// Times gap() was called so far.
    std::uint64_t gaps() const noexcept { return gaps_.load(std::memory_order_relaxed); }

    /// Keeps `e` as the last error (empty: none).
    void set_error(std::string e) {
        std::lock_guard lk(mu_);
        last_error_ = std::move(e);
    }
    /// The last error, or empty.
    std::string last_error() const {
        std::lock_guard lk(mu_);
        return last_error_;
    }

private:
    table_change_handlers handlers_;
    std::atomic<std::uint64_t> gaps_{0};
    mutable std::mutex mu_;
    std::string last_error_;
};

} // namespace detail
} // namespace cistern

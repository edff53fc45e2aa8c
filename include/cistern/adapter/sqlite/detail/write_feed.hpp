#pragma once
/// \file
/// detail: what the connections of one sqlite::factory tell about the writes they
/// committed (their update hook's tables), for a sqlite::change_watcher to pass on.
/// Shared (std::shared_ptr) by every copy of the factory and every connection it made.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::sqlite::detail {

class write_feed {
public:
    /// What a subscriber is told, on the writing connection's thread, after the write
    /// committed (or rolled back): the tables it changed ("main.users"), or that it changed
    /// tables the hook could not name. Must not throw.
    struct subscriber {
        std::function<void(std::string_view table)> changed;
        std::function<void()> unknown;
    };

    /// Adds `s`; returns its id for unsubscribe().
    std::uint64_t subscribe(subscriber s) {
        std::lock_guard lk(mu_);
        subscribers_.emplace_back(++last_id_, std::move(s));
        count_.store(subscribers_.size(), std::memory_order_relaxed);
        return last_id_;
    }
    /// Removes subscriber `id`; when it returns, no call to it is running or will start.
    void unsubscribe(std::uint64_t id) noexcept {
        std::lock_guard lk(mu_);
        std::erase_if(subscribers_, [&](const auto& e) { return e.first == id; });
        count_.store(subscribers_.size(), std::memory_order_relaxed);
    }
    /// True while someone listens (a write with no listener skips the lock).
    bool heard() const noexcept { return count_.load(std::memory_order_relaxed) != 0; }

    /// Tells every subscriber that `tables` were written.
    void changed(std::span<const std::string> tables) noexcept {
        if (!heard()) return;
        std::lock_guard lk(mu_);
        for (auto& [id, s] : subscribers_)
            for (const auto& t : tables) try {
                    s.changed(t);
                } catch (...) {
                }
    }
    /// Tells every subscriber that tables it cannot name were written.
    void unknown() noexcept {
        if (!heard()) return;
        std::lock_guard lk(mu_);
        for (auto& [id, s] : subscribers_) try {
                if (s.unknown) s.unknown();
            } catch (...) {
            }
    }

private:
    std::mutex mu_; // held while subscribers run: unsubscribe() waits for them
    std::vector<std::pair<std::uint64_t, subscriber>> subscribers_;
    std::uint64_t last_id_ = 0;
    std::atomic<std::size_t> count_{0};
};

} // namespace cistern::sqlite::detail

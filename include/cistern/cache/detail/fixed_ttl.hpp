#pragma once
/// \file
/// detail::fixed_ttl<RestartOnRead>: the shared body of expiry::after_write (false) and
/// expiry::after_access (true).

#include <cistern/error.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace cistern::detail {

/// A fixed time to live from the last write (and, when RestartOnRead, the last read).
/// A per-call TTL given to put()/get_or_load() overrides `ttl` for that write. Throws
/// config_error when `ttl` is not positive.
template <bool RestartOnRead>
class fixed_ttl {
public:
    static constexpr bool expires = true;
    /// True for after_write: reads never move the due time (the cache may read without its lock).
    static constexpr bool reads_keep_expiry = !RestartOnRead;

    explicit fixed_ttl(std::chrono::nanoseconds ttl) : ttl_(ttl) {
        if (ttl <= std::chrono::nanoseconds::zero())
            throw config_error(RestartOnRead ? "expiry::after_access.ttl" : "expiry::after_write.ttl",
                               std::to_string(ttl.count()) + "ns", "must be positive");
    }
    std::chrono::nanoseconds ttl() const noexcept { return ttl_; }

    template <class K, class V>
    std::chrono::nanoseconds after_create(const K&, const V&, std::optional<std::chrono::nanoseconds> requested) const noexcept {
        return requested ? *requested : ttl_;
    }
    template <class K, class V>
    std::chrono::nanoseconds after_update(const K&, const V&, std::optional<std::chrono::nanoseconds> requested,
                                          std::chrono::nanoseconds) const noexcept {
        return requested ? *requested : ttl_;
    }
    template <class K, class V>
    std::chrono::nanoseconds after_read(const K&, const V&, std::chrono::nanoseconds remaining) const noexcept {
        return RestartOnRead ? ttl_ : remaining;
    }

private:
    std::chrono::nanoseconds ttl_;
};

} // namespace cistern::detail

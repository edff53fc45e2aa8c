#pragma once
/// \file
/// cistern::expiry::after_access: a fixed time to live from the last read or write.

#include <cistern/error.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace cistern::expiry {

/// An entry expires `ttl` after it was last created, replaced or read; every read
/// restarts the period. A per-call TTL given to put()/get_or_load() overrides `ttl` for that write.
/// Throws config_error when `ttl` is not positive.
class after_access {
public:
    static constexpr bool expires = true;

    explicit after_access(std::chrono::nanoseconds ttl) : ttl_(ttl) {
        if (ttl <= std::chrono::nanoseconds::zero())
            throw config_error("expiry::after_access.ttl", std::to_string(ttl.count()) + "ns", "must be positive");
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
    std::chrono::nanoseconds after_read(const K&, const V&, std::chrono::nanoseconds) const noexcept {
        return ttl_;
    }

private:
    std::chrono::nanoseconds ttl_;
};

} // namespace cistern::expiry

#pragma once
/// \file
/// cistern::expiry::per_entry: a time to live chosen for each entry.

#include <cistern/error.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace cistern::expiry {

/// Each write may name its own TTL (put(..., {.ttl = 30s}), get_or_load(..., {.ttl = ...}));
/// writes that name none use `default_ttl` (by default: never expire). Reads do not
/// extend an entry. Entries are kept in a hierarchical timer wheel, so expiring them
/// costs amortized O(1) whatever the mix of TTLs. Throws config_error for a default
/// that is not positive.
class per_entry {
public:
    /// True: the cache keeps an expiry time per entry.
    static constexpr bool expires = true;
    /// True: after_read keeps the time left (the cache may read without its lock).
    static constexpr bool reads_keep_expiry = true;

    /// Writes that name no TTL never expire.
    per_entry() = default;
    /// Writes that name no TTL live `default_ttl`. Throws config_error (field
    /// `expiry::per_entry.default_ttl`) if it is not positive.
    explicit per_entry(std::chrono::nanoseconds default_ttl) : default_(default_ttl) {
        if (default_ttl <= std::chrono::nanoseconds::zero())
            throw config_error("expiry::per_entry.default_ttl", std::to_string(default_ttl.count()) + "ns",
                               "must be positive");
    }

    /// ExpiryPolicy::after_create: the `requested` TTL if the write named one, else the default.
    template <class K, class V>
    std::chrono::nanoseconds after_create(const K&, const V&, std::optional<std::chrono::nanoseconds> requested) const noexcept {
        return requested ? *requested : default_;
    }
    /// ExpiryPolicy::after_update: the `requested` TTL if the write named one, else the default
    /// (the time the old value had left is not kept).
    template <class K, class V>
    std::chrono::nanoseconds after_update(const K&, const V&, std::optional<std::chrono::nanoseconds> requested,
                                          std::chrono::nanoseconds) const noexcept {
        return requested ? *requested : default_;
    }
    /// ExpiryPolicy::after_read: `remaining` unchanged (reads do not extend an entry).
    template <class K, class V>
    std::chrono::nanoseconds after_read(const K&, const V&, std::chrono::nanoseconds remaining) const noexcept {
        return remaining;
    }

private:
    std::chrono::nanoseconds default_ = std::chrono::nanoseconds::max();
};

} // namespace cistern::expiry

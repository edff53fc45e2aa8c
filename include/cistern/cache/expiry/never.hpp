#pragma once
/// \file
/// cistern::expiry::never: entries do not expire (the default).

#include <chrono>
#include <optional>

namespace cistern::expiry {

/// Entries live until evicted or removed; the cache keeps no time per entry.
struct never {
    /// False: the cache keeps no expiry time and skips all time keeping.
    static constexpr bool expires = false;
    /// True: reads change nothing (the cache may read without its lock).
    static constexpr bool reads_keep_expiry = true;
    /// ExpiryPolicy::after_create: nanoseconds::max() (never expires), whatever TTL was requested.
    template <class K, class V>
    std::chrono::nanoseconds after_create(const K&, const V&, std::optional<std::chrono::nanoseconds>) const noexcept {
        return std::chrono::nanoseconds::max();
    }
    /// ExpiryPolicy::after_update: nanoseconds::max() (never expires), whatever TTL was requested.
    template <class K, class V>
    std::chrono::nanoseconds after_update(const K&, const V&, std::optional<std::chrono::nanoseconds>,
                                          std::chrono::nanoseconds) const noexcept {
        return std::chrono::nanoseconds::max();
    }
    /// ExpiryPolicy::after_read: nanoseconds::max() (never expires).
    template <class K, class V>
    std::chrono::nanoseconds after_read(const K&, const V&, std::chrono::nanoseconds) const noexcept {
        return std::chrono::nanoseconds::max();
    }
};

} // namespace cistern::expiry

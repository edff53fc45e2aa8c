#pragma once
/// \file
/// detail::constant_time_equal: compares a presented secret without leaking, by timing,
/// how many leading bytes matched.

#include <cstddef>
#include <string_view>

namespace cistern::http::detail {

/// True when `a == b`. Runs over every byte of `a` whatever matches (the length of the
/// expected secret `b` is not hidden; its content is).
inline bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const unsigned char y = b.empty() ? 0 : static_cast<unsigned char>(b[i % b.size()]);
        diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ y));
    }
    return diff == 0 && !b.empty();
}

} // namespace cistern::http::detail

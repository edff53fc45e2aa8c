#pragma once
/// \file
/// detail::grow_to: grows a per-slot array to hold index `need - 1`, by 1/8 at a time
/// with exactly reserved capacity, so a full cache wastes at most 1/8 of each array
/// (std::vector's own growth would double it).

#include <cstddef>
#include <vector>

namespace cistern::detail {

template <class T>
void grow_to(std::vector<T>& v, std::size_t need, const T& fill = T{}) {
    if (need <= v.size()) return;
    std::size_t n = v.size() + v.size() / 8 + 16;
    if (n < need) n = need;
    v.reserve(n);
    v.resize(n, fill);
}

} // namespace cistern::detail

#pragma once
/// \file
/// cistern::expiry::after_access: a fixed time to live from the last read or write.

#include <cistern/cache/detail/fixed_ttl.hpp>

namespace cistern::expiry {

/// An entry expires `ttl` after it was last created, replaced or read; every read
/// restarts the period. A per-call TTL given to put()/get_or_load() overrides `ttl` for
/// that write. Throws config_error when `ttl` is not positive.
class after_access : public detail::fixed_ttl<true> {
public:
    using fixed_ttl::fixed_ttl;
};

} // namespace cistern::expiry

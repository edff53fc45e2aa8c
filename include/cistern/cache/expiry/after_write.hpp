#pragma once
/// \file
/// cistern::expiry::after_write: a fixed time to live from the last write.

#include <cistern/cache/detail/fixed_ttl.hpp>

namespace cistern::expiry {

/// An entry expires `ttl` after it was created or last replaced; reads do not extend
/// it. A per-call TTL given to put()/get_or_load() overrides `ttl` for that write.
/// Throws config_error when `ttl` is not positive.
class after_write : public detail::fixed_ttl<false> {
public:
    using fixed_ttl::fixed_ttl;
};

} // namespace cistern::expiry

#pragma once
/// \file
/// `cistern::redis::local_listener`: how a tier reaches an instance's in-memory caches.

#include <functional>
#include <string>

namespace cistern::redis {

/// Callbacks an in-memory cache registers with redis::tier::attach(). They run on the
/// subscriber's thread, one at a time, and must not call back into the tier.
struct local_listener {
    /// Another instance invalidated `tag`: drop local entries tagged with it.
    std::function<void(const std::string& tag)> on_tag;
    /// The subscription was lost or renewed (messages may have been missed): drop everything.
    std::function<void()> on_clear;
};

} // namespace cistern::redis

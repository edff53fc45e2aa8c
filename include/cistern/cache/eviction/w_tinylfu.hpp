#pragma once
/// \file
/// cistern::eviction::w_tinylfu (the default eviction policy), and w_tinylfu_hill:
/// adaptive Window-TinyLFU with two ways of sizing the window.

#include <cistern/cache/detail/sampled_window_climber.hpp>
#include <cistern/cache/detail/window_climber.hpp>
#include <cistern/cache/eviction/basic_w_tinylfu.hpp>

namespace cistern::eviction {

/// The default policy: W-TinyLFU whose window is chosen by
/// detail::sampled_window_climber. One key in R (by hash; R = bound / 256, at least 16)
/// is also replayed through six small W-TinyLFU caches with windows of 1 to 100 %, and
/// the window follows the one that hits most. The mini caches are shared by all the
/// shards of a cache and sized from its whole bound, so a large sharded cache samples
/// sparsely (2^16 entries: one read in 256); see docs/cache.md.
using w_tinylfu = basic_w_tinylfu<detail::sampled_window_climber>;

/// The same, under the name it had while it was not the default (before issue 17).
using w_tinylfu_sampled = w_tinylfu;

/// W-TinyLFU whose window is sized by the hill climber detail::window_climber (the
/// default before issue 17): no mini caches, but slower and less reliable adaptation
/// (it falls far behind LRU on working sets that move); see docs/cache.md.
using w_tinylfu_hill = basic_w_tinylfu<detail::window_climber>;

} // namespace cistern::eviction

#pragma once
/// \file
/// cistern::eviction::w_tinylfu: the default eviction policy, adaptive Window-TinyLFU.

#include <cistern/cache/detail/sampled_window_climber.hpp>
#include <cistern/cache/detail/window_climber.hpp>
#include <cistern/cache/eviction/basic_w_tinylfu.hpp>

namespace cistern::eviction {

/// The default policy: W-TinyLFU whose window is sized by detail::sampled_window_climber
/// (mini caches at six window sizes replay a sample of the keys; the window follows the
/// one that hits most: recency-heavy workloads get a large window, frequency-heavy ones a
/// small one).
using w_tinylfu = basic_w_tinylfu<detail::sampled_window_climber>;

/// W-TinyLFU sized by the hill climber detail::window_climber (the default before the
/// sampled climber; kept for comparison and for its model test).
using w_tinylfu_hill_climber = basic_w_tinylfu<detail::window_climber>;

} // namespace cistern::eviction

#pragma once
/// \file
/// cistern::eviction::w_tinylfu (the default eviction policy) and w_tinylfu_sampled:
/// adaptive Window-TinyLFU with two ways of sizing the window.

#include <cistern/cache/detail/sampled_window_climber.hpp>
#include <cistern/cache/detail/window_climber.hpp>
#include <cistern/cache/eviction/basic_w_tinylfu.hpp>

namespace cistern::eviction {

/// The default policy: W-TinyLFU whose window is sized by the hill climber
/// detail::window_climber (recency-heavy workloads get a large window, frequency-heavy
/// ones a small one).
using w_tinylfu = basic_w_tinylfu<detail::window_climber>;

/// W-TinyLFU whose window is chosen by detail::sampled_window_climber: mini caches at six
/// window sizes replay a sample of the keys and the window follows the one that hits
/// most. Higher and steadier hit ratios than w_tinylfu on workloads whose phases change,
/// at a cost on reads (the sampled keys' requests are replayed six more times) and in
/// memory (the mini caches); see docs/cache.md.
using w_tinylfu_sampled = basic_w_tinylfu<detail::sampled_window_climber>;

} // namespace cistern::eviction

#pragma once
/// \file
/// CISTERN_TSAN: defined when the translation unit is built with ThreadSanitizer (GCC's
/// `__SANITIZE_THREAD__` or Clang's `__has_feature(thread_sanitizer)`). ThreadSanitizer
/// does not model fences, so code that synchronises through a fence uses a sequentially
/// consistent atomic operation instead under it.

#if defined(__SANITIZE_THREAD__)
#define CISTERN_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CISTERN_TSAN 1
#endif
#endif

# examples/cache_features: bulk loading, compute, put_if_absent, refresh after write and a
# runtime bound (docs/cache.md).
add_executable(cache_features "${CMAKE_CURRENT_LIST_DIR}/cache_features.cpp")
target_link_libraries(cache_features PRIVATE cistern::core)
if(CISTERN_BUILD_TESTS AND NOT CISTERN_STRESS_ONLY)
  add_test(NAME example_cache_features COMMAND cache_features)
  set_tests_properties(example_cache_features PROPERTIES LABELS "unit;example"
                       PASS_REGULAR_EXPRESSION "bulk loader calls: 1\n.*visits of /index: 3\n.*after the reload: grace \\(reloaded\\)")
endif()

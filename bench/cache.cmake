# bench/cache_throughput: cistern::cache versus a std::mutex + std::list + std::unordered_map
# LRU (same binary), plus bytes per entry at 1M entries.
# bench/cache_hit_ratio: trace replay of every eviction policy beside Belady's optimum.
# bench/query_cache: a query_cache hit against running the statement on SQLite.
add_executable(bench_cache_throughput "${CMAKE_CURRENT_LIST_DIR}/cache_throughput.cpp")
target_link_libraries(bench_cache_throughput PRIVATE cistern::core benchmark::benchmark)
add_executable(bench_cache_hit_ratio "${CMAKE_CURRENT_LIST_DIR}/cache_hit_ratio.cpp")
target_link_libraries(bench_cache_hit_ratio PRIVATE cistern::core)
if(TARGET cistern::sqlite)
  add_executable(bench_query_cache "${CMAKE_CURRENT_LIST_DIR}/query_cache.cpp")
  target_link_libraries(bench_query_cache PRIVATE cistern::sqlite benchmark::benchmark)
endif()

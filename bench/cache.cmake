# bench/cache_throughput: cistern::cache versus a std::mutex + std::list + std::unordered_map
# LRU and tbb::concurrent_lru_cache (same binary), 1 against 2 threads, plus bytes per entry
# at 1M entries.
# bench/cache_hit_ratio: trace replay of every eviction policy beside Belady's optimum.
# bench/query_cache: a query_cache hit against running the statement on SQLite.
# bench/sqlite_change_watcher: what the update hook and data_version polling cost.
# bench/query_cache_hits: instructions per query_cache hit under callgrind, admission off vs on.
add_executable(bench_cache_throughput "${CMAKE_CURRENT_LIST_DIR}/cache_throughput.cpp")
target_link_libraries(bench_cache_throughput PRIVATE cistern::core benchmark::benchmark)
# The oneTBB peer (tbb::concurrent_lru_cache, Debian libtbb-dev), when installed.
find_package(TBB CONFIG QUIET)
if(TARGET TBB::tbb)
  target_link_libraries(bench_cache_throughput PRIVATE TBB::tbb)
  target_compile_definitions(bench_cache_throughput PRIVATE CISTERN_BENCH_TBB=1)
endif()
add_executable(bench_cache_hit_ratio "${CMAKE_CURRENT_LIST_DIR}/cache_hit_ratio.cpp")
target_link_libraries(bench_cache_hit_ratio PRIVATE cistern::core)
if(TARGET cistern::sqlite)
  add_executable(bench_query_cache "${CMAKE_CURRENT_LIST_DIR}/query_cache.cpp")
  target_link_libraries(bench_query_cache PRIVATE cistern::sqlite benchmark::benchmark)
  add_executable(bench_sqlite_change_watcher "${CMAKE_CURRENT_LIST_DIR}/sqlite_change_watcher.cpp")
  target_link_libraries(bench_sqlite_change_watcher PRIVATE cistern::sqlite benchmark::benchmark)
  add_executable(query_cache_hits_bench "${CMAKE_CURRENT_LIST_DIR}/query_cache_hits.cpp")
  target_link_libraries(query_cache_hits_bench PRIVATE cistern::sqlite)
endif()

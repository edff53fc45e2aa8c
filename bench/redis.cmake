# bench/redis_tier: L1 hit, L2 hit and database load of a primary-key query (throwaway
# PostgreSQL and redis-server), and invalidation propagation between two instances.
if(TARGET cistern::redis AND TARGET cistern::postgres)
  add_executable(redis_tier_bench "${CMAKE_CURRENT_LIST_DIR}/redis_tier.cpp")
  target_include_directories(redis_tier_bench PRIVATE "${PROJECT_SOURCE_DIR}/tests")
  target_link_libraries(redis_tier_bench PRIVATE cistern::redis cistern::postgres benchmark::benchmark)
endif()
if(TARGET cistern::redis)
  # bench/l1_hits: instructions per L1 hit under callgrind, cistern::cache vs redis::tiered_cache.
  add_executable(l1_hits_bench "${CMAKE_CURRENT_LIST_DIR}/l1_hits.cpp")
  target_link_libraries(l1_hits_bench PRIVATE cistern::redis)
endif()

# Strategies (issue 6): retention by dropping a partition versus DELETE (+ VACUUM).
if(TARGET cistern::sqlite)
  add_executable(bench_strategy_retention "${CMAKE_CURRENT_LIST_DIR}/strategy_retention.cpp")
  target_link_libraries(bench_strategy_retention PRIVATE cistern::sqlite benchmark::benchmark)
  if(TARGET cistern::postgres AND EXISTS "${PROJECT_SOURCE_DIR}/include/cistern/adapter/postgres/connection.hpp"
     AND EXISTS "${PROJECT_SOURCE_DIR}/tests/support/postgres_server.hpp")
    target_link_libraries(bench_strategy_retention PRIVATE cistern::postgres)
    target_include_directories(bench_strategy_retention PRIVATE "${PROJECT_SOURCE_DIR}/tests")
    target_compile_definitions(bench_strategy_retention PRIVATE CISTERN_BENCH_POSTGRES=1)
  endif()
endif()

# bench/pool_bench: cistern::pool versus soci::connection_pool (sqlite3 backend).
find_path(SOCI_INCLUDE_DIR soci/connection-pool.h)
find_library(SOCI_CORE_LIBRARY soci_core)
find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3)
if(TARGET cistern::sqlite AND SOCI_INCLUDE_DIR AND SOCI_CORE_LIBRARY AND SOCI_SQLITE3_LIBRARY)
  add_executable(pool_bench "${CMAKE_CURRENT_LIST_DIR}/pool_bench.cpp" "${CMAKE_CURRENT_LIST_DIR}/pool_bench_soci.cpp")
  target_include_directories(pool_bench SYSTEM PRIVATE "${SOCI_INCLUDE_DIR}")
  target_link_libraries(pool_bench PRIVATE cistern::sqlite benchmark::benchmark
                        "${SOCI_SQLITE3_LIBRARY}" "${SOCI_CORE_LIBRARY}" ${CMAKE_DL_LIBS})
else()
  message(STATUS "cistern: soci (libsoci-dev) not found; pool_bench is not built")
endif()

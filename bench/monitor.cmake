# bench/monitor_record: the cost of recording one statement in cistern::monitor (both
# steady_clock reads included) on 1 and 2 threads into one monitor, beside the two clock
# reads alone and a std::mutex + std::unordered_map<std::string, counters> recorder.
# bench/monitor_sqlite: a trivial SQLite query with and without a monitored connection.
add_executable(bench_monitor_record "${CMAKE_CURRENT_LIST_DIR}/monitor_record.cpp")
target_link_libraries(bench_monitor_record PRIVATE cistern::core benchmark::benchmark)
if(TARGET cistern::sqlite)
  add_executable(bench_monitor_sqlite "${CMAKE_CURRENT_LIST_DIR}/monitor_sqlite.cpp")
  target_link_libraries(bench_monitor_sqlite PRIVATE cistern::sqlite benchmark::benchmark)
endif()
# bench/http_snapshot: one snapshot + history + JSON rendering for 200 fingerprints.
if(TARGET cistern::http)
  add_executable(bench_http_snapshot "${CMAKE_CURRENT_LIST_DIR}/http_snapshot.cpp")
  target_link_libraries(bench_http_snapshot PRIVATE cistern::http)
endif()

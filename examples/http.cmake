# examples/dashboard: an application mounting cistern::http's dashboard for its monitor,
# pool and cache (needs the http and sqlite components); run briefly by CTest.
if(TARGET cistern::http AND TARGET cistern::sqlite)
  add_executable(dashboard_example "${CMAKE_CURRENT_LIST_DIR}/dashboard.cpp")
  target_link_libraries(dashboard_example PRIVATE cistern::http cistern::sqlite)
  if(CISTERN_BUILD_TESTS)
    add_test(NAME example_dashboard COMMAND dashboard_example --seconds 1 WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
    set_tests_properties(example_dashboard PROPERTIES LABELS "unit;example" TIMEOUT 60 PASS_REGULAR_EXPRESSION "dashboard on http://127.0.0.1:[0-9]+/")
  endif()
endif()

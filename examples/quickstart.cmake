# examples/quickstart: a pool over a SQLite file (the README's demo command runs it).
if(TARGET cistern::sqlite)
  add_executable(quickstart "${CMAKE_CURRENT_LIST_DIR}/quickstart.cpp")
  target_link_libraries(quickstart PRIVATE cistern::sqlite)
  if(CISTERN_BUILD_TESTS AND NOT CISTERN_STRESS_ONLY)
    add_test(NAME example_quickstart COMMAND quickstart "${CMAKE_CURRENT_BINARY_DIR}/quickstart-test.db")
    set_tests_properties(example_quickstart PROPERTIES LABELS "sqlite;example"
                         PASS_REGULAR_EXPRESSION "acquired 802,")
  endif()

  # The README's example, extracted from README.md at configure time, so that the code a
  # reader copies is the code CI compiles and runs.
  file(READ "${PROJECT_SOURCE_DIR}/README.md" _readme)
  string(REGEX MATCH "```cpp\n([^`]*)```" _block "${_readme}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "README.md has no ```cpp block to compile")
  endif()
  file(CONFIGURE OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/readme_example.cpp" CONTENT "${CMAKE_MATCH_1}" @ONLY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/README.md")
  add_executable(readme_example "${CMAKE_CURRENT_BINARY_DIR}/readme_example.cpp")
  target_link_libraries(readme_example PRIVATE cistern::sqlite)
  if(CISTERN_BUILD_TESTS AND NOT CISTERN_STRESS_ONLY)
    add_test(NAME example_readme COMMAND readme_example)
    set_tests_properties(example_readme PROPERTIES LABELS "sqlite;example" WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
endif()

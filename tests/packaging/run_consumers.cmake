# Installs cistern from BUILD_DIR into a temporary prefix, then builds and runs three
# consumers: through find_package, through add_subdirectory and through pkg-config only.
# Then checks the messages of find_package for an unknown component and for one that was
# not built (a second install configured with CISTERN_WITH_POSTGRES=OFF).
# Variables: SOURCE_DIR, BUILD_DIR, WORK_DIR, GENERATOR, CXX.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "packaging: command failed (${rc}): ${cmd}")
  endif()
endfunction()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
if(NOT EXISTS "${prefix}/include/cistern/version.hpp" OR NOT EXISTS "${prefix}/share/cmake/cistern/cisternConfig.cmake")
  message(FATAL_ERROR "packaging: install tree is incomplete")
endif()
foreach(kind find_package add_subdirectory)
  set(bin "${WORK_DIR}/${kind}")
  run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/packaging/${kind}_consumer" -B "${bin}" -G "${GENERATOR}"
      "-DCMAKE_PREFIX_PATH=${prefix}" "-DCISTERN_SOURCE_DIR=${SOURCE_DIR}" -DCMAKE_BUILD_TYPE=Release)
  run("${CMAKE_COMMAND}" --build "${bin}")
  run("${bin}/consumer" "${WORK_DIR}/${kind}.db")
endforeach()

# pkg-config only: no CMake on the consumer's side.
set(ENV{PKG_CONFIG_PATH} "${prefix}/share/pkgconfig")
run(sh -c "pkg-config --exists --print-errors 'cistern-sqlite = ${VERSION}'")
run(sh -c "\"${CXX}\" -O1 -o \"${WORK_DIR}/pkg_config_consumer\" \"${SOURCE_DIR}/tests/packaging/consumer_main.cpp\" $(pkg-config --cflags --libs cistern-sqlite)")
run("${WORK_DIR}/pkg_config_consumer" "${WORK_DIR}/pkg_config.db")
if(NOT EXISTS "${prefix}/share/doc/cistern/LICENSE")
  message(FATAL_ERROR "packaging: LICENSE is not installed in share/doc/cistern")
endif()

# find_package's message for a component that does not fit: expect configure to fail with `expect`.
function(expect_component_failure prefix_dir want expect)
  set(bin "${WORK_DIR}/component_${want}")
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/packaging/component_consumer" -B "${bin}"
                          -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix_dir}" "-DWANT=${want}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "packaging: find_package(cistern COMPONENTS ${want}) succeeded; it must fail")
  endif()
  string(FIND "${out}${err}" "${expect}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "packaging: COMPONENTS ${want}: expected \"${expect}\" in:\n${out}${err}")
  endif()
  message("packaging: COMPONENTS ${want} fails as it should:\n${err}")
endfunction()
expect_component_failure("${prefix}" nosuch "'nosuch' is not a cistern component (known: core, sqlite, postgres")

set(prefix2 "${WORK_DIR}/prefix-no-postgres")
run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/no-postgres" -G "${GENERATOR}" -DCISTERN_WITH_POSTGRES=OFF
    -DCISTERN_BUILD_TESTS=OFF -DCISTERN_BUILD_EXAMPLES=OFF -DCISTERN_BUILD_BENCHMARKS=OFF -DCISTERN_INSTALL=ON)
run("${CMAKE_COMMAND}" --install "${WORK_DIR}/no-postgres" --prefix "${prefix2}")
expect_component_failure("${prefix2}" postgres "component 'postgres' is not available: it was not built when cistern was installed: it was disabled with CISTERN_WITH_POSTGRES=OFF, reinstall cistern configured with -DCISTERN_WITH_POSTGRES=ON")

file(REMOVE_RECURSE "${WORK_DIR}")
message("packaging: find_package, add_subdirectory and pkg-config consumers built and ran")

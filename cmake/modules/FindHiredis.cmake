# FindHiredis: hiredis (the C client of Redis) as the imported target hiredis::hiredis.
#
# Looked up, in order:
#  1. hiredis' own CMake package (hiredis >= 1.0, Conan, vcpkg: hiredis-config.cmake with
#     the target hiredis::hiredis);
#  2. pkg-config's hiredis.pc, as hints;
#  3. find_path/find_library (Debian's libhiredis-dev 0.14 ships a HiredisConfig.cmake that
#     only sets HIREDIS_INCLUDE_DIRS/HIREDIS_LIBRARIES, without a target, so it is not used).
# Sets Hiredis_FOUND, Hiredis_VERSION (when known), Hiredis_INCLUDE_DIR, Hiredis_LIBRARY.
# cistern includes <hiredis/hiredis.h>, so the include directory is the one above hiredis/.

if(TARGET hiredis::hiredis)
  set(Hiredis_FOUND TRUE)
  return()
endif()

find_package(hiredis CONFIG QUIET)
if(TARGET hiredis::hiredis)
  set(Hiredis_FOUND TRUE)
  set(Hiredis_VERSION "${hiredis_VERSION}")
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_HIREDIS QUIET hiredis)
endif()
# hiredis.pc's includedir is .../include/hiredis; the parent is what <hiredis/hiredis.h> needs.
set(_hiredis_hints)
foreach(_d IN LISTS PC_HIREDIS_INCLUDE_DIRS)
  get_filename_component(_p "${_d}" DIRECTORY)
  list(APPEND _hiredis_hints "${_d}" "${_p}")
endforeach()
find_path(Hiredis_INCLUDE_DIR NAMES hiredis/hiredis.h HINTS ${_hiredis_hints})
find_library(Hiredis_LIBRARY NAMES hiredis HINTS ${PC_HIREDIS_LIBRARY_DIRS})

if(Hiredis_INCLUDE_DIR AND EXISTS "${Hiredis_INCLUDE_DIR}/hiredis/hiredis.h")
  file(STRINGS "${Hiredis_INCLUDE_DIR}/hiredis/hiredis.h" _hv REGEX "^#define HIREDIS_(MAJOR|MINOR|PATCH) [0-9]+")
  set(_hver)
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX MATCH "HIREDIS_${_part} ([0-9]+)" _m "${_hv}")
    list(APPEND _hver "${CMAKE_MATCH_1}")
  endforeach()
  string(REPLACE ";" "." Hiredis_VERSION "${_hver}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Hiredis REQUIRED_VARS Hiredis_LIBRARY Hiredis_INCLUDE_DIR
                                  VERSION_VAR Hiredis_VERSION)
if(Hiredis_FOUND AND NOT TARGET hiredis::hiredis)
  add_library(hiredis::hiredis UNKNOWN IMPORTED)
  set_target_properties(hiredis::hiredis PROPERTIES
    IMPORTED_LOCATION "${Hiredis_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Hiredis_INCLUDE_DIR}")
endif()
mark_as_advanced(Hiredis_INCLUDE_DIR Hiredis_LIBRARY)

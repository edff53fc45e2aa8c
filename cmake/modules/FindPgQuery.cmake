# FindPgQuery: libpg_query (PostgreSQL's own parser as a C library) as the imported target
# PgQuery::PgQuery.
#
# Looked up, in order:
#  1. a CMake package that already defines a target (vcpkg's libpg-query port:
#     find_package(libpg_query CONFIG) -> libpg_query::pg_query; Conan's libpg_query recipe
#     with CMakeDeps: find_package(libpg_query) -> libpg_query::libpg_query);
#  2. find_path/find_library (Debian's libpg-query-dev ships pg_query.h and libpg_query.a/.so,
#     with neither a CMake package nor a pkg-config file).
# Sets PgQuery_FOUND, PgQuery_VERSION (the PostgreSQL version of the grammar, from
# pg_query.h's PG_VERSION, when known), PgQuery_INCLUDE_DIR and PgQuery_LIBRARY.

if(TARGET PgQuery::PgQuery)
  set(PgQuery_FOUND TRUE)
  return()
endif()

find_package(libpg_query CONFIG QUIET)
foreach(_pgq_target IN ITEMS libpg_query::pg_query libpg_query::libpg_query)
  if(TARGET ${_pgq_target})
    add_library(PgQuery::PgQuery INTERFACE IMPORTED)
    set_target_properties(PgQuery::PgQuery PROPERTIES INTERFACE_LINK_LIBRARIES ${_pgq_target})
    set(PgQuery_FOUND TRUE)
    set(PgQuery_VERSION "${libpg_query_VERSION}")
    return()
  endif()
endforeach()

find_path(PgQuery_INCLUDE_DIR NAMES pg_query.h PATH_SUFFIXES pg_query libpg_query)
find_library(PgQuery_LIBRARY NAMES pg_query libpg_query)

if(PgQuery_INCLUDE_DIR AND EXISTS "${PgQuery_INCLUDE_DIR}/pg_query.h")
  file(STRINGS "${PgQuery_INCLUDE_DIR}/pg_query.h" _pgq_v REGEX "^#define PG_VERSION \"[^\"]+\"")
  string(REGEX MATCH "\"([^\"]+)\"" _pgq_m "${_pgq_v}")
  set(PgQuery_VERSION "${CMAKE_MATCH_1}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(PgQuery REQUIRED_VARS PgQuery_LIBRARY PgQuery_INCLUDE_DIR
                                  VERSION_VAR PgQuery_VERSION)
if(PgQuery_FOUND AND NOT TARGET PgQuery::PgQuery)
  add_library(PgQuery::PgQuery UNKNOWN IMPORTED)
  set_target_properties(PgQuery::PgQuery PROPERTIES
    IMPORTED_LOCATION "${PgQuery_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${PgQuery_INCLUDE_DIR}")
endif()
mark_as_advanced(PgQuery_INCLUDE_DIR PgQuery_LIBRARY)

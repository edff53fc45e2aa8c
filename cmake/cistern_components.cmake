# cistern's optional components: one CISTERN_WITH_<X> cache option each, AUTO | ON | OFF.
#   AUTO (default)  build the component when its dependencies are found
#   ON              fail at configure time, naming the packages to install, when they are not
#   OFF             do not build it (and do not look for its dependencies)
#
#   cistern_component_option(<X> <description>)
#       declares CISTERN_WITH_<X> and checks its value.
#   cistern_component_wanted(<X> <out-var>)
#       <out-var> = TRUE unless CISTERN_WITH_<X> is OFF (then records "disabled").
#   cistern_component_resolve(<X> <name> FOUND <bool> MISSING <what> INSTALL <how>)
#       (<how> must not contain ";": "Debian: libfoo-dev, Conan: foo, vcpkg: foo")
#       after the dependency look-up: records the component as built, or why not; with
#       CISTERN_WITH_<X>=ON and FOUND false, stops with a message naming MISSING and INSTALL.
#   cistern_component_summary()
#       prints one line per component and sets CISTERN_COMPONENTS (built) and
#       CISTERN_COMPONENTS_NOT_BUILT ("name=reason" list, for the installed config).

set(CISTERN_KNOWN_COMPONENTS core)
set(CISTERN_COMPONENTS core)
set(CISTERN_COMPONENTS_NOT_BUILT)
set(_cistern_summary "  core       built (C++20 standard library, range-v3)")

function(cistern_component_option x description)
  set(CISTERN_WITH_${x} AUTO CACHE STRING "${description}: AUTO (if found), ON (required) or OFF")
  set_property(CACHE CISTERN_WITH_${x} PROPERTY STRINGS AUTO ON OFF)
  string(TOUPPER "${CISTERN_WITH_${x}}" v)
  if(v STREQUAL "TRUE" OR v STREQUAL "YES" OR v STREQUAL "1")
    set(v ON)
  elseif(v STREQUAL "FALSE" OR v STREQUAL "NO" OR v STREQUAL "0")
    set(v OFF)
  endif()
  if(NOT v MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "cistern: CISTERN_WITH_${x}=${CISTERN_WITH_${x}} is not one of AUTO, ON, OFF")
  endif()
  set(_cistern_with_${x} "${v}" PARENT_SCOPE)
endfunction()

macro(cistern_component_wanted x out)
  if(_cistern_with_${x} STREQUAL "OFF")
    set(${out} FALSE)
  else()
    set(${out} TRUE)
  endif()
endmacro()

macro(cistern_component_resolve x name)
  cmake_parse_arguments(_cc "" "FOUND;MISSING;INSTALL" "" ${ARGN})
  list(APPEND CISTERN_KNOWN_COMPONENTS ${name})
  string(LENGTH "${name}" _cc_len)
  math(EXPR _cc_pad "10 - ${_cc_len}")
  string(REPEAT " " ${_cc_pad} _cc_sp)
  if(_cistern_with_${x} STREQUAL "OFF")
    list(APPEND CISTERN_COMPONENTS_NOT_BUILT
         "${name}=it was disabled with CISTERN_WITH_${x}=OFF, reinstall cistern configured with -DCISTERN_WITH_${x}=ON")
    string(APPEND _cistern_summary "\n  ${name}${_cc_sp} not built: CISTERN_WITH_${x}=OFF")
  elseif(_cc_FOUND)
    list(APPEND CISTERN_COMPONENTS ${name})
    string(APPEND _cistern_summary "\n  ${name}${_cc_sp} built")
  elseif(_cistern_with_${x} STREQUAL "ON")
    message(FATAL_ERROR "cistern: CISTERN_WITH_${x}=ON but ${_cc_MISSING} was not found. "
                        "Install it (${_cc_INSTALL}) or configure with -DCISTERN_WITH_${x}=AUTO|OFF.")
  else()
    list(APPEND CISTERN_COMPONENTS_NOT_BUILT
         "${name}=${_cc_MISSING} was not found, install it (${_cc_INSTALL}) and reinstall cistern")
    string(APPEND _cistern_summary
           "\n  ${name}${_cc_sp} not built: ${_cc_MISSING} not found (install ${_cc_INSTALL}; "
           "-DCISTERN_WITH_${x}=ON makes this an error)")
  endif()
endmacro()

function(cistern_component_summary)
  message(STATUS "cistern ${PROJECT_VERSION} components:\n${_cistern_summary}")
endfunction()

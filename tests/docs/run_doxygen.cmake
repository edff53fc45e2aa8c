# cmake -DDOXYGEN=<doxygen or empty> -DDOXYFILE=<configured Doxyfile> -DOUTPUT_DIR=<dir>
#       -P run_doxygen.cmake
# Runs doxygen, lists every warning and fails if there is one (or if doxygen is missing).
if(NOT DOXYGEN)
  message(FATAL_ERROR "api_docs: doxygen was not found when cistern was configured. Install "
                      "it (Debian: apt-get install doxygen, or bash scripts/deps.sh test) and "
                      "configure again.")
endif()
file(REMOVE_RECURSE "${OUTPUT_DIR}/html")
file(MAKE_DIRECTORY "${OUTPUT_DIR}")
get_filename_component(_dir "${DOXYFILE}" DIRECTORY)
execute_process(COMMAND "${DOXYGEN}" "${DOXYFILE}" WORKING_DIRECTORY "${_dir}"
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
string(REGEX MATCHALL "[^\n]*(warning|error): [^\n]*" _warnings "${_err}")
list(LENGTH _warnings _count)
if(NOT _rc EQUAL 0 OR _count GREATER 0)
  message("${_out}${_err}")
  message(FATAL_ERROR "api_docs: doxygen reported ${_count} warning(s) (exit code ${_rc}); "
                      "every public entity needs a /// comment that states its contract.")
endif()
message(STATUS "api_docs: 0 warnings; HTML in ${OUTPUT_DIR}/html/index.html")

# examples/metrics_endpoint: a monitor's Prometheus exposition served over HTTP on
# 127.0.0.1; a CTest test scrapes it twice with curl and checks the output with promtool.
add_executable(metrics_endpoint "${CMAKE_CURRENT_LIST_DIR}/metrics_endpoint.cpp")
target_link_libraries(metrics_endpoint PRIVATE cistern::core)
if(CISTERN_BUILD_TESTS)
  set(_mon_dir "${CMAKE_CURRENT_BINARY_DIR}/metrics_endpoint_test")
  add_test(NAME example_metrics_endpoint_curl
           COMMAND sh -c [=[
set -e
exe="$1"; dir="$2"
rm -rf "$dir"; mkdir -p "$dir"
"$exe" --requests 2 --port-file "$dir/port" > "$dir/server.log" 2>&1 &
pid=$!
i=0; while [ ! -s "$dir/port" ]; do i=$((i+1)); [ $i -lt 600 ] || { kill $pid; exit 1; }; sleep 0.1; done
port=$(cat "$dir/port")
curl -sS --fail --max-time 30 "http://127.0.0.1:$port/metrics" -o "$dir/first.prom"
curl -sS --fail --max-time 30 "http://127.0.0.1:$port/metrics" -o "$dir/second.prom"
wait $pid
grep -q '^db_client_operation_duration_seconds_count{db_system_name="sqlite",db_operation_name="SELECT",db_collection_name="users",db_query_summary="SELECT users"} 50$' "$dir/first.prom"
grep -q '^db_client_operation_duration_seconds_count{db_system_name="sqlite",db_operation_name="SELECT",db_collection_name="users",db_query_summary="SELECT users"} 100$' "$dir/second.prom"
grep -q '^db_client_operation_duration_seconds_count{db_system_name="sqlite",db_operation_name="UPDATE",db_collection_name="users",db_query_summary="UPDATE users",error_type="_OTHER"} 4$' "$dir/second.prom"
sh "$3" "$dir/second.prom"
]=] sh $<TARGET_FILE:metrics_endpoint> "${_mon_dir}" "${CMAKE_CURRENT_LIST_DIR}/../tests/monitor/promtool_check.sh")
  set_tests_properties(example_metrics_endpoint_curl PROPERTIES LABELS unit TIMEOUT 120)
endif()

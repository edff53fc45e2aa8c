# examples/postgres_pool: a pool over PostgreSQL (URL from argv or $DATABASE_URL).
if(TARGET cistern::postgres)
  add_executable(postgres_pool "${CMAKE_CURRENT_LIST_DIR}/postgres_pool.cpp")
  target_link_libraries(postgres_pool PRIVATE cistern::postgres)
endif()

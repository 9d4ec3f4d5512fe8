# The server's answer cache (src/server/cache.c).
lx_add_test(test_cache SOURCES tests/unit/test_cache.c LIBS lanxang_server)
target_include_directories(test_cache PRIVATE ${CMAKE_SOURCE_DIR}/src/server)

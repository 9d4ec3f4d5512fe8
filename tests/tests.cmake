# Unit tests (cmocka) — one per module, linking only what the module may use.
lx_add_test(test_time SOURCES tests/unit/test_time.c tests/unit/fixture.c LIBS lanxang_gtfs)

# Integration: the real command and the real server, driven as users drive them.
add_test(NAME cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_cli.sh $<TARGET_FILE:lanxang>)
add_test(NAME server COMMAND bash ${CMAKE_SOURCE_DIR}/tests/integration/test_server.sh $<TARGET_FILE:lanxang>)
lx_add_test(test_csv SOURCES tests/unit/test_csv.c LIBS lanxang_gtfs)
lx_add_test(test_write_csv SOURCES tests/unit/test_write_csv.c tests/unit/fixture.c LIBS lanxang_gtfs)
lx_add_test(test_core SOURCES tests/unit/test_core.c LIBS lanxang_core)
lx_add_test(test_gtfs SOURCES tests/unit/test_gtfs.c tests/unit/fixture.c LIBS lanxang_gtfs)
lx_add_test(test_store SOURCES tests/unit/test_store.c tests/unit/fixture.c LIBS lanxang_store)

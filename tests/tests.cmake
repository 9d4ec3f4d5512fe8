# Unit tests (cmocka) — one per module, linking only what the module may use.
lx_add_test(test_time SOURCES tests/unit/test_time.c LIBS lanxang_gtfs)

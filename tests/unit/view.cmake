# The views' JSON text (src/view/dump.c) against jansson's, on the built-in feed.
lx_add_test(test_view_dump SOURCES tests/unit/test_view_dump.c LIBS lanxang_view lanxang_gtfs)

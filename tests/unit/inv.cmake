# The seat inventory engine (src/core/inv*.c): its unit test and a randomized test
# against a reference model. fixture.c loads the small feeds, hence lanxang_gtfs.
lx_add_test(test_inv SOURCES tests/unit/test_inv.c tests/unit/fixture.c LIBS lanxang_gtfs)
lx_add_test(test_inv_model SOURCES tests/unit/test_inv_model.c tests/unit/fixture.c LIBS lanxang_gtfs)

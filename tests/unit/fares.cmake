# Passenger fare types (src/core/fares.c) and their file, lx_fare_types.txt (loaded by
# src/gtfs/load_ext.c): the pure rules with explicit tables, and tiny feeds through the
# loader, so the test links lanxang_gtfs and the fixture.
lx_add_test(test_fares SOURCES tests/unit/test_fares.c tests/unit/fixture.c LIBS lanxang_gtfs)

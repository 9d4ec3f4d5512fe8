# The journey planner (src/core/plan*.c): golden scenarios on tiny feeds, and a
# randomized cross-check against a connection scan on the shared LIRR feed (skipped
# when ../shared/data/gtfs/lirr.zip is absent). Links lanxang_gtfs for the loader.
lx_add_test(test_plan SOURCES tests/unit/test_plan.c tests/unit/fixture.c LIBS lanxang_gtfs)
target_compile_definitions(test_plan PRIVATE
  LX_LIRR_PATH="${CMAKE_SOURCE_DIR}/../shared/data/gtfs/lirr.zip")

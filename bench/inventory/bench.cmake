# The seat inventory benchmark, lanxang's side (bench/inventory/run.sh, `make bench-inventory`;
# docs/PERFORMANCE.md, "Seat inventory"):
#   bench_inv        the driver: in-memory designs, the durable store, --micro
#   bench_inv_util   the seat-utilisation study (workload c)
# Built with everything else so that they keep compiling; only while the engine
# (src/core/inv*.c) and, for bench_inv, the booking store (src/store/book*.c) exist.
file(GLOB LX_BENCH_INV_ENGINE CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/core/inv*.c)
file(GLOB LX_BENCH_INV_BOOK CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/store/book*.c)
if(LX_BENCH_INV_ENGINE)
  add_executable(bench_inv_util bench/inventory/util.c bench/inventory/inv_feed.c)
  target_link_libraries(bench_inv_util PRIVATE lanxang_gtfs)
  if(LX_BENCH_INV_BOOK)
    add_executable(bench_inv bench/inventory/bench_inv.c bench/inventory/bench_inv_durable.c
                   bench/inventory/bench_inv_micro.c bench/inventory/inv_feed.c)
    target_link_libraries(bench_inv PRIVATE lanxang_store lanxang_gtfs lanxang_core Threads::Threads)
  endif()
endif()

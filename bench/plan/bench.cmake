# The journey planner benchmark (bench/plan/run.sh, `make bench-plan`; docs/PERFORMANCE.md,
# "Journey planner"): bench_plan times random queries on GTFS feeds.
add_executable(bench_plan bench/plan/bench_plan.c)
target_link_libraries(bench_plan PRIVATE lanxang_gtfs)

# The HTTP benchmark's open-loop load generator (bench/http/lxload.c; bench/http/run.sh,
# `make bench-http`): requests at a fixed rate for the latency at 80% of the peak.
add_executable(lx_load bench/http/lxload.c)

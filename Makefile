# lanxang: the two commands of the README, and a few more.
#   make run    install what is missing, build, serve the China–Laos Railway on 127.0.0.1:8080
#   make test   install what is missing, build, run every test (also under ASan + UBSan),
#               then fuzz each libFuzzer target briefly (fuzz-smoke)
#   make bench  import, seat inventory and HTTP benchmarks against peers (docs/PERFORMANCE.md)
#   make bench-inventory  the seat inventory benchmark alone (bench/inventory/run.sh)
#   make bench-http  the HTTP server benchmark alone: lanxang serve beside nginx, under wrk
#   make bench-plan  the journey planner benchmark alone: random queries on LIRR and a
#               generated 600,000-stop-time network (bench/plan/run.sh)
#   make fuzz   fuzz every libFuzzer target for FUZZ_SECONDS each (docs/testing.md)

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN     ?= 127.0.0.1:8080
FUZZ_BUILD ?= build-fuzz
FUZZ_TARGETS ?= fuzz_csv fuzz_gtfs fuzz_api fuzz_booking
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 20

.PHONY: all deps deps-run build build-asan run test test-release test-asan bench bench-inventory bench-http clean \
        bench-plan \
        build-fuzz fuzz-smoke fuzz

all: build

deps:
	@scripts/install-deps.sh

deps-run:
	@scripts/install-deps.sh --run

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLX_SANITIZE=ON

build-asan: $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: deps-run
	@$(MAKE) --no-print-directory build
	$(BUILD)/lanxang serve --listen $(LISTEN)

test: deps
	@$(MAKE) --no-print-directory test-release test-asan
	@$(MAKE) --no-print-directory fuzz-smoke

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (clang): tests/fuzz/, run by tests/fuzz/run.sh
$(FUZZ_BUILD)/Makefile: CMakeLists.txt tests/fuzz/fuzz.cmake
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DLX_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug

build-fuzz: $(FUZZ_BUILD)/Makefile
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)

# a short run of each target on a copy of its seeds; any crash fails make
fuzz-smoke: build-fuzz
	FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) tests/fuzz/run.sh smoke $(FUZZ_BUILD) $(FUZZ_TARGETS)

# a long run; the corpus grows in $(FUZZ_BUILD)/corpus/ and is kept between runs
fuzz: deps
	@$(MAKE) --no-print-directory build-fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh long $(FUZZ_BUILD) $(FUZZ_TARGETS)

bench: deps build
	bench/run.sh $(BUILD)
	bench/inventory/run.sh $(BUILD)
	bench/http/run.sh $(BUILD)
	bench/plan/run.sh $(BUILD)

# issue 3's benchmarks only: lanxang's inventory designs against Redis and PostgreSQL
# (installed and started by the script), and the seat-utilisation study; about 5 minutes
bench-inventory: deps build
	bench/inventory/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# issue 4's HTTP benchmark: search and booking requests/s and latency of lanxang serve
# under wrk, beside nginx serving the same answer as a static file (installed and started
# by the script); about 2 minutes
bench-http: deps build
	bench/http/run.sh $(BUILD)

# issue 6's journey planner benchmark: median and p99 of earliest-arrival and 2-hour range
# queries on LIRR and a generated 600,000-stop-time network; about 30 seconds
bench-plan: deps build
	bench/plan/run.sh $(BUILD)

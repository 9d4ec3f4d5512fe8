# lanxang: the two commands of the README, and a few more.
#   make run    install what is missing, build, serve the China–Laos Railway on 127.0.0.1:8080
#   make test   install what is missing, build, run every test (also under ASan + UBSan)
#   make bench  import benchmarks against peers (docs/PERFORMANCE.md)

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN     ?= 127.0.0.1:8080

.PHONY: all deps deps-run build build-asan run test test-release test-asan bench clean

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

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

bench: deps build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

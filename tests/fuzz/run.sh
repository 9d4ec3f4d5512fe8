#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzz build (cmake -DLX_FUZZ=ON, `make build-fuzz`).
#
#   tests/fuzz/run.sh smoke BUILD_DIR [TARGET...]   short run, for `make test`
#   tests/fuzz/run.sh long  BUILD_DIR [TARGET...]   long run, for `make fuzz`
#
# smoke  Each target fuzzes for FUZZ_SMOKE_SECONDS (20) on a fresh copy of its seeds
#        (tests/fuzz/corpus/<target> and tests/fuzz/regressions/<target>), so the
#        repository is never written to. Everything it writes is under
#        BUILD_DIR/fuzz-smoke/: corpus/<target>/, artifacts/<target>/, logs/.
# long   Each target fuzzes for FUZZ_SECONDS (600) on BUILD_DIR/corpus/<target>, which
#        is kept between runs and grows; the seeds are read from the repository as
#        extra, read-only corpus directories. The fuzzer runs in a child process
#        (-fork=1) and goes on after a crash, so that one session collects every crash
#        it can find (FUZZ_FORK=0: stop at the first, as smoke does). Crashes go to
#        BUILD_DIR/fuzz-artifacts/<target>/, logs to BUILD_DIR/fuzz-logs/.
# So a smoke run (make test) may run beside a long one; two of a kind may not.
#
# Targets run FUZZ_JOBS (the number of CPUs) at a time; one input may take at most
# FUZZ_TIMEOUT (10) seconds. A crash, a leak, undefined behaviour, a failed check or
# a timeout fails the target: the input is saved and the report printed, with a
# "reproduce:" line. Each target ends with one line for the CI:
#   FUZZ fuzz_csv PASS runs=812345 seconds=20 cov=163 corpus=160
#   FUZZ fuzz_gtfs FAIL exit=1 runs=5793 artifacts=1 log=build-fuzz/fuzz-smoke/logs/fuzz_gtfs.log
# and the run with "fuzz-smoke: 3 passed, 0 failed" (or "fuzz: ..."); the exit status
# is 1 when a target failed. docs/testing.md tells how to reproduce a crash.
set -uo pipefail

if [ $# -lt 2 ] || { [ "$1" != smoke ] && [ "$1" != long ]; }; then
    echo "usage: $0 smoke|long BUILD_DIR [TARGET...]" >&2
    exit 2
fi
MODE=$1
BUILD=$2
shift 2
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz_csv fuzz_gtfs fuzz_api fuzz_booking)

HERE=$(cd "$(dirname "$0")" && pwd)
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
TIMEOUT=${FUZZ_TIMEOUT:-10}
if [ "$MODE" = smoke ]; then
    SECONDS_EACH=${FUZZ_SMOKE_SECONDS:-20}
    NAME=fuzz-smoke
else
    SECONDS_EACH=${FUZZ_SECONDS:-600}
    NAME=fuzz
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

for t in "${TARGETS[@]}"; do
    if [ ! -x "$BUILD/$t" ]; then
        echo "$NAME: $BUILD/$t is missing; build it with \`make build-fuzz\`" >&2
        exit 2
    fi
done

if [ "$MODE" = smoke ]; then
    CORPORA=$BUILD/fuzz-smoke/corpus
    ARTIFACTS=$BUILD/fuzz-smoke/artifacts
    LOGS=$BUILD/fuzz-smoke/logs
else
    CORPORA=$BUILD/corpus
    ARTIFACTS=$BUILD/fuzz-artifacts
    LOGS=$BUILD/fuzz-logs
fi
mkdir -p "$LOGS"

# Runs one target; its output goes to $LOGS/<target>.log.
run_one() {
    local t=$1 corpus artifacts seeds=()
    artifacts=$ARTIFACTS/$t
    corpus=$CORPORA/$t
    mkdir -p "$artifacts"
    for d in "$HERE/corpus/$t" "$HERE/regressions/$t"; do
        [ -d "$d" ] && seeds+=("$d")
    done
    if [ "$MODE" = smoke ]; then
        rm -rf "$corpus"
        mkdir -p "$corpus"
        for d in "${seeds[@]}"; do
            cp -R "$d/." "$corpus/"
        done
        seeds=()
    else
        mkdir -p "$corpus"
    fi
    local opts=() rc=0
    [ -f "$HERE/$t.dict" ] && opts+=(-dict="$HERE/$t.dict")
    touch "$LOGS/$t.start"
    : >"$LOGS/$t.log"
    if [ "$MODE" = long ] && [ "${FUZZ_FORK:-1}" != 0 ]; then
        opts+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
        # fork mode reads the corpus with a crash-resistant merge, which skips an input
        # that crashes without a word: replay the seeds and regressions first
        "$BUILD/$t" -runs=0 -timeout="$TIMEOUT" -artifact_prefix="$artifacts/" \
            "${seeds[@]}" >>"$LOGS/$t.log" 2>&1 || rc=$?
    fi
    "$BUILD/$t" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "${opts[@]}" "$corpus" "${seeds[@]}" \
        >>"$LOGS/$t.log" 2>&1 || rc=$?
    # in fork mode the fuzzer goes on after a crash and ends with 0: count what it saved
    local found
    found=$(find "$artifacts" -type f -newer "$LOGS/$t.start" | wc -l)
    if [ "$rc" -eq 0 ] && [ "$found" -gt 0 ]; then
        rc=1
    fi
    return "$rc"
}

# Prints the line (and on failure the report) of one finished target.
report_one() {
    local t=$1 rc=$2 log=$LOGS/$1.log
    # the last status line: "#812345 DONE cov: 412 ft: 900 corp: 57/2Kb ..." (or, in
    # fork mode, "#812345: cov: 412 ft: 900 corp: 57 exec/s ...")
    local status runs cov corp secs
    status=$(grep -a -E '^#[0-9]+[:[:space:]]' "$log" | tail -1)
    runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$status")
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$status")
    secs=$(($(stat -c %Y "$LOGS/$t.end") - $(stat -c %Y "$LOGS/$t.start")))
    if [ "$rc" -eq 0 ]; then
        echo "FUZZ $t PASS runs=${runs:-?} seconds=$secs cov=${cov:-?} corpus=${corp:-?}"
        return 0
    fi
    local artifacts
    artifacts=$(find "$ARTIFACTS/$t" -type f -newer "$LOGS/$t.start" | sort)
    echo "FUZZ $t FAIL exit=$rc runs=${runs:-?} artifacts=$(wc -w <<<"$artifacts") log=$log"
    # the first report: from the first sanitizer or check message on, without the
    # frames of libFuzzer itself and the dumps of the input
    local from
    from=$(grep -a -n -m1 -E '==[0-9]+==ERROR|runtime error|check failed|fuzz_[a-z]+: |ALARM|Test unit written' "$log" | cut -d: -f1)
    sed -n "${from:-1},\$p" "$log" |
        grep -a -v -E '^MS: |^Base64: |^0x[0-9a-f]{2},|^stat::| in fuzzer::| in __libc_start| in _start | in main \(' |
        head -60 | cut -c1-300 | sed "s/^/  $t: /"
    for a in $artifacts; do
        echo "  reproduce: $BUILD/$t $a"
    done
    return 1
}

echo "$NAME: ${TARGETS[*]}, ${SECONDS_EACH} s each, $JOBS at a time"
for t in "${TARGETS[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n 2>/dev/null || true
    done
    rm -f "$LOGS/$t.rc" "$LOGS/$t.end"
    { run_one "$t"; echo $? >"$LOGS/$t.rc"; touch "$LOGS/$t.end"; } &
done
wait

passed=0
failed=()
for t in "${TARGETS[@]}"; do
    rc=$(cat "$LOGS/$t.rc" 2>/dev/null || echo 99)
    if report_one "$t" "$rc"; then
        passed=$((passed + 1))
    else
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -eq 0 ]; then
    echo "$NAME: $passed passed, 0 failed"
    exit 0
fi
echo "$NAME: $passed passed, ${#failed[@]} failed (${failed[*]})"
exit 1

#!/usr/bin/env bash
# The journey planner benchmark (`make bench-plan`, also part of `make bench`;
# docs/PERFORMANCE.md, "Journey planner").
#
#   bench/plan/run.sh [BUILD_DIR]        default: build
#
# Generates the 600,000-stop-time network with BUILD_DIR/lx_bench_gen (kept in
# bench/out/gen-600k, shared with the import benchmark, and regenerated only when
# missing), then runs BUILD_DIR/bench_plan on the shared LIRR feed and on it:
# LX_PLAN_QUERIES random queries each (fixed seed), an earliest-arrival query and a
# range query over a 2-hour window per (origin, destination, instant), pinned to one
# CPU with taskset when available. Prints the table and writes it, with the machine
# and the command, to bench/out/plan.md. About 30 seconds.
#
# Environment:
#   LX_PLAN_QUERIES=1000       queries per feed
#   LX_PLAN_SEED=42            query seed
#   LX_PLAN_HORIZON=           max_duration_seconds of the planner (default: its own)
#   LX_BENCH_CPU=0             the CPU the benchmark is pinned to
#   LX_BENCH_LIRR=PATH         the shared feed (default: <repo>/../shared/data/gtfs/lirr.zip)
#   LX_PLAN_QUERY_LOG=FILE     also write the queries drawn (bench_plan -q), to time another
#                              planner on the same ones
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BENCH=$BUILD/bench_plan
GEN=$BUILD/lx_bench_gen
OUT=$ROOT/bench/out
QUERIES=${LX_PLAN_QUERIES:-1000}
SEED=${LX_PLAN_SEED:-42}
CPU=${LX_BENCH_CPU:-0}
LIRR=${LX_BENCH_LIRR:-$ROOT/../shared/data/gtfs/lirr.zip}

die() { printf 'bench-plan: %s\n' "$*" >&2; exit 1; }
for f in "$BENCH" "$GEN"; do
    [ -x "$f" ] || die "$f is missing: build first (make build)"
done
mkdir -p "$OUT"
if [ ! -f "$OUT/gen-600k/stop_times.txt" ]; then
    "$GEN" "$OUT/gen-600k" 600000 1 >&2
fi
FEEDS=()
if [ -f "$LIRR" ]; then FEEDS+=("lirr=$LIRR"); else printf 'bench-plan: %s absent, LIRR skipped\n' "$LIRR" >&2; fi
FEEDS+=("gen-600k=$OUT/gen-600k")
PIN=()
if command -v taskset >/dev/null && taskset -c "$CPU" true 2>/dev/null; then PIN=(taskset -c "$CPU"); fi

LOG=()
if [ -n "${LX_PLAN_QUERY_LOG:-}" ]; then LOG=(-q "$LX_PLAN_QUERY_LOG"); fi
CMD=("${PIN[@]}" "$BENCH" -n "$QUERIES" -s "$SEED" "${LOG[@]}" "${FEEDS[@]}")
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)
TABLE=$("${CMD[@]}")
{
    printf '# Journey planner benchmark, %s\n\n' "$(date -u +%Y-%m-%d)"
    printf 'Machine: %s, %s CPUs; pinned: %s\n\n' "$CPU_MODEL" "$(nproc)" "${PIN[*]:-no}"
    printf 'Command: `%s`\n\n' "${CMD[*]}"
    printf '%s\n' "$TABLE"
} >"$OUT/plan.md"
printf '%s\n' "$TABLE"
printf 'bench-plan: written to %s\n' "$OUT/plan.md" >&2

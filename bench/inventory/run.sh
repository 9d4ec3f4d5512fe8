#!/usr/bin/env bash
# The seat inventory benchmark (`make bench-inventory`; docs/PERFORMANCE.md, "Seat
# inventory"): lanxang's engine and store against the Redis + Lua and PostgreSQL designs
# of bench/inventory/peers.md, side by side in this one run.
#
#   bench/inventory/run.sh [BUILD_DIR]        default: build
#
# 1. Builds bench_inv, bench_inv_util and (when their client libraries are installed)
#    peer_redis and peer_pg in BUILD_DIR.
# 2. Installs the peers' packages when missing (bench/inventory/install-peers.sh) and
#    starts private servers with bench/inventory/servers.sh in a temporary directory:
#    redis (RDB defaults, not durable), redis-aof (appendfsync always) and postgres.
#    They are stopped by PID when this script ends, however it ends. A peer that cannot
#    be installed, built or started is left out, loudly, and the rest still runs.
# 3. Runs, each measurement LX_INV_REPEAT times with the commands taking turns:
#      micro         bench_inv --micro, pinned to one CPU
#      workload a    for each thread count: lanxang mem-runlock, mem-global, mem-shard,
#                    book-mem, durable, durable-normal (bench/inventory/bench_inv.c);
#                    redis-lua, redis-lua-aof, postgres (bench/inventory/peers.md)
#      workload b    the same, for fewer thread counts
#      workload s    durable bookings alone (100% sales, bench/inventory/workload.h) over
#                    more trains, so that they do not fill up: lanxang durable and
#                    durable-normal; redis-lua-aof and postgres, the durable peers
#      utilisation   bench_inv_util (workload c), once: it is deterministic
#    Every multi-threaded command and the servers are pinned to the same CPUs
#    (LX_INV_CPUS, default the first two), so a larger machine does not hand the peers
#    more cores than lanxang. With 2 CPUs, 4 to 16 client threads oversubscribe them,
#    as a busy server's request threads would.
# 4. Writes every JSON line to bench/results/inventory-YYYY-MM-DD.jsonl (appending to
#    that day's file; each line is tagged with this run's "run_id", the "part" of the
#    run, the "repeat" and the "cmd" that printed it) and prints the report: medians
#    of the repeats, the ratios lanxang / peer, the targets. The report is also written
#    to bench/results/inventory-RUN_ID.md (RUN_ID: the UTC start time). Exits 1 when a
#    lanxang run fails or does not verify; a failing peer is reported, not fatal.
#
# The sizes of a run are totals over its threads (each thread does TOTAL / N requests),
# chosen so that a timed phase lasts up to about two seconds here (the in-memory ones of
# workload b, mostly refusals, under a tenth of a second), and the whole script four to
# five minutes:
#   LX_INV_REPEAT=3              runs per measurement (the median is reported)
#   LX_INV_THREADS="1 2 4 8 16"  client thread counts, workload a
#   LX_INV_THREADS_B="1 4 16"    client thread counts, workload b
#   LX_INV_THREADS_S="1 4 16"    client thread counts, workload s
#   LX_INV_TRAINS=100            trains (workload b sells train 0 only)
#   LX_INV_TRAINS_S=1000         trains of workload s (800 seats each: a few thousand
#                                one-seat sales fill one; refusals are reported)
#   LX_INV_OPS_MEM=600000        mem-runlock, mem-global, book-mem
#   LX_INV_OPS_SHARD=30000       mem-shard
#   LX_INV_OPS_DURABLE=64000     durable, durable-normal (batches of LX_INV_BATCH=64;
#                                book-mem batches too)
#   LX_INV_OPS_DURABLE_S=64000   durable, durable-normal in workload s
#   LX_INV_OPS_REDIS=24000       redis-lua, redis-lua-aof (pipeline: peer_redis's default)
#   LX_INV_OPS_PG=2000           postgres
#   LX_INV_UTIL_SEEDS=30         seeds of the utilisation study
#   LX_INV_SEED=1                the workload seed
#   LX_INV_CPUS=0,1              taskset CPU list for the runs and the servers
#   LX_INV_MICRO_CPU=0           the CPU of the micro benchmark
#   LX_INV_PEERS=1               0: lanxang only
#   LX_INV_INSTALL=1             0: do not run install-peers.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
HERE=$ROOT/bench/inventory
REPEAT=${LX_INV_REPEAT:-3}
THREADS=${LX_INV_THREADS:-1 2 4 8 16}
THREADS_B=${LX_INV_THREADS_B:-1 4 16}
THREADS_S=${LX_INV_THREADS_S:-1 4 16}
TRAINS=${LX_INV_TRAINS:-100}
TRAINS_S=${LX_INV_TRAINS_S:-1000}
OPS_MEM=${LX_INV_OPS_MEM:-600000}
OPS_SHARD=${LX_INV_OPS_SHARD:-30000}
OPS_DURABLE=${LX_INV_OPS_DURABLE:-64000}
OPS_DURABLE_S=${LX_INV_OPS_DURABLE_S:-64000}
OPS_REDIS=${LX_INV_OPS_REDIS:-24000}
OPS_PG=${LX_INV_OPS_PG:-2000}
BATCH=${LX_INV_BATCH:-64}
UTIL_SEEDS=${LX_INV_UTIL_SEEDS:-30}
SEED=${LX_INV_SEED:-1}
CPUS=${LX_INV_CPUS:-0,1}
MICRO_CPU=${LX_INV_MICRO_CPU:-0}
WANT_PEERS=${LX_INV_PEERS:-1}
INSTALL=${LX_INV_INSTALL:-1}

say() { printf 'bench-inventory: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
NOTES=()
note() { NOTES+=("$*"); say "NOTE: $*"; }
loud() { # a peer left out: say it so that nobody misses it
    NOTES+=("$*")
    printf '\n!!!!!!!! bench-inventory: %s\n\n' "$*" >&2
}

[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "LX_INV_REPEAT must be a positive number"
command -v python3 >/dev/null || die "python3 is needed for the report (make deps)"

# ---- build ----
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
HAVE_PEERS=0
if [ "$WANT_PEERS" = 1 ]; then
    if [ ! -x "$HERE/install-peers.sh" ] || [ ! -x "$HERE/servers.sh" ]; then
        loud "peers skipped: bench/inventory/install-peers.sh or servers.sh is missing"
    elif [ "$INSTALL" = 1 ] && ! "$HERE/install-peers.sh"; then
        loud "peers skipped: bench/inventory/install-peers.sh failed (run it as root, or LX_INV_INSTALL=0 when they are installed)"
    else
        HAVE_PEERS=1
        cmake -S "$ROOT" -B "$BUILD" >/dev/null # finds the client libraries just installed
    fi
else
    note "peers not run (LX_INV_PEERS=0)"
fi
targets=(bench_inv bench_inv_util)
if [ $HAVE_PEERS = 1 ]; then targets+=(peer_redis peer_pg); fi
# a peer whose client library is missing has no target: build the others
for t in "${targets[@]}"; do
    if ! cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target "$t" >&2; then
        case $t in
            peer_*) loud "$t does not build: left out" ;;
            *) die "$t does not build" ;;
        esac
    fi
done
BENCH=$BUILD/bench_inv
UTIL=$BUILD/bench_inv_util
if [ ! -x "$BENCH" ] || [ ! -x "$UTIL" ]; then die "$BENCH or $UTIL is missing after the build"; fi

# ---- pinning ----
PIN=(); PIN1=()
if command -v taskset >/dev/null && taskset -c "$CPUS" true 2>/dev/null; then
    PIN=(taskset -c "$CPUS")
else
    note "taskset is missing or CPUs $CPUS are not allowed: runs are not pinned"
fi
if command -v taskset >/dev/null && taskset -c "$MICRO_CPU" true 2>/dev/null; then
    PIN1=(taskset -c "$MICRO_CPU")
else
    note "the micro benchmark is not pinned to one CPU"
fi

# ---- servers ----
SRV_DIR=""
cleanup() {
    if [ -n "$SRV_DIR" ]; then "$HERE/servers.sh" clean "$SRV_DIR" >&2 || say "could not stop the servers in $SRV_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
declare -A PEER_PORT=()  # redis design -> port
PG_CONNINFO=""
PEER_DESIGNS=()
if [ $HAVE_PEERS = 1 ]; then
    SRV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lx-inv-servers.XXXXXX")
    if [ -x "$BUILD/peer_redis" ]; then
        if port=$("${PIN[@]}" "$HERE/servers.sh" start redis "$SRV_DIR"); then
            PEER_PORT[redis-lua]=$port
            PEER_DESIGNS+=(redis-lua)
        else loud "redis did not start: redis-lua left out"; fi
        if port=$("${PIN[@]}" "$HERE/servers.sh" start redis-aof "$SRV_DIR"); then
            PEER_PORT[redis-lua-aof]=$port
            PEER_DESIGNS+=(redis-lua-aof)
        else loud "redis with appendfsync always did not start: redis-lua-aof left out"; fi
    else
        loud "peer_redis was not built (libhiredis-dev missing?): the Redis designs are left out"
    fi
    if [ -x "$BUILD/peer_pg" ]; then
        if conninfo=$("${PIN[@]}" "$HERE/servers.sh" start postgres "$SRV_DIR"); then
            PG_CONNINFO=$conninfo
            PEER_DESIGNS+=(postgres)
        else loud "postgres did not start: the PostgreSQL design is left out"; fi
    else
        loud "peer_pg was not built (libpq-dev missing?): the PostgreSQL design is left out"
    fi
fi

# ---- running ----
DAY=$(date -u +%Y-%m-%d)
RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$ROOT/bench/results"
JSONL=$ROOT/bench/results/inventory-$DAY.jsonl
REPORT=$ROOT/bench/results/inventory-$RUN_ID.md
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lx-inv-run.XXXXXX")
trap 'rm -rf "$TMP"; cleanup' EXIT
FAILED=()

# record KIND REPEAT CMD...: runs CMD, tags each JSON line it prints, appends them
record() {
    local kind=$1 rep=$2 rc=0; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    if [ $rc -ne 0 ] || ! grep -q '^{' "$TMP/out"; then
        say "FAILED (exit $rc): $*"; tail -n 5 "$TMP/err" >&2
        case $* in
            *peer_*) loud "a peer failed, its row is missing: $kind: $* (exit $rc): $(tail -n 1 "$TMP/err")" ;;
            *) FAILED+=("$kind: $* (exit $rc): $(tail -n 1 "$TMP/err")") ;;
        esac
        return 0
    fi
    grep '^{' "$TMP/out" | python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    d.update(run_id=sys.argv[1], part=sys.argv[2], repeat=int(sys.argv[3]), cmd=sys.argv[4])
    print(json.dumps(d, separators=(",", ":")))' "$RUN_ID" "$kind" "$rep" "$*" >> "$JSONL"
    if [ "$kind" = utilisation ]; then cat "$TMP/err" > "$TMP/util.md"; fi
    grep '^{' "$TMP/out" | cut -c1-150 | sed 's/^/  /' >&2
}

per_thread() { echo $(( ($1 + $2 - 1) / $2 )); }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
for ((r = 1; r <= REPEAT; r++)); do
    say "micro, run $r of $REPEAT"
    record micro "$r" "${PIN1[@]}" "$BENCH" --micro --trains "$TRAINS" --seed "$SEED"
done
for wl in a b; do
    if [ $wl = a ]; then threads=$THREADS; else threads=$THREADS_B; fi
    for n in $threads; do
        for ((r = 1; r <= REPEAT; r++)); do
            say "workload $wl, $n threads, run $r of $REPEAT"
            for d in mem-runlock mem-global mem-shard book-mem durable durable-normal; do
                case $d in
                    mem-shard) ops=$OPS_SHARD ;;
                    durable*) ops=$OPS_DURABLE ;;
                    *) ops=$OPS_MEM ;; # mem-runlock, mem-global, book-mem
                esac
                extra=(); [[ $d == mem-* ]] || extra=(--batch "$BATCH")
                record "workload-$wl" "$r" "${PIN[@]}" "$BENCH" --design "$d" --workload "$wl" \
                    --threads "$n" --trains "$TRAINS" --ops-per-thread "$(per_thread "$ops" "$n")" \
                    --seed "$SEED" "${extra[@]}"
            done
            for d in "${PEER_DESIGNS[@]}"; do
                if [ "$d" = postgres ]; then
                    record "workload-$wl" "$r" "${PIN[@]}" "$BUILD/peer_pg" --conninfo "$PG_CONNINFO" \
                        --workload "$wl" --threads "$n" --trains "$TRAINS" \
                        --ops-per-thread "$(per_thread "$OPS_PG" "$n")" --seed "$SEED"
                else
                    record "workload-$wl" "$r" "${PIN[@]}" "$BUILD/peer_redis" --host 127.0.0.1 \
                        --port "${PEER_PORT[$d]}" --workload "$wl" --threads "$n" --trains "$TRAINS" \
                        --ops-per-thread "$(per_thread "$OPS_REDIS" "$n")" --seed "$SEED"
                fi
            done
        done
    done
done
# workload s: durable bookings, lanxang's durable designs and the durable peers
for n in $THREADS_S; do
    for ((r = 1; r <= REPEAT; r++)); do
        say "workload s, $n threads, run $r of $REPEAT"
        for d in durable durable-normal; do
            record workload-s "$r" "${PIN[@]}" "$BENCH" --design "$d" --workload s \
                --threads "$n" --trains "$TRAINS_S" --ops-per-thread "$(per_thread "$OPS_DURABLE_S" "$n")" \
                --seed "$SEED" --batch "$BATCH"
        done
        for d in "${PEER_DESIGNS[@]}"; do
            case $d in
                postgres)
                    record workload-s "$r" "${PIN[@]}" "$BUILD/peer_pg" --conninfo "$PG_CONNINFO" \
                        --workload s --threads "$n" --trains "$TRAINS_S" \
                        --ops-per-thread "$(per_thread "$OPS_PG" "$n")" --seed "$SEED" ;;
                redis-lua-aof)
                    record workload-s "$r" "${PIN[@]}" "$BUILD/peer_redis" --host 127.0.0.1 \
                        --port "${PEER_PORT[$d]}" --workload s --threads "$n" --trains "$TRAINS_S" \
                        --ops-per-thread "$(per_thread "$OPS_REDIS" "$n")" --seed "$SEED" ;;
            esac
        done
    done
done
say "utilisation study ($UTIL_SEEDS seeds)"
record utilisation 1 "$UTIL" --seeds "$UTIL_SEEDS" --seed "$SEED"
T_END=$(date +%s)
cleanup; SRV_DIR=""

# ---- the report ----
cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem_total=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""; [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ] && dirty=" (with uncommitted changes)"
versions="$(redis-server --version 2>/dev/null | awk '{print "Redis " substr($3, 3)}' || true)"
pgv=$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -n 1 || true)
[ -z "$pgv" ] || versions+=", $("$pgv" --version | awk '{print "PostgreSQL " $3}')"
versions+=", SQLite $(pkg-config --modversion sqlite3 2>/dev/null || echo '?')"
{
    echo "# lanxang seat inventory benchmark"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty; $(nproc) CPUs ($cpu_model), $mem_total RAM,"
    echo "$(uname -sr); $versions. Load average before the runs: $LOAD_BEFORE."
    if [ ${#PIN[@]} -gt 0 ]; then echo "Runs and servers pinned to CPUs $CPUS (taskset -c $CPUS); micro to CPU $MICRO_CPU."; fi
    echo "Run id $RUN_ID; $REPEAT runs per measurement, the median shown; $((T_END - T_START)) s in all."
    echo "Command: \`bench/inventory/run.sh ${1:-build}\` (settings, LX_INV_*: REPEAT=$REPEAT TRAINS=$TRAINS TRAINS_S=$TRAINS_S THREADS=\"$THREADS\" THREADS_B=\"$THREADS_B\" THREADS_S=\"$THREADS_S\" OPS_MEM=$OPS_MEM OPS_SHARD=$OPS_SHARD OPS_DURABLE=$OPS_DURABLE OPS_DURABLE_S=$OPS_DURABLE_S BATCH=$BATCH OPS_REDIS=$OPS_REDIS OPS_PG=$OPS_PG SEED=$SEED)"
    python3 - "$JSONL" "$RUN_ID" <<'EOF'
import json, sys, statistics
from collections import defaultdict
path, run_id = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(path) if l.strip()]
rows = [r for r in rows if r.get("run_id") == run_id]

def med(rs, key="ops_per_s"):
    """the run with the median of key (the lower median for an even count)"""
    rs = sorted(rs, key=lambda r: r[key])
    return rs[(len(rs) - 1) // 2]

def fmt(x):
    return f"{x:,.0f}"

def thr(n):
    return f"{n} thread" + ("" if n == 1 else "s")

micro = defaultdict(list)
for r in rows:
    if r["part"] == "micro":
        micro[(r["op"], r["policy"], r["runs"])].append(r)
print("\n### Micro: the engine alone, one thread, one CPU\n")
print("| operation | runs | per second | ns each |")
print("|---|---:|---:|---:|")
names = {("sell", "best_fit"): "sell (best fit), filling trains; refusals included",
         ("sell", "first_fit"): "sell (first fit), filling trains; refusals included",
         ("refund", "-"): "refund",
         ("avail", "-"): "availability query"}
for k in sorted(micro, key=lambda k: (["avail", "sell", "refund"].index(k[0]), k[1], k[2])):
    m = med(micro[k])
    print(f"| {names.get(k[:2], k[0])} | {k[2]} | {fmt(m['ops_per_s'])} | {m['ns_per_op']:.1f} |")

runs = defaultdict(list)
for r in rows:
    if r["part"].startswith("workload-"):
        runs[(r["workload"], r["design"], r["threads"])].append(r)
designs = ["mem-runlock", "mem-global", "mem-shard", "book-mem", "durable", "durable-normal",
           "redis-lua", "redis-lua-aof", "postgres-skip-locked"]
present = [d for d in designs if any(k[1] == d for k in runs)]
present += sorted({k[1] for k in runs} - set(present))
ratios = [("mem-runlock", "redis-lua"), ("durable", "redis-lua-aof"),
          ("durable", "postgres-skip-locked"), ("mem-runlock", "postgres-skip-locked")]
ratios = [p for p in ratios if p[0] in present and p[1] in present]
for wl in "ab":
    threads = sorted({k[2] for k in runs if k[0] == wl})
    if not threads:
        continue
    print(f"\n### Workload {wl}: requests per second (median of the runs)\n")
    head = ["threads"] + present + [f"{a} / {b}" for a, b in ratios]
    print("| " + " | ".join(head) + " |")
    print("|" + "---:|" * len(head))
    for n in threads:
        cells = [str(n)]
        for d in present:
            rs = runs.get((wl, d, n))
            cells.append(fmt(med(rs)["ops_per_s"]) if rs else "–")
        for a, b in ratios:
            ra, rb = runs.get((wl, a, n)), runs.get((wl, b, n))
            cells.append(f"{med(ra)['ops_per_s'] / med(rb)['ops_per_s']:.1f}×" if ra and rb else "–")
        print("| " + " | ".join(cells) + " |")
    print(f"\n### Workload {wl}: latency p50 / p99 in µs (of a request, or of a batch: durable "
          "= batches of its requests, redis = pipelined batches), and sales refused\n")
    print("| design | " + " | ".join(thr(n) for n in threads) + " |")
    print("|---|" + "---:|" * len(threads))
    for d in present:
        cells = []
        for n in threads:
            rs = runs.get((wl, d, n))
            if not rs:
                cells.append("–")
                continue
            m = med(rs)
            cells.append(f"{m['p50_us']:.1f} / {m['p99_us']:.1f}"
                         + (f" ({m['latency_of']})" if m["latency_of"] != "request" else "")
                         + (f", {m['refused']:,} refused" if m["refused"] else ""))
        print(f"| {d} | " + " | ".join(cells) + " |")
    dur = [med(v) for k, v in runs.items() if k[0] == wl and k[1] == "durable"]
    if dur:
        best = max(dur, key=lambda r: r["purchases_per_s"])
        print(f"\nDurable (synchronous=FULL), workload {wl}: at most {fmt(best['purchases_per_s'])} "
              f"sales/s acknowledged on disk ({fmt(best['writes_per_s'])} writes/s, sales + "
              f"refusals + refunds) at {thr(best['threads'])}, "
              f"{best.get('changes_per_commit', 0):.0f} changes per commit.")

sd = ["durable", "durable-normal", "redis-lua-aof", "postgres-skip-locked"]
sd = [d for d in sd if any(k[0] == "s" and k[1] == d for k in runs)]
sthreads = sorted({k[2] for k in runs if k[0] == "s"})
if sthreads:
    strains = sorted({r["trains"] for v in runs.values() for r in v if r["workload"] == "s"})
    print(f"\n### Workload s: durable bookings per second (sales acknowledged on disk; "
          f"{', '.join(map(str, strains))} trains; median of the runs)\n")
    sratios = [(a, b) for a, b in [("durable", "redis-lua-aof"), ("durable", "postgres-skip-locked")]
               if a in sd and b in sd]
    head = ["threads"] + sd + [f"{a} / {b}" for a, b in sratios]
    print("| " + " | ".join(head) + " |")
    print("|" + "---:|" * len(head))
    for n in sthreads:
        cells = [str(n)]
        for d in sd:
            rs = runs.get(("s", d, n))
            cells.append(fmt(med(rs, "purchases_per_s")["purchases_per_s"]) if rs else "–")
        for a, b in sratios:
            ra, rb = runs.get(("s", a, n)), runs.get(("s", b, n))
            cells.append(f"{med(ra, 'purchases_per_s')['purchases_per_s'] / med(rb, 'purchases_per_s')['purchases_per_s']:.1f}×"
                         if ra and rb else "–")
        print("| " + " | ".join(cells) + " |")
    print("\nLatency p50 / p99 in µs (durable: of a batch of 64 sales; redis: of 32 pipelined; "
          "postgres: of one), sales refused (sold out), and for lanxang the CPU time of the "
          "whole process per sale:\n")
    print("| design | " + " | ".join(thr(n) for n in sthreads) + " |")
    print("|---|" + "---:|" * len(sthreads))
    for d in sd:
        cells = []
        for n in sthreads:
            rs = runs.get(("s", d, n))
            if not rs:
                cells.append("–")
                continue
            m = med(rs, "purchases_per_s")
            cells.append(f"{m['p50_us']:.1f} / {m['p99_us']:.1f}, {m['refused']:,} refused"
                         + (f", {m['cpu_us_per_op']:.1f} µs CPU" if "cpu_us_per_op" in m else ""))
        print(f"| {d} | " + " | ".join(cells) + " |")
    dur = [med(v, "purchases_per_s") for k, v in runs.items() if k[0] == "s" and k[1] == "durable"]
    if dur:
        best = max(dur, key=lambda r: r["purchases_per_s"])
        print(f"\nDurable (synchronous=FULL), workload s: at most {fmt(best['purchases_per_s'])} "
              f"bookings/s acknowledged on disk at {thr(best['threads'])}, "
              f"{best.get('changes_per_commit', 0):.0f} changes per commit.")

print("\n### Targets\n")
print("| target | measured | |")
print("|---|---|---|")
av = [med(v) for k, v in micro.items() if k[0] == "avail"]
if av:
    lo = min(r["ops_per_s"] for r in av)
    print(f"| ≥ 10 M availability queries/s per core | {', '.join(fmt(r['ops_per_s']) + '/s on ' + str(r['runs']) + ' run(s)' for r in av)} "
          f"| {'met' if lo >= 10e6 else 'NOT met'} |")
dur = [med(v) for k, v in runs.items() if k[0] == "a" and k[1] == "durable"]
durs = [med(v, "purchases_per_s") for k, v in runs.items() if k[0] == "s" and k[1] == "durable"]
if durs:
    best = max(durs, key=lambda r: r["purchases_per_s"])
    also = ""
    if dur:
        ba = max(dur, key=lambda r: r["purchases_per_s"])
        also = f"; workload a: {fmt(ba['purchases_per_s'])} sales/s among its queries and refunds at {thr(ba['threads'])}"
    print(f"| ≥ 100,000 durable bookings/s (2 cores) | {fmt(best['purchases_per_s'])} bookings/s "
          f"at {thr(best['threads'])} (workload s, {best['refused']:,} refused{also}) "
          f"| {'met' if best['purchases_per_s'] >= 1e5 else 'NOT met'} |")
elif dur:
    best = max(dur, key=lambda r: r["purchases_per_s"])
    bw = max(dur, key=lambda r: r["writes_per_s"])
    print(f"| ≥ 100,000 durable bookings/s (2 cores) | {fmt(best['purchases_per_s'])} sales/s "
          f"at {thr(best['threads'])} (workload a; {fmt(bw['writes_per_s'])} writes/s at {thr(bw['threads'])}) "
          f"| {'met' if best['purchases_per_s'] >= 1e5 else 'NOT met'} |")
for a, b, want in [("mem-runlock", "redis-lua", 10), ("durable", "redis-lua-aof", 10),
                   ("durable", "postgres-skip-locked", 50), ("mem-runlock", "postgres-skip-locked", 50)]:
    xs = []
    for n in sorted({k[2] for k in runs if k[0] == "a"}):
        ra, rb = runs.get(("a", a, n)), runs.get(("a", b, n))
        if ra and rb:
            xs.append((n, med(ra)["ops_per_s"] / med(rb)["ops_per_s"]))
    if xs:
        ok = [n for n, x in xs if x >= want]
        verdict = "met at every thread count" if len(ok) == len(xs) else \
            ("NOT met" if not ok else f"met at {', '.join(map(str, ok))} thread(s) only")
        print(f"| ≥ {want}× {b} (workload a) | {a}: {', '.join(f'{x:.1f}× ({n})' for n, x in xs)} | {verdict} |")
summ = {(r["train"], r["mode"], r["policy"]): r for r in rows
        if r["part"] == "utilisation" and r.get("kind") == "summary"}
for train in sorted({k[0] for k in summ}):
    for mode in ["demand-1.0", "churn-2.0"]:
        b, f = summ.get((train, mode, "best_fit")), summ.get((train, mode, "first_fit"))
        if not b or not f:
            continue
        more = b["seat_km_vs_first_fit"] > 2 * b["seat_km_vs_first_fit_se"]
        fewer = b["refused_vs_first_fit"] < -2 * b["refused_vs_first_fit_se"]
        print(f"| more seat-km and fewer refusals than first fit ({train}, {mode}) | seat-km "
              f"{b['seat_km_vs_first_fit']:+,.0f} ± {b['seat_km_vs_first_fit_se']:,.0f} "
              f"({100 * b['seat_km_vs_first_fit'] / f['seat_km']:+.2f}%), refusals "
              f"{b['refused_vs_first_fit']:+.1f} ± {b['refused_vs_first_fit_se']:.1f} per train "
              f"(mean of {b['seeds']} seeds) | "
              f"{'met' if more and fewer else 'NOT met' if not more and not fewer else 'more seat-km: ' + ('yes' if more else 'no') + '; fewer refusals: ' + ('yes' if fewer else 'no')} |")
EOF
    if [ -f "$TMP/util.md" ]; then
        echo
        echo "### Utilisation (workload c): bench_inv_util --seeds $UTIL_SEEDS"
        cat "$TMP/util.md"
    fi
    if [ ${#NOTES[@]} -gt 0 ] || [ ${#FAILED[@]} -gt 0 ]; then
        echo
        echo "### Notes"
        echo
        for n in "${NOTES[@]}"; do echo "- $n"; done
        for f in "${FAILED[@]}"; do echo "- FAILED: $f"; done
    fi
} | tee "$REPORT"
say "JSON lines: $JSONL (run_id $RUN_ID); report: $REPORT"
if [ ${#FAILED[@]} -gt 0 ]; then
    die "${#FAILED[@]} lanxang command(s) failed or did not verify (see above)"
fi

#!/usr/bin/env bash
# The import benchmark (`make bench`; docs/PERFORMANCE.md explains the figures).
#
#   bench/run.sh [BUILD_DIR]        default: build
#
# Generates GTFS feeds of 600,000 and 2,000,000 stop times with build/lx_bench_gen
# (and zips the first when `zip` is installed), then measures on them and on the
# shared LIRR feed, side by side in this one run:
#   lanxang validate   read + validate + build the timetable in memory
#   lanxang import     the same + write the validated feed into a fresh data directory,
#                      fsync'ed
#   python csv         bench/peers/python_csv_load.py (csv module, dict per row, grouped
#                      by trip, sorted by stop_sequence)
#   sqlite3 .import    stop_times.txt into a fresh database + an index on
#                      (trip_id, stop_sequence)
#   pandas read_csv    bench/peers/pandas_read_csv.py, when python3-pandas is installed
# Each command runs LX_BENCH_REPEAT times (default 3; the commands take turns), pinned
# to CPU 0 with `taskset -c 0` (when available), under GNU /usr/bin/time -v; the table shows the
# median wall time, stop times per second, the peak RSS and the ratio
# peer time / lanxang time. Results: bench/out/results.md (+ raw.tsv, every run).
#
# Environment:
#   LX_BENCH_REPEAT=3          runs per measurement
#   LX_BENCH_SIZES="600000 2000000"   generated feeds (stop times)
#   LX_BENCH_SEED=1            generator seed
#   LX_BENCH_CPU=0             the CPU every command is pinned to
#   LX_BENCH_LIRR=PATH         the shared feed (default: <repo>/../shared/data/gtfs/lirr.zip)
#   LX_BENCH_INSTALL=1         apt-get install the optional peers' packages when missing
#                              (python3-pandas, zip); by default they are skipped
#   PYTHON=/usr/bin/python3    the interpreter for the Python peers
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
LANXANG=$BUILD/lanxang
GEN=$BUILD/lx_bench_gen
OUT=$ROOT/bench/out
REPEAT=${LX_BENCH_REPEAT:-3}
SIZES=${LX_BENCH_SIZES:-600000 2000000}
SEED=${LX_BENCH_SEED:-1}
CPU_PIN=${LX_BENCH_CPU:-0}
TOP=$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null || echo "$ROOT")
LIRR=${LX_BENCH_LIRR:-$TOP/../shared/data/gtfs/lirr.zip}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=$(command -v python3 || true); fi
fi

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

for f in "$LANXANG" "$GEN"; do
    [ -x "$f" ] || die "$f is missing: build first (make build, or make bench)"
done
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time, Debian package time) is missing: make deps"
[ "${BASH_VERSINFO[0]}" -ge 5 ] || die "bash 5 or newer is needed (EPOCHREALTIME)"
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "LX_BENCH_REPEAT must be a positive number"

NOTES=()
note() { NOTES+=("$*"); say "bench: $*"; }

# ---- optional peers ----
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if [ "${LX_BENCH_INSTALL:-0}" = 1 ]; then
    missing=()
    for p in python3-pandas zip; do have_pkg "$p" || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
        say "bench: installing the optional peers' packages: ${missing[*]}"
        "${SUDO[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
fi
HAVE_PYTHON=0; HAVE_SQLITE=0; HAVE_PANDAS=0; HAVE_ZIP=0
if [ -n "$PYTHON" ] && "$PYTHON" -c 'import csv' 2>/dev/null; then HAVE_PYTHON=1
else note "python csv peer skipped: no python3 (make deps installs it)"; fi
if command -v sqlite3 >/dev/null; then HAVE_SQLITE=1
else note "sqlite3 peer skipped: the sqlite3 command is missing (make deps installs it)"; fi
if [ $HAVE_PYTHON = 1 ] && "$PYTHON" -c 'import pandas' 2>/dev/null; then HAVE_PANDAS=1
else note "pandas peer skipped: pandas is not importable by $PYTHON (apt-get install python3-pandas, or LX_BENCH_INSTALL=1)"; fi
if command -v zip >/dev/null && command -v unzip >/dev/null; then HAVE_ZIP=1
else note "zipped generated feed skipped: zip/unzip are missing (apt-get install zip unzip)"; fi

PIN=()
if command -v taskset >/dev/null && taskset -c "$CPU_PIN" true 2>/dev/null; then
    PIN=(taskset -c "$CPU_PIN")
else
    note "taskset is missing or CPU $CPU_PIN is not allowed: runs are not pinned to one core"
fi

mkdir -p "$OUT"
RAW=$OUT/raw.tsv
printf 'feed\ttool\trun\twall_s\tmax_rss_kib\tuser_s\tsys_s\tstop_times\n' > "$RAW"

# ---- feeds ----
FEEDS=()        # keys
declare -A FPATH FDESC FCOUNT
if [ -f "$LIRR" ]; then
    FEEDS+=(lirr); FPATH[lirr]=$LIRR; FCOUNT[lirr]=""
    FDESC[lirr]="shared LIRR feed, zip ($(du -k "$LIRR" | cut -f1) KiB; stop_times.txt $( (unzip -l "$LIRR" 2>/dev/null || true) | awk '$4=="stop_times.txt"{printf "%.1f MB", $1/1e6}') uncompressed)"
else
    note "the shared feed $LIRR is missing: skipped"
fi
label_of() { # 600000 -> 600k, 2000000 -> 2M
    local n=$1
    if (( n % 1000000 == 0 )); then echo "$((n / 1000000))M"
    elif (( n % 1000 == 0 )); then echo "$((n / 1000))k"
    else echo "$n"; fi
}
FIRST_GEN=""
for n in $SIZES; do
    key=gen-$(label_of "$n")
    dir=$OUT/$key
    rm -rf "$dir"
    t0=$EPOCHREALTIME
    "$GEN" "$dir" "$n" "$SEED" >&2
    t1=$EPOCHREALTIME
    say "bench: generated $key in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s"
    FEEDS+=("$key"); FPATH[$key]=$dir; FCOUNT[$key]=$n
    FDESC[$key]="generated folder, seed $SEED (stop_times.txt $(awk -v b="$(stat -c %s "$dir/stop_times.txt")" 'BEGIN{printf "%.1f MB", b/1e6}'))"
    if [ -z "$FIRST_GEN" ]; then
        FIRST_GEN=$key
        if [ $HAVE_ZIP = 1 ]; then
            z=$OUT/$key.zip
            rm -f "$z"
            (cd "$dir" && zip -q -X "$z" ./*.txt)
            FEEDS+=("$key.zip"); FPATH[$key.zip]=$z; FCOUNT[$key.zip]=$n
            FDESC[$key.zip]="the same feed zipped with zip, default level ($(du -k "$z" | cut -f1) KiB)"
        fi
    fi
done
[ ${#FEEDS[@]} -gt 0 ] || die "no feed to measure"

# ---- measuring ----
declare -A WALL RSS CPU COUNT STATUS
TMP=$OUT/tmp
rm -rf "$TMP"; mkdir -p "$TMP"
DATA=$OUT/data
DB=$OUT/peer.db

usec() { local t=${1/./}; echo $((10#$t)); } # EPOCHREALTIME -> microseconds

# prep_cmd FEED TOOL: the command line of TOOL on FEED into the array CMD, after
# clearing what the previous run left (data directory, database)
prep_cmd() {
    local feed=$1 tool=$2 path=${FPATH[$1]}
    case $tool in
        validate) CMD=("$LANXANG" --no-builtin validate "$path") ;;
        import)   rm -rf "$DATA"; CMD=("$LANXANG" --no-builtin --data "$DATA" import "$path" --name bench) ;;
        python)   CMD=("$PYTHON" "$ROOT/bench/peers/python_csv_load.py" "$path") ;;
        pandas)   CMD=("$PYTHON" "$ROOT/bench/peers/pandas_read_csv.py" "$path") ;;
        sqlite)
            rm -f "$DB" "$DB-journal" "$DB-wal"
            local src
            if [ -d "$path" ]; then src=$path/stop_times.txt; else src="|unzip -p '$path' stop_times.txt"; fi
            CMD=(sqlite3 "$DB" ".mode csv" ".import \"$src\" stop_times"
                 "CREATE INDEX stop_times_trip ON stop_times(trip_id, stop_sequence);"
                 "SELECT 'stop_times', count(*) FROM stop_times;") ;;
        *) die "unknown tool $tool" ;;
    esac
}

# the number of stop times a tool reports having read
count_of() {
    local tool=$1 file=$2
    case $tool in
        validate|import) awk '$1=="stop" && $2=="times" {print $3}' "$file" ;;
        python|pandas)   awk '$1=="stop_times" {print $2}' "$file" ;;
        sqlite)          awk -F, '$1=="stop_times" {print $2}' "$file" ;;
    esac
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# one run of TOOL on FEED; its figures are appended to W_RUNS, C_RUNS and RSS
run_once() {
    local feed=$1 tool=$2 i=$3 k="$1|$2" t0 t1 rc=0 w r u s c
    [ "${STATUS[$k]:-ok}" = ok ] || return 0
    prep_cmd "$feed" "$tool"
    t0=$EPOCHREALTIME
    "${PIN[@]}" /usr/bin/time -v -o "$TMP/time" "${CMD[@]}" >"$TMP/out" 2>"$TMP/err" || rc=$?
    t1=$EPOCHREALTIME
    if [ $rc -ne 0 ]; then
        say "bench: $feed / $tool failed (exit $rc):"; tail -n 20 "$TMP/out" "$TMP/err" >&2
        STATUS[$k]="failed (exit $rc)"
        if [[ $tool == validate || $tool == import ]]; then die "lanxang failed on $feed"; fi
        return 0
    fi
    if [ "$tool" = validate ] && grep -q '^[1-9][0-9]* errors' "$TMP/out"; then
        die "lanxang finds errors in $feed: $(grep -m1 errors "$TMP/out")"
    fi
    w=$(awk -v a="$(usec "$t0")" -v b="$(usec "$t1")" 'BEGIN{printf "%.6f", (b-a)/1e6}')
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/time")
    u=$(awk -F': ' '/User time \(seconds\)/ {print $2}' "$TMP/time")
    s=$(awk -F': ' '/System time \(seconds\)/ {print $2}' "$TMP/time")
    c=$(count_of "$tool" "$TMP/out")
    printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n' "$feed" "$tool" "$i" "$w" "$r" "$u" "$s" "$c" >> "$RAW"
    W_RUNS[$k]+="$w "
    C_RUNS[$k]+="$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}') "
    if (( r > ${RSS[$k]:-0} )); then RSS[$k]=$r; fi
    [ -n "${FCOUNT[$feed]}" ] || FCOUNT[$feed]=$c
    if [ "$c" != "${FCOUNT[$feed]}" ]; then
        note "$tool read $c stop times of $feed, expected ${FCOUNT[$feed]}"
    fi
    COUNT[$k]=$c
}

TOOLS=(validate import)
if [ $HAVE_PYTHON = 1 ]; then TOOLS+=(python); fi
if [ $HAVE_SQLITE = 1 ]; then TOOLS+=(sqlite); fi
if [ $HAVE_PANDAS = 1 ]; then TOOLS+=(pandas); fi
declare -A TNAME=(
    [validate]="lanxang validate"
    [import]="lanxang import (+ write, fsync)"
    [python]="Python csv → dicts per trip"
    [sqlite]="sqlite3 .import + index"
    [pandas]="pandas.read_csv"
)

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$EPOCHREALTIME
declare -A W_RUNS C_RUNS
# the runs of all commands on a feed alternate, so that a burst of other work on the
# machine does not fall on one command only
for feed in "${FEEDS[@]}"; do
    for ((i = 1; i <= REPEAT; i++)); do
        say "bench: $feed, run $i of $REPEAT: ${TOOLS[*]}"
        for tool in "${TOOLS[@]}"; do
            run_once "$feed" "$tool" "$i"
        done
    done
    for tool in "${TOOLS[@]}"; do
        k="$feed|$tool"
        [ "${STATUS[$k]:-ok}" = ok ] || continue
        STATUS[$k]=ok
        # shellcheck disable=SC2086 # word splitting wanted
        WALL[$k]=$(median ${W_RUNS[$k]})
        # shellcheck disable=SC2086
        CPU[$k]=$(median ${C_RUNS[$k]})
    done
done

# fixed start-up costs, for reading the small feed's figures
declare -A BASE
BASE_ORDER=()
base() { # name command...
    local name=$1 walls=() i; shift
    for ((i = 1; i <= REPEAT; i++)); do
        local t0=$EPOCHREALTIME
        "${PIN[@]}" "$@" >/dev/null 2>&1 || true
        local t1=$EPOCHREALTIME
        walls+=("$(awk -v a="$(usec "$t0")" -v b="$(usec "$t1")" 'BEGIN{printf "%.6f", (b-a)/1e6}')")
    done
    BASE[$name]=$(median "${walls[@]}")
    BASE_ORDER+=("$name")
}
base "lanxang --version" "$LANXANG" --version
if [ $HAVE_PYTHON = 1 ]; then base "python3 -c pass" "$PYTHON" -c pass; fi
if [ $HAVE_PANDAS = 1 ]; then base "python3 -c 'import pandas'" "$PYTHON" -c 'import pandas'; fi
if [ $HAVE_SQLITE = 1 ]; then base "sqlite3 :memory: 'select 1'" sqlite3 :memory: 'select 1'; fi
T_END=$EPOCHREALTIME
rm -rf "$TMP" "$DATA" "$DB" "$DB-journal" "$DB-wal"

# ---- the report ----
fmt_int() { awk -v n="$1" 'BEGIN{s=sprintf("%d", n); r=""; while (length(s) > 3) { r="," substr(s, length(s)-2) r; s=substr(s, 1, length(s)-3) } print s r}'; }
cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem_total=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""; [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ] && dirty=" (with uncommitted changes)"
fs=$(df -T "$OUT" | awk 'NR==2 {print $2 " on " $1}')
versions="lanxang $("$LANXANG" --version | awk '{print $2}')"
if [ $HAVE_PYTHON = 1 ]; then versions+=", Python $("$PYTHON" -c 'import platform; print(platform.python_version())')"; fi
if [ $HAVE_PANDAS = 1 ]; then versions+=", pandas $("$PYTHON" -c 'import pandas; print(pandas.__version__)')"; fi
if [ $HAVE_SQLITE = 1 ]; then versions+=", SQLite $(sqlite3 --version | awk '{print $1}')"; fi

{
    echo "# lanxang import benchmark"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty; $(nproc) CPUs ($cpu_model), $mem_total RAM,"
    echo "$(uname -sr), data written to $fs; $versions."
    if [ ${#PIN[@]} -gt 0 ]; then printf 'Every command pinned to CPU %s (taskset -c %s). ' "$CPU_PIN" "$CPU_PIN"; else printf 'Commands NOT pinned to one CPU. '; fi
    echo "Load average before the runs: $LOAD_BEFORE (other work on the machine shows up as noise)."
    echo "Median wall time of $REPEAT runs (whole process: start-up, reading, decompressing, parsing, building, exit); peak RSS is the largest of the runs."
    echo "×: this command's time ÷ lanxang's time on the same feed (above 1: slower than lanxang)."
    for feed in "${FEEDS[@]}"; do
        n=${FCOUNT[$feed]}
        echo
        echo "### $feed: $(fmt_int "$n") stop times"
        echo
        echo "${FDESC[$feed]}"
        echo
        echo "| command | wall s | stop times/s | peak RSS MiB | CPU s | × lanxang validate | × lanxang import |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        v=${WALL[$feed|validate]}; im=${WALL[$feed|import]}
        for tool in "${TOOLS[@]}"; do
            if [ "${STATUS[$feed|$tool]}" != ok ]; then
                echo "| ${TNAME[$tool]} | ${STATUS[$feed|$tool]} | | | | | |"; continue
            fi
            w=${WALL[$feed|$tool]}
            awk -v name="${TNAME[$tool]}" -v w="$w" -v n="${COUNT[$feed|$tool]}" -v r="${RSS[$feed|$tool]}" \
                -v c="${CPU[$feed|$tool]}" -v v="$v" -v im="$im" '
                function commas(x,   s, o) { s = sprintf("%d", x); o = "";
                    while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
                    return s o }
                BEGIN { printf "| %s | %.3f | %s | %.1f | %.2f | %.2f | %.2f |\n",
                        name, w, commas(n / w), r / 1024, c, w / v, w / im }'
        done
    done
    echo
    # shellcheck disable=SC2016 # the backquotes are Markdown
    echo "Start-up alone (median of $REPEAT): $(for k in "${BASE_ORDER[@]}"; do printf '`%s` %.3f s; ' "$k" "${BASE[$k]}"; done | sed 's/; $//')."
    echo
    echo "### Targets"
    echo
    judged=0
    for feed in "${FEEDS[@]}"; do
        # small feeds measure process start-up more than reading; judge on the big ones
        n=${FCOUNT[$feed]}
        if [[ $feed != gen-* ]] || (( n < 100000 )); then continue; fi
        judged=1
        awk -v f="$feed" -v n="${FCOUNT[$feed]}" -v w="${WALL[$feed|validate]}" -v c="${CPU[$feed|validate]}" '
            BEGIN { r = n / w; printf "- %s: lanxang validate reads %.2f M stop times/s (wall, one core; CPU %.2f s) — %s\n",
                    f, r / 1e6, c, (r >= 1e6 ? "meets ≥ 1 M/s" : "MISSES ≥ 1 M/s")
                    if (n == 600000) printf "- %s: 600,000 stop times load in %.3f s — %s\n", f, w,
                        (w < 1 ? "meets < 1 s" : "MISSES < 1 s") }'
    done
    if [ $judged = 0 ]; then echo "No generated feed of 100,000 stop times or more in this run: targets not judged."; fi
    if [ ${#NOTES[@]} -gt 0 ]; then
        echo
        echo "### Notes"
        echo
        for x in "${NOTES[@]}"; do echo "- $x"; done
    fi
    echo
    echo "Benchmark run time: $(awk -v a="$(usec "$T_START")" -v b="$(usec "$T_END")" 'BEGIN{printf "%.0f", (b-a)/1e6}') s (plus feed generation). Every run: bench/out/raw.tsv."
} > "$OUT/results.md"

cat "$OUT/results.md"

#!/usr/bin/env bash
# The HTTP server benchmark (`make bench-http`; docs/PERFORMANCE.md, "HTTP server"):
# `lanxang serve` under wrk, beside nginx serving the same search answer as a static
# file (the ceiling of a static-file server on this machine), side by side in this one run.
#
#   bench/http/run.sh [BUILD_DIR]        default: build
#
# 1. Installs wrk and nginx (Debian packages) when missing, as root or through sudo.
# 2. Starts, as ordinary processes in a temporary directory, stopped by PID however this
#    script ends:
#      lanxang  BUILD_DIR/lanxang --data TMP/data serve --listen 127.0.0.1:PORT --quiet
#               --threads LX_HTTP_THREADS, with LANXANG_NOW=2026-12-19T10:00:00+07:00 so
#               that the booked departures are in the sales window
#      nginx    its own config (TMP/nginx/nginx.conf: daemon off, pid file, logs and
#               temp paths in TMP, one worker, access log off) on 127.0.0.1:PORT2,
#               answering /api/v1/trains and /api/v1/offers with copies of lanxang's
#               answers to the same search (fetched with curl at the start)
#    Both servers are pinned to LX_HTTP_SERVER_CPUS (default CPU 1), wrk to
#    LX_HTTP_CLIENT_CPUS (default CPU 0), with taskset: on 2 cores, each side has one.
# 3. Runs wrk -t2 -c32 -dLX_HTTP_SECONDS --latency:
#      search   GET /api/v1/trains?from=Vientiane&to=Luang%20Prabang&date=2026-12-20
#               and /api/v1/offers (same query): lanxang, then nginx
#      booking  POST /api/v1/bookings (bench/http/book.lua: one passenger, second class,
#               C86/C82/C88 over 180 dates so seats do not run out; 409s counted apart)
#      p99 at 80% of peak  wrk has no fixed rate (-R is wrk2's). When wrk2 is installed
#               it runs at 0.8 x the peak rate (-c32). Otherwise an approximation: wrk
#               closed-loop with LX_HTTP_SWEEP connections (1 2 4 8 16), each for
#               LX_HTTP_SWEEP_SECONDS; the first whose rate reaches 80% of the -c32 peak
#               is reported, with its p99. Closed loop, so coordinated omission is not
#               corrected: the p99 of an open-loop load at that rate may be higher.
# 4. Writes the JSON lines to bench/results/http-YYYY-MM-DD.jsonl (appended, each tagged
#    with run_id, server, workload, connections) and the report to
#    bench/results/http-RUN_ID.md (RUN_ID: the UTC start time), also printed.
#
# Environment:
#   LX_HTTP_SECONDS=10          duration of a peak run
#   LX_HTTP_SWEEP="1 2 4 8 16"  connection counts of the 80% sweep
#   LX_HTTP_SWEEP_SECONDS=5     duration of a sweep run
#   LX_HTTP_THREADS=2           lanxang serve --threads
#   LX_HTTP_SERVER_CPUS=1  LX_HTTP_CLIENT_CPUS=0   taskset CPU lists
#   LX_HTTP_PORT=58080  LX_HTTP_NGINX_PORT=58081   first ports tried
#   LX_HTTP_INSTALL=1           0: do not install wrk / nginx
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
HERE=$ROOT/bench/http
LANXANG=$BUILD/lanxang
SECONDS_PEAK=${LX_HTTP_SECONDS:-10}
SWEEP=${LX_HTTP_SWEEP:-1 2 4 8 16}
SWEEP_SECONDS=${LX_HTTP_SWEEP_SECONDS:-5}
THREADS=${LX_HTTP_THREADS:-2}
SCPU=${LX_HTTP_SERVER_CPUS:-1}
CCPU=${LX_HTTP_CLIENT_CPUS:-0}
NOW=2026-12-19T10:00:00+07:00
QUERY='from=Vientiane&to=Luang%20Prabang&date=2026-12-20'
RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$ROOT/bench/results
JSONL=$RESULTS/http-$(date -u +%Y-%m-%d).jsonl
REPORT=$RESULTS/http-$RUN_ID.md

say() { printf 'bench-http: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$LANXANG" ] || die "$LANXANG is missing: build first (make build)"
command -v curl >/dev/null || die "curl is missing"

# ---- 1. wrk, nginx ----
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
    [ "${LX_HTTP_INSTALL:-1}" = 1 ] || die "missing: ${missing[*]} (LX_HTTP_INSTALL=0)"
    SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
WRK2=$(command -v wrk2 || true)

PIN_S=(); PIN_C=()
if command -v taskset >/dev/null; then PIN_S=(taskset -c "$SCPU"); PIN_C=(taskset -c "$CCPU"); fi

# ---- 2. servers ----
TMP=$(mktemp -d /tmp/lx-bench-http.XXXXXX)
LX_PID=; NG_PID=
alive() { kill -0 "$1" 2>/dev/null; }
stop() {
    local pid=$1 what=$2
    [ -n "$pid" ] && alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do alive "$pid" || { say "stopped $what (PID $pid)"; return 0; }; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
    stop "$LX_PID" lanxang
    stop "$NG_PID" nginx
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while port_busy "$p"; do p=$((p + 1)); done; echo "$p"; }
wait_port() { for ((i = 0; i < 100; i++)); do port_busy "$1" && return 0; sleep 0.1; done; return 1; }

PORT=$(free_port "${LX_HTTP_PORT:-58080}")
mkdir -p "$TMP/data"
LANXANG_NOW=$NOW "${PIN_S[@]}" "$LANXANG" --data "$TMP/data" serve --listen "127.0.0.1:$PORT" \
    --threads "$THREADS" --quiet 2>"$TMP/lanxang.log" &
LX_PID=$!
wait_port "$PORT" || die "lanxang did not start: $(tail -n 5 "$TMP/lanxang.log")"
LX=http://127.0.0.1:$PORT

# the static copies of lanxang's answers
chmod 755 "$TMP"; mkdir -p "$TMP/nginx/www" "$TMP/nginx/tmp"
curl -sf "$LX/api/v1/trains?$QUERY" -o "$TMP/nginx/www/trains.json" || die "GET /api/v1/trains failed"
curl -sf "$LX/api/v1/offers?$QUERY" -o "$TMP/nginx/www/offers.json" || die "GET /api/v1/offers failed"
chmod -R a+rX "$TMP/nginx"
PORT2=$(free_port "${LX_HTTP_NGINX_PORT:-58081}")
[ "$PORT2" != "$PORT" ] || PORT2=$(free_port $((PORT + 1)))
NUSER=; [ "$(id -u)" -ne 0 ] || NUSER="user nobody nogroup;"
cat >"$TMP/nginx/nginx.conf" <<CONF
$NUSER
daemon off;
master_process on;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT2;
        root $TMP/nginx/www;
        default_type application/json;
        add_header Cache-Control no-cache;
        location = /api/v1/trains { try_files /trains.json =404; }
        location = /api/v1/offers { try_files /offers.json =404; }
    }
}
CONF
"${PIN_S[@]}" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" \
    2>>"$TMP/nginx/stderr.log" &
NG_PID=$!
wait_port "$PORT2" || die "nginx did not start: $(tail -n 5 "$TMP/nginx/error.log" "$TMP/nginx/stderr.log" 2>/dev/null)"
NG=http://127.0.0.1:$PORT2
cmp -s <(curl -sf "$NG/api/v1/trains?$QUERY") "$TMP/nginx/www/trains.json" || die "nginx does not serve the copy"
say "lanxang on $LX (PID $LX_PID), nginx on $NG (PID $NG_PID); servers on CPU $SCPU, wrk on CPU $CCPU"

# ---- 3. runs ----
mkdir -p "$RESULTS"
# run SERVER WORKLOAD CONNS SECONDS URL [extra wrk args]: prints the JSON line, appends it
run() {
    local server=$1 wl=$2 c=$3 d=$4 url=$5; shift 5
    local t=2; [ "$c" -ge 2 ] || t=1
    local out line
    out=$("${PIN_C[@]}" wrk -t"$t" -c"$c" -d"${d}s" --latency "$@" "$url" 2>&1) || { say "wrk failed: $out"; return 1; }
    line=$(printf '%s\n' "$out" | sed -n 's/^JSON //p' | tail -n 1)
    [ -n "$line" ] || { say "no JSON from wrk: $out"; return 1; }
    line="{\"run_id\":\"$RUN_ID\",\"server\":\"$server\",\"workload\":\"$wl\",\"connections\":$c,\"threads\":$t,${line#\{}"
    printf '%s\n' "$line" >>"$JSONL"
    printf '%s\n' "$line"
}
get() { printf '%s' "$1" | sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p"; }

declare -A R
for wl in trains offers; do
    for s in lanxang nginx; do
        base=$LX; [ $s = lanxang ] || base=$NG
        say "search $wl, $s, -c32 ${SECONDS_PEAK}s"
        R[$s.$wl]=$(run $s $wl 32 "$SECONDS_PEAK" "$base/api/v1/$wl?$QUERY" -s "$HERE/report.lua")
    done
done
say "booking, lanxang, -c32 ${SECONDS_PEAK}s"
R[lanxang.book]=$(run lanxang book 32 "$SECONDS_PEAK" "$LX/api/v1/bookings" -s "$HERE/book.lua")

# p99 at 80% of the peak
P80_METHOD="closed-loop sweep (wrk has no fixed rate)"
for wl in trains book; do
    peak=$(get "${R[lanxang.$wl]}" rps)
    target=$(awk -v p="$peak" 'BEGIN { printf "%.0f", 0.8 * p }')
    if [ "$wl" = book ]; then url=$LX/api/v1/bookings; sc=$HERE/book.lua; else url="$LX/api/v1/trains?$QUERY"; sc=$HERE/report.lua; fi
    R[p80.$wl]=
    if [ -n "$WRK2" ]; then
        P80_METHOD="wrk2 -R (fixed rate)"
        out=$("${PIN_C[@]}" "$WRK2" -t2 -c32 -d"${SECONDS_PEAK}s" -R"$target" --latency -s "$sc" "$url" 2>&1 || true)
        line=$(printf '%s\n' "$out" | sed -n 's/^JSON //p' | tail -n 1)
        [ -z "$line" ] || R[p80.$wl]="{\"run_id\":\"$RUN_ID\",\"server\":\"lanxang\",\"workload\":\"$wl-p80\",\"connections\":32,\"rate\":$target,${line#\{}"
        [ -z "${R[p80.$wl]}" ] || printf '%s\n' "${R[p80.$wl]}" >>"$JSONL"
    fi
    if [ -z "${R[p80.$wl]}" ]; then
        for c in $SWEEP; do
            say "$wl p80 sweep, lanxang, -c$c ${SWEEP_SECONDS}s (target $target/s)"
            line=$(run lanxang "$wl-sweep" "$c" "$SWEEP_SECONDS" "$url" -s "$sc")
            R[p80.$wl]=$line
            awk -v r="$(get "$line" rps)" -v t="$target" 'BEGIN { exit !(r >= t) }' && break
        done
    fi
done

# ---- 4. report ----
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
k() { awk -v r="$1" 'BEGIN { printf "%.0f", r }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
    echo "# HTTP server benchmark, run $RUN_ID"
    echo
    echo "Machine: $(nproc) CPUs, $CPU; $(uname -sr). lanxang $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "($(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo 'work tree with changes' || echo clean)),"
    echo "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -n 1 | awk '{print "wrk", $2}')."
    echo "Servers pinned to CPU $SCPU (\`taskset -c $SCPU\`; lanxang \`--threads $THREADS\`, nginx one worker),"
    echo "wrk to CPU $CCPU. Command: \`bench/http/run.sh\` (\`make bench-http\`), LANXANG_NOW=$NOW."
    echo
    echo "| workload | server | conns | requests/s | p50 ms | p99 ms | lanxang / nginx |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    for wl in trains offers; do
        for s in lanxang nginx; do
            l=${R[$s.$wl]}
            rt=; [ $s = nginx ] || rt=$(ratio "$(get "$l" rps)" "$(get "${R[nginx.$wl]}" rps)")
            echo "| GET /api/v1/$wl | $s | 32 | $(k "$(get "$l" rps)") | $(ms "$(get "$l" lat_p50_us)") | $(ms "$(get "$l" lat_p99_us)") | $rt |"
        done
    done
    l=${R[lanxang.book]}
    echo "| POST /api/v1/bookings | lanxang | 32 | $(k "$(get "$l" rps)") | $(ms "$(get "$l" lat_p50_us)") | $(ms "$(get "$l" lat_p99_us)") | |"
    for wl in trains book; do
        l=${R[p80.$wl]}
        name="GET /api/v1/trains"; [ $wl = trains ] || name="POST /api/v1/bookings"
        echo "| $name at ~80% of peak | lanxang | $(get "$l" connections) | $(k "$(get "$l" rps)") | $(ms "$(get "$l" lat_p50_us)") | $(ms "$(get "$l" lat_p99_us)") | |"
    done
    echo
    l=${R[lanxang.book]}
    echo "Bookings: $(get "$l" created_201) created (201), $(get "$l" sold_out_409) sold out (409), $(get "$l" other_status) other statuses,"
    echo "$(( $(get "$l" errors_connect) + $(get "$l" errors_read) + $(get "$l" errors_write) + $(get "$l" errors_timeout) )) socket errors/timeouts."
    echo "80% of peak: $P80_METHOD; the row is the first of \`-c\` $SWEEP reaching 0.8 x the -c32 rate."
    echo
    echo "Targets (issue 4):"
    r=$(ratio "$(get "${R[lanxang.trains]}" rps)" "$(get "${R[nginx.trains]}" rps)")
    echo "- search >= 0.5 x nginx: trains $r, offers $(ratio "$(get "${R[lanxang.offers]}" rps)" "$(get "${R[nginx.offers]}" rps)") ->" \
         "$(awk -v r="$r" 'BEGIN { print (r >= 0.5 ? "met" : "NOT met") }') (trains)"
    for wl in trains book; do
        p=$(get "${R[p80.$wl]}" lat_p99_us)
        rate=$(get "${R[p80.$wl]}" rps); peak=$(get "${R[lanxang.$wl]}" rps)
        reached=$(awk -v r="$rate" -v p="$peak" 'BEGIN { print (r >= 0.8 * p ? "" : " (the sweep did not reach 80% of peak)") }')
        echo "- p99 < 10 ms at 80% of peak, $wl: $(ms "$p") ms at $(k "$rate")/s$reached -> $(awk -v p="$p" 'BEGIN { print (p < 10000 ? "met" : "NOT met") }')"
    done
} >"$REPORT"
cat "$REPORT"
say "report: $REPORT; JSON lines: $JSONL"

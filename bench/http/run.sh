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
#               --threads LX_HTTP_THREADS, on the system clock (LX_HTTP_NOW sets
#               LANXANG_NOW instead); searches and bookings are for days from a week
#               ahead (FIRST, in Vientiane's time zone)
#      lanxang  the same with --cache-mb 0 (every answer computed) on PORT3
#      nginx    its own config (TMP/nginx/nginx.conf: daemon off, pid file, logs and
#               temp paths in TMP, one worker, access log off) on 127.0.0.1:PORT2,
#               answering /api/v1/trains and /api/v1/offers with copies of lanxang's
#               answers to the same search (fetched with curl at the start)
#    Both servers are pinned to LX_HTTP_SERVER_CPUS (default CPU 1), wrk to
#    LX_HTTP_CLIENT_CPUS (default CPU 0), with taskset: on 2 cores, each side has one.
# 3. Runs wrk -t2 -c32 -dLX_HTTP_SECONDS --latency:
#      search   GET /api/v1/trains?from=Vientiane&to=Luang%20Prabang&date=FIRST
#               and /api/v1/offers (same query): lanxang, then nginx; then lanxang
#               without its answer cache; then offers for 7,728 different searches
#               drawn at random (bench/http/varied.lua)
#      booking  POST /api/v1/bookings (bench/http/book.lua: one passenger, second class,
#               Kunming South -> Yuxi on its ten trains over 14 dates from tomorrow,
#               inside their 15-day sales window, so seats do not run out; 409s
#               counted apart)
#      p99 at 80% of peak  wrk has no fixed rate (that is wrk2's -R, not in Debian), so
#               BUILD_DIR/lx_load (bench/http/lxload.c) sends trains, offers and
#               bookings at 80% of lanxang's wrk peak, open loop over 32 connections,
#               timing each request from when it was due; the trains file at 80% of
#               nginx's peak, to nginx and to lanxang (the same load on both); the
#               median of 3 runs each.
# 4. Writes the JSON lines to bench/results/http-YYYY-MM-DD.jsonl (appended, each tagged
#    with run_id, server, workload, connections) and the report to
#    bench/results/http-RUN_ID.md (RUN_ID: the UTC start time), also printed.
#
# Environment:
#   LX_HTTP_SECONDS=10          duration of a peak run
#   LX_HTTP_P80_REPS=3          runs per fixed rate (the median p99 is reported)
#   LX_HTTP_P80_SECONDS=5       duration of each fixed-rate run
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
THREADS=${LX_HTTP_THREADS:-2}
SCPU=${LX_HTTP_SERVER_CPUS:-1}
CCPU=${LX_HTTP_CLIENT_CPUS:-0}
# The servers run on the real clock (so the answer cache gives an answer with free seats
# again only within its second, as in service); LX_HTTP_NOW fixes it (LANXANG_NOW).
NOW=${LX_HTTP_NOW:-}
# Searches are for a week ahead; bookings from tomorrow (in Kunming's zone), inside the
# 15-day sales window of the China Railway trains they sell (lx_sales_rules.txt).
if [ -n "$NOW" ]; then
    FIRST=$(date -d "${NOW} + 7 days" +%F)
    BOOK_FIRST=$(date -d "${NOW} + 1 day" +%F)
else
    FIRST=$(TZ=Asia/Vientiane date -d '+7 days' +%F)
    BOOK_FIRST=$(TZ=Asia/Shanghai date -d '+1 day' +%F)
fi
export LX_HTTP_FIRST=$FIRST LX_HTTP_BOOK_FIRST=$BOOK_FIRST LX_HTTP_HERE=$HERE
QUERY="from=Vientiane&to=Luang%20Prabang&date=$FIRST"
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

PIN_S=(); PIN_C=()
if command -v taskset >/dev/null; then PIN_S=(taskset -c "$SCPU"); PIN_C=(taskset -c "$CCPU"); fi

# ---- 2. servers ----
TMP=$(mktemp -d /tmp/lx-bench-http.XXXXXX)
LX_PIDS=(); NG_PID=
alive() { kill -0 "$1" 2>/dev/null; }
stop() {
    local pid=$1 what=$2
    [ -n "$pid" ] && alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do alive "$pid" || { say "stopped $what (PID $pid)"; return 0; }; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
    local p
    for p in "${LX_PIDS[@]}"; do stop "$p" lanxang; done
    stop "$NG_PID" nginx
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while port_busy "$p"; do p=$((p + 1)); done; echo "$p"; }
wait_port() { for ((i = 0; i < 100; i++)); do port_busy "$1" && return 0; sleep 0.1; done; return 1; }

PORT=$(free_port "${LX_HTTP_PORT:-58080}")
NOW_ENV=(); [ -z "$NOW" ] || NOW_ENV=(env "LANXANG_NOW=$NOW")
# start_lanxang PORT NAME [serve options]: a lanxang serve with data directory TMP/NAME
start_lanxang() {
    local port=$1 name=$2; shift 2
    mkdir -p "$TMP/$name"
    "${NOW_ENV[@]}" "${PIN_S[@]}" "$LANXANG" --data "$TMP/$name" serve --listen "127.0.0.1:$port" \
        --threads "$THREADS" --quiet "$@" 2>"$TMP/$name.log" &
    LX_PIDS+=("$!")
    wait_port "$port" || die "lanxang ($name) did not start: $(tail -n 5 "$TMP/$name.log")"
}
# the server as shipped, and one computing every answer (--cache-mb 0) to show that cost
start_lanxang "$PORT" data
LX=http://127.0.0.1:$PORT
PORT3=$(free_port $((PORT + 2)))
start_lanxang "$PORT3" data-nocache --cache-mb 0
LX0=http://127.0.0.1:$PORT3

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
say "lanxang on $LX and, without cache, $LX0 (PIDs ${LX_PIDS[*]}), nginx on $NG (PID $NG_PID); servers on CPU $SCPU, wrk on CPU $CCPU"

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
for wl in trains offers; do
    say "search $wl, lanxang --cache-mb 0, -c32 ${SECONDS_PEAK}s"
    R[nocache.$wl]=$(run lanxang-nocache $wl 32 "$SECONDS_PEAK" "$LX0/api/v1/$wl?$QUERY" -s "$HERE/report.lua")
done
say "varied offers, lanxang, -c32 ${SECONDS_PEAK}s"
R[lanxang.varied]=$(run lanxang offers-varied 32 "$SECONDS_PEAK" "$LX/api/v1/offers" -s "$HERE/varied.lua")
say "booking, lanxang, -c32 ${SECONDS_PEAK}s"
R[lanxang.book]=$(run lanxang book 32 "$SECONDS_PEAK" "$LX/api/v1/bookings" -s "$HERE/book.lua")

# p99 at 80% of the peak: lx_load (bench/http/lxload.c) sends requests at a fixed rate,
# 0.8 x the peak wrk measured, over 32 connections, and times each from when it was due
# (no coordinated omission). Its request files: the search as asked above; bookings
# like book.lua's (the ten Kunming South -> Yuxi trains over 14 dates, one passenger, documents
# numbered), on the runs the peak run sold from.
LOAD=$BUILD/lx_load
[ -x "$LOAD" ] || die "$LOAD is missing: build first (make build)"
P80_METHOD="lx_load, open loop at a fixed rate, ${LX_HTTP_P80_SECONDS:-5} s a run, ${LX_HTTP_P80_REPS:-3} runs a row, the one with the median p99 shown; latency from each request's due time"
printf 'GET /api/v1/trains?%s\n' "$QUERY" >"$TMP/trains.req"
printf 'GET /api/v1/offers?%s\n' "$QUERY" >"$TMP/offers.req"
DATES=$(for d in $(seq 0 13); do date -d "$BOOK_FIRST + $d days" +%F; done | tr '\n' ' ')
# book_req PREFIX: the booking lines, each passenger's document PREFIX + a number, so
# that no run repeats a document on a train and date (one ticket per document)
book_req() {
    awk -v dates="$DATES" -v pre="$1" 'BEGIN {
    n = split(dates, d, " "); nt = split("D8813 C7301 D8801 D8803 C7303 D8807 D8811 D8817 D8819 D8821", t, " ")
    for (i = 0; i < 60000; i++)
        printf "POST /api/v1/bookings {\"train\":\"%s\",\"date\":\"%s\",\"from\":\"Kunming South\",\"to\":\"Yuxi\",\"class\":\"second\",\"passengers\":[{\"name\":\"Load Passenger\",\"document\":\"%s%07d\"}]}\n", t[i % nt + 1], d[int(i / nt) % n + 1], pre, i
    }' >"$TMP/book.req"
}
book_req L
# load SERVER WORKLOAD KEY PORT RATE SECONDS: one lx_load run, kept as R[KEY]
load() {
    local server=$1 wl=$2 key=$3 port=$4 rate=$5 secs=$6 out line
    out=$("${PIN_C[@]}" "$LOAD" -a "127.0.0.1:$port" -r "$rate" -d "$secs" -c 32 \
        -f "$TMP/${wl%-*}.req" 2>&1) || die "lx_load failed: $out"
    line=$(printf '%s\n' "$out" | sed -n 's/^JSON //p' | tail -n 1)
    [ -n "$line" ] || die "no JSON from lx_load: $out"
    R[$key]="{\"run_id\":\"$RUN_ID\",\"server\":\"$server\",\"workload\":\"$wl\",\"connections\":32,${line#\{}"
    printf '%s\n' "${R[$key]}" >>"$JSONL"
}
# Fixed rates: 80% of each server's own wrk peak for lanxang's three workloads and for
# nginx's trains file (the ceiling's own tail, by the same client and method), and
# lanxang's trains at nginx's 80% rate (the same load on both). This machine's speed
# drifts from run to run, so each is run LX_HTTP_P80_REPS times (3) for
# LX_HTTP_P80_SECONDS (5) and the run with the median p99 is reported.
REPS=${LX_HTTP_P80_REPS:-3}
PSECS=${LX_HTTP_P80_SECONDS:-5}
# fixed KEY SERVER WORKLOAD PORT RATE: the median-p99 run of REPS, as R[KEY]
fixed() {
    local key=$1 server=$2 wl=$3 port=$4 rate=$5 rep p99s= med
    for ((rep = 1; rep <= REPS; rep++)); do
        say "$wl, $server: -r $rate, ${PSECS}s ($rep/$REPS)"
        [ "$wl" != book ] || book_req "L$rep" # new documents for every run
        load "$server" "$wl-fixed" "$key.$rep" "$port" "$rate" "$PSECS"
        p99s+="$(get "${R[$key.$rep]}" lat_p99_us) $rep"$'\n'
        sleep 1
    done
    med=$(printf '%s' "$p99s" | sort -n | awk -v n="$REPS" 'NR == int((n + 1) / 2) { print $2 }')
    R[$key]=${R[$key.$med]}
    R[$key.all]=$(printf '%s' "$p99s" | sort -n | awk '{ printf "%s%.2f", (NR > 1 ? ", " : ""), $1 / 1000 }')
}
eighty() { awk -v p="$(get "${R[$1]}" rps)" 'BEGIN { printf "%.0f", 0.8 * p }'; }
# the booking peak just wrote tens of megabytes: let the kernel write them back now, not
# on the servers' CPU in the middle of the search runs
sync; sleep 3
fixed p80.lanxang.trains lanxang trains "$PORT" "$(eighty lanxang.trains)"
fixed p80.nginx.trains nginx trains "$PORT2" "$(eighty nginx.trains)"
fixed same.lanxang.trains lanxang trains "$PORT" "$(eighty nginx.trains)"
fixed p80.lanxang.offers lanxang offers "$PORT" "$(eighty lanxang.offers)"
fixed p80.lanxang.book lanxang book "$PORT" "$(eighty lanxang.book)"

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
    echo "wrk to CPU $CCPU. Command: \`bench/http/run.sh\` (\`make bench-http\`); clock: ${NOW:-the system clock}; search date $FIRST."
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
    for wl in trains offers; do
        l=${R[nocache.$wl]}
        echo "| GET /api/v1/$wl, no answer cache (\`--cache-mb 0\`) | lanxang | 32 | $(k "$(get "$l" rps)") | $(ms "$(get "$l" lat_p50_us)") | $(ms "$(get "$l" lat_p99_us)") | $(ratio "$(get "$l" rps)" "$(get "${R[nginx.$wl]}" rps)") |"
    done
    l=${R[lanxang.varied]}
    echo "| GET /api/v1/offers, 7,728 searches at random (varied.lua) | lanxang | 32 | $(k "$(get "$l" rps)") | $(ms "$(get "$l" lat_p50_us)") | $(ms "$(get "$l" lat_p99_us)") | $(ratio "$(get "$l" rps)" "$(get "${R[nginx.offers]}" rps)") |"
    l=${R[lanxang.book]}
    echo "| POST /api/v1/bookings | lanxang | 32 | $(k "$(get "$l" rps)") | $(ms "$(get "$l" lat_p50_us)") | $(ms "$(get "$l" lat_p99_us)") | |"
    row() { # KEY SERVER LABEL
        local l=${R[$1]}
        echo "| $3 ($(k "$(get "$l" rate)")/s asked; p99 of the $REPS runs: ${R[$1.all]} ms) | $2 | 32 | $(k "$(get "$l" rps)") | $(ms "$(get "$l" lat_p50_us)") | $(ms "$(get "$l" lat_p99_us)") | |"
    }
    row p80.lanxang.trains lanxang "GET /api/v1/trains at 80% of lanxang's peak"
    row p80.nginx.trains nginx "GET /api/v1/trains at 80% of nginx's peak"
    row same.lanxang.trains lanxang "GET /api/v1/trains at 80% of nginx's peak"
    row p80.lanxang.offers lanxang "GET /api/v1/offers at 80% of lanxang's peak"
    row p80.lanxang.book lanxang "POST /api/v1/bookings at 80% of lanxang's peak"
    echo
    l=${R[lanxang.book]}
    echo "Bookings: $(get "$l" created_201) created (201), $(get "$l" sold_out_409) sold out (409), $(get "$l" other_status) other statuses,"
    echo "$(( $(get "$l" errors_connect) + $(get "$l" errors_read) + $(get "$l" errors_write) + $(get "$l" errors_timeout) )) socket errors/timeouts."
    echo "Rates below the peak: $P80_METHOD."
    echo
    echo "Targets (issue 4):"
    r=$(ratio "$(get "${R[lanxang.trains]}" rps)" "$(get "${R[nginx.trains]}" rps)")
    ro=$(ratio "$(get "${R[lanxang.offers]}" rps)" "$(get "${R[nginx.offers]}" rps)")
    rv=$(ratio "$(get "${R[lanxang.varied]}" rps)" "$(get "${R[nginx.offers]}" rps)")
    met() { awk -v r="$1" 'BEGIN { print (r >= 0.5 ? "met" : "NOT met") }'; }
    echo "- search >= 0.5 x nginx: trains $r ($(met "$r")), offers $ro ($(met "$ro")), offers varied $rv ($(met "$rv"))"
    for wl in trains offers book; do
        p=$(get "${R[p80.lanxang.$wl]}" lat_p99_us)
        rate=$(get "${R[p80.lanxang.$wl]}" rps); asked=$(get "${R[p80.lanxang.$wl]}" rate)
        reached=$(awk -v r="$rate" -v a="$asked" 'BEGIN { print (r >= 0.98 * a ? "" : " (the rate asked was not reached)") }')
        echo "- p99 < 10 ms at 80% of peak, $wl: $(ms "$p") ms at $(k "$rate")/s$reached -> $(awk -v p="$p" 'BEGIN { print (p < 10000 ? "met" : "NOT met") }')"
    done
    echo "- the ceiling, nginx serving the trains file at 80% of its peak: p99 $(ms "$(get "${R[p80.nginx.trains]}" lat_p99_us)") ms;" \
         "lanxang at that same rate: $(ms "$(get "${R[same.lanxang.trains]}" lat_p99_us)") ms"
} >"$REPORT"
cat "$REPORT"
say "report: $REPORT; JSON lines: $JSONL"

#!/usr/bin/env bash
# Integration test of the HTTP server: starts `lanxang serve` on a free loopback port
# with the built-in China–Laos Railway feed, drives the JSON API and the web page
# over HTTP with curl and jq, then stops the server by its PID and checks that it
# shut down cleanly.
#
#   tests/integration/test_server.sh path/to/lanxang [GLOBAL OPTIONS...]
#
# GLOBAL OPTIONS go before "serve" (e.g. --data DIR). Prints one line per check and
# "N passed, 0 failed" at the end; exits 1 when a check fails.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 path/to/lanxang [global options...]" >&2
    exit 2
fi
BIN=$1
shift
GLOBAL_ARGS=("$@")

for tool in curl jq python3; do
    command -v "$tool" >/dev/null || { echo "test_server: $tool is needed" >&2; exit 2; }
done

TMP=$(mktemp -d)
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts the server and waits (10 s at most) until /healthz answers. A port taken
# between free_port and bind makes the server exit at once: then try another.
start_server() {
    local attempt
    for attempt in 1 2 3; do
        PORT=$(free_port)
        BASE="http://127.0.0.1:$PORT"
        "$BIN" "${GLOBAL_ARGS[@]}" serve --listen "127.0.0.1:$PORT" >"$TMP/server.log" 2>&1 &
        PID=$!
        local i
        for i in $(seq 1 100); do
            if curl -fs -o /dev/null "$BASE/healthz" 2>/dev/null; then
                return 0
            fi
            if ! kill -0 "$PID" 2>/dev/null; then
                break
            fi
            sleep 0.1
        done
        if kill -0 "$PID" 2>/dev/null; then
            echo "test_server: the server did not answer within 10 s" >&2
            cat "$TMP/server.log" >&2
            return 1
        fi
        wait "$PID" 2>/dev/null || true
        PID=""
        if ! grep -q "already in use" "$TMP/server.log"; then
            break
        fi
    done
    echo "test_server: the server did not start:" >&2
    cat "$TMP/server.log" >&2
    return 1
}

PASSED=0
FAILED=0
FAILURES=()

# check NAME COMMAND...: runs the command; a zero status passes.
check() {
    local name=$1
    shift
    if "$@" >"$TMP/check.out" 2>&1; then
        PASSED=$((PASSED + 1))
        echo "ok   - $name"
    else
        FAILED=$((FAILED + 1))
        FAILURES+=("$name")
        echo "FAIL - $name"
        sed 's/^/       /' "$TMP/check.out" | head -20
    fi
}

# req METHOD PATH [curl args...]: the status in STATUS, the body in $TMP/body,
# the headers in $TMP/headers.
req() {
    local method=$1 path=$2
    shift 2
    STATUS=$(curl -s -X "$method" -D "$TMP/headers" -o "$TMP/body" -w '%{http_code}' "$@" \
        "$BASE$path")
}

# expect STATUS JQ-FILTER: the last answer had that status and the filter is true.
expect() {
    local want=$1 filter=$2
    if [ "$STATUS" != "$want" ]; then
        echo "status $STATUS, expected $want; body:"
        head -c 600 "$TMP/body"
        echo
        return 1
    fi
    if ! jq -e "$filter" "$TMP/body" >/dev/null; then
        echo "filter failed: $filter; body:"
        head -c 600 "$TMP/body"
        echo
        return 1
    fi
}

header_has() {
    grep -i "^$1:" "$TMP/headers" | grep -qi -- "$2" || {
        echo "header $1 lacks '$2':"
        cat "$TMP/headers"
        return 1
    }
}

# the trains of a query as comparable JSON
trains_of() {
    curl -s "$BASE/api/v1/trains?from=$1&to=$2&date=$3" | jq -c '[.[] | [.train, .departure, .arrival]]'
}

start_server

# ---- the API ----
t_healthz() {
    req GET /healthz
    expect 200 '.status == "ok" and .feeds >= 1 and .stations > 0 and .trains > 0'
    header_has Content-Type 'application/json; charset=utf-8'
}
check "GET /healthz" t_healthz

t_healthz_v1() { req GET /api/v1/healthz; expect 200 '.status == "ok"'; }
check "GET /api/v1/healthz" t_healthz_v1

t_stations() {
    req GET /api/v1/stations
    expect 200 'any(.[]; .name == "Vientiane" and .names.zh == "万象")'
}
check "stations include Vientiane (万象)" t_stations

t_autocomplete() {
    req GET '/api/v1/stations?q=vien&lang=en'
    expect 200 'length >= 1 and .[0].name == "Vientiane"'
}
check "station autocomplete ?q=vien" t_autocomplete

t_autocomplete_zh() {
    req GET '/api/v1/stations?q=%E4%B8%87%E8%B1%A1&lang=zh'
    expect 200 'length >= 1 and .[0].names.zh == "万象"'
}
check "station autocomplete in Chinese" t_autocomplete_zh

t_autocomplete_limit() {
    req GET '/api/v1/stations?q=a&limit=2'
    expect 200 'length == 2'
}
check "station search honours limit" t_autocomplete_limit

t_station_by_id() {
    req GET /api/v1/stations/Vientiane
    expect 200 '.name == "Vientiane" and (.names.lo | length) > 0'
    local id
    id=$(jq -r '"\(.feed):\(.id)"' "$TMP/body")
    req GET "/api/v1/stations/$id"
    expect 200 '.name == "Vientiane"'
}
check "GET /api/v1/stations/{id}" t_station_by_id

t_station_404() { req GET /api/v1/stations/Atlantis; expect 404 '.error.code == "not_found"'; }
check "unknown station id -> 404" t_station_404

t_trains() {
    req GET '/api/v1/trains?from=Vientiane&to=Luang%20Prabang&date=2026-12-20'
    expect 200 'length >= 3 and any(.[]; .train == "D88" and (.departure | endswith("+07:00")))'
}
check "Vientiane -> Luang Prabang: >= 3 trains, D88 at +07:00" t_trains

t_cross_border() {
    req GET '/api/v1/trains?from=Kunming%20South&to=Vientiane&date=2026-12-20'
    expect 200 'any(.[]; .train == "D87" and (.departure | endswith("+08:00"))
                           and (.arrival | endswith("+07:00")))'
}
check "Kunming South -> Vientiane: D87 leaves +08:00, arrives +07:00" t_cross_border

t_same_list() {
    local en zh lo
    en=$(trains_of Vientiane Luang%20Prabang 2026-12-20)
    zh=$(trains_of %E4%B8%87%E8%B1%A1 Luang%20Prabang 2026-12-20)
    lo=$(trains_of %E0%BA%A7%E0%BA%BD%E0%BA%87%E0%BA%88%E0%BA%B1%E0%BA%99 Luang%20Prabang 2026-12-20)
    [ "$en" != "[]" ] || { echo "no trains"; return 1; }
    [ "$zh" = "$en" ] || { echo "万象: $zh"; echo "Vientiane: $en"; return 1; }
    [ "$lo" = "$en" ] || { echo "ວຽງຈັນ: $lo"; echo "Vientiane: $en"; return 1; }
}
check "万象 and ວຽງຈັນ give the same trains as Vientiane" t_same_list

t_timetable() {
    req GET '/api/v1/trains/D88/timetable?date=2026-12-20'
    expect 200 'length >= 1 and .[0].train == "D88" and (.[0].stops | length) >= 2
                and .[0].stops[0].arrival == null and .[0].stops[-1].departure == null'
}
check "GET /api/v1/trains/D88/timetable" t_timetable

t_departures() {
    req GET '/api/v1/stations/Boten/departures?date=2026-12-20'
    expect 200 'length >= 3 and all(.[]; .from.id == "boten" and (.departure|endswith("+07:00")))
                and ([.[].departure] == ([.[].departure] | sort))
                and (map(.train) | index("D88") != null)'
}
check "GET /api/v1/stations/Boten/departures" t_departures

t_timetable_404() {
    req GET '/api/v1/trains/X999/timetable?date=2026-12-20'
    expect 404 '.error.code == "not_found"'
}
check "unknown train -> 404" t_timetable_404

t_feeds() {
    req GET /api/v1/feeds
    expect 200 'length >= 1 and (.[0] | has("name") and has("agencies") and has("stations")
                and has("trains") and has("stop_times") and has("first_day") and has("last_day"))'
}
check "GET /api/v1/feeds" t_feeds

# ---- errors ----
t_missing_from() {
    req GET '/api/v1/trains?to=Vientiane&date=2026-12-20'
    expect 400 '.error.code == "invalid" and .error.field == "from"'
}
check "missing 'from' -> 400 field from" t_missing_from

t_bad_date() {
    req GET '/api/v1/trains?from=Vientiane&to=Boten&date=2026-02-30'
    expect 400 '.error.field == "date"'
}
check "bad date -> 400 field date" t_bad_date

t_unknown_station() {
    req GET '/api/v1/trains?from=Vientain&to=Boten&date=2026-12-20'
    expect 404 '.error.code == "not_found" and .error.field == "from"
                and (.error.message | contains("did you mean"))'
}
check "unknown station -> 404 'did you mean'" t_unknown_station

t_unknown_path() {
    req GET /api/v1/nonexistent
    expect 404 '.error.code == "not_found" and (.error | has("message") and has("field"))'
    header_has Content-Type 'application/json'
}
check "unknown API path -> 404 JSON" t_unknown_path

t_post() {
    req POST /api/v1/stations -d 'name=x'
    expect 405 '.error.code == "method_not_allowed" and (.error.message | length > 0)'
    header_has Allow GET
}
check "POST /api/v1/stations -> 405 with Allow" t_post

t_long_query() {
    local q
    q=$(printf 'a%.0s' $(seq 1 5000))
    req GET "/api/v1/stations?q=$q"
    case "$STATUS" in 400 | 414) ;; *) echo "status $STATUS"; return 1 ;; esac
}
check "query string over 4 KiB -> 400/414" t_long_query

t_head() {
    STATUS=$(curl -s -I -o "$TMP/headers" -w '%{http_code}' "$BASE/api/v1/healthz")
    [ "$STATUS" = 200 ] || { echo "status $STATUS"; return 1; }
    grep -qi '^content-length: [1-9]' "$TMP/headers" || { cat "$TMP/headers"; return 1; }
}
check "HEAD /api/v1/healthz" t_head

# ---- the web page ----
t_index() {
    req GET /
    [ "$STATUS" = 200 ] || { echo "status $STATUS"; return 1; }
    header_has Content-Type 'text/html'
    header_has Cache-Control 'no-cache'
    grep -q 'data-app="lanxang-timetable"' "$TMP/body" || { echo "marker missing"; return 1; }
}
check "GET / serves the timetable page" t_index

t_assets() {
    req GET /app.js
    [ "$STATUS" = 200 ] || { echo "app.js: $STATUS"; return 1; }
    header_has Content-Type 'text/javascript'
    req GET /style.css
    [ "$STATUS" = 200 ] || { echo "style.css: $STATUS"; return 1; }
    header_has Content-Type 'text/css'
}
check "app.js and style.css with their types" t_assets

t_i18n() {
    local lang
    for lang in en lo zh; do
        req GET "/i18n/$lang.json"
        expect 200 'type == "object" and has("search.from")' || return 1
    done
    req GET /i18n/lo.json
    expect 200 '."search.submit" == "ຄົ້ນຫາ"'
}
check "i18n/{en,lo,zh}.json are valid JSON" t_i18n

t_static_404() {
    req GET /no-such-file.html
    [ "$STATUS" = 404 ] || { echo "status $STATUS"; return 1; }
    STATUS=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$BASE/../../etc/passwd")
    [ "$STATUS" = 404 ] || { echo "traversal: status $STATUS"; return 1; }
}
check "unknown file and '..' -> 404" t_static_404

# ---- shutdown ----
t_shutdown() {
    kill -TERM "$PID"
    local rc=0
    wait "$PID" || rc=$?
    PID=""
    [ "$rc" = 0 ] || { echo "exit status $rc"; tail -5 "$TMP/server.log"; return 1; }
    grep -q "serving http://127.0.0.1:$PORT/" "$TMP/server.log" || { cat "$TMP/server.log"; return 1; }
}
check "SIGTERM stops the server cleanly (exit 0)" t_shutdown

echo "$PASSED passed, $FAILED failed"
if [ "$FAILED" -ne 0 ]; then
    printf 'failed: %s\n' "${FAILURES[@]}"
    exit 1
fi

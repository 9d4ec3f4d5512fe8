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

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_tools curl jq
test_init

# the trains of a query as comparable JSON
trains_of() {
    curl -s "$SERVER_URL/api/v1/trains?from=$1&to=$2&date=$3" | jq -c '[.[] | [.train, .departure, .arrival]]'
}

server_start "${GLOBAL_ARGS[@]}"

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
    STATUS=$(curl -s -I -o "$TMP/headers" -w '%{http_code}' "$SERVER_URL/api/v1/healthz")
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
    STATUS=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$SERVER_URL/../../etc/passwd")
    [ "$STATUS" = 404 ] || { echo "traversal: status $STATUS"; return 1; }
}
check "unknown file and '..' -> 404" t_static_404

# ---- the answer cache ----
# metric VALUE of a /metrics line starting with $1 (0 when absent)
metric() { curl -s "$SERVER_URL/metrics" | awk -v k="$1" 'index($0, k " ") == 1 { print $2; f = 1 } END { if (!f) print 0 }'; }
HIT='lanxang_answer_cache_requests_total{result="hit"}'
CACHE_Q='/api/v1/trains?from=Kunming%20South&to=Vientiane&date=2026-12-20'

t_cache_hit() {
    local before first second after
    before=$(metric "$HIT")
    first=$(curl -sf "$SERVER_URL$CACHE_Q") || return 1
    second=$(curl -sf "$SERVER_URL$CACHE_Q") || return 1
    after=$(metric "$HIT")
    [ "$first" = "$second" ] || { echo "the cached answer differs"; return 1; }
    [ "$after" -gt "$before" ] || { echo "hits $before -> $after"; return 1; }
    echo "$first" | jq -e 'length > 0' >/dev/null
}
check "a search asked again is given from the answer cache, unchanged" t_cache_hit

t_cache_off() {
    local cached=$TMP/cached.json
    curl -sf "$SERVER_URL$CACHE_Q" >"$cached" || return 1
    local url=$SERVER_URL pid=$SERVER_PID log=$SERVER_LOG
    SERVER_LOG=$TMP/nocache.log
    server_start "${GLOBAL_ARGS[@]}" -- --cache-mb 0 || return 1
    local plain rc=0
    plain=$(curl -sf "$SERVER_URL$CACHE_Q") || rc=1
    [ "$rc" = 0 ] && [ "$plain" = "$(cat "$cached")" ] || { echo "answers differ"; rc=1; }
    curl -s "$SERVER_URL/metrics" | grep -q lanxang_answer_cache && { echo "cache metrics without a cache"; rc=1; }
    server_stop || rc=1
    SERVER_URL=$url SERVER_PID=$pid SERVER_LOG=$log
    return $rc
}
check "--cache-mb 0 computes every answer, the same as the cache gives" t_cache_off

t_cache_usage() {
    local rc=0
    "$BIN" serve --cache-mb lots >/dev/null 2>"$TMP/err" && return 1
    grep -q -- '--cache-mb takes 0 to' "$TMP/err" || { cat "$TMP/err"; rc=1; }
    return $rc
}
check "serve --cache-mb with a bad number is a usage error" t_cache_usage

# ---- slow clients and too many connections ----
# Four clients that send half a request and stop hold every connection of a server
# started with --max-connections 4 --timeout 2: one more request is told 503 busy with
# Retry-After (not dropped); once the slow ones are closed for their silence, the
# server answers again.
t_busy() {
    local url=$SERVER_URL pid=$SERVER_PID log=$SERVER_LOG rc=0 i fds=()
    SERVER_LOG=$TMP/busy.log
    server_start "${GLOBAL_ARGS[@]}" -- --max-connections 4 --timeout 2 || return 1
    local port=${SERVER_URL##*:}
    for i in 1 2 3 4; do
        exec {fd}<>"/dev/tcp/127.0.0.1/$port"
        printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&"$fd"
        fds+=("$fd")
    done
    sleep 0.5
    req GET /healthz
    expect 503 '.error.code == "busy" and (.error.message | test("try again"))' || rc=1
    header_has Retry-After 1 || rc=1
    sleep 3
    # the slow ones were closed: reading them ends (EOF), it does not time out
    local got=0
    read -r -t 2 -u "${fds[0]}" _ || got=$?
    [ "$got" -le 128 ] || { echo "a slow connection was still open after --timeout"; rc=1; }
    req GET /healthz
    expect 200 '.status == "ok"' || rc=1
    for fd in "${fds[@]}"; do exec {fd}>&-; done
    server_stop || rc=1
    SERVER_URL=$url SERVER_PID=$pid SERVER_LOG=$log
    return $rc
}
check "slow clients at --max-connections: 503 busy with Retry-After, served again after --timeout" t_busy

t_serve_usage() {
    "$BIN" serve --max-connections -1 >/dev/null 2>"$TMP/err" && return 1
    grep -q -- '--max-connections takes 0 to' "$TMP/err" || { cat "$TMP/err"; return 1; }
    "$BIN" serve --timeout soon >/dev/null 2>"$TMP/err" && return 1
    grep -q -- '--timeout takes 0 to' "$TMP/err" || { cat "$TMP/err"; return 1; }
}
check "serve --max-connections and --timeout with bad numbers are usage errors" t_serve_usage

# ---- shutdown ----
t_shutdown() {
    server_stop || return 1
    grep -q "serving $SERVER_URL/" "$SERVER_LOG" || { cat "$SERVER_LOG"; return 1; }
}
check "SIGTERM stops the server cleanly (exit 0)" t_shutdown

check_summary

#!/usr/bin/env bash
# Integration test of the booking API (docs/api.md, "Bookings"): starts `lanxang serve`
# on a free loopback port with a temporary --data directory and a fixed LANXANG_NOW,
# drives offers, bookings, fulfilment and cancellation with curl and jq, checks every
# error code those endpoints answer with, races 20 clients for the last 3 seats of a
# class, stops the server by its PID and runs `lanxang check` on the data directory.
#
#   tests/integration/test_api_book.sh path/to/lanxang
#
# Prints one line per check and "N passed, 0 failed" at the end; exits 1 when a check
# fails.
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 path/to/lanxang" >&2
    exit 2
fi
BIN=$(realpath "$1")

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_tools curl jq
test_init
D="$TMP/data"
cd "$TMP"

DATE=2026-12-20
NOW=2026-12-19T10:00:00+07:00      # the day before, in Vientiane
LATER=2026-12-19T11:00:00+07:00    # after a hold made at NOW has expired (30 minutes)
lx() { LANXANG_NOW=${AT:-$NOW} "$BIN" --data "$D" "$@"; }

# start_server [NOW]: the server on the data directory, its clock starting at NOW.
start_server() {
    server_start LANXANG_NOW="${1:-$NOW}" --data "$D" -- --threads 8
}

# post PATH JSON
post() { req POST "$1" -H 'Content-Type: application/json' --data-binary "$2"; }

# expect_error STATUS CODE FIELD ("null" for none)
expect_error() {
    local field=$3
    [ "$field" = null ] || field="\"$field\""
    expect "$1" ".error.code == \"$2\" and .error.field == $field and
                (.error.message | type == \"string\" and length > 0)"
}

# a booking request on C82 Vientiane -> Luang Prabang; jq expressions may amend it
booking() {
    jq -nc --arg date "$DATE" '{train: "C82", date: $date, from: "Vientiane",
        to: "Luang Prabang", class: "second",
        passengers: [{name: "Somchai Phommachanh", document: "P1234567"}]}'"${1:+ | $1}"
}

# ---- the last seats of a class, sold at the counter before the server starts ----
RACE='{train: "C86", date: "'$DATE'", from: "Vientiane", to: "Luang Prabang", class: "first"}'
race_free() {
    lx avail C86 --date "$DATE" --from Vientiane --to "Luang Prabang" --class first --json |
        jq -r .free
}
t_fill() {
    local f n
    f=$(race_free)
    [ "$f" -gt 3 ] || { echo "first class of C86 has only $f seats"; return 1; }
    n=$((f - 3))
    while [ "$n" -gt 0 ]; do
        local k=$((n < 5 ? n : 5)) args=() i
        for i in $(seq 1 "$k"); do args+=(--passenger "Counter Sale $n-$i:D$n$i"); done
        lx hold C86 --date "$DATE" --from Vientiane --to "Luang Prabang" --class first \
            --paid "${args[@]}" >/dev/null
        n=$((n - k))
    done
    [ "$(race_free)" = 3 ]
}
check "lanxang hold --paid leaves 3 seats of C86 first class" t_fill

start_server

# ---- offers ----
t_offers() {
    req GET "/api/v1/offers?from=Vientiane&to=Luang%20Prabang&date=$DATE"
    expect 200 'type == "array" and length > 0 and
        all(.[]; (.train | type == "string") and (.departure | test("T..:..:..[+-]..:..$"))
                 and (.arrival | test("T..:..:..[+-]..:..$")) and .from.id == "vientiane"
                 and (.classes | type == "array"))
        and (map(select(.train == "C82")) | length == 1)'
    jq -e 'map(select(.train == "C82"))[0].classes | length > 0 and
        all(.[]; (.class | type == "string") and (.free | type == "number")
                 and (.price | type == "number") and .currency == "LAK")' "$TMP/body" \
        >/dev/null
}
check "GET /offers: trains with departure, arrival, classes (class, free, price, currency)" t_offers

t_offers_race() {
    req GET "/api/v1/offers?from=Vientiane&to=Luang%20Prabang&date=$DATE"
    expect 200 'map(select(.train == "C86"))[0].classes |
        map(select(.class == "first"))[0].free == 3'
}
check "GET /offers counts the seats sold by the command (3 left)" t_offers_race

t_offers_errors() {
    local method query status code field
    while read -r method query status code field; do
        req "$method" "/api/v1/offers?$query"
        expect_error "$status" "$code" "$field" || return 1
    done <<ERRORS
GET  from=Vientiane&to=Luang%20Prabang                 400 invalid            date
GET  to=Luang%20Prabang&date=$DATE                     400 invalid            from
GET  from=Vientiane&to=Luang%20Prabang&date=2026-02-30 400 invalid            date
GET  from=Vientain&to=Luang%20Prabang&date=$DATE       404 not_found          from
GET  from=Vientiane&to=Muang&date=$DATE                400 ambiguous          to
POST from=Vientiane&to=Luang%20Prabang&date=$DATE      405 method_not_allowed null
ERRORS
    grep -qi '^Allow: GET, HEAD' "$TMP/headers"
}
check "GET /offers errors: invalid, not_found, ambiguous, 405" t_offers_errors

# ---- a booking's life ----
t_book() {
    post /api/v1/bookings "$(booking '.passengers += [{name: "Li Wei", document: "E98765432"}]')"
    expect 201 '(.id | test("^[0-9A-Z]{13}$")) and .state == "provisional"
        and (.expires_at | test("^2026-12-19T10:30:..\\+07:00$")) and .train == "C82" and .class == "second"
        and (.tickets | length == 2) and .tickets[0].name == "Somchai Phommachanh"
        and .tickets[0].document == "****4567" and .tickets[1].document == "*****5432"
        and .tickets[0].seat != .tickets[1].seat and (.tickets[0].seat | test("^..-..[A-F]$"))
        and .price == 700000 and .currency == "LAK" and .from.id == "vientiane"
        and .departure == "2026-12-20T08:30:00+07:00" and (has("qr_payload") | not)'
    ID=$(jq -r .id "$TMP/body")
}
check "POST /bookings -> 201 provisional, expires_at, a ticket per passenger (document masked)" t_book

t_get() {
    req GET "/api/v1/bookings/$ID"
    expect 200 ".id == \"$ID\" and .state == \"provisional\" and (.tickets | length == 2)" ||
        return 1
    local lower
    lower=$(tr 'A-Z' 'a-z' <<<"$ID")
    req GET "/api/v1/bookings/$lower"
    expect 200 ".id == \"$ID\""
}
check "GET /bookings/{id} (in any case)" t_get

t_seen_by_command() {
    lx order "$ID" --json | jq -e '.state == "held"' >/dev/null
}
check "... and the command sees the same order held" t_seen_by_command

t_fulfil() {
    post "/api/v1/bookings/$ID/fulfillments" '{"payment": "counter-42"}'
    expect 200 ".id == \"$ID\" and .state == \"confirmed\" and .expires_at == null
        and .payment == \"counter-42\" and (.tickets | length == 2)" || return 1
    req GET "/api/v1/bookings/$ID"
    expect 200 '.state == "confirmed"'
}
check "POST /bookings/{id}/fulfillments -> 200 confirmed" t_fulfil

# ---- e-tickets (docs/tickets.md): the payloads of a confirmed booking ----
t_qr_payload() {
    req GET "/api/v1/bookings/$ID"
    expect 200 '.state == "confirmed" and (.tickets | length == 2) and
        all(.tickets[]; .qr_payload | type == "string" and test("^[A-Za-z0-9_-]{100,}$"))
        and .tickets[0].qr_payload != .tickets[1].qr_payload' || return 1
    jq -r '.tickets[].qr_payload' "$TMP/body" >"$TMP/qr.api"
    # the command signs with the same key of the data directory: the same payloads
    lx ticket "$ID" --json --no-qr | jq -r '.tickets[].qr_payload' >"$TMP/qr.cli"
    diff "$TMP/qr.api" "$TMP/qr.cli" || return 1
    QR1=$(sed -n 1p "$TMP/qr.api")
    QR2=$(sed -n 2p "$TMP/qr.api")
    [ -f "$D/keys/ticket.key" ] && [ -f "$D/keys/ticket.pub" ]
}
check "a confirmed booking carries each ticket's signed qr_payload (as lanxang ticket)" t_qr_payload

t_gate_early() {
    # the day before the train: outside the ticket's window, nothing recorded
    post /api/v1/gate/scan "$(jq -nc --arg p "$QR1" '{payload: $p}')"
    expect 422 ".error.code == \"malformed\" and .error.field == \"payload\" and
        .accepted == false and .result == \"too_early\" and .ticket.order == \"$ID\"
        and .ticket.ticket == 1 and .ticket.of == 2 and .ticket.train == \"C82\""
}
check "POST /gate/scan the day before -> 422 too_early (with the decoded ticket)" t_gate_early

t_gate_bad_body() {
    post /api/v1/gate/scan '{"payload": '
    expect_error 400 invalid null || return 1
    post /api/v1/gate/scan '[1]'
    expect_error 400 invalid null || return 1
    req POST /api/v1/gate/scan
    expect_error 400 invalid null || return 1
    post /api/v1/gate/scan '{}'
    expect_error 400 invalid payload || return 1
    post /api/v1/gate/scan '{"payload": 5}'
    expect_error 400 invalid payload || return 1
    post /api/v1/gate/scan "$(jq -nc --arg p "$QR1" '{payload: $p, gate: 3}')"
    expect_error 400 invalid gate || return 1
    post /api/v1/gate/scan "$(jq -nc --arg p "$QR1" '{payload: $p, station: 7}')"
    expect_error 400 invalid station || return 1
    req GET /api/v1/gate/scan
    expect_error 405 method_not_allowed null
}
check "POST /gate/scan with a malformed body -> 400 invalid (naming the field); GET -> 405" t_gate_bad_body

t_fulfil_twice() {
    req POST "/api/v1/bookings/$ID/fulfillments"
    expect_error 409 conflict id
}
check "... a second fulfilment -> 409 conflict" t_fulfil_twice

t_cancel_confirmed() {
    req DELETE "/api/v1/bookings/$ID"
    expect_error 409 conflict id
}
check "DELETE of a confirmed booking -> 409 conflict" t_cancel_confirmed

t_cancel() {
    post /api/v1/bookings "$(booking)"
    expect 201 '.state == "provisional"' || return 1
    local id
    id=$(jq -r .id "$TMP/body")
    req DELETE "/api/v1/bookings/$id"
    expect 200 ".id == \"$id\" and .state == \"cancelled\"" || return 1
    req GET "/api/v1/bookings/$id"
    expect 200 '.state == "cancelled"' || return 1
    req POST "/api/v1/bookings/$id/fulfillments"
    expect_error 409 conflict id || return 1
    req DELETE "/api/v1/bookings/$id"
    expect_error 409 conflict id
}
check "DELETE /bookings/{id} -> 200 cancelled; then fulfil/cancel -> 409" t_cancel

t_named_seat() {
    post /api/v1/bookings "$(booking '.seats = ["03-10A"]')"
    expect 201 '.tickets[0].seat == "03-10A"' || return 1
    post /api/v1/bookings "$(booking '.seats = ["03-10a"]')"
    expect_error 409 seat_taken seats || return 1
    post /api/v1/bookings "$(booking '.seats = ["99-99Z"]')"
    expect_error 404 not_found seats || return 1
    post /api/v1/bookings "$(booking '.seats = ["02-02A"]')" # a first-class seat
    expect_error 400 invalid seats
}
check "named seats: 201, then taken -> 409 seat_taken, unknown -> 404, other class -> 400 (field seats)" t_named_seat

t_unknown() {
    req GET /api/v1/bookings/0000000000000
    expect_error 404 not_found id || return 1
    req DELETE /api/v1/bookings/NO-SUCH
    expect_error 404 not_found id || return 1
    req POST /api/v1/bookings/0000000000000/fulfillments
    expect_error 404 not_found id
}
check "unknown booking -> 404 not_found (GET, DELETE, fulfil)" t_unknown

t_methods() {
    req PUT /api/v1/bookings
    expect_error 405 method_not_allowed null || return 1
    grep -qi '^Allow: POST' "$TMP/headers" || { cat "$TMP/headers"; return 1; }
    req PATCH "/api/v1/bookings/$ID"
    expect_error 405 method_not_allowed null || return 1
    grep -qi '^Allow: GET, HEAD, DELETE' "$TMP/headers" || { cat "$TMP/headers"; return 1; }
    req GET "/api/v1/bookings/$ID/fulfillments"
    expect_error 405 method_not_allowed null
}
check "other methods -> 405 with Allow from the route table" t_methods

# ---- bad requests: each names its field, none leaves a booking behind ----
t_bad_input() {
    local before
    before=$(curl -s "$SERVER_URL/api/v1/offers?from=Vientiane&to=Luang%20Prabang&date=$DATE" |
        jq -c 'map(select(.train == "C82"))[0].classes')
    post /api/v1/bookings '{"train": "C82", '
    expect_error 422 malformed null || return 1
    post /api/v1/bookings '[1, 2]'
    expect_error 400 invalid null || return 1
    req POST /api/v1/bookings
    expect_error 400 invalid null || return 1
    post /api/v1/bookings '{"train": "C82", "train": "C82"}'
    expect_error 422 malformed null || return 1
    # STATUS CODE FIELD, then the jq expression that amends the booking request
    local status code field amend
    while read -r status code field amend; do
        post /api/v1/bookings "$(booking "$amend")"
        expect_error "$status" "$code" "$field" || return 1
    done <<'CASES'
400 invalid      coupon                 .coupon = "FREE"
400 invalid      passengers[0].age      .passengers[0].age = 30
400 invalid      train                  .train = 82
400 invalid      class                  del(.class)
400 invalid      passengers             .passengers = "Somchai"
400 invalid      passengers             .passengers = []
400 out_of_range passengers             .passengers = [range(6) | {name: "P\(.)", document: "D000\(.)"}]
400 invalid      passengers[0].document .passengers[0].document = ""
400 invalid      passengers[0].name     .passengers[0].name = 7
400 invalid      passengers[0].document .passengers[0].document = "P 123"
400 invalid      seats                  .seats = "03-05A"
400 invalid      seats                  .seats = ["03-05A", "03-05B"]
400 invalid      date                   .date = "2026-13-01"
404 not_found    from                   .from = "Vientain"
400 ambiguous    to                     .to = "Muang"
404 not_found    train                  .train = "Z999"
404 not_found    train                  .train = "C81"
404 not_found    class                  .class = "sleeper"
409 sales_closed null                   .date = "2026-12-18"
CASES
    post "/api/v1/bookings/$ID/fulfillments" '{"paid": true}'
    expect_error 400 invalid paid || return 1
    post "/api/v1/bookings/$ID/fulfillments" '{"payment": 5}'
    expect_error 400 invalid payment || return 1
    local after
    after=$(curl -s "$SERVER_URL/api/v1/offers?from=Vientiane&to=Luang%20Prabang&date=$DATE" |
        jq -c 'map(select(.train == "C82"))[0].classes')
    [ "$before" = "$after" ] || { echo "seats changed: $before -> $after"; return 1; }
}
check "bad bodies: malformed (422), invalid/out_of_range naming the field, not_found, ambiguous, sales_closed; no seat taken" t_bad_input

t_too_large() {
    head -c 70000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
    post /api/v1/bookings "@$TMP/big.json"
    expect_error 413 too_large null || return 1
    STATUS=$(curl -s -o "$TMP/body" -w '%{http_code}' -X POST -H 'Transfer-Encoding: chunked' \
        --data-binary "@$TMP/big.json" "$SERVER_URL/api/v1/bookings")
    expect_error 413 too_large null || return 1
    req GET /healthz
    expect 200 '.status == "ok"'
}
check "a body over 64 KiB -> 413 too_large (Content-Length and chunked)" t_too_large

# ---- the race for the last 3 seats ----
t_race() {
    local body i pids=()
    body=$(jq -nc "$RACE"' + {passengers: [{name: "Racer", document: "R0000001"}]}')
    for i in $(seq 1 20); do
        curl -s -o "$TMP/race.$i" -w '%{http_code}\n' -X POST --data-binary "$body" \
            "$SERVER_URL/api/v1/bookings" >"$TMP/race.status.$i" &
        pids+=($!)
    done
    wait "${pids[@]}" # (not the server)
    local won lost seats
    won=$(cat "$TMP"/race.status.* | grep -c '^201$' || true)
    lost=$(cat "$TMP"/race.status.* | grep -c '^409$' || true)
    [ "$won" = 3 ] && [ "$lost" = 17 ] || { echo "201: $won, 409: $lost"; cat "$TMP"/race.status.*; return 1; }
    seats=$(for i in $(seq 1 20); do
        jq -r 'select(.state == "provisional") | .tickets[0].seat' "$TMP/race.$i"
    done | sort -u | wc -l)
    [ "$seats" = 3 ] || { echo "distinct seats: $seats"; return 1; }
    for i in $(seq 1 20); do
        if grep -q '^409$' "$TMP/race.status.$i"; then
            jq -e '.error.code == "sold_out" and .error.field == "class"' "$TMP/race.$i" \
                >/dev/null || { cat "$TMP/race.$i"; return 1; }
        fi
    done
    post /api/v1/bookings "$body"
    expect_error 409 sold_out class
}
check "20 clients race for the last 3 seats: 3 get 201 with distinct seats, 17 get 409 sold_out" t_race

# a hold to see expire
post /api/v1/bookings "$(booking)"
HELD=$(jq -r .id "$TMP/body")
post /api/v1/bookings "$(booking)"
HELD2=$(jq -r .id "$TMP/body")

check "SIGTERM stops the server cleanly (exit 0)" server_stop

# ---- expiry: the server's clock starts at LANXANG_NOW ----
start_server "$LATER"
t_expired_get() {
    req GET "/api/v1/bookings/$HELD"
    expect 200 '.state == "expired" and (.expires_at | startswith("2026-12-19T10:30:"))'
}
check "after its deadline a booking shows as expired" t_expired_get

t_expired_fulfil() {
    req POST "/api/v1/bookings/$HELD2/fulfillments"
    expect_error 409 expired id || return 1
    req GET "/api/v1/bookings/$HELD2"
    expect 200 '.state == "expired"'
}
check "fulfilling an expired booking -> 409 expired" t_expired_fulfil

t_sweep() {
    # a hold made now at LATER is not due; the one at NOW was swept at start
    lx order "$HELD2" --json | jq -e '.state == "expired"' >/dev/null
}
check "the sweep expired the due holds durably" t_sweep

check "SIGTERM stops the server cleanly again" server_stop

# ---- the gate: the server's clock 10 minutes before C82 leaves Vientiane ----
GATE_AT=2026-12-20T08:20:00+07:00
start_server "$GATE_AT"
scan() { post /api/v1/gate/scan "$(jq -nc --arg p "$1" --arg s "${2:-}" \
    '{payload: $p} + (if $s == "" then {} else {station: $s} end)')"; }

t_scan() {
    scan "$QR1" Vientiane
    expect 200 ".accepted == true and .result == \"accepted\" and (has(\"error\") | not)
        and .ticket.order == \"$ID\" and .ticket.ticket == 1 and .ticket.train == \"C82\"
        and .ticket.passenger == \"Somchai Phommachanh\"
        and .checked_in_at == \"2026-12-20T01:20:00Z\""
}
check "POST /gate/scan within the window -> 200 accepted with the decoded ticket" t_scan

t_scan_again() {
    scan "$QR1"
    expect 409 '.error.code == "conflict" and .error.field == "payload" and
        .accepted == false and .result == "already_used" and
        .first_checked_in_at == "2026-12-20T01:20:00Z"'
}
check "... scanning it again -> 409 already_used" t_scan_again

t_scan_forged() {
    local c new forged
    c=${QR2:20:1}
    if [ "$c" = A ]; then new=B; else new=A; fi
    forged="${QR2:0:20}$new${QR2:21}"
    scan "$forged"
    expect 422 '.error.code == "malformed" and .accepted == false and
        (.result == "bad_signature" or .result == "malformed") and (has("ticket") | not)' ||
        return 1
    scan "not a ticket"
    expect 422 '.result == "malformed"'
}
check "a tampered payload -> 422 (bad_signature), garbage -> 422 malformed" t_scan_forged

t_scan_station() {
    scan "$QR2" "Luang Prabang"
    expect 422 '.result == "wrong_station" and .ticket.ticket == 2' || return 1
    scan "$QR2" Vientiane
    expect 200 '.result == "accepted" and .ticket.ticket == 2'
}
check "the second ticket at the wrong station -> 422 wrong_station; at Vientiane -> 200" t_scan_station

t_scan_cli_agrees() {
    local rc=0
    AT=$GATE_AT lx gate verify "$QR1" --json >"$TMP/gate.json" 2>"$TMP/gate.err" || rc=$?
    [ "$rc" = 6 ] || { echo "exit $rc"; cat "$TMP/gate.json" "$TMP/gate.err"; return 1; }
    jq -e '.result == "already_used" and .first_checked_in_at == "2026-12-20T01:20:00Z"' \
        "$TMP/gate.json" >/dev/null
}
check "lanxang gate verify on the same data directory agrees: already used (exit 6)" t_scan_cli_agrees

check "SIGTERM stops the server after the gate" server_stop

t_check() {
    lx check >"$TMP/check.txt" 2>&1 || { cat "$TMP/check.txt"; return 1; }
}
check "lanxang check on the data directory exits 0" t_check

check_summary

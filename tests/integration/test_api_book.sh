#!/usr/bin/env bash
# Integration test of the booking API (docs/api.md, "Bookings"): starts `lanxang serve`
# on a free loopback port with a temporary --data directory and a fixed LANXANG_NOW,
# drives offers, bookings, fulfilment and cancellation, the seat map, QR images and
# refunds (offer, then refund) with curl and jq, checks every error code those endpoints
# answer with, races 20 clients for the last 3 seats of a class, refunds at each fee
# bracket with servers whose clocks (LANXANG_NOW) stand at chosen times before a
# departure, stops each server by its PID and runs `lanxang check` on the data directory.
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

# a fresh document number for each booking (one document holds one ticket per train
# and date): P0014567, P0024567, ... (masked: ****4567)
next_doc() {
    local n
    n=$(($(cat "$TMP/docno" 2>/dev/null || echo 0) + 1))
    echo "$n" >"$TMP/docno"
    printf 'P%03d4567' "$n"
}

# a booking request on C82 Vientiane -> Luang Prabang; jq expressions may amend it
booking() {
    jq -nc --arg date "$DATE" --arg doc "$(next_doc)" '{train: "C82", date: $date,
        from: "Vientiane", to: "Luang Prabang", class: "second",
        passengers: [{name: "Somchai Phommachanh", document: $doc}]}'"${1:+ | $1}"
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
        local k=$((n < 3 ? n : 3)) args=() i # LCR sells at most 3 passengers a order
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
422 rule_refused null                   .passengers = [range(6) | {name: "P\(.)", document: "D000\(.)"}]
400 invalid      passengers[0].document_type .passengers[0].document_type = "visa"
400 invalid      passengers[0].birth_date .passengers[0].birth_date = "2026-02-30"
400 invalid      passengers[0].birth_date .passengers[0].birth_date = "2030-01-01"
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
check "bad bodies: malformed (422), invalid naming the field, a 6th passenger (422 rule), not_found, ambiguous, sales_closed; no seat taken" t_bad_input

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

# ---- the seat map (GET /trains/{train}/seats) ----
seats_q() { # TRAIN FROM TO [DATE] [EXTRA]: the path of a seat map
    printf '/api/v1/trains/%s/seats?date=%s&from=%s&to=%s%s' "$1" "${4:-$DATE}" \
        "$(jq -rn --arg s "$2" '$s | @uri')" "$(jq -rn --arg s "$3" '$s | @uri')" "${5:-}"
}
# seat_free LABEL: whether the last seat map shows that seat free (true/false)
seat_free() { jq -r --arg s "$1" '[.classes[].coaches[].seats[] | select(.seat == $s)][0].free' "$TMP/body"; }

t_seats_shape() {
    req GET "$(seats_q C82 Vientiane "Luang Prabang")"
    expect 200 '.train == "C82" and .date == "'$DATE'" and .from.id == "vientiane"
        and .to.id == "luang_prabang" and (.to.names.zh | type == "string")
        and ([.classes[].class] == ["first", "second"])
        and all(.classes[]; (.free | type == "number") and (.coaches | length > 0)
            and all(.coaches[]; (.coach | type == "number") and all(.seats[];
                (.seat | test("^[0-9]{2}-[0-9]{2}[A-F]$")) and (.row | type == "number")
                and (.letter | test("^[A-F]$")) and (.window | type == "boolean")
                and (.aisle | type == "boolean") and (.free | type == "boolean")
                and .quota == null)))
        and ([.classes[] | .free == ([.coaches[].seats[] | select(.free)] | length)] | all)
        and ([.classes[].coaches[].seats[] | select(.letter == "A" or .letter == "F")]
             | all(.window and (.aisle | not)))' || return 1
    # the free counts are those of the offers
    local map offers
    map=$(jq -c '[.classes[] | {class, free}]' "$TMP/body")
    req GET "/api/v1/offers?from=Vientiane&to=Luang%20Prabang&date=$DATE"
    offers=$(jq -c 'map(select(.train == "C82"))[0].classes | map({class, free})' "$TMP/body")
    [ "$map" = "$offers" ] || { echo "map $map, offers $offers"; return 1; }
}
check "GET /trains/{train}/seats: classes, coaches, seats (row, letter, window, aisle, free, quota); counts as offers" t_seats_shape

t_seats_taken() {
    req GET "$(seats_q C82 Vientiane "Luang Prabang" "" '&class=second')"
    [ "$(seat_free 03-12A)" = true ] || { echo "03-12A not free before"; return 1; }
    post /api/v1/bookings "$(booking '.seats = ["03-12A"]')"
    expect 201 '.tickets[0].seat == "03-12A"' || return 1
    req GET "$(seats_q C82 Vientiane "Luang Prabang" "" '&class=second')"
    [ "$(seat_free 03-12A)" = false ] || { echo "03-12A still free"; return 1; }
    # a seat taken from Vang Vieng on is free before Vang Vieng
    post /api/v1/bookings "$(booking '.from = "Vang Vieng" | .seats = ["03-13A"]')"
    expect 201 '.tickets[0].seat == "03-13A"' || return 1
    req GET "$(seats_q C82 Vientiane "Vang Vieng" "" '&class=second')"
    [ "$(seat_free 03-13A)" = true ] || { echo "03-13A not free before Vang Vieng"; return 1; }
    req GET "$(seats_q C82 Vientiane "Luang Prabang" "" '&class=second')"
    [ "$(seat_free 03-13A)" = false ] || { echo "03-13A free over Vang Vieng"; return 1; }
}
check "seat map: a seat held shows taken over its stretch, free elsewhere" t_seats_taken

t_seats_class() {
    req GET "$(seats_q C82 Vientiane "Luang Prabang" "" '&class=FIRST')"
    expect 200 '[.classes[].class] == ["first"] and
        all(.classes[0].coaches[].seats[]; .letter != "B")'
}
check "seat map ?class= (any case): that class only" t_seats_class

t_seats_quota() {
    # D87's coaches 2, 3, 4 and 6 are kept for journeys across the border
    req GET "$(seats_q D87 "Kunming South" "Pu'er")"
    expect 200 '[.classes[].coaches[] | select(.coach == 3) | .seats[]] |
        length > 0 and all(.quota == "cross_border" and (.free | not))' || return 1
    jq -e '[.classes[].coaches[] | select(.coach == 7) | .seats[]] |
        length > 0 and all(.quota == null and .free)' "$TMP/body" >/dev/null || return 1
    req GET "$(seats_q D87 "Kunming South" Vientiane)"
    expect 200 '[.classes[].coaches[] | select(.coach == 3) | .seats[]] |
        all(.quota == "cross_border" and .free)'
}
check "seat map: cross-border quota seats are free only to a cross-border journey" t_seats_quota

t_seats_long() {
    local ld='[.classes[].coaches[].seats[] | select(.quota == "long_distance")]'
    # two days ahead: the long-distance share is kept for long journeys
    req GET "$(seats_q D8801 "Kunming South" Yuxi 2026-12-21)"
    expect 200 "$ld | length > 0 and all(.free | not)" || return 1
    req GET "$(seats_q D8801 "Kunming South" Mohan 2026-12-21)"
    expect 200 "$ld | length > 0 and all(.free)" || return 1
    # within a day of departure it is released to everyone
    req GET "$(seats_q D8801 "Kunming South" Yuxi 2026-12-20)"
    expect 200 "$ld | length > 0 and all(.free)"
}
check "seat map: long-distance quota seats free to long journeys, to all after the release" t_seats_long

t_seats_errors() {
    local path status code field
    while read -r path status code field; do
        req GET "$path"
        expect_error "$status" "$code" "$field" || return 1
    done <<ERRORS
/api/v1/trains/C82/seats?from=Vientiane&to=Vang%20Vieng                   400 invalid   date
/api/v1/trains/C82/seats?date=$DATE&to=Vang%20Vieng                       400 invalid   from
/api/v1/trains/C82/seats?date=$DATE&from=Vientiane                        400 invalid   to
/api/v1/trains/C82/seats?date=2026-02-30&from=Vientiane&to=Vang%20Vieng   400 invalid   date
/api/v1/trains/C82/seats?date=$DATE&from=Vientain&to=Vang%20Vieng         404 not_found from
/api/v1/trains/C82/seats?date=$DATE&from=Vientiane&to=Muang               400 ambiguous to
/api/v1/trains/Z999/seats?date=$DATE&from=Vientiane&to=Vang%20Vieng       404 not_found train
/api/v1/trains/C81/seats?date=$DATE&from=Vientiane&to=Vang%20Vieng        404 not_found train
/api/v1/trains/C82/seats?date=$DATE&from=Vientiane&to=Vang%20Vieng&class=sleeper 404 not_found class
ERRORS
    req POST "$(seats_q C82 Vientiane "Vang Vieng")"
    expect_error 405 method_not_allowed null
}
check "seat map errors: missing/bad date, unknown station, ambiguous, unknown train, class; 405" t_seats_errors

t_seats_cli() {
    req GET "$(seats_q C82 Vientiane "Luang Prabang")"
    lx seats C82 --date "$DATE" --from Vientiane --to "Luang Prabang" --json >"$TMP/seats.cli" ||
        return 1
    jq -e --slurpfile api "$TMP/body" '. == $api[0]' "$TMP/seats.cli" >/dev/null ||
        { echo "the command and the API differ"; return 1; }
    lx seats C82 --date "$DATE" --from Vientiane --to "Luang Prabang" --class second \
        >"$TMP/seats.txt" || return 1
    grep -q '^  second: [0-9]* free$' "$TMP/seats.txt" && grep -q '^    coach 3$' "$TMP/seats.txt" &&
        grep -q '^      12  \. B C   D F$' "$TMP/seats.txt" ||
        { head -12 "$TMP/seats.txt"; return 1; }
    local rc=0
    lx seats C82 --date "$DATE" --from Vientiane --to "Luang Prabang" --class sleeper --json \
        >"$TMP/seats.err" 2>/dev/null || rc=$?
    [ "$rc" = 3 ] && jq -e '.error.code == "not_found" and .error.field == "class"' \
        "$TMP/seats.err" >/dev/null
}
check "lanxang seats --json equals the API's map; text shows '.' for a taken seat; errors" t_seats_cli

# ---- seat_preference, Location, expires_in ----
t_pref() {
    local pref want
    for pref in window aisle; do
        post /api/v1/bookings "$(booking ".seat_preference = \"$pref\"")"
        expect 201 '.state == "provisional"' || return 1
        want='^..-..[AF]$'
        [ "$pref" = window ] || want='^..-..[CD]$'
        jq -e --arg w "$want" '.tickets[0].seat | test($w)' "$TMP/body" >/dev/null || {
            echo "$pref: $(jq -r '.tickets[0].seat' "$TMP/body")"
            return 1
        }
    done
    post /api/v1/bookings "$(booking '.seat_preference = "middle"')"
    expect_error 400 invalid seat_preference || return 1
    post /api/v1/bookings "$(booking '.seat_preference = 1')"
    expect_error 400 invalid seat_preference
}
check "seat_preference window gives a window seat, aisle an aisle seat; other values -> 400" t_pref

# hold_new [JQ]: a new provisional booking (the request amended by JQ); its id in NEW
hold_new() {
    post /api/v1/bookings "$(booking "${1:-}")"
    expect 201 '.state == "provisional"' || return 1
    NEW=$(jq -r .id "$TMP/body")
}
# confirm_new [JQ]: the same, confirmed
confirm_new() {
    hold_new "${1:-}" || return 1
    post "/api/v1/bookings/$NEW/fulfillments" '{}'
    expect 200 '.state == "confirmed"'
}

t_location() {
    hold_new || return 1
    grep -qi "^Location: /api/v1/bookings/$NEW"$'\r'"\?$" "$TMP/headers" ||
        { cat "$TMP/headers"; return 1; }
    req GET "/api/v1/bookings/$NEW"
    ! grep -qi '^Location:' "$TMP/headers"
}
check "POST /bookings -> Location: /api/v1/bookings/{id}" t_location

t_expires_in() {
    # the server's clock is fixed at NOW; the hold lasts 30 minutes
    hold_new || return 1
    expect 201 '.expires_in == 1800' || return 1
    req GET "/api/v1/bookings/$NEW"
    expect 200 '.expires_in == 1800' || return 1
    post "/api/v1/bookings/$NEW/fulfillments" '{}'
    expect 200 '.state == "confirmed" and .expires_in == null' || return 1
    req GET "/api/v1/bookings/$ID"
    expect 200 '.state == "confirmed" and has("expires_in") and .expires_in == null'
}
check "expires_in: seconds to the deadline by the server's clock; null once confirmed" t_expires_in

# ---- a ticket's QR code as SVG ----
t_qr_svg() {
    req GET "/api/v1/bookings/$ID/tickets/2/qr.svg"
    [ "$STATUS" = 200 ] || { echo "status $STATUS"; cat "$TMP/body"; return 1; }
    header_has Content-Type image/svg+xml || return 1
    head -c 200 "$TMP/body" | grep -q '<svg xmlns="http://www.w3.org/2000/svg"' || return 1
    grep -q '</svg>' "$TMP/body" || return 1
    cp "$TMP/body" "$TMP/qr2.svg"
    req GET "/api/v1/bookings/$ID/tickets/1/qr.svg"
    ! cmp -s "$TMP/body" "$TMP/qr2.svg" || { echo "tickets 1 and 2 draw the same code"; return 1; }
    req HEAD "/api/v1/bookings/$ID/tickets/1/qr.svg"
    [ "$STATUS" = 200 ]
}
check "GET /bookings/{id}/tickets/{n}/qr.svg -> 200 image/svg+xml (HEAD too)" t_qr_svg

t_qr_errors() {
    local n
    for n in 3 0 x 01x; do
        req GET "/api/v1/bookings/$ID/tickets/$n/qr.svg"
        expect_error 404 not_found n || return 1
    done
    req GET /api/v1/bookings/0000000000000/tickets/1/qr.svg
    expect_error 404 not_found id || return 1
    hold_new || return 1
    req GET "/api/v1/bookings/$NEW/tickets/1/qr.svg"
    expect_error 409 conflict id || return 1
    req POST "/api/v1/bookings/$ID/tickets/1/qr.svg"
    expect_error 405 method_not_allowed null
}
check "qr.svg: unknown ticket or booking -> 404, provisional -> 409, POST -> 405" t_qr_errors

# ---- refunds: an offer, then the refund (the fee by the time before departure) ----
t_refund_offer() {
    confirm_new '.seats = ["03-14A"]' || return 1
    RF=$NEW
    # NOW is 22 h 30 before C82 leaves Vientiane: 20 % of 350000 LAK; the offer holds
    # 15 minutes
    req POST "/api/v1/bookings/$RF/refund-offers"
    expect 201 "(.id | test(\"^[A-Za-z0-9_-]{60,}$\")) and .booking == \"$RF\" and
        .fee == 70000 and .amount == 280000 and .currency == \"LAK\" and
        .valid_until == \"2026-12-19T03:15:00Z\"" || return 1
    OFFER=$(jq -r .id "$TMP/body")
    post "/api/v1/bookings/$RF/refund-offers" '{}'
    expect 201 '.fee == 70000' || return 1
    post "/api/v1/bookings/$RF/refund-offers" '{"reason": "ill"}'
    expect_error 400 invalid reason
}
check "POST /bookings/{id}/refund-offers -> 201 {id, booking, fee 20 %, amount, currency, valid_until}" t_refund_offer

t_refund_bad_offer() {
    local forged c
    c=${OFFER:30:1}
    if [ "$c" = A ]; then c=B; else c=A; fi
    forged="${OFFER:0:30}$c${OFFER:31}"
    post "/api/v1/bookings/$RF/refunds" "$(jq -nc --arg o "$forged" '{refund_offer: $o}')"
    expect_error 422 malformed refund_offer || return 1
    post "/api/v1/bookings/$RF/refunds" '{"refund_offer": "not an offer"}'
    expect_error 422 malformed refund_offer || return 1
    post "/api/v1/bookings/$RF/refunds" '{}'
    expect_error 400 invalid refund_offer || return 1
    post "/api/v1/bookings/$RF/refunds" '{"refund_offer": 7}'
    expect_error 400 invalid refund_offer || return 1
    req POST "/api/v1/bookings/$RF/refunds"
    expect_error 400 invalid null || return 1
    post "/api/v1/bookings/$RF/refunds" '{"refund_offer": '
    expect_error 422 malformed null || return 1
    # an offer for another booking
    req POST "/api/v1/bookings/$ID/refund-offers"
    expect 201 ".booking == \"$ID\"" || return 1
    post "/api/v1/bookings/$RF/refunds" "$(jq -nc --arg o "$(jq -r .id "$TMP/body")" '{refund_offer: $o}')"
    expect_error 422 malformed refund_offer || return 1
    req GET "/api/v1/bookings/$RF"
    expect 200 '.state == "confirmed"'
}
check "refunds with a tampered, garbage, other booking's offer -> 422; missing -> 400; still confirmed" t_refund_bad_offer

t_refund() {
    req GET "$(seats_q C82 Vientiane "Luang Prabang" "" '&class=second')"
    [ "$(seat_free 03-14A)" = false ] || { echo "03-14A free before the refund"; return 1; }
    post "/api/v1/bookings/$RF/refunds" "$(jq -nc --arg o "$OFFER" '{refund_offer: $o}')"
    expect 200 ".id == \"$RF\" and .state == \"refunded\" and .refund.fee == 70000 and
        .refund.amount == 280000 and .refund.currency == \"LAK\" and .price == 350000" || return 1
    req GET "/api/v1/bookings/$RF"
    expect 200 '.state == "refunded"' || return 1
    lx order "$RF" --json | jq -e '.state == "refunded"' >/dev/null || return 1
    req GET "$(seats_q C82 Vientiane "Luang Prabang" "" '&class=second')"
    [ "$(seat_free 03-14A)" = true ] || { echo "03-14A not free after the refund"; return 1; }
}
check "POST /bookings/{id}/refunds -> 200 refunded with refund {fee, amount, currency}; the seat is free" t_refund

t_refund_twice() {
    post "/api/v1/bookings/$RF/refunds" "$(jq -nc --arg o "$OFFER" '{refund_offer: $o}')"
    expect_error 409 conflict id || return 1
    req POST "/api/v1/bookings/$RF/refund-offers"
    expect_error 409 conflict id || return 1
    req GET "/api/v1/bookings/$RF/tickets/1/qr.svg"
    expect_error 409 conflict id
}
check "a second refund, an offer or a QR code of a refunded booking -> 409 conflict" t_refund_twice

t_refund_errors() {
    hold_new || return 1
    req POST "/api/v1/bookings/$NEW/refund-offers"
    expect_error 409 conflict id || return 1
    post "/api/v1/bookings/$NEW/refunds" "$(jq -nc --arg o "$OFFER" '{refund_offer: $o}')"
    expect_error 409 conflict id || return 1
    req POST /api/v1/bookings/0000000000000/refund-offers
    expect_error 404 not_found id || return 1
    post /api/v1/bookings/0000000000000/refunds "$(jq -nc --arg o "$OFFER" '{refund_offer: $o}')"
    expect_error 404 not_found id || return 1
    req GET "/api/v1/bookings/$ID/refund-offers"
    expect_error 405 method_not_allowed null || return 1
    grep -qi '^Allow: POST' "$TMP/headers" || return 1
    req DELETE "/api/v1/bookings/$ID/refunds"
    expect_error 405 method_not_allowed null
}
check "refund of a provisional booking -> 409, of an unknown one -> 404; other methods -> 405" t_refund_errors

# a confirmed booking to refund at the gate, and its first ticket
confirm_new '.seats = ["03-15A"]' >/dev/null
GATE_REFUND=$NEW
req GET "/api/v1/bookings/$GATE_REFUND"
QR_REFUND=$(jq -r '.tickets[0].qr_payload' "$TMP/body")

# ---- the race for the last 3 seats ----
t_race() {
    local body i pids=()
    for i in $(seq 1 20); do
        body=$(jq -nc --arg doc "R00000$((10 + i))" "$RACE"' + {passengers: [{name: "Racer", document: $doc}]}')
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

# ---- passenger rules: sales windows and passengers per order (lx_sales_rules.txt) ----
# LCR, domestic: sales open 3 days before departure and close 30 minutes before; at
# most 3 passengers an order. The server's clock: 2026-12-19T10:00:00+07:00.
start_server
t_rule_open() {
    post /api/v1/bookings '{"train":"C86","date":"2026-12-23","from":"Vientiane","to":"Luang Prabang","class":"second","passengers":[{"name":"Early Bird","document":"P7000001"}]}'
    expect 422 '.error.code == "rule_refused" and .error.rule == "sales_open" and
        (.error.message | contains("2026-12-20T07:00:00+07:00")) and
        .error.open_at == "2026-12-20T07:00:00+07:00" and
        .error.close_at == "2026-12-23T06:30:00+07:00" and .error.max_passengers == 3'
}
check "POST /bookings before sales open -> 422 rule sales_open, naming the opening time" t_rule_open

t_offer_sales() {
    req GET "/api/v1/offers?from=Vientiane&to=Luang%20Prabang&date=2026-12-23"
    expect 200 'map(select(.train == "C86"))[0].sales | .open == false and
        .rule == "sales_open" and .open_at == "2026-12-20T07:00:00+07:00" and
        .max_passengers == 3' || return 1
    req GET "/api/v1/offers?from=Vientiane&to=Luang%20Prabang&date=2026-12-19"
    expect 200 '(map(select(.train == "C86"))[0].sales.rule == "departed") and
        (map(select(.train == "C90"))[0].sales | .open and .rule == null and
         .close_at == "2026-12-19T12:00:00+07:00")'
}
check "offers carry each train's sales window and passenger limit (open, rule, open_at, close_at)" t_offer_sales

t_rule_pax() {
    post /api/v1/bookings '{"train":"C90","date":"2026-12-19","from":"Vientiane","to":"Luang Prabang","class":"second","passengers":[{"name":"A","document":"P7000011"},{"name":"B","document":"P7000012"},{"name":"C","document":"P7000013"},{"name":"D","document":"P7000014"}]}'
    expect 422 '.error.code == "rule_refused" and .error.rule == "max_passengers" and
        (.error.message | contains("at most 3"))' || return 1
    post /api/v1/bookings '{"train":"C90","date":"2026-12-19","from":"Vientiane","to":"Luang Prabang","class":"second","passengers":[{"name":"A","document":"P7000011"},{"name":"B","document":"P7000012"},{"name":"C","document":"P7000013"}]}'
    expect 201 '.state == "provisional" and (.tickets | length == 3)' || return 1
    # real names at rest: no document number in the database's files, only masked
    if grep -aq 'P7000012' "$D"/lanxang.db*; then echo "a document number in clear on disk"; return 1; fi
    grep -aq '\*\*\*\*0012' "$D"/lanxang.db* || { echo "the masked number is not on disk"; return 1; }
}
check "POST /bookings with a 4th passenger on an LCR train -> 422 max_passengers; 3 -> 201" t_rule_pax

t_rule_departed() {
    post /api/v1/bookings '{"train":"C86","date":"2026-12-19","from":"Vientiane","to":"Luang Prabang","class":"second","passengers":[{"name":"Too Late","document":"P7000021"}]}'
    expect 409 '.error.code == "sales_closed" and .error.rule == "departed"'
}
check "POST /bookings on a train that has left -> 409 sales_closed, rule departed" t_rule_departed

# real names: the document's kind and the birth date are kept; across a border, a passport
xb() { # TYPE-JSON: a D88 booking Vientiane -> Kunming South (China) for one passenger
    echo '{"train":"D88","date":"2026-12-20","from":"Vientiane","to":"Kunming South","class":"second","passengers":[{"name":"Bounmy Keo","document":"L9900123"'"$1"'}]}'
}
t_passport() {
    post /api/v1/bookings "$(xb ',"document_type":"national_id"')"
    expect 422 '.error.code == "rule_refused" and .error.rule == "passport_required" and
        (.error.message | contains("passport"))' || return 1
    post /api/v1/bookings "$(xb ',"document_type":"family_book","birth_date":"1990-04-01"')"
    expect 422 '.error.rule == "passport_required"' || return 1
    post /api/v1/bookings "$(xb ',"document_type":"passport","birth_date":"1990-04-01"')"
    expect 201 '.tickets | length == 1' || return 1
    req GET "/api/v1/bookings/$(jq -r .id "$TMP/body")"
    expect 200 '.passengers[0] | .document_type == "passport" and .birth_date == "1990-04-01"
        and .document == "****0123"' || return 1
    # a domestic journey takes a Lao family book
    post /api/v1/bookings '{"train":"C90","date":"2026-12-19","from":"Vientiane","to":"Luang Prabang","class":"second","passengers":[{"name":"Noy","document":"FB123456","document_type":"family_book"}]}'
    expect 201 '.passengers[0].document_type == "family_book" and .passengers[0].birth_date == null'
}
check "real names: across a border only a passport (422 passport_required); type and birth date kept" t_passport

# one document, one ticket per train per date
c84() { # PASSENGERS-JSON: a C84 booking today, Vientiane -> Luang Prabang
    echo '{"train":"C84","date":"2026-12-19","from":"Vientiane","to":"Luang Prabang","class":"second","passengers":['"$1"']}'
}
t_one_ticket() {
    post /api/v1/bookings "$(c84 '{"name":"Kham","document":"LA5550001"}')"
    expect 201 '.state == "provisional"' || return 1
    local first
    first=$(jq -r .id "$TMP/body")
    # the same number, written otherwise (lower case), on the same train and date
    post /api/v1/bookings "$(c84 '{"name":"Kham","document":"la5550001"}')"
    expect 422 '.error.code == "rule_refused" and .error.rule == "one_ticket_per_train" and
        (.error.message | contains("'"$first"'"))' || return 1
    post /api/v1/bookings "$(c84 '{"name":"A","document":"LA5550002"},{"name":"B","document":"LA5550002"}')"
    expect 422 '.error.rule == "one_ticket_per_train" and (.error.message | contains("same document"))' || return 1
    # another train is another ticket; once the first is cancelled the document is free
    post /api/v1/bookings '{"train":"C90","date":"2026-12-19","from":"Vientiane","to":"Luang Prabang","class":"second","passengers":[{"name":"Kham","document":"LA5550001"}]}'
    expect 201 '.state == "provisional"' || return 1
    req DELETE "/api/v1/bookings/$first"
    expect 200 '.state == "cancelled"' || return 1
    post /api/v1/bookings "$(c84 '{"name":"Kham","document":"LA5550001"}')"
    expect 201 '.state == "provisional"'
}
check "real names: one ticket per document per train and date (422 one_ticket_per_train), free again once cancelled" t_one_ticket

# each side sells the journeys that start in its country: a Chinese office (--sell-from
# CN) refuses Vientiane -> Luang Prabang and sells Kunming South -> Yuxi
t_selling_side() {
    local url=$SERVER_URL pid=$SERVER_PID log=$SERVER_LOG rc=0
    SERVER_LOG=$TMP/cn.log
    server_start LANXANG_NOW="$NOW" --data "$D" -- --sell-from CN || return 1
    post /api/v1/bookings "$(booking)"
    expect 422 '.error.code == "rule_refused" and .error.rule == "selling_side" and
        (.error.message | contains("start in CN"))' || rc=1
    post /api/v1/bookings '{"train":"C7301","date":"2026-12-20","from":"Kunming South","to":"Yuxi","class":"second","passengers":[{"name":"Wang","document":"G12340001"}]}'
    expect 201 '.currency == "CNY"' || rc=1
    server_stop || rc=1
    SERVER_URL=$url SERVER_PID=$pid SERVER_LOG=$log
    # the command likewise
    local out code=0
    out=$(lx hold C82 --date "$DATE" --from Vientiane --to "Luang Prabang" --class second \
        --passenger "Somchai:P9990001" --sell-from CN --json 2>/dev/null) || code=$?
    [ "$code" = 6 ] && jq -e '.error.message | contains("selling_side")' <<<"$out" >/dev/null ||
        { echo "hold --sell-from CN: exit $code: $out"; rc=1; }
    return $rc
}
check "--sell-from CN sells only journeys starting in China (422 selling_side), as does hold" t_selling_side
server_stop

# the same rules through the command, at their exact seconds
rule_hold() { # AT TRAIN DATE: lanxang hold --json at that time; prints the exit status
    local rc=0
    AT=$1 lx hold "$2" --date "$3" --from Vientiane --to "Luang Prabang" --class second \
        --passenger "Rule Test:P7$RANDOM" --json >"$TMP/hold.json" 2>/dev/null || rc=$?
    echo "$rc"
}
t_rule_edges() {
    [ "$(rule_hold 2026-12-20T06:59:59+07:00 C86 2026-12-23)" = 6 ] || { echo "open -1 s"; return 1; }
    jq -e '.error.code == "rule_refused"' "$TMP/hold.json" >/dev/null || return 1
    [ "$(rule_hold 2026-12-20T07:00:00+07:00 C86 2026-12-23)" = 0 ] || { echo "open"; return 1; }
    [ "$(rule_hold 2026-12-19T11:59:59+07:00 C90 2026-12-19)" = 0 ] || { echo "close -1 s"; return 1; }
    [ "$(rule_hold 2026-12-19T12:00:00+07:00 C90 2026-12-19)" = 6 ] || { echo "close"; return 1; }
    jq -e '.error.message | contains("30 minutes before departure")' "$TMP/hold.json" >/dev/null
}
check "hold: sales open 3 days ahead and close 30 minutes before, to the second" t_rule_edges

# ---- expiry: the server's clock starts at LANXANG_NOW ----
start_server "$LATER"
t_expired_get() {
    req GET "/api/v1/bookings/$HELD"
    expect 200 '.state == "expired" and (.expires_at | startswith("2026-12-19T10:30:"))
        and .expires_in == null'
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

t_scan_refunded() {
    # 10 minutes before departure: 20 %, the offer good until the train leaves
    req POST "/api/v1/bookings/$GATE_REFUND/refund-offers"
    expect 201 '.fee == 70000 and .amount == 280000 and .valid_until == "2026-12-20T01:30:00Z"' ||
        return 1
    post "/api/v1/bookings/$GATE_REFUND/refunds" "$(jq -nc --arg o "$(jq -r .id "$TMP/body")" \
        '{refund_offer: $o}')"
    expect 200 '.state == "refunded" and .refund.fee == 70000' || return 1
    scan "$QR_REFUND" Vientiane
    expect 422 ".error.code == \"malformed\" and .accepted == false and
        .result == \"not_valid\" and .ticket.order == \"$GATE_REFUND\""
}
check "a ticket refunded just before departure is refused at the gate (422 not_valid)" t_scan_refunded

check "SIGTERM stops the server after the gate" server_stop

# ---- refund fees by the time before departure: D88 leaves Vientiane 2026-12-12 08:00
# (+07:00, 01:00Z) and costs 1410000 LAK in second class; a server per moment ----
fee_booking() {
    jq -nc --arg doc "$(next_doc)" '{train: "D88", date: "2026-12-12", from: "Vientiane",
        to: "Kunming South", class: "second",
        passengers: [{name: "Refund Tester", document: $doc}]}'
}
# fee_offer ID FEE VALID_UNTIL: an offer with that fee (and amount) and valid_until
fee_offer() {
    req POST "/api/v1/bookings/$1/refund-offers"
    expect 201 ".booking == \"$1\" and .fee == $2 and .amount == 1410000 - $2 and
        .currency == \"LAK\" and .valid_until == \"$3\""
}
fee_refund() { # ID OFFER
    post "/api/v1/bookings/$1/refunds" "$(jq -nc --arg o "$2" '{refund_offer: $o}')"
}
# fee_takes ID FEE VALID_UNTIL: an offer as fee_offer, accepted: refunded, that fee kept
fee_takes() {
    fee_offer "$@" || return 1
    fee_refund "$1" "$(jq -r .id "$TMP/body")"
    expect 200 ".state == \"refunded\" and .refund.fee == $2 and .refund.amount == 1410000 - $2
        and .refund.currency == \"LAK\""
}

# fee_at NOW DESCRIPTION CHECK: a server whose clock stands at NOW for one check
fee_at() {
    start_server "$1"
    check "$2" "$3"
    check "SIGTERM stops the server at $1" server_stop
}

t_fee_free() {
    local i
    FB=()
    for i in 1 2 3 4 5 6; do
        post /api/v1/bookings "$(fee_booking)"
        expect 201 '.price == 1410000 and .currency == "LAK"' || return 1
        FB+=("$(jq -r .id "$TMP/body")")
        post "/api/v1/bookings/${FB[-1]}/fulfillments" '{}'
        expect 200 '.state == "confirmed"' || return 1
    done
    fee_takes "${FB[0]}" 0 2026-12-01T01:15:00Z || return 1
    fee_offer "${FB[1]}" 0 2026-12-01T01:15:00Z || return 1
    OLD_OFFER=$(jq -r .id "$TMP/body")
}
fee_at 2026-12-01T08:00:00+07:00 "11 days before departure: refund free (offer valid 15 minutes)" t_fee_free

t_fee_8d() {
    fee_refund "${FB[1]}" "$OLD_OFFER"
    expect_error 409 expired refund_offer || return 1
    fee_offer "${FB[1]}" 0 2026-12-04T01:00:00Z || return 1
    EDGE_OFFER=$(jq -r .id "$TMP/body")
}
fee_at 2026-12-04T08:00:00+07:00 "exactly 8 days before: free, the offer ends with its bracket; an old offer -> 409 expired" t_fee_8d

t_fee_5() {
    fee_refund "${FB[1]}" "$EDGE_OFFER"
    expect_error 409 expired refund_offer || return 1
    fee_takes "${FB[1]}" 71000 2026-12-04T01:15:01Z
}
fee_at 2026-12-04T08:00:01+07:00 "8 days minus 1 s: 5 % (the free offer of a second ago -> 409 expired)" t_fee_5

t_fee_48h() {
    fee_offer "${FB[2]}" 71000 2026-12-10T01:00:00Z
}
fee_at 2026-12-10T08:00:00+07:00 "exactly 48 h before: 5 %, the offer ends with its bracket" t_fee_48h

t_fee_10() {
    fee_takes "${FB[2]}" 141000 2026-12-10T13:15:00Z
}
fee_at 2026-12-10T20:00:00+07:00 "36 h before: 10 %" t_fee_10

t_fee_20() {
    fee_takes "${FB[3]}" 282000 2026-12-12T01:00:00Z || return 1
    fee_offer "${FB[4]}" 282000 2026-12-12T01:00:00Z || return 1
    LAST_OFFER=$(jq -r .id "$TMP/body")
}
fee_at 2026-12-12T07:50:00+07:00 "10 minutes before: 20 %, the offer good until departure" t_fee_20

t_fee_gone() {
    req POST "/api/v1/bookings/${FB[5]}/refund-offers"
    expect_error 409 sales_closed id || return 1
    fee_refund "${FB[4]}" "$LAST_OFFER"
    expect_error 409 expired refund_offer || return 1
    req GET "/api/v1/bookings/${FB[4]}"
    expect 200 '.state == "confirmed"'
}
fee_at 2026-12-12T08:00:01+07:00 "after departure: no refund (offer -> 409 sales_closed, an old offer -> 409 expired)" t_fee_gone

t_check() {
    lx check >"$TMP/check.txt" 2>&1 || { cat "$TMP/check.txt"; return 1; }
}
check "lanxang check on the data directory exits 0" t_check

check_summary

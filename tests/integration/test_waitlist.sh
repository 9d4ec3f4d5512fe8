#!/usr/bin/env bash
# Integration test of the waitlist API (docs/api.md, "Waitlist"): starts `lanxang serve`
# on a free loopback port with a temporary --data directory and a fixed LANXANG_NOW,
# fills first class of C86 with holds, then: POST, GET and DELETE of requests and their
# refusals; a request fulfilled once a blocking hold is cancelled; a request fulfilled by
# the expiry of the holds (a server started later: its sweeper expires them and runs the
# pass at start); a request refunded in full at the cut-off (a server started at the
# train's sales close). Stops each server by its PID.
#
#   tests/integration/test_waitlist.sh path/to/lanxang
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 path/to/lanxang" >&2
    exit 2
fi
BIN=$(realpath "$1")
TEST_NAME=waitlist

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_tools curl jq sqlite3
test_init
D="$TMP/data"
cd "$TMP"

DATE=2026-12-20
NOW=2026-12-19T10:00:00+07:00   # the day before, in Vientiane
LATER=2026-12-19T11:00:00+07:00 # the holds made at NOW have expired (30 minutes)
CUTOFF=2026-12-20T06:30:00+07:00 # C86 leaves Vientiane at 07:00; sales close 30 min before

start_server() { server_start LANXANG_NOW="$1" --data "$D" -- --threads 4; }
post() { req POST "$1" -H 'Content-Type: application/json' --data-binary "$2"; }

# passengers N TAG: N passengers with documents of their own
passengers() {
    local i out="["
    for i in $(seq 1 "$1"); do
        out+="{\"name\":\"Pax $2-$i\",\"document\":\"X1234$2$i\"}"
        [ "$i" = "$1" ] || out+=","
    done
    echo "$out]"
}

# hold N TAG: a provisional booking of N passengers in first class of C86; its id in HELD
hold() {
    post /api/v1/bookings "{\"train\":\"C86\",\"date\":\"$DATE\",\"from\":\"Vientiane\",
        \"to\":\"Luang Prabang\",\"class\":\"first\",\"passengers\":$(passengers "$1" "$2")}"
    [ "$STATUS" = 201 ] || { echo "hold: $STATUS $(cat "$TMP/body")"; return 1; }
    HELD=$(jq -r .id "$TMP/body")
}

free_first() {
    LANXANG_NOW=${1:-$NOW} "$BIN" --data "$D" avail C86 --date "$DATE" --from Vientiane \
        --to "Luang Prabang" --class first --json | jq -r .free
}

# request TAG [CHOICES]: a waitlist request body for one passenger
request() {
    local choices=${2:-'[{"train":"C86","date":"'$DATE'","class":"first"}]'}
    echo "{\"from\":\"Vientiane\",\"to\":\"Luang Prabang\",\"passengers\":$(passengers 1 "$1"),
        \"choices\":$choices,\"payment\":\"QR-$1\"}"
}

# state_on_disk ID: the request's state as the catalog has it
state_on_disk() { sqlite3 "$D/lanxang.db" "SELECT state FROM waitlist WHERE id = '$1'"; }

# await_state ID STATE: waits (5 s at most) until the server's own pass gives the request
# that state on disk, then shows it: GET /waitlist/ID
await_state() {
    local i s=""
    for i in $(seq 1 50); do
        s=$(state_on_disk "$1")
        [ "$s" = "$2" ] && break
        sleep 0.1
    done
    [ "$s" = "$2" ] || { echo "state $s"; return 1; }
    req GET "/api/v1/waitlist/$1"
}

# fill_holds FREE BIG SMALL LEFT: holds of 3 passengers (tags BIG<n>), then of 1 (tags
# SMALL<n>), until LEFT of the FREE seats of first class remain
fill_holds() {
    local n=$1
    while [ "$n" -gt 3 ]; do
        hold 3 "$2$n" || return 1
        n=$((n - 3))
    done
    while [ "$n" -gt "$4" ]; do
        hold 1 "$3$n" || return 1
        n=$((n - 1))
    done
}

# ---- first class of C86 full of holds ----
start_server "$NOW"
t_fill() {
    fill_holds "$(free_first)" F G 1 || return 1
    hold 1 BLOCK || return 1
    BLOCKER=$HELD
    [ "$(free_first)" = 0 ]
}
check "first class of C86 filled with holds" t_fill

# ---- POST, GET, refusals ----
W1=none
t_post_open() {
    post /api/v1/waitlist "$(request W1)"
    W1=$(jq -r .id "$TMP/body")
    expect 201 '.state == "open" and (.id | length == 13) and .booking == null and
        .fulfilled_choice == null and .refund == null and .amount > 0 and .currency == "LAK" and
        (.passengers[0].document | startswith("*") and endswith("W11")) and .choices[0].train == "C86" and
        .choices[0].class == "first" and .choices[0].sales_close == "'$CUTOFF'" and
        .from.name == "Vientiane"' || return 1
    header_has Location "/api/v1/waitlist/$W1" || return 1
    [ "$(state_on_disk "$W1")" = open ]
}
check "POST /waitlist on a full train: 201 open, Location, masked document" t_post_open

t_get() {
    req GET "/api/v1/waitlist/$(echo "$W1" | tr A-Z a-z)"
    expect 200 ".id == \"$W1\" and .state == \"open\"" || return 1
    req GET /api/v1/waitlist/0000000000000
    expect 404 '.error.code == "not_found" and .error.field == "id"'
}
check "GET /waitlist/{id} (any case), 404 unknown" t_get

t_refusals() {
    local c='{"train":"C86","date":"'$DATE'","class":"first"}'
    post /api/v1/waitlist "$(request R1 "[$c,$c,$c,$c,$c]")"
    expect 422 '.error.code == "rule_refused" and .error.rule == "waitlist_choices"' || return 1
    post /api/v1/waitlist "$(request R2 | jq -c 'del(.payment)')"
    expect 400 '.error.field == "payment"' || return 1
    post /api/v1/waitlist "$(request R3 '[{"train":"Z999","date":"'$DATE'","class":"first"}]')"
    expect 404 '.error.code == "not_found" and .error.field == "choices[0].train"' || return 1
    post /api/v1/waitlist "$(request R4 '[{"train":"C86","date":"'$DATE'","class":"sleeper"}]')"
    expect 404 '.error.field == "choices[0].class"' || return 1
    post /api/v1/waitlist "$(request R5 '[]')"
    expect 400 '.error.field == "choices"' || return 1
    post /api/v1/waitlist "$(request R6 | jq -c '.extra = 1')"
    expect 400 '.error.field == "extra"' || return 1
    # sales not open yet (Lao domestic: 3 days ahead)
    post /api/v1/waitlist "$(request R7 '[{"train":"C86","date":"2026-12-28","class":"first"}]')"
    expect 422 '.error.rule == "sales_open"'
}
check "POST /waitlist refusals: 5 choices, no payment, unknown train and class, sales not open" \
    t_refusals

t_delete() {
    post /api/v1/waitlist "$(request D1)"
    expect 201 '.state == "open"' || return 1
    local id amount
    id=$(jq -r .id "$TMP/body")
    amount=$(jq -r .amount "$TMP/body")
    req DELETE "/api/v1/waitlist/$id"
    expect 200 ".state == \"cancelled\" and .refund.amount == $amount and
        .refund.currency == \"LAK\"" || return 1
    req DELETE "/api/v1/waitlist/$id"
    expect 409 '.error.code == "conflict"' || return 1
    [ "$(state_on_disk "$id")" = cancelled ]
}
check "DELETE /waitlist/{id}: cancelled, refunded in full; 409 the second time" t_delete

# ---- a seat comes back: the oldest open request gets it ----
t_fulfil_by_cancel() {
    req DELETE "/api/v1/bookings/$BLOCKER"
    expect 200 '.state == "cancelled"' || return 1
    req GET "/api/v1/waitlist/$W1"
    expect 200 '.state == "fulfilled" and .fulfilled_choice == 0 and (.booking | type ==
        "string") and .booking_details.state == "confirmed" and
        .booking_details.payment == "waitlist:'"$W1"'" and .refund.amount == 0' || return 1
    local b
    b=$(jq -r .booking "$TMP/body")
    req GET "/api/v1/bookings/$b"
    expect 200 '.state == "confirmed" and .tickets[0].name == "Pax W1-1"' || return 1
    [ "$(free_first)" = 0 ]
}
check "a cancelled hold's seat goes to the waiting request (booking, payment waitlist:ID)" \
    t_fulfil_by_cancel

W2=none
W3=none
t_second_waits() {
    post /api/v1/waitlist "$(request W2)"
    expect 201 '.state == "open"' || return 1
    W2=$(jq -r .id "$TMP/body")
    req DELETE "/api/v1/waitlist/$W1"
    expect 409 '.error.code == "conflict"'
}
check "a second request waits; a fulfilled one cannot be cancelled (409)" t_second_waits
check "the server stops cleanly" server_stop

# ---- expiry: a server started later expires the holds and fulfils W2 by itself ----
start_server "$LATER"
t_fulfil_by_expiry() {
    await_state "$W2" fulfilled || return 1
    expect 200 '.state == "fulfilled" and .booking_details.state == "confirmed"'
}
check "expired holds: the sweeper fulfils the waiting request at start" t_fulfil_by_expiry

# ---- the cut-off: refunded in full ----
t_fill_again() {
    fill_holds "$(free_first "$LATER")" H I 0 || return 1
    post /api/v1/waitlist "$(request W3)"
    expect 201 '.state == "open"' || return 1
    W3=$(jq -r .id "$TMP/body")
}
check "full again, a third request waits" t_fill_again
check "the server stops cleanly" server_stop

start_server "$CUTOFF"
t_cutoff() {
    await_state "$W3" refunded || return 1
    expect 200 '.state == "refunded" and .booking == null and .refund.amount == .amount and
        .refund.at == "'$CUTOFF'"' || return 1
    post /api/v1/waitlist "$(request W4)"
    expect 422 '.error.rule == "sales_close"'
}
check "at the cut-off the open request is refunded in full; new ones are refused" t_cutoff
check "the server stops cleanly" server_stop

check_summary

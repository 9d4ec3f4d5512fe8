#!/usr/bin/env bash
# Integration test of the journey planner's command and API (issue 6; docs/cli.md "plan",
# docs/api.md "Journeys"): starts `lanxang serve` on a free loopback port with a
# temporary --data directory and a fixed LANXANG_NOW, then checks that `lanxang plan
# --json` and GET /api/v1/journeys give the same journeys in the documented shape; a
# change at Mohan on a journey across the border includes border control; --arrive-by;
# the seat-aware search (--class) leaves out a journey one of whose legs is sold out
# (filled over the API first); a journey booking is held all or none (a sold-out second
# leg: 409 naming it, and the first leg's seats still free), confirmed and cancelled as
# one; refunded as one (POST .../refund-offers: each leg's fee and amount and the totals
# per currency; POST .../refunds: every leg refunded keeping its fee, the seats free
# again; refused for an unpaid journey, an altered offer, a single booking's or another
# journey's offer, and a second time). Stops the server by its PID and runs `lanxang
# check` on the data directory.
#
#   tests/integration/test_plan.sh path/to/lanxang
set -euo pipefail

TEST_NAME=plan
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_start "$@"

DATE=2026-12-20
NOW=2026-12-19T10:00:00+07:00 # the day before, in Vientiane
lx() { LANXANG_NOW=$NOW "$BIN" --data "$D" "$@"; }
post() { req POST "$1" -H 'Content-Type: application/json' --data-binary "$2"; }
urlq() { jq -rn --arg s "$1" '$s | @uri'; }

# expect_error STATUS CODE FIELD
expect_error() {
    expect "$1" ".error.code == \"$2\" and .error.field == \"$3\" and
                (.error.message | type == \"string\" and length > 0)"
}

# same FROM TO TIME [CLI OPTION...] -- [QUERY]: the command's JSON equals the API's
same() {
    local from=$1 to=$2 time=$3 opts=() query=""
    shift 3
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    [ $# -eq 0 ] || { shift; query=${1:-}; }
    lx plan "$from" "$to" --date "$DATE" --time "$time" "${opts[@]}" --json >"$TMP/cli.json"
    req GET "/api/v1/journeys?from=$(urlq "$from")&to=$(urlq "$to")&date=$DATE&time=$time$query"
    [ "$STATUS" = 200 ] || { echo "status $STATUS: $(head -c 400 "$TMP/body")"; return 1; }
    jq -e 'length > 0' "$TMP/cli.json" >/dev/null || { echo "no journey"; return 1; }
    diff <(jq -S . "$TMP/cli.json") <(jq -S . "$TMP/body") | head -20
    [ "${PIPESTATUS[0]}" = 0 ]
}

server_start LANXANG_NOW="$NOW" --data "$D" -- --threads 4 --quiet

# ---- the journeys: the JSON contract ----
ISO='test("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d\\d:\\d\\d$")'
t_contract() {
    lx plan Vientiane Kunming --date "$DATE" --time 05:00 --json >"$TMP/j.json"
    jq -e "length > 0 and all(.[];
        (.departure | $ISO) and (.arrival | $ISO) and (.transfers | type == \"number\")
        and (.duration_minutes | type == \"number\") and (.legs | length > 0)
        and (.changes | length) == (.legs | length) - 1
        and all(.legs[]; (.train | type == \"string\") and (.from.name | type == \"string\")
                 and (.to.name | type == \"string\") and (.departure | $ISO)
                 and (.arrival | $ISO) and .feed == \"china-laos\"
                 and (.trip_id | type == \"string\") and (.service_date | type == \"string\")
                 and (.date | type == \"string\"))
        and all(.changes[]; (.station.name | type == \"string\")
                 and (.wait_minutes | type == \"number\") and (.min_minutes | type == \"number\")
                 and (.border | type == \"boolean\") and (.in_seat | type == \"boolean\")))
        and .[0].departure[19:] == \"+07:00\" and .[0].arrival[19:] == \"+08:00\"
        and .[0].legs[0].from.name == \"Vientiane\" and (.[-1].legs[-1].to.name == \"Kunming\")" \
        "$TMP/j.json" >/dev/null || { head -c 800 "$TMP/j.json"; return 1; }
}
check "lanxang plan --json: journeys with departure, arrival (ISO with offset), legs, changes" \
    t_contract

check "GET /api/v1/journeys = lanxang plan --json (Vientiane -> Kunming)" \
    same Vientiane Kunming 05:00
check "GET /api/v1/journeys = lanxang plan --json (Vang Vieng -> Xishuangbanna, ids)" \
    same vang_vieng "china-laos:xishuangbanna" 07:00
check "the same with a window of departures (range search)" \
    same Vientiane "Pu'er" 06:00 --window 600 -- "&window=600"
check "the same with --max-transfers 0" \
    same Vientiane "Pu'er" 05:00 --max-transfers 0 -- "&max_transfers=0"
t_none() {
    lx plan Vientiane Kunming --date "$DATE" --time 05:00 --max-transfers 0 --json |
        jq -e '. == []' >/dev/null || return 1
    req GET "/api/v1/journeys?from=Vientiane&to=Kunming&date=$DATE&time=05:00&max_transfers=0"
    expect 200 '. == []'
}
check "no journey (Vientiane -> Kunming without a change): an empty array" t_none

# ---- changes and the border ----
t_border() {
    jq -e 'any(.[]; .transfers == 1 and .changes[0].station.id == "mohan"
                    and .changes[0].border == true and .changes[0].in_seat == false
                    and .changes[0].min_minutes >= 60
                    and .changes[0].wait_minutes >= .changes[0].min_minutes
                    and .legs[0].to.id == "mohan" and .legs[1].from.id == "mohan")' \
        "$TMP/j.json" >/dev/null || { jq -c '.[] | .changes' "$TMP/j.json"; return 1; }
    # a change within Laos owes no border control
    lx plan "Vang Vieng" Xishuangbanna --date "$DATE" --time 07:00 --json >"$TMP/vv.json"
    jq -e 'any(.[]; .changes[]? | .station.id == "luang_prabang" and .border == false
                               and .min_minutes < 60)' "$TMP/vv.json" >/dev/null
}
check "a change at Mohan across the border includes border control; one in Laos does not" \
    t_border

t_text() {
    lx plan Vientiane Kunming --date "$DATE" --time 05:00 >"$TMP/text"
    grep -q "change at Mohan" "$TMP/text" && grep -q "border control" "$TMP/text" &&
        grep -q "D8816" "$TMP/text" || { cat "$TMP/text"; return 1; }
}
check "lanxang plan: a table with the change station, the wait and border control" t_text

t_arrive_by() {
    lx plan Vientiane Kunming --date "$DATE" --time 21:00 --arrive-by --json >"$TMP/ab.json"
    jq -e 'length > 0 and all(.[]; .arrival[19:] == "+08:00"
                                  and .arrival <= "2026-12-20T21:00:00+08:00")
           and any(.[]; .legs[-1].train == "D8816")' "$TMP/ab.json" >/dev/null ||
        { jq -c '.[] | [.departure, .arrival]' "$TMP/ab.json"; return 1; }
    # arriving by 15:00 leaves the evening train out
    lx plan Vientiane Kunming --date "$DATE" --time 15:00 --arrive-by --json >"$TMP/ab2.json"
    jq -e 'all(.[]; .arrival <= "2026-12-20T15:00:00+08:00")' "$TMP/ab2.json" >/dev/null
}
check "--arrive-by: journeys arriving by the time, the latest departures" t_arrive_by
check "GET /api/v1/journeys?arrive_by=1 = lanxang plan --arrive-by" \
    same Vientiane Kunming 21:00 --arrive-by -- "&arrive_by=1"

t_errors() {
    req GET "/api/v1/journeys?from=Vientiane&to=Kunming&date=$DATE"
    expect_error 400 invalid time || return 1
    req GET "/api/v1/journeys?from=Vientiane&to=Kunming&date=2026-13-01&time=08:00"
    expect_error 400 invalid date || return 1
    req GET "/api/v1/journeys?from=Vientiane&to=Kunming&date=$DATE&time=8h"
    expect_error 400 invalid time || return 1
    req GET "/api/v1/journeys?from=Vientain&to=Kunming&date=$DATE&time=08:00"
    expect_error 404 not_found from || return 1
    req GET "/api/v1/journeys?from=Vientiane&to=Nowhere&date=$DATE&time=08:00"
    expect_error 404 not_found to || return 1
    req GET "/api/v1/journeys?from=Vientiane&to=Kunming&date=$DATE&time=08:00&window=9999"
    expect_error 400 invalid window || return 1
    req GET "/api/v1/journeys?from=Vientiane&to=Kunming&date=$DATE&time=08:00&window=60&arrive_by=1"
    expect_error 400 invalid window || return 1
    req GET "/api/v1/journeys?from=Vientiane&to=Kunming&date=$DATE&time=08:00&max_transfers=99"
    expect_error 400 invalid max_transfers || return 1
    local rc=0
    lx plan Vientain Kunming --date "$DATE" --time 08:00 2>/dev/null || rc=$?
    [ "$rc" = 3 ] || { echo "unknown station: exit $rc"; return 1; }
    rc=0
    lx plan Vientiane Kunming --date "$DATE" 2>/dev/null || rc=$?
    [ "$rc" = 2 ] || { echo "no --time: exit $rc"; return 1; }
}
check "refusals: 400 invalid naming the field, 404 for an unknown station; exit 3 and 2" t_errors

# ---- seats: --class ----
t_class() {
    lx plan Vientiane Kunming --date "$DATE" --time 05:00 --class first --json >"$TMP/c.json"
    jq -e 'any(.[]; .legs[-1].train == "D8816" and .class == "first"
                    and all(.legs[]; .class == "first" and .free > 0
                                     and (.price | type == "number"))
                    and (.prices | length) == 2)' "$TMP/c.json" >/dev/null ||
        { jq -c '.[] | [.legs[].train, .prices]' "$TMP/c.json"; return 1; }
    lx plan Vientiane Kunming --date "$DATE" --time 05:00 --class first >"$TMP/text"
    grep -q "total first: 1042000 LAK + 298.00 CNY" "$TMP/text" || { cat "$TMP/text"; return 1; }
}
check "--class first: every leg with free seats and its price, the total per currency" t_class

# fill first class of D8816 from Mohan to Kunming with holds over the API
# pax N TAG: N passengers with documents of their own
pax() {
    local i out="["
    for i in $(seq 1 "$1"); do
        out+="{\"name\":\"Filler $2-$i\",\"document\":\"F$2X$i\"}"
        [ "$i" = "$1" ] || out+=","
    done
    echo "$out]"
}
t_fill() {
    local k tries=0
    for k in 5 1; do
        while [ $tries -lt 40 ]; do
            tries=$((tries + 1))
            post /api/v1/bookings "{\"train\":\"D8816\",\"date\":\"$DATE\",\"from\":\"Mohan\",
                \"to\":\"Kunming\",\"class\":\"first\",\"passengers\":$(pax $k $tries)}"
            [ "$STATUS" = 201 ] || break
        done
        expect_error 409 sold_out class || return 1
    done
    [ "$(lx avail D8816 --date "$DATE" --from Mohan --to Kunming --class first --json |
        jq .free)" = 0 ]
}
check "first class of D8816 Mohan -> Kunming filled over the API" t_fill

t_class_sold_out() {
    lx plan Vientiane Kunming --date "$DATE" --time 05:00 --class first --json >"$TMP/c2.json"
    jq -e 'all(.[]; all(.legs[]; .train != "D8816"))' "$TMP/c2.json" >/dev/null ||
        { jq -c '.[] | [.legs[].train]' "$TMP/c2.json"; return 1; }
    req GET "/api/v1/journeys?from=Vientiane&to=Kunming&date=$DATE&time=05:00&class=first"
    expect 200 'all(.[]; all(.legs[]; .train != "D8816"))' || return 1
    # in second class, and without a class, the journey is still there
    lx plan Vientiane Kunming --date "$DATE" --time 05:00 --class second --json |
        jq -e 'any(.[]; .legs[-1].train == "D8816")' >/dev/null || return 1
    lx plan Vientiane Kunming --date "$DATE" --time 05:00 --json |
        jq -e 'any(.[]; .legs[-1].train == "D8816")' >/dev/null
}
check "--class first leaves out the journey whose leg is sold out (command and API)" \
    t_class_sold_out

# ---- booking a journey ----
# journey CLASS2 [CLASS1]: the body of a journey booking D88 Vientiane -> Mohan, D8816
# Mohan -> Kunming, taken from the planner's journey (legs' from/to as station objects)
journey() {
    jq -c --arg c1 "${2:-$1}" --arg c2 "$1" --argjson pax "$3" '
        (map(select(.legs[-1].train == "D8816")) | .[0].legs) as $l |
        {legs: [{train: $l[0].train, date: $l[0].date, from: $l[0].from, to: $l[0].to.id,
                 class: $c1},
                {train: $l[1].train, date: $l[1].date, from: $l[1].from.name, to: $l[1].to.name,
                 class: $c2}],
         passengers: $pax}' "$TMP/j.json"
}
PASSPORT='[{"name":"Bounmy Vongsa","document":"PA1234567","document_type":"passport"}]'
free_d88() {
    lx avail D88 --date "$DATE" --from Vientiane --to Mohan --class "$1" --json | jq .free
}

t_all_or_none() {
    local before
    before=$(free_d88 first)
    post /api/v1/journey-bookings "$(journey first first "$PASSPORT")"
    expect_error 409 sold_out "legs[1].class" || return 1
    jq -e '.error.message | startswith("leg 2: ")' "$TMP/body" >/dev/null || return 1
    [ "$(free_d88 first)" = "$before" ] || { echo "D88 first: $before -> $(free_d88 first)"; return 1; }
}
check "a journey whose second leg is sold out: 409 naming leg 2, the first leg not held" \
    t_all_or_none

t_book() {
    local before id
    before=$(free_d88 second)
    post /api/v1/journey-bookings "$(journey second second "$PASSPORT")"
    expect 201 '.state == "provisional" and (.legs | length) == 2 and .id == .legs[0].id
        and all(.legs[]; .state == "provisional" and .class == "second")
        and .legs[0].train == "D88" and .legs[1].train == "D8816"
        and (.expires_in | type == "number") and (.prices | length) == 2
        and .legs[0].currency == "LAK" and .legs[1].currency == "CNY"' || return 1
    id=$(jq -r .id "$TMP/body")
    header_has Location "/api/v1/journey-bookings/$id" || return 1
    [ "$(free_d88 second)" = $((before - 1)) ] || return 1
    local second
    second=$(jq -r '.legs[1].id' "$TMP/body")
    req GET "/api/v1/journey-bookings/$second"
    expect 200 ".id == \"$id\" and (.legs | length) == 2" || return 1
    post "/api/v1/journey-bookings/$id/fulfillments" '{"payment":"QR-777"}'
    expect 200 '.state == "confirmed" and all(.legs[]; .state == "confirmed"
        and .payment == "QR-777" and (.tickets[0].qr_payload | type == "string"))' || return 1
    req GET "/api/v1/bookings/$second"
    expect 200 '.state == "confirmed"' || return 1
    req DELETE "/api/v1/journey-bookings/$id"
    expect_error 409 conflict id
}
check "POST /journey-bookings holds both legs (201), GET, fulfil confirms both" t_book

t_cancel() {
    local before id
    before=$(free_d88 second)
    post /api/v1/journey-bookings "$(journey second second \
        '[{"name":"Kham Sone","document":"PB7654321","document_type":"passport"}]')"
    expect 201 '.state == "provisional"' || return 1
    id=$(jq -r .id "$TMP/body")
    req DELETE "/api/v1/journey-bookings/$id"
    expect 200 '.state == "cancelled" and all(.legs[]; .state == "cancelled")' || return 1
    [ "$(free_d88 second)" = "$before" ] || return 1
    req GET /api/v1/journey-bookings/NOSUCHBOOKING
    expect_error 404 not_found id
}
check "DELETE /journey-bookings/{id} cancels every leg, the seats are free again" t_cancel

t_bad_bodies() {
    post /api/v1/journey-bookings "{\"legs\":[],\"passengers\":$PASSPORT}"
    expect_error 400 invalid legs || return 1
    post /api/v1/journey-bookings "$(journey second second "$PASSPORT" |
        jq -c '.legs[1].train = "D8888"')"
    expect_error 404 not_found "legs[1].train" || return 1
    post /api/v1/journey-bookings "$(journey second second "$PASSPORT" |
        jq -c '.legs[0].seat = "x"')"
    expect_error 400 invalid "legs[0].seat" || return 1
    post /api/v1/journey-bookings "$(journey second second "$PASSPORT" |
        jq -c '.legs |= reverse')"
    expect_error 400 invalid "legs[1]"
}
check "journey bookings refused: no legs, an unknown train, an unknown field, legs out of order" \
    t_bad_bodies

# ---- refunding a journey ----
# paid_journey DOCUMENT [unpaid]: a journey D88 + D8816 in second class for one passenger,
# held and (unless unpaid) paid; JID its id, $TMP/paid.json its answer
paid_journey() {
    post /api/v1/journey-bookings "$(journey second second \
        "[{\"name\":\"Refund $1\",\"document\":\"$1\",\"document_type\":\"passport\"}]")"
    expect 201 '.state == "provisional"' || return 1
    JID=$(jq -r .id "$TMP/body")
    if [ "${2:-}" != unpaid ]; then
        post "/api/v1/journey-bookings/$JID/fulfillments" '{}'
        expect 200 '.state == "confirmed"' || return 1
    fi
    cp "$TMP/body" "$TMP/paid.json"
}
refund() { post "/api/v1/journey-bookings/$1/refunds" "{\"refund_offer\":\"$2\"}"; }
# the fee, amount and currency of each leg of the offer (as JSON)
offer_legs() { jq -c '[.legs[] | {fee, amount, currency}]' "$TMP/offer.json"; }

t_refund_unpaid() {
    paid_journey PR1000001 unpaid || return 1
    post "/api/v1/journey-bookings/$JID/refund-offers" ''
    expect_error 409 conflict "legs[0].id" || return 1
    jq -e '.error.message | startswith("leg 1: ") and contains("provisional")' "$TMP/body" \
        >/dev/null || return 1
    refund "$JID" AQIDBA
    expect_error 409 conflict "legs[0].id" || return 1
    req GET "/api/v1/journey-bookings/$JID"
    expect 200 'all(.legs[]; .state == "provisional")'
}
check "an unpaid journey: no refund offer, no refund (409 conflict naming leg 1)" t_refund_unpaid

t_refund_offer() {
    paid_journey PR1000002 || return 1
    post "/api/v1/journey-bookings/$JID/refund-offers" ''
    expect 201 ".journey == \"$JID\" and (.id | type == \"string\") and (.legs | length) == 2
        and [.legs[].booking] == $(jq -c '[.legs[].id]' "$TMP/paid.json")
        and .legs[0].currency == \"LAK\" and .legs[1].currency == \"CNY\"
        and all(.legs[]; .fee > 0 and .amount > 0)
        and (.valid_until | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$\"))
        and .totals == [.legs | group_by(.currency) | sort_by(.[0].currency != \"LAK\")[]
                        | {fee: (map(.fee) | add), amount: (map(.amount) | add),
                           currency: .[0].currency}]" || return 1
    # each leg's fee and amount make up its price
    jq -e --slurpfile paid "$TMP/paid.json" \
        '[.legs[] | .fee + .amount] == [$paid[0].legs[].price]' "$TMP/body" >/dev/null || return 1
    cp "$TMP/body" "$TMP/offer.json"
    OFFER_JID=$JID
}
check "POST /journey-bookings/{id}/refund-offers: each leg's fee and amount, totals per currency" \
    t_refund_offer

t_refund_refused() {
    local offer altered
    offer=$(jq -r .id "$TMP/offer.json")
    # one character of the offer changed
    altered=$(jq -r '.id | .[0:40] + (if .[40:41] == "A" then "B" else "A" end) + .[41:]' \
        "$TMP/offer.json")
    refund "$OFFER_JID" "$altered"
    expect_error 422 malformed refund_offer || return 1
    # a single booking's offer is no journey's, nor the other way round
    post "/api/v1/bookings/$(jq -r '.legs[1].booking' "$TMP/offer.json")/refund-offers" ''
    expect 201 '.booking != null' || return 1
    refund "$OFFER_JID" "$(jq -r .id "$TMP/body")"
    expect_error 422 malformed refund_offer || return 1
    post "/api/v1/bookings/$OFFER_JID/refunds" "{\"refund_offer\":\"$offer\"}"
    expect_error 422 malformed refund_offer || return 1
    # another journey's offer
    paid_journey PR1000003 || return 1
    refund "$JID" "$offer"
    expect_error 422 malformed refund_offer || return 1
    jq -e ".error.message | contains(\"for journey $OFFER_JID\")" "$TMP/body" >/dev/null || return 1
    req GET "/api/v1/journey-bookings/$OFFER_JID"
    expect 200 'all(.legs[]; .state == "confirmed" and .refund_fee == null)'
}
check "journey refunds refused: an altered offer, a single booking's, another journey's (422)" \
    t_refund_refused

t_refund() {
    local before
    before=$(free_d88 second)
    refund "$(tr 'A-Z' 'a-z' <<<"$OFFER_JID")" "$(jq -r .id "$TMP/offer.json")"
    expect 200 ".state == \"refunded\" and all(.legs[]; .state == \"refunded\")
        and .refund.totals == $(jq -c .totals "$TMP/offer.json")
        and [.refund.legs[] | {fee, amount, currency}] == $(offer_legs)
        and [.legs[] | {fee: .refund_fee, amount: .refund_amount, currency}] == $(offer_legs)" ||
        return 1
    [ "$(free_d88 second)" = $((before + 1)) ] ||
        { echo "D88 second: $before -> $(free_d88 second)"; return 1; }
    # kept: GET from the other leg shows every leg's fee and amount
    req GET "/api/v1/journey-bookings/$(jq -r '.legs[1].booking' "$TMP/offer.json")"
    expect 200 "all(.legs[]; .state == \"refunded\" and .journey == $(jq -c '[.legs[].booking]' \
        "$TMP/offer.json")) and
        [.legs[] | {fee: .refund_fee, amount: .refund_amount, currency}] == $(offer_legs)"
}
check "POST /journey-bookings/{id}/refunds: every leg refunded keeping its fee, seats free" \
    t_refund

t_refund_again() {
    refund "$OFFER_JID" "$(jq -r .id "$TMP/offer.json")"
    expect_error 409 conflict "legs[0].id" || return 1
    jq -e '.error.message | startswith("leg 1: ") and contains("refunded")' "$TMP/body" \
        >/dev/null || return 1
    post "/api/v1/journey-bookings/$OFFER_JID/refund-offers" ''
    expect_error 409 conflict "legs[0].id"
}
check "a second refund of the journey: 409 conflict naming leg 1" t_refund_again

check "SIGTERM stops the server cleanly" server_stop
t_check() { lx check >"$TMP/check.out" 2>&1 || { cat "$TMP/check.out"; return 1; }; }
check "lanxang check: the data directory is consistent" t_check

check_summary

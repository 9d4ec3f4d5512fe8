#!/usr/bin/env bash
# Integration test of issue 5's passenger rules over the API and the command, each at
# its boundary, against a live `lanxang serve` whose clock (LANXANG_NOW) is fixed:
#   fares by passenger type (a fare quote that says how it was made; child, student,
#   infant on a lap; the booking costs what the quote said), real names across trains
#   (one document, one trip at a time), changes (once; within 48 hours only to a train
#   no later; whole or not at all), the refund fee kept with the booking, and the bar
#   after three cancelled unpaid holds in a day.
#
#   tests/integration/test_rules.sh path/to/lanxang
#
# Prints one line per check and "N passed, 0 failed" at the end; exits 1 when a check
# fails.
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_start "$@"

# 2026-12-18 09:00 in Vientiane: C82 of the 20th (08:30) leaves in 47 h 30 min, inside
# the 48 hours of the change rule; Lao domestic sales for the 20th are open.
NOW=2026-12-18T09:00:00+07:00
DATE=2026-12-20
lx() { LANXANG_NOW=${AT:-$NOW} "$BIN" --data "$D" "$@"; }
post() { req POST "$1" -H 'Content-Type: application/json' --data-binary "$2"; }
expect_rule() { expect "$1" ".error.code == \"rule_refused\" and .error.rule == \"$2\""; }

next_doc() {
    local n
    n=$(($(cat "$TMP/docno" 2>/dev/null || echo 0) + 1))
    echo "$n" >"$TMP/docno"
    printf 'R%03d9876' "$n"
}

# journey TRAIN FROM TO [DATE]: a request body without passengers
journey() {
    jq -nc --arg t "$1" --arg f "$2" --arg to "$3" --arg d "${4:-$DATE}" \
        '{train: $t, date: $d, from: $f, to: $to, class: "second"}'
}
# with_pax JSON PASSENGER-JQ...: the body with passengers, each a jq object
family() {
    jq -c --arg a "$(next_doc)" --arg b "$(next_doc)" --arg c "$(next_doc)" --arg i "$(next_doc)" \
        '. + {passengers: [
            {name: "Adult One", document: $a},
            {name: "Child Two", document: $b, fare_type: "child", birth_date: "2017-05-01"},
            {name: "Student Three", document: $c, fare_type: "student"},
            {name: "Infant Four", document: $i, fare_type: "infant", birth_date: "2024-03-01"}]}'
}
one_pax() { jq -c --arg d "${1:-$(next_doc)}" '. + {passengers: [{name: "Noy Vongsa", document: $d}]}'; }

server_start LANXANG_NOW="$NOW" --data "$D" -- --threads 4

# ---- fares ----
t_quote() {
    post /api/v1/fare-quotes "$(journey C82 Vientiane "Luang Prabang" | family)"
    expect 200 '.currency == "LAK" and .price == 788000 and
        ([.passengers[].fare] == [350000, 175000, 263000, 0]) and
        ([.passengers[].fare_type] == ["adult", "child", "student", "infant"]) and
        .passengers[3].seat == false and .passengers[1].age == 9 and
        (.passengers[2].note | contains("75%") and contains("263,000 LAK")) and
        (.passengers[1].note | contains("age 9 on 2026-12-20"))'
}
check "POST /fare-quotes: adult 350,000, child half, student 75% rounded to 1,000 kip, infant free on a lap" t_quote

t_book_family() {
    post /api/v1/bookings "$(journey C82 Vientiane "Luang Prabang" | family)"
    expect 201 '.price == 788000 and (.seats | length) == 3 and (.tickets | length) == 3 and
        .passengers[3].seat == null and .passengers[3].fare_type == "infant" and
        .passengers[1].fare == 175000'
}
check "a booking with a child, a student and an infant costs what the quote said; the infant has no seat" t_book_family

t_fare_refusals() {
    local body
    body=$(journey C82 Vientiane "Luang Prabang" | one_pax | jq -c '.passengers[0] += {fare_type: "senior"}')
    post /api/v1/bookings "$body"
    expect 400 '.error.code == "invalid" and .error.field == "passengers[0].fare_type"' || return 1
    # 14 on the day of travel: no child fare; the day before 14 still is
    body=$(journey C82 Vientiane "Luang Prabang" | one_pax |
        jq -c '.passengers[0] += {fare_type: "child", birth_date: "2012-12-20"}')
    post /api/v1/bookings "$body"
    expect_rule 422 child_age || return 1
    body=$(journey C82 Vientiane "Luang Prabang" | one_pax |
        jq -c '.passengers[0] += {fare_type: "child", birth_date: "2012-12-21"}')
    post /api/v1/fare-quotes "$body"
    expect 200 '.price == 175000' || return 1
    body=$(journey C82 Vientiane "Luang Prabang" | one_pax |
        jq -c '.passengers[0] += {fare_type: "infant", birth_date: "2024-01-01"}')
    post /api/v1/bookings "$body"
    expect_rule 422 infant_per_adult
}
check "fare refusals: unknown fare type 400; child 14 on the day 422 child_age (13 fine); infant alone 422 infant_per_adult" t_fare_refusals

# ---- one document, one trip at a time ----
t_overlap() {
    local doc
    doc=$(next_doc)
    post /api/v1/bookings "$(journey C82 Vientiane "Luang Prabang" | one_pax "$doc")"
    expect 201 '.state == "provisional"' || return 1
    # C88 leaves Vientiane at 09:00, before C82 reaches Luang Prabang (10:26)
    post /api/v1/bookings "$(journey C88 Vientiane "Luang Prabang" | one_pax "$doc")"
    expect_rule 422 overlapping_trip || return 1
    # C85 leaves Luang Prabang at 09:55: still on C82
    post /api/v1/bookings "$(journey C85 "Luang Prabang" Vientiane | one_pax "$doc")"
    expect_rule 422 overlapping_trip || return 1
    # C81 leaves Luang Prabang at 13:50: a trip after the first
    post /api/v1/bookings "$(journey C81 "Luang Prabang" Vientiane | one_pax "$doc")"
    expect 201 '.state == "provisional"'
}
check "one document: a second trip overlapping the first -> 422 overlapping_trip; a later one is fine" t_overlap

t_overlap_connection() {
    local doc
    doc=$(next_doc)
    post /api/v1/bookings "$(journey C86 Vientiane "Vang Vieng" | one_pax "$doc")"
    expect 201 'true' || return 1
    post /api/v1/bookings "$(journey C82 "Vang Vieng" "Luang Prabang" | one_pax "$doc")"
    expect 201 'true'
}
check "a connection (C86 to Vang Vieng 08:02, then C82 at 09:34) is no overlap" t_overlap_connection

# ---- changes ----
paid() {
    post /api/v1/bookings "$1"
    [ "$STATUS" = 201 ] || { cat "$TMP/body"; return 1; }
    local id
    id=$(jq -r .id "$TMP/body")
    post "/api/v1/bookings/$id/fulfillments" '{"payment": "counter-7"}'
    [ "$STATUS" = 200 ] || { cat "$TMP/body"; return 1; }
    echo "$id"
}

t_change() {
    local old new
    old=$(paid "$(journey C82 Vientiane "Luang Prabang" | one_pax)") || return 1
    # 47 h 30 min before: only to a train leaving no later than 08:30 on the 20th
    post "/api/v1/bookings/$old/exchanges" '{"train": "C84", "date": "'$DATE'"}'
    expect_rule 422 change_no_later || return 1
    post "/api/v1/bookings/$old/exchanges" '{"train": "C86", "date": "'$DATE'"}'
    expect 201 '.state == "confirmed" and .train == "C86" and .changed_from == "'"$old"'" and
        .payment == "counter-7" and .rules_departure == null' || return 1
    new=$(jq -r .id "$TMP/body")
    grep -qi "^Location: /api/v1/bookings/$new" "$TMP/headers" || return 1
    req GET "/api/v1/bookings/$old"
    expect 200 '.state == "changed" and .changed_to == "'"$new"'"' || return 1
    # the second change of the ticket
    post "/api/v1/bookings/$new/exchanges" '{"train": "C82", "date": "'$DATE'"}'
    expect_rule 422 one_change || return 1
    post "/api/v1/bookings/$old/exchanges" '{"train": "C82", "date": "'$DATE'"}'
    expect_rule 422 one_change || return 1
    CHANGED=$new
}
check "POST /bookings/{id}/exchanges: within 48 h a later train -> 422 change_no_later; an earlier one -> 201; a second change -> 422 one_change" t_change

t_change_errors() {
    local held
    post /api/v1/bookings "$(journey C82 Vientiane "Luang Prabang" | one_pax)"
    held=$(jq -r .id "$TMP/body")
    post "/api/v1/bookings/$held/exchanges" '{"train": "C86", "date": "'$DATE'"}'
    expect 409 '.error.code == "conflict"' || return 1
    post /api/v1/bookings/0000000000000/exchanges '{"train": "C86", "date": "'$DATE'"}'
    expect 404 '.error.code == "not_found"' || return 1
    post "/api/v1/bookings/$held/exchanges" '{"date": "'$DATE'"}'
    expect 400 '.error.field == "train"' || return 1
    post "/api/v1/bookings/$held/exchanges" '{"train": "C86", "date": "'$DATE'", "when": 1}'
    expect 400 '.error.field == "when"'
}
check "exchanges of a provisional booking -> 409, of an unknown one -> 404; bad bodies -> 400" t_change_errors

t_change_refund_fee() {
    local offer fee
    # C86 of the 20th leaves at 07:00, 46 h ahead: 10 %, rounded to 1,000 kip
    req POST "/api/v1/bookings/$CHANGED/refund-offers"
    expect 201 '.fee == 35000 and .amount == 315000' || return 1
    offer=$(jq -r .id "$TMP/body")
    fee=$(jq -r .fee "$TMP/body")
    post "/api/v1/bookings/$CHANGED/refunds" "$(jq -nc --arg o "$offer" '{refund_offer: $o}')"
    expect 200 '.state == "refunded" and .refund.fee == '"$fee"' and .refund_fee == '"$fee"' and
        .refund_amount == 315000' || return 1
    req GET "/api/v1/bookings/$CHANGED"
    expect 200 '.refund_fee == 35000 and .refund_amount == 315000'
}
check "the refund of a changed booking: its fee kept with the booking (refund_fee, refund_amount)" t_change_refund_fee

# ---- the bar after three cancelled unpaid holds in a day ----
t_cancel_limit() {
    local i id
    for i in 1 2 3; do
        post /api/v1/bookings "$(journey C90 Vientiane "Luang Prabang" | one_pax | jq -c '. + {user: "somsak@example.la"}')"
        expect 201 'true' || return 1
        id=$(jq -r .id "$TMP/body")
        req DELETE "/api/v1/bookings/$id"
        expect 200 '.state == "cancelled"' || return 1
    done
    post /api/v1/bookings "$(journey C90 Vientiane "Luang Prabang" | one_pax | jq -c '. + {user: "somsak@example.la"}')"
    expect_rule 422 cancel_limit || return 1
    jq -e '.error.message | contains("2026-12-19T00:00:00+07:00")' "$TMP/body" >/dev/null || return 1
    post /api/v1/bookings "$(journey C90 Vientiane "Luang Prabang" | one_pax | jq -c '. + {user: "other@example.la"}')"
    expect 201 'true'
}
check "three unpaid holds cancelled today -> the fourth 422 cancel_limit until local midnight; another user is free" t_cancel_limit

check "SIGTERM stops the server cleanly (exit 0)" server_stop

# ---- the command, at the 48-hour boundary of a change ----
t_cli_change_boundary() {
    local a b out
    a=$(lx hold C82 --date "$DATE" --from Vientiane --to "Luang Prabang" --class second \
        --passenger "Kham:$(next_doc),student" --paid --json | jq -r .order)
    b=$(lx hold C82 --date "$DATE" --from Vientiane --to "Luang Prabang" --class second \
        --passenger "Keo:$(next_doc)" --paid --json | jq -r .order)
    # exactly 48 hours before 08:30 on the 20th a later train is fine; a second after not
    out=$(AT=2026-12-18T08:30:00+07:00 lx change "$a" --train C84 --date "$DATE" --json) ||
        { echo "$out"; return 1; }
    echo "$out" | jq -e '.state == "confirmed" and .train == "C84" and
        .passengers[0].fare_type == "student"' >/dev/null || { echo "$out"; return 1; }
    local rc=0
    out=$(AT=2026-12-18T08:30:01+07:00 lx change "$b" --train C84 --date "$DATE" --json) || rc=$?
    [ "$rc" = 6 ] || { echo "exit $rc: $out"; return 1; }
    echo "$out" | jq -e '.error.rule == "change_no_later"' >/dev/null || { echo "$out"; return 1; }
}
check "lanxang change at exactly 48 h before: a later train; at 48 h - 1 s: exit 6 change_no_later" t_cli_change_boundary

t_check() {
    lx check >"$TMP/check.txt" 2>&1 || { cat "$TMP/check.txt"; return 1; }
}
check "lanxang check on the data directory exits 0" t_check

check_summary

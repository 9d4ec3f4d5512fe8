#!/usr/bin/env bash
# Selling seats with the `lanxang` command, as users and outside tests drive it:
# avail, hold (and --paid sales), confirm, cancel, refund, order and check on the
# built-in railway; counts, states, named seats, expiry by LANXANG_NOW, owners,
# refusals with their JSON error and exit code, many processes selling the last seats
# of a class at once, and `lanxang check` finding a corrupted orders table.
#   tests/integration/test_inv.sh path/to/lanxang
set -uo pipefail
LX=$(realpath "${1:?usage: test_inv.sh path/to/lanxang}")
[ -x "$LX" ] || { echo "no lanxang at $LX"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"   # lanxang must work from any directory, with no files around it

pass=0 fail=0
exec 3>&1    # results go here even when a check's own output is sent to /dev/null
ok()   { pass=$((pass + 1)); echo "ok   $1" >&3; }
bad()  { fail=$((fail + 1)); echo "FAIL $1" >&3; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

D="$WORK/data"
DATE=2026-12-20
NOW=2026-12-19T10:00:00+07:00             # the day before, in Vientiane
NOW_S=$(date -d "$NOW" +%s)
# Each command gets its own document numbers for $P1 and $P2 (one document holds one
# ticket per train and date): P0014567, E00015432, ... shown ****4567, *****5432; the
# counter is taken under flock, as commands run at once.
lx() {
    local a n args=()
    n=$( (flock 9; k=$(($(cat "$D.docno" 2>/dev/null || echo 0) + 1)); echo "$k" >"$D.docno"; echo "$k") 9>>"$D.docno.lock")
    for a in "$@"; do
        case $a in
        "$P1") a="Somchai Phommachanh:P$(printf %03d $((n % 1000)))4567" ;;
        "$P2") a="Li Wei:E$(printf %04d $((n % 10000)))5432" ;;
        esac
        args+=("$a")
    done
    LANXANG_NOW=${AT:-$NOW} "$LX" --data "$D" "${args[@]}"
}
# hold on C82 Vientiane -> Luang Prabang (extra arguments follow)
hold() { lx hold C82 --date "$DATE" --from Vientiane --to "Luang Prabang" "$@"; }
free() {   # free seats of a class on a stretch of C82
    lx avail C82 --date "$DATE" --from "$1" --to "$2" --class "${3:-second}" --json | jq -r .free
}
P1="Somchai Phommachanh:P1234567"
P2="Li Wei:E98765432"
code() { jq -r '.error.code // "none"' <<<"$1"; }

# --- availability before anything is sold (no data directory yet) ---
f0=$(free Vientiane "Luang Prabang")
check "avail --json gives an integer free count before any sale" \
    jq -en --argjson f "${f0:-null}" '$f | type == "number" and . > 100' >/dev/null
check "... without creating the data directory" test ! -e "$D"
all=$(lx avail C82 --date "$DATE" --from Vientiane --to "Luang Prabang" --json)
check "avail without --class lists every class with price and currency" \
    jq -e '(.classes | map(.class) | sort) == ["first","second"] and
           all(.classes[]; (.free|type)=="number" and (.price|type)=="number" and (.currency|type)=="string")' \
    <<<"$all" >/dev/null
check "... and free is their sum" jq -e '.free == ([.classes[].free] | add)' <<<"$all" >/dev/null
check "... with train, date, from and to" \
    jq -e '.train=="C82" and .date=="2026-12-20" and .from.id=="vientiane" and .to.id=="luang_prabang"' \
    <<<"$all" >/dev/null
check "avail text shows a table of classes" \
    grep -q "second" <<<"$(lx avail C82 --date "$DATE" --from Vientiane --to "Luang Prabang")"
fv=$(free "Vang Vieng" "Luang Prabang")
fb=$(free "Luang Prabang" Boten)

# --- hold, confirm, refund ---
h=$(hold --class second --passenger "$P1" --passenger "$P2" --json); rc=$?
id=$(jq -r .order <<<"$h")
check "hold exits 0" test "$rc" -eq 0
check "hold --json has order, 2 seats, expires_at with offset, price, currency, state" \
    jq -e '(.order|type)=="string" and (.seats|length)==2 and (.seats[0]|test("^[0-9]{2}-[0-9]{2}[A-Z]$"))
           and (.expires_at|test("^2026-12-19T10:30:00[+-][0-9]{2}:[0-9]{2}$"))
           and (.price|type)=="number" and .price > 0 and (.currency|type)=="string"
           and .state=="held" and .class=="second" and .train=="C82"' <<<"$h" >/dev/null
check "... the data directory was created" test -f "$D/lanxang.db"
check "the two seats are distinct" jq -e '.seats[0] != .seats[1]' <<<"$h" >/dev/null
check "avail drops by exactly the 2 seats held" test "$(free Vientiane "Luang Prabang")" -eq $((f0 - 2))
check "... on an overlapping stretch too" test "$(free "Vang Vieng" "Luang Prabang")" -eq $((fv - 2))
check "... but not on the stretch after it" test "$(free "Luang Prabang" Boten)" -eq "$fb"
o=$(lx order "$id" --json)
check "order shows it held, with its passengers" \
    jq -e --arg id "$id" '.order==$id and .state=="held" and (.passengers|map(.name))==["Somchai Phommachanh","Li Wei"]' \
    <<<"$o" >/dev/null
check "... documents masked to their last 4 characters" \
    jq -e '.passengers[0].document == "****4567" and .passengers[1].document == "*****5432"' <<<"$o" >/dev/null
check "... no document in clear anywhere" bash -c '! grep -q P1234567 <<<"$1"' _ "$o"
dep=$(lx trains --date "$DATE" --from Vientiane --to "Luang Prabang" --json | jq -r '.[] | select(.train=="C82") | .departure')
check "... departure (as trains says) and arrival with offsets" \
    jq -e --arg d "$dep" '.departure==$d and (.departure|endswith("+07:00")) and (.arrival|endswith("+07:00")) and (.created_at|type)=="string"' \
    <<<"$o" >/dev/null
check "order text names the state" grep -q "held" <<<"$(lx order "$id")"
c=$(lx confirm "$id" --payment PAY-1 --json); rc=$?
check "confirm exits 0 and the order is confirmed" \
    jq -e '.state=="confirmed" and .expires_at==null' <<<"$c" >/dev/null
check "... exit 0" test "$rc" -eq 0
check "order says confirmed" test "$(lx order "$id" --json | jq -r .state)" = confirmed
out=$(lx confirm "$id" --json); rc=$?
check "confirming twice is a conflict (exit 6)" test "$rc" -eq 6
check "... with JSON error code conflict" test "$(code "$out")" = conflict
out=$(lx cancel "$id" --json); rc=$?
check "a sold order cannot be cancelled (exit 6)" test "$rc" -eq 6
check "avail still 2 less after the sale" test "$(free Vientiane "Luang Prabang")" -eq $((f0 - 2))
r=$(lx refund "$id" --json); rc=$?
check "refund exits 0 and the order is refunded" test "$rc" -eq 0 -a "$(jq -r .state <<<"$r")" = refunded
check "avail back to where it was" test "$(free Vientiane "Luang Prabang")" -eq "$f0"
lx refund "$id" >/dev/null 2>&1; rc=$?
check "refunding twice is a conflict (exit 6)" test "$rc" -eq 6

# --- cancel ---
id2=$(hold --class first --passenger "$P1" --json | jq -r .order)
x=$(lx cancel "$id2" --json)
check "cancel gives state cancelled" test "$(jq -r .state <<<"$x")" = cancelled
check "order says cancelled" test "$(lx order "$id2" --json | jq -r .state)" = cancelled
lx cancel "$id2" >/dev/null 2>&1; rc=$?
check "cancelling twice is a conflict (exit 6)" test "$rc" -eq 6
out=$(lx order NOSUCHORDER1 --json); rc=$?
check "an unknown order exits 3 with not_found" test "$rc" -eq 3 -a "$(code "$out")" = not_found

# --- --paid sells at once ---
s=$(hold --class second --passenger "$P1" --paid --json)
check "--paid sells at once (state confirmed)" test "$(jq -r .state <<<"$s")" = confirmed

# --- named seats ---
a=$(hold --class second --passenger "$P1" --seat 03-05A --json); rc=$?
check "a named seat is given" test "$rc" -eq 0 -a "$(jq -c .seats <<<"$a")" = '["03-05A"]'
out=$(lx hold C82 --date "$DATE" --from "Vang Vieng" --to Boten --class second \
      --passenger "$P2" --seat 3-5a --json); rc=$?
check "the same seat on an overlapping stretch is refused with exit 5" test "$rc" -eq 5
check "... and JSON error code seat_taken" test "$(code "$out")" = seat_taken
check "... whose message names the seat" jq -e '.error.message | test("03-05A|3-5a|05A"; "i")' <<<"$out" >/dev/null
b=$(lx hold C82 --date "$DATE" --from "Luang Prabang" --to Boten --class second \
      --passenger "$P2" --seat 03-05A --json); rc=$?
check "the same seat after the first passenger leaves is free" test "$rc" -eq 0
w=$(hold --class second --passenger "$P2" --window --json)
check "--window gives a window seat (A or F)" jq -e '.seats[0] | test("[AF]$")' <<<"$w" >/dev/null

# --- expiry by the clock (LANXANG_NOW) ---
e=$(hold --class second --passenger "$P1" --json | jq -r .order)
out=$(AT=$((NOW_S + 31 * 60)) lx confirm "$e" --json); rc=$?
check "confirming 31 minutes after the hold exits 6" test "$rc" -eq 6
check "... with JSON error code expired" test "$(code "$out")" = expired
check "... and the order is expired" test "$(AT=$((NOW_S + 31 * 60)) lx order "$e" --json | jq -r .state)" = expired
e2=$(hold --class second --passenger "$P1" --json | jq -r .order)
check "a hold not confirmed shows as expired once its deadline has passed" \
    test "$(AT=2026-12-19T10:45:00+07:00 lx order "$e2" --json | jq -r .state)" = expired
e3=$(hold --class second --passenger "$P1" --json | jq -r .order)
check "confirming 29 minutes after the hold works" \
    test "$(AT=$((NOW_S + 29 * 60)) lx confirm "$e3" --json | jq -r .state)" = confirmed
AT=yesterday lx avail C82 --date "$DATE" --from Vientiane --to Boten >/dev/null 2>&1; rc=$?
check "an unreadable LANXANG_NOW is a usage error (2)" test "$rc" -eq 2
out=$(AT=2026-12-20T12:00:00+07:00 lx hold C82 --date "$DATE" --from Vientiane --to Boten \
      --class second --passenger "$P1" --json); rc=$?
check "no sale after the train has left (exit 6, sales_closed)" \
    test "$rc" -eq 6 -a "$(code "$out")" = sales_closed

# --- owners ---
o1=$(hold --class second --passenger "$P1" --owner alice --json | jq -r .order)
out=$(lx confirm "$o1" --owner bob --json); rc=$?
check "another owner cannot confirm (exit 7, forbidden)" test "$rc" -eq 7 -a "$(code "$out")" = forbidden
lx confirm "$o1" --json >/dev/null 2>&1; rc=$?
check "... nor anyone without --owner" test "$rc" -eq 7
lx cancel "$o1" --owner bob >/dev/null 2>&1; rc=$?
check "... nor cancel" test "$rc" -eq 7
check "the owner can" test "$(lx confirm "$o1" --owner alice --json | jq -r .state)" = confirmed
lx refund "$o1" --owner bob >/dev/null 2>&1; rc=$?
check "another owner cannot refund" test "$rc" -eq 7

# --- refusals of bad input: exit code and JSON error with a code ---
refused() {   # name expected-exit expected-code args...
    local name=$1 want=$2 wcode=$3; shift 3
    local out rc
    out=$(lx "$@" --json 2>/dev/null); rc=$?
    check "$name: exit $want, code $wcode" \
        test "$rc" -eq "$want" -a "$(code "$out")" = "$wcode" -a -n "$(jq -r '.error.message // empty' <<<"$out")"
}
refused "unknown class" 3 not_found hold C82 --date "$DATE" --from Vientiane --to Boten \
    --class sleeper --passenger "$P1"
refused "6 passengers" 6 rule_refused hold C82 --date "$DATE" --from Vientiane --to Boten \
    --class second --passenger "$P1" --passenger "$P1" --passenger "$P1" --passenger "$P1" \
    --passenger "$P1" --passenger "$P1"
refused "a passenger without a document" 2 invalid hold C82 --date "$DATE" --from Vientiane \
    --to Boten --class second --passenger "Somchai"
refused "an unknown seat" 3 not_found hold C82 --date "$DATE" --from Vientiane --to Boten \
    --class second --passenger "$P1" --seat 03-99Z
refused "a seat of another class" 2 invalid hold C82 --date "$DATE" --from Vientiane --to Boten \
    --class first --passenger "$P1" --seat 03-05A
refused "an unknown train" 3 not_found hold X999 --date "$DATE" --from Vientiane --to Boten \
    --class second --passenger "$P1"
refused "a train that does not run there" 3 not_found hold C81 --date "$DATE" --from Vientiane \
    --to Boten --class second --passenger "$P1"
refused "an unknown station" 3 not_found avail C82 --date "$DATE" --from Vientain --to Boten
refused "an impossible date" 2 invalid avail C82 --date 2026-02-30 --from Vientiane --to Boten
out=$(lx hold C81 --date "$DATE" --from Vientiane --to Boten --class second --passenger "$P1" --json)
check "... the train not running there lists the trains that do" \
    jq -e '.error.message | test("C82")' <<<"$out" >/dev/null
out=$(lx hold C82 --date "$DATE" --from Vientiane --to Boten --passenger "$P1" --json 2>/dev/null); rc=$?
check "a missing --class is a usage error (2), code invalid" test "$rc" -eq 2 -a "$(code "$out")" = invalid

# --- the last seats of a class, sold by 8 processes at once ---
BIZ=(C90 --date "$DATE" --from Vientiane --to "Luang Prabang" --class business)
nb=$(lx avail "${BIZ[@]}" --json | jq -r .free)
check "C90 has a few business seats ($nb)" test "${nb:-0}" -ge 4 -a "${nb:-0}" -le 60
left=3
sold=0
while [ $((nb - sold)) -gt "$left" ]; do
    k=$((nb - sold - left)); [ "$k" -gt 3 ] && k=3
    args=()
    for j in $(seq "$k"); do args+=(--passenger "Counter Sale $sold-$j:B$(printf %04d "$sold")$j"); done
    lx hold "${BIZ[@]}" "${args[@]}" --paid --json >/dev/null || break
    sold=$((sold + k))
done
check "all but $left business seats sold" test "$(lx avail "${BIZ[@]}" --json | jq -r .free)" -eq "$left"
mkdir -p "$WORK/race"
for i in 1 2 3 4 5 6 7 8; do
    (lx hold "${BIZ[@]}" --passenger "Racer $i:R000$i" --paid --json >"$WORK/race/$i.json" 2>/dev/null
     echo $? >"$WORK/race/$i.rc") &
done
wait
won=$(grep -lx 0 "$WORK"/race/*.rc | wc -l)
lost=$(grep -lx 5 "$WORK"/race/*.rc | wc -l)
check "of 8 concurrent sales exactly $left succeed" test "$won" -eq "$left"
check "... and the other $((8 - left)) are sold out (exit 5)" test "$lost" -eq $((8 - left))
check "... with seats all distinct" \
    test "$(cat "$WORK"/race/*.json | jq -r 'select(.order) | .seats[]' | sort -u | wc -l)" -eq "$left"
check "... the losers say sold_out" \
    test "$(cat "$WORK"/race/*.json | jq -r 'select(.error) | .error.code' | sort -u)" = sold_out
check "business is sold out" test "$(lx avail "${BIZ[@]}" --json | jq -r .free)" -eq 0
out=$(lx hold "${BIZ[@]}" --passenger "$P1" --json); rc=$?
check "one more hold: exit 5, sold_out" test "$rc" -eq 5 -a "$(code "$out")" = sold_out
check "... saying what and why" \
    jq -e '.error.message | test("no seats left in business from Vientiane to Luang Prabang on C90 2026-12-20")' \
    <<<"$out" >/dev/null

# --- a fresh data directory opened by many processes at once ---
F="$WORK/fresh"
for i in 1 2 3 4 5 6; do
    (LANXANG_NOW=$NOW "$LX" --data "$F" hold C82 --date "$DATE" --from Vientiane --to Boten \
         --class second --passenger "Early $i:E000$i" --paid --json >"$WORK/race/f$i.json" 2>/dev/null
     echo $? >"$WORK/race/f$i.rc") &
done
wait
check "6 sales at once into a data directory none of them found all succeed" \
    test "$(grep -lx 0 "$WORK"/race/f*.rc | wc -l)" -eq 6
check "... with 6 distinct seats" \
    test "$(cat "$WORK"/race/f*.json | jq -r 'select(.order) | .seats[]' | sort -u | wc -l)" -eq 6
rm -f "$WORK"/race/f*

# --- help ---
helped=0
for c in avail hold confirm cancel refund order; do
    "$LX" "$c" --help | grep -q "usage: lanxang $c" && helped=$((helped + 1))
done
check "every selling command has --help" test "$helped" -eq 6

# --- lanxang check: clean, then a corrupted orders table behind its back ---
out=$(lx check); rc=$?
check "lanxang check passes on the data directory" test "$rc" -eq 0
check "... and reports the orders it checked" grep -q "bookings: ok" <<<"$out"
cp -r "$D" "$WORK/bad"
# give one sold order the seats of another sold order on the same train run and stretch
ids=($(cat "$WORK"/race/*.json | jq -r 'select(.order) | .order'))
sqlite3 "$WORK/bad/lanxang.db" \
    "UPDATE orders SET seats = (SELECT seats FROM orders WHERE id = '${ids[0]}') WHERE id = '${ids[1]}'"
check "... (the orders table was changed behind its back)" \
    test "$(sqlite3 "$WORK/bad/lanxang.db" "SELECT count(DISTINCT seats) FROM orders WHERE id IN ('${ids[0]}', '${ids[1]}')")" = 1
out=$("$LX" --data "$WORK/bad" check 2>&1); rc=$?
check "lanxang check fails after two orders are given the same seat" test "$rc" -ne 0
check "... and says what is wrong" grep -q "FAILED" <<<"$out"
echo "$out" | sed -n '/bookings/,$p' | head -5 | sed 's/^/     /'
out=$("$LX" --data "$WORK/none" check); rc=$?
check "check of a missing data directory passes (nothing sold)" test "$rc" -eq 0

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# E-tickets with the `lanxang` command: sell with hold --paid, print the tickets, verify
# them at the gate (accepted once, then "already used"), a refund makes them refused,
# and a forged or altered payload, a wrong station and a scan outside the window are
# refused with their exit code and JSON result.
#   tests/integration/test_ticket.sh path/to/lanxang
set -uo pipefail
LX=$(realpath "${1:?usage: test_ticket.sh path/to/lanxang}")
[ -x "$LX" ] || { echo "no lanxang at $LX"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

pass=0 fail=0
ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

D="$WORK/data"
SALE=2026-12-19T10:00:00+07:00            # the day before
GATE=2026-12-20T08:15:00+07:00            # C82 leaves Vientiane at 08:30
lx() { LANXANG_NOW=${AT:-$SALE} "$LX" --data "$D" "$@"; }

h=$(lx hold C82 --date 2026-12-20 --from Vientiane --to "Luang Prabang" --class second \
      --passenger "Somchai Phommachanh:P1234567" --passenger "Li Wei:E98765432" --paid --json)
id=$(jq -r .order <<<"$h")
check "hold --paid sells an order" jq -e '.state == "confirmed"' <<<"$h" >/dev/null

t=$(lx ticket "$id" --json); rc=$?
check "ticket exits 0" test "$rc" -eq 0
check "ticket --json gives one payload per passenger" \
    jq -e '(.tickets | length) == 2 and all(.tickets[]; .qr_payload | test("^[A-Za-z0-9_-]{100,}$"))' \
    <<<"$t" >/dev/null
p1=$(jq -r '.tickets[0].qr_payload' <<<"$t")
p2=$(jq -r '.tickets[1].qr_payload' <<<"$t")
check "the key pair was made, the private key owner-only" \
    test "$(stat -c %a "$D/keys/ticket.key")" = 600 -a -s "$D/keys/ticket.pub"
check "the same payload the second time (the key is kept)" \
    test "$(lx ticket "$id" --json | jq -r '.tickets[0].qr_payload')" = "$p1"
txt=$(lx ticket "$id" --svg "$WORK/t.svg")
check "ticket prints the payload and a QR code of half blocks" \
    bash -c 'grep -qF -- "$1" <<<"$2" && grep -q "▀" <<<"$2"' _ "$p1" "$txt"
check "--svg writes one SVG per passenger" \
    bash -c 'grep -q "<svg" "$1/t-1.svg" && grep -q "<svg" "$1/t-2.svg"' _ "$WORK"
pub=$(lx keys)
check "keys prints the public key in base64url" \
    bash -c '[[ "$1" =~ ^[A-Za-z0-9_-]{43}$ ]] && [ "$1" = "$(tr -d "\n" <"$2")" ]' _ "$pub" "$D/keys/ticket.pub"
check "gate key prints the same" test "$(lx gate key)" = "$pub"

# --- refusals that record nothing ---
AT=2026-12-20T07:00:00+07:00 lx gate verify "$p1" --station Vientiane >/dev/null 2>&1; rc=$?
check "too early (an hour and a half before departure): exit 65" test "$rc" -eq 65
r=$(AT=2026-12-20T11:00:00+07:00 lx gate verify "$p1" --json 2>/dev/null); rc=$?
check "after arrival: too_late, exit 65" \
    bash -c '[ "$1" -eq 65 ] && jq -e ".result == \"too_late\" and .accepted == false and .error.code == \"malformed\"" <<<"$2" >/dev/null' _ "$rc" "$r"
r=$(AT=$GATE lx gate verify "$p1" --station "Luang Prabang" --json 2>/dev/null); rc=$?
check "another station: wrong_station, exit 65" \
    bash -c '[ "$1" -eq 65 ] && jq -e ".result == \"wrong_station\"" <<<"$2" >/dev/null' _ "$rc" "$r"
flipped=$(python3 -c 'import sys; p=sys.argv[1]; i=len(p)//3; c="B" if p[i]!="B" else "C"; print(p[:i]+c+p[i+1:])' "$p1")
r=$(AT=$GATE lx gate verify "$flipped" --json 2>/dev/null); rc=$?
check "an altered payload: bad_signature or malformed, exit 65" \
    bash -c '[ "$1" -eq 65 ] && jq -e ".result == \"bad_signature\" or .result == \"malformed\"" <<<"$2" >/dev/null' _ "$rc" "$r"
r=$(AT=$GATE lx gate verify "${p1:0:60}" --json 2>/dev/null); rc=$?
check "a truncated payload: malformed, exit 65" \
    bash -c '[ "$1" -eq 65 ] && jq -e ".result == \"malformed\"" <<<"$2" >/dev/null' _ "$rc" "$r"
other=$(python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))')
r=$(AT=$GATE lx gate verify "$p1" --key "$other" --json 2>/dev/null); rc=$?
check "another operator's key: bad_signature" \
    bash -c '[ "$1" -eq 65 ] && jq -e ".result == \"bad_signature\"" <<<"$2" >/dev/null' _ "$rc" "$r"
check "no check-in recorded by any refusal" \
    test "$(sqlite3 "$D/lanxang.db" 'SELECT count(*) FROM checkins')" -eq 0
check "the catalog is at version 7" test "$(sqlite3 "$D/lanxang.db" 'PRAGMA user_version')" -eq 7

# --- first use accepted, second refused ---
r=$(AT=$GATE lx gate verify "$p1" --station Vientiane --key "$pub" --json); rc=$?
check "first scan at Vientiane 15 minutes before departure: accepted, exit 0" \
    bash -c '[ "$1" -eq 0 ] && jq -e ".accepted == true and .result == \"accepted\" and .ticket.seat != null and .ticket.passenger == \"Somchai Phommachanh\"" <<<"$2" >/dev/null' _ "$rc" "$r"
check "the check-in is recorded" \
    test "$(sqlite3 "$D/lanxang.db" "SELECT station FROM checkins WHERE order_id = '$id' AND ticket = 0")" = vientiane
r=$(AT=2026-12-20T08:20:00+07:00 lx gate verify "$p1" --station Vientiane --json 2>"$WORK/err"); rc=$?
check "second scan: already used, exit 6, JSON code conflict" \
    bash -c '[ "$1" -eq 6 ] && jq -e ".accepted == false and .result == \"already_used\" and .error.code == \"conflict\" and (.first_checked_in_at | startswith(\"2026-12-20T01:15\"))" <<<"$2" >/dev/null' _ "$rc" "$r"
check "... and says so" grep -q "already used" "$WORK/err"
out=$(AT=$GATE lx gate verify "$p2"); rc=$?
check "the other passenger's ticket is accepted once, in text" \
    bash -c '[ "$1" -eq 0 ] && grep -q "^accepted: ticket 2/2" <<<"$2"' _ "$rc" "$out"

# --- refund: every ticket of the order refused ---
h2=$(lx hold C82 --date 2026-12-20 --from Vientiane --to "Luang Prabang" --class second \
       --passenger "Bounmy Keo:L5550001" --paid --json)
id2=$(jq -r .order <<<"$h2")
p3=$(lx ticket "$id2" --json | jq -r '.tickets[0].qr_payload')
lx refund "$id2" >/dev/null
r=$(AT=$GATE lx gate verify "$p3" --json 2>/dev/null); rc=$?
check "a refunded order's ticket: not_valid, exit 65" \
    bash -c '[ "$1" -eq 65 ] && jq -e ".result == \"not_valid\" and (.error.message | test(\"refunded\"))" <<<"$2" >/dev/null' _ "$rc" "$r"
lx ticket "$id2" >/dev/null 2>&1; rc=$?
check "no tickets for a refunded order (exit 6)" test "$rc" -eq 6
h3=$(lx hold C82 --date 2026-12-20 --from Vientiane --to "Luang Prabang" --class second \
       --passenger "Bounmy Keo:L5550001" --json)
lx ticket "$(jq -r .order <<<"$h3")" >/dev/null 2>&1; rc=$?
check "no tickets for a held order (exit 6)" test "$rc" -eq 6

# --- the key is never replaced; a key readable by others is refused ---
cp "$D/keys/ticket.key" "$WORK/key.bak"
lx keys >/dev/null
check "keys again keeps the key" cmp -s "$D/keys/ticket.key" "$WORK/key.bak"
chmod 644 "$D/keys/ticket.key"
lx ticket "$id" >/dev/null 2>&1; rc=$?
check "a private key readable by others is refused" test "$rc" -ne 0
chmod 600 "$D/keys/ticket.key"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

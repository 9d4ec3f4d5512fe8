#!/usr/bin/env bash
# The `lanxang` command as users and outside tests drive it: the built-in railway,
# station names in three languages, time zones, GTFS import/export of the real LIRR
# feed, refusal of a broken feed, help texts and exit codes.
#   tests/integration/test_cli.sh path/to/lanxang
set -uo pipefail
LX=$(realpath "${1:?usage: test_cli.sh path/to/lanxang}")
[ -x "$LX" ] || { echo "no lanxang at $LX"; exit 1; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LIRR="$ROOT/../shared/data/gtfs/lirr.zip"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"   # lanxang must work from any directory, with no files around it

pass=0 fail=0
# results go to fd 3 (the real stdout), so that `check NAME cmd >/dev/null` silences
# only cmd, never the ok/FAIL line
exec 3>&1
ok()   { pass=$((pass + 1)); echo "ok   $1" >&3; }
bad()  { fail=$((fail + 1)); echo "FAIL $1" >&3; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }   # equal and not both empty

DATE=2026-12-20
trains() { "$LX" trains --date "$DATE" --from "$1" --to "$2" --json; }

# --- the built-in China–Laos Railway ---
vte_lp=$(trains Vientiane "Luang Prabang")
check "Vientiane→Luang Prabang lists >= 3 trains" \
    test "$(jq length <<<"$vte_lp")" -ge 3
check "the cross-border D88 is among them" \
    jq -e 'map(.train) | index("D88") != null' <<<"$vte_lp" >/dev/null
check "every train has train, departure and arrival" \
    jq -e 'all(.[]; (.train|type)=="string" and (.departure|test("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d\\d:\\d\\d$")) and (.arrival|type)=="string")' <<<"$vte_lp" >/dev/null
check "trains are sorted by departure" \
    jq -e '[.[].departure] == ([.[].departure] | sort)' <<<"$vte_lp" >/dev/null
check "万象 gives the same list" same "$(trains 万象 "Luang Prabang")" "$vte_lp"
check "ວຽງຈັນ gives the same list" same "$(trains ວຽງຈັນ "Luang Prabang")" "$vte_lp"
check "case and accents do not matter" same "$(trains "VIENTIÀNE" "luang prabang")" "$vte_lp"
check "station ids work" same "$(trains china-laos:vientiane luang_prabang)" "$vte_lp"

kms=$(trains "Kunming South" Vientiane)
check "D87 runs Kunming South→Vientiane" \
    jq -e 'map(select(.train=="D87")) | length == 1' <<<"$kms" >/dev/null
check "D87 leaves in UTC+8 and arrives in UTC+7" \
    jq -e '.[] | select(.train=="D87") | (.departure|endswith("+08:00")) and (.arrival|endswith("+07:00"))' <<<"$kms" >/dev/null
check "D87 leaves Kunming South at 08:08 local" \
    jq -e '.[] | select(.train=="D87") | .departure == "2026-12-20T08:08:00+08:00"' <<<"$kms" >/dev/null
text=$("$LX" trains --date "$DATE" --from "Kunming South" --to Vientiane)
check "text output marks both zones" grep -q "08:08 UTC+8.*UTC+7" <<<"$text"

tt=$("$LX" timetable D87 --date "$DATE" --json)
check "timetable D87 has its stops in order, border stations included" \
    jq -e '.[0].stops | map(.station.id) | (index("mohan") < index("boten"))' <<<"$tt" >/dev/null
check "timetable shows Lao stops in UTC+7" \
    jq -e '.[0].stops[] | select(.station.id=="boten") | .arrival | endswith("+07:00")' <<<"$tt" >/dev/null

out=$("$LX" trains --date "$DATE" --from Vientain --to Boten 2>&1); rc=$?
check "a misspelt station exits 3" test "$rc" -eq 3
check "... and says did you mean Vientiane" grep -q "did you mean Vientiane" <<<"$out"
"$LX" trains --date "$DATE" --from Muang --to Boten >/dev/null 2>&1; rc=$?
check "an ambiguous name exits 4" test "$rc" -eq 4
"$LX" trains --date 2026-02-30 --from Vientiane --to Boten >/dev/null 2>&1; rc=$?
check "an impossible date is a usage error (2)" test "$rc" -eq 2
"$LX" trains --from Vientiane >/dev/null 2>&1; rc=$?
check "a missing --date is a usage error (2)" test "$rc" -eq 2
"$LX" frobnicate >/dev/null 2>&1; rc=$?
check "an unknown command is a usage error (2)" test "$rc" -eq 2
helped=0
for c in stations trains timetable import validate export feeds remove serve check; do
    "$LX" "$c" --help | grep -q "usage: lanxang" && helped=$((helped + 1))
done
check "every command has --help" test "$helped" -eq 10
check "stations --json lists Vientiane with its Lao name" \
    jq -e '.[] | select(.id=="vientiane") | .names.lo == "ນະຄອນຫຼວງວຽງຈັນ"' <<<"$("$LX" stations --json)" >/dev/null
check "lanxang check passes" "$LX" check >/dev/null

# --- a real feed: LIRR ---
if [ -f "$LIRR" ]; then
    D="$WORK/data"
    out=$("$LX" --data "$D" import "$LIRR" 2>&1); rc=$?
    check "import lirr.zip exits 0" test "$rc" -eq 0
    check "import reports the malformed time zone" grep -q "America/New York" <<<"$out"
    nst=$(unzip -p "$LIRR" stop_times.txt | tail -n +2 | grep -c .)
    ntr=$(unzip -p "$LIRR" trips.txt | tail -n +2 | grep -c .)
    feeds=$("$LX" --data "$D" feeds --json)
    check "every trip of the feed is loaded ($ntr)" \
        jq -e --argjson n "$ntr" '.[] | select(.name=="lirr") | .trains == $n' <<<"$feeds" >/dev/null
    check "every stop time of the feed is loaded ($nst)" \
        jq -e --argjson n "$nst" '.[] | select(.name=="lirr") | .stop_times == $n' <<<"$feeds" >/dev/null
    check "LIRR trains are listed with UTC-4 times" \
        jq -e 'length > 10 and (.[0].departure|endswith("-04:00"))' \
        <<<"$("$LX" --data "$D" trains --date 2026-10-01 --from "Penn Station" --to Babylon --json)" >/dev/null
    check "after the DST change they are UTC-5" \
        jq -e 'length > 10 and (.[0].departure|endswith("-05:00"))' \
        <<<"$("$LX" --data "$D" trains --date 2026-11-05 --from "Penn Station" --to Babylon --json)" >/dev/null
    check "the built-in railway is still there beside it" \
        same "$("$LX" --data "$D" trains --date "$DATE" --from Vientiane --to "Luang Prabang" --json)" "$vte_lp"
    "$LX" --data "$D" export "$WORK/lirr-out" --feed lirr >/dev/null; rc=$?
    check "export exits 0" test "$rc" -eq 0
    "$LX" --data "$WORK/d2" import "$WORK/lirr-out" --name lirr >/dev/null 2>&1; rc=$?
    check "the export re-imports" test "$rc" -eq 0
    strip() { jq -c '.[] | select(.name=="lirr") | del(.name)'; }
    check "export + re-import gives the same counts" \
        same "$(strip <<<"$feeds")" "$("$LX" --data "$WORK/d2" feeds --json | strip)"
    "$LX" --no-builtin validate "$LIRR" >/dev/null; rc=$?
    check "validate lirr.zip exits 0 (warnings only)" test "$rc" -eq 0
else
    bad "the shared LIRR feed is missing at $LIRR"
fi

# --- a broken feed is refused whole ---
mkdir -p "$WORK/broken"
"$LX" export "$WORK/broken" --feed china-laos >/dev/null
sed -i '3s/,[0-9][0-9]:[0-9][0-9]:[0-9][0-9],/,99:99:99,/' "$WORK/broken/stop_times.txt"
out=$("$LX" --data "$WORK/d3" import "$WORK/broken" --name broken 2>&1); rc=$?
check "a broken feed is refused (exit 65)" test "$rc" -eq 65
check "... with a report naming file, line and code" grep -q "stop_times.txt:3 \[invalid_time\]" <<<"$out"
check "... and nothing of it is stored" \
    test "$("$LX" --data "$WORK/d3" feeds --json | jq 'map(select(.name=="broken")) | length')" -eq 0
"$LX" validate "$WORK/broken" --json > "$WORK/v.json"; rc=$?
check "validate --json names the problem" \
    jq -e '.errors >= 1 and (.notices | map(.code) | index("invalid_time") != null)' "$WORK/v.json" >/dev/null
check "validate exits 65 on errors" test "$rc" -eq 65

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

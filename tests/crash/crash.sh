#!/usr/bin/env bash
# The crash test of issue 3: many clients book while the process is killed with
# SIGKILL several times; after each restart every acknowledged booking is present and
# `lanxang check` is clean.
#
# In a fresh data directory, CRASH_ROUNDS rounds (default 5) of: start lx_storm (threads
# selling, holding, confirming, cancelling and refunding, each acknowledged operation
# logged as "ACK id state") and 3 loops of `lanxang hold --paid` processes (each order
# id they print logged the same way), let them run a random 0.3-1.5 s, kill -9 them all,
# then `lx_storm --verify` (every acknowledged order there in its acknowledged state, no
# seat sold twice, lx_book_check clean) and `lanxang check` (exit 0).
#   tests/crash/crash.sh path/to/lanxang path/to/lx_storm
set -uo pipefail
set -m   # each background job its own process group, so kill -9 takes its children too
LX=$(realpath "${1:?usage: crash.sh path/to/lanxang path/to/lx_storm}")
STORM=$(realpath "${2:?usage: crash.sh path/to/lanxang path/to/lx_storm}")
ROUNDS=${CRASH_ROUNDS:-5}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 -- "-$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"

D="$WORK/data"
BASE=$(date -d 2026-12-19T10:00:00+07:00 +%s)   # the storm's clock starts the day before
T0=$(date +%s)
ACKS="$WORK/storm.acks"
CLI_ACKS="$WORK/cli.acks"
: >"$ACKS"
: >"$CLI_ACKS"
die() { echo "FAIL: $*"; [ -s "$WORK/storm.err" ] && tail -5 "$WORK/storm.err"; exit 1; }

# one client at a counter: sells one seat after another, logging what was acknowledged
cli_loop() {
    local i=$1 out id
    while :; do
        out=$(LANXANG_NOW=$((BASE + $(date +%s) - T0)) "$LX" --data "$D" hold C82 \
              --date 2026-12-20 --from Vientiane --to "Luang Prabang" --class second \
              --passenger "Counter $i:C000000$i" --paid --json 2>/dev/null) &&
            id=$(jq -r '.order // empty' <<<"$out" 2>/dev/null) && [ -n "$id" ] &&
            echo "ACK $id confirmed" >>"$CLI_ACKS"
    done
}

# the data directory exists before the crowd arrives (opening a fresh one from many
# processes at once is test_inv.sh's business)
"$STORM" --data "$D" --verify "$ACKS" --base "$BASE" --t0 "$T0" >/dev/null 2>&1 ||
    die "lx_storm cannot create the data directory $D"

started=0
for round in $(seq "$ROUNDS"); do
    PIDS=()
    "$STORM" --data "$D" --base "$BASE" --t0 "$T0" >>"$ACKS" 2>>"$WORK/storm.err" &
    PIDS+=($!)
    for i in 1 2 3; do
        cli_loop "$i" &
        PIDS+=($!)
    done
    # the storm sells once it has rebuilt its inventory; kill it some time after that
    for _ in $(seq 200); do
        [ "$(grep -c "threads selling" "$WORK/storm.err")" -ge "$round" ] && break
        kill -0 "${PIDS[0]}" 2>/dev/null || die "round $round: lx_storm ended by itself"
        sleep 0.05
    done
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + 1.2 * r / 32767 }')"
    kill -0 "${PIDS[0]}" 2>/dev/null || die "round $round: lx_storm ended before it was killed"
    for p in "${PIDS[@]}"; do kill -9 -- "-$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    PIDS=()

    n_storm=$(grep -c '^ACK' "$ACKS")
    n_cli=$(grep -c '^ACK' "$CLI_ACKS")
    cat "$ACKS" "$CLI_ACKS" >"$WORK/all.acks"
    out=$("$STORM" --data "$D" --verify "$WORK/all.acks" --base "$BASE" --t0 "$T0" 2>&1) ||
        die "round $round: acknowledged bookings lost or seats sold twice after kill -9:
$out"
    echo "round $round: $n_storm storm + $n_cli counter acknowledgements; ${out##*$'\n'}"
    out=$(LANXANG_NOW=$((BASE + $(date +%s) - T0)) "$LX" --data "$D" check 2>&1) ||
        die "round $round: lanxang check fails after kill -9:
$out"
    started=$((started + 1))
done
[ "$(grep -c '^ACK' "$ACKS")" -gt 0 ] || die "the storm never acknowledged a booking"
[ "$(grep -c '^ACK' "$CLI_ACKS")" -gt 0 ] || die "no lanxang hold --paid was ever acknowledged"
echo "ok: $started rounds of kill -9, every acknowledged booking kept, lanxang check clean"

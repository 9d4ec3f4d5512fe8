#!/usr/bin/env bash
# The crash test of issues 3 and 5: many clients book, refund and wait for seats while
# the process is killed with SIGKILL several times; after each restart every
# acknowledged booking and waitlist request is present, nothing paid is lost, nothing
# refunded is sold, and `lanxang check` is clean.
#
# In a fresh data directory, CRASH_ROUNDS rounds (default 5) of: start lx_storm (threads
# selling, holding, confirming, cancelling and refunding, each acknowledged operation
# logged as "ACK id state"; a waiter keeping one class full, making prepaid waitlist
# requests for it, giving seats back and running the waitlist pass, its requests logged
# "WAIT", "WCAN", "WFUL"; a thread running the pass every 2 ms) and 3 loops of
# `lanxang hold --paid` processes (each order id they print logged as the storm's), let
# them run a random 0.3-1.5 s, kill -9 them all, then `lx_storm --verify` (every
# acknowledged order there in its acknowledged state, a refunded one keeping a fee
# within its price, no seat sold twice, lx_book_check clean; every acknowledged request
# there, its ticket sold once, paid "waitlist:<id>" to its passengers, none both sold and
# refunded, refund + ticket = prepaid; then the pass a restarted server runs, after which
# the same holds and a request a killed pass sold is fulfilled) and `lanxang check` (exit
# 0). In the last round the storm kills itself inside a waitlist pass, the moment the
# pass's sale is acknowledged (before its request's row says so), instead of being killed
# at a random moment. With the sqlite3 shell at hand, the
# rows are also cross-checked: every order paid "waitlist:<id>" is the reserved booking
# of that request, which is fulfilled (whether or not its WAIT line made it to the file).
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

# one client at a counter: sells one seat after another (to a passenger of their own:
# one document, one ticket per train), logging what was acknowledged
cli_loop() {
    local i=$1 n=0 out id
    while :; do
        n=$((n + 1))
        out=$(LANXANG_NOW=$((BASE + $(date +%s) - T0)) "$LX" --data "$D" hold C82 \
              --date 2026-12-20 --from Vientiane --to "Luang Prabang" --class second \
              --passenger "Counter $i:C$i$$-$n" --paid --json 2>/dev/null) &&
            id=$(jq -r '.order // empty' <<<"$out" 2>/dev/null) && [ -n "$id" ] &&
            echo "ACK $id confirmed" >>"$CLI_ACKS"
    done
}

# the data directory exists before the crowd arrives (opening a fresh one from many
# processes at once is test_inv.sh's business)
"$STORM" --data "$D" --verify "$ACKS" --base "$BASE" --t0 "$T0" >/dev/null 2>&1 ||
    die "lx_storm cannot create the data directory $D"

# the rows, if the sqlite3 shell is here: no waitlist ticket outside its request, and
# none sold for a request that is not fulfilled
sql_check() {
    command -v sqlite3 >/dev/null || return 0
    sqlite3 -readonly "$D/lanxang.db" "
        SELECT 'order ' || o.id || ' paid ' || o.payment || ' is no fulfilled request''s ticket'
        FROM orders o WHERE o.payment LIKE 'waitlist:%' AND NOT EXISTS (
            SELECT 1 FROM waitlist w WHERE w.booking = o.id AND o.payment = 'waitlist:' || w.id
            AND w.state = 'fulfilled');
        SELECT 'request ' || w.id || ' is ' || w.state || ' and its booking is sold'
        FROM waitlist w WHERE w.state <> 'fulfilled'
            AND EXISTS (SELECT 1 FROM orders o WHERE o.id = w.booking);
        SELECT 'order ' || id || ' has ' || count(*) || ' rows' FROM orders GROUP BY id
        HAVING count(*) > 1;" 2>&1
}
kill_in_pass=0

started=0
for round in $(seq "$ROUNDS"); do
    PIDS=()
    last=$([ "$round" -eq "$ROUNDS" ] && echo --kill-in-pass)
    "$STORM" --data "$D" --base "$BASE" --t0 "$T0" --acks "$ACKS" $last >>"$ACKS" \
        2>>"$WORK/storm.err" &
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
    if [ -n "$last" ]; then
        # it kills itself inside a waitlist pass once it has timed a few; else we do
        { for _ in $(seq 100); do kill -0 "${PIDS[0]}" || break; sleep 0.03; done; } 2>/dev/null
        if kill -0 "${PIDS[0]}" 2>/dev/null; then
            echo "round $round: the storm did not kill itself inside a waitlist pass in 3 s"
        else
            kill_in_pass=1
            grep "dying" "$WORK/storm.err" | tail -1
        fi
    else
        sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + 1.2 * r / 32767 }')"
        kill -0 "${PIDS[0]}" 2>/dev/null || die "round $round: lx_storm ended before it was killed"
    fi
    for p in "${PIDS[@]}"; do kill -9 -- "-$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    PIDS=()

    n_storm=$(grep -c '^ACK' "$ACKS")
    n_cli=$(grep -c '^ACK' "$CLI_ACKS")
    cat "$ACKS" "$CLI_ACKS" >"$WORK/all.acks"
    out=$("$STORM" --data "$D" --verify "$WORK/all.acks" --base "$BASE" --t0 "$T0" 2>&1) ||
        die "round $round: acknowledged bookings lost or seats sold twice after kill -9:
$out"
    echo "round $round: $n_storm storm + $n_cli counter acknowledgements;"
    tail -2 <<<"$out" | sed 's/^/    /'
    out=$(sql_check)
    [ -z "$out" ] || die "round $round: the rows of orders and requests disagree:
$out"
    out=$(LANXANG_NOW=$((BASE + $(date +%s) - T0)) "$LX" --data "$D" check 2>&1) ||
        die "round $round: lanxang check fails after kill -9:
$out"
    started=$((started + 1))
done
[ "$(grep -c '^ACK' "$ACKS")" -gt 0 ] || die "the storm never acknowledged a booking"
[ "$(grep -c '^ACK' "$CLI_ACKS")" -gt 0 ] || die "no lanxang hold --paid was ever acknowledged"
[ "$(grep -c '^WAIT' "$ACKS")" -gt 0 ] || die "the storm never made a waitlist request"
[ "$(grep -c '^WFUL' "$ACKS")" -gt 0 ] || die "the storm never saw a waitlist request fulfilled"
echo "exercised: $(grep -c '^WAIT' "$ACKS") waitlist requests, $(grep -c '^WFUL' "$ACKS") seen" \
     "fulfilled, $(grep -c '^WCAN' "$ACKS") withdrawn, $(grep -c 'refunded$' "$ACKS") orders" \
     "refunded; a kill inside a waitlist pass: $([ $kill_in_pass = 1 ] && echo yes || echo no)"
if command -v sqlite3 >/dev/null; then
    echo "rows: requests $(sqlite3 -readonly "$D/lanxang.db" "SELECT group_concat(state || ' ' || n, ', ')
        FROM (SELECT state, count(*) n FROM waitlist GROUP BY state)"); orders $(sqlite3 \
        -readonly "$D/lanxang.db" "SELECT group_concat(state || ' ' || n, ', ') FROM (SELECT
        state, count(*) n FROM orders GROUP BY state)")"
fi
echo "ok: $started rounds of kill -9, every acknowledged booking and waitlist request kept," \
     "lanxang check clean"

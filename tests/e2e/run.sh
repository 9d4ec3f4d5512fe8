#!/usr/bin/env bash
# Browser tests: installs playwright-core from the lock file (npm ci, no browser
# download), starts `lanxang serve` on a free loopback port with a fresh data directory
# and a fixed clock, runs every tests/e2e/*.test.mjs against it in Debian's chromium,
# stops the server by its PID. Screenshots are kept in ARTIFACT_DIR (default
# build/e2e-artifacts).
#   tests/e2e/run.sh path/to/lanxang [ARTIFACT_DIR]
#
# The clock (LANXANG_NOW) is fixed so that the tests never depend on today's date:
# Saturday 2026-12-19 at 06:00 in Vientiane, 2.5 hours before train C82 leaves for
# Luang Prabang (08:30): its seats are on sale and a hold lasts 30 minutes. The gate
# window opens only 20 minutes before departure, after sales close (30 minutes before),
# so booking.test.mjs checks the tickets in at a second server over the same data
# directory with the clock at 08:15 (harness.mjs startServer; LX_BIN and LX_DATA).
set -euo pipefail
LX=$(realpath "${1:?usage: run.sh path/to/lanxang [ARTIFACT_DIR]}")
HERE=$(cd "$(dirname "$0")" && pwd)
ART=$(realpath -m "${2:-$(dirname "$LX")/e2e-artifacts}")
CHROMIUM=${LX_CHROMIUM:-/usr/bin/chromium}
for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "e2e: $tool is needed (scripts/install-deps.sh installs it)" >&2; exit 2; }
done
[ -x "$CHROMIUM" ] || { echo "e2e: no chromium at $CHROMIUM (Debian package chromium)" >&2; exit 2; }

# playwright-core only: it never downloads a browser
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$HERE" --no-audit --no-fund --loglevel=error
fi

WORK=$(mktemp -d)
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export LX_NOW=2026-12-19T06:00:00+07:00 LX_BIN="$LX" LX_DATA="$WORK/data"
LANXANG_NOW="$LX_NOW" "$LX" --data "$WORK/data" serve --listen 127.0.0.1:0 --quiet 2>"$WORK/serve.log" &
PID=$!
URL=""
for _ in $(seq 100); do
    URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$WORK/serve.log" | head -1 || true)
    [ -n "$URL" ] && break
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$URL" ] || { echo "e2e: the server did not start" >&2; cat "$WORK/serve.log" >&2; exit 1; }

mkdir -p "$ART"
rc=0
for t in "$HERE"/*.test.mjs; do
    echo "== $(basename "$t")"
    LX_CHROMIUM="$CHROMIUM" node "$t" "$URL" "$ART" || rc=1
done
echo "e2e: screenshots in $ART"
exit $rc

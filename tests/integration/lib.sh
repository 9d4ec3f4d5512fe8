# shellcheck shell=bash
# Shared helpers of the integration scripts that drive a live `lanxang serve`
# (test_server.sh, test_api_book.sh, test_openapi.sh). Sourced, not run:
#
#   . "$(dirname "$0")/lib.sh"
#   BIN=path/to/lanxang
#   test_init                       # TMP, the counters, the trap that stops the server
#   server_start LANXANG_NOW=2026-12-19T10:00:00+07:00 --data "$TMP/data" -- --threads 8
#   check "GET /healthz" t_healthz  # "ok   - ..." or "FAIL - ..." and the output
#   check "SIGTERM stops the server cleanly" server_stop
#   check_summary                   # "N passed, M failed"; nonzero when a check failed
#
# The scripts run under `set -euo pipefail`; messages name the script (TEST_NAME).

TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}

# test_bin "$@": BIN, the lanxang binary named by the script's first argument; exits 2
# with the usage when there is none.
test_bin() {
    if [ $# -lt 1 ] || [ ! -x "$1" ]; then
        echo "usage: $0 path/to/lanxang" >&2
        exit 2
    fi
    BIN=$(realpath "$1")
}

# test_start "$@": what a script driving a live server does first: BIN (test_bin),
# curl and jq needed, test_init, D the data directory in TMP, and TMP the working
# directory.
test_start() {
    test_bin "$@"
    require_tools curl jq
    test_init
    D="$TMP/data"
    cd "$TMP"
}

# require_tools TOOL...: exits 2 when one of the tools is not on the PATH.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$TEST_NAME: $tool is needed" >&2; exit 2; }
    done
}

# test_init: a temporary directory in TMP (removed at exit), the check counters, and
# a trap that stops a server still running at exit.
test_init() {
    TMP=$(mktemp -d)
    SERVER_PID=""
    SERVER_URL=""
    SERVER_LOG="$TMP/server.log"
    PASSED=0
    FAILED=0
    FAILURES=()
    trap test_cleanup EXIT
}

test_cleanup() {
    if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}

# server_start [NAME=VALUE...] [GLOBAL OPTION...] [-- SERVE OPTION...]: starts
# `$BIN GLOBAL... serve --listen 127.0.0.1:0 SERVE...` with NAME=VALUE in its
# environment, its stdout and stderr in SERVER_LOG. Waits (10 s at most) for the line
# "serving http://127.0.0.1:PORT/" that the server writes once it listens; then
# SERVER_URL is "http://127.0.0.1:PORT" (no slash at the end) and SERVER_PID its PID.
server_start() {
    local env=() global=() serve=()
    while [ $# -gt 0 ] && [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
        env+=("$1")
        shift
    done
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        global+=("$1")
        shift
    done
    [ $# -eq 0 ] || shift
    serve=("$@")

    env "${env[@]}" "$BIN" "${global[@]}" serve --listen 127.0.0.1:0 "${serve[@]}" \
        >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    SERVER_URL=""
    local _ url
    for _ in $(seq 1 100); do
        url=$(grep -o 'serving http://127\.0\.0\.1:[0-9]*/' "$SERVER_LOG" | head -1 || true)
        if [ -n "$url" ]; then
            url=${url#serving }
            SERVER_URL=${url%/}
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "$TEST_NAME: the server did not answer within 10 s" >&2
    else
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
        echo "$TEST_NAME: the server did not start:" >&2
    fi
    cat "$SERVER_LOG" >&2
    return 1
}

# server_stop: stops the server with SIGTERM and waits for it; fails (with the end of
# its log) unless it exited with status 0.
server_stop() {
    local rc=0
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || rc=$?
    SERVER_PID=""
    [ "$rc" = 0 ] || {
        echo "$TEST_NAME: the server exited with status $rc"
        tail -5 "$SERVER_LOG"
        return 1
    }
}

# check NAME COMMAND...: runs the command; a zero status passes. Prints "ok   - NAME",
# or "FAIL - NAME" and the first 20 lines of what the command wrote.
check() {
    local name=$1
    shift
    if "$@" >"$TMP/check.out" 2>&1; then
        PASSED=$((PASSED + 1))
        echo "ok   - $name"
    else
        FAILED=$((FAILED + 1))
        FAILURES+=("$name")
        echo "FAIL - $name"
        sed 's/^/       /' "$TMP/check.out" | head -20
    fi
}

# check_summary: "N passed, M failed", then the names of the failed checks; returns 1
# when a check failed.
check_summary() {
    echo "$PASSED passed, $FAILED failed"
    if [ "$FAILED" -ne 0 ]; then
        printf 'failed: %s\n' "${FAILURES[@]}"
        return 1
    fi
}

# req METHOD PATH [curl args...]: asks the server; the status in STATUS, the body in
# $TMP/body, the headers in $TMP/headers.
req() {
    local method=$1 path=$2
    shift 2
    STATUS=$(curl -s -X "$method" -D "$TMP/headers" -o "$TMP/body" -w '%{http_code}' "$@" \
        "$SERVER_URL$path")
}

# expect STATUS JQ-FILTER: the last answer had that status and the filter is true.
expect() {
    local want=$1 filter=$2
    if [ "$STATUS" != "$want" ]; then
        echo "status $STATUS, expected $want; body:"
        head -c 600 "$TMP/body"
        echo
        return 1
    fi
    if ! jq -e "$filter" "$TMP/body" >/dev/null; then
        echo "filter failed: $filter; body:"
        head -c 600 "$TMP/body"
        echo
        return 1
    fi
}

# header_has NAME TEXT: a header NAME of the last answer contains TEXT (any case).
header_has() {
    grep -i "^$1:" "$TMP/headers" | grep -qi -- "$2" || {
        echo "header $1 lacks '$2':"
        cat "$TMP/headers"
        return 1
    }
}

#!/usr/bin/env bash
# Installs the Debian packages lanxang needs to build, test and run, and only
# those that are missing. Idempotent; works as root or through sudo.
#   scripts/install-deps.sh            build + run + test packages
#   scripts/install-deps.sh --run      only what `make run` needs
set -euo pipefail

RUN_PKGS=(gcc make cmake pkg-config tzdata
          libmicrohttpd-dev libjansson-dev libzip-dev libsqlite3-dev
          libsodium-dev libqrencode-dev)
# libclang-rt-dev: clang's libFuzzer and sanitizer runtimes (clang only recommends them)
TEST_PKGS=(libcmocka-dev clang libclang-rt-dev curl jq sqlite3 time python3 unzip zip util-linux
           chromium)
# browser tests run playwright-core (npm) under Node.js: the machine's own Node.js when it
# has one (it may come from outside Debian), else Debian's
if [ "${1:-}" != "--run" ] && ! command -v node >/dev/null 2>&1; then
    TEST_PKGS+=(nodejs npm)
fi

want=("${RUN_PKGS[@]}")
if [ "${1:-}" != "--run" ]; then
    want+=("${TEST_PKGS[@]}")
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install-deps: these Debian packages are missing: ${missing[*]}" >&2
    echo "install-deps: run this script as root or install sudo" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Installs the Debian packages of the inventory benchmark's two peer designs, and only
# those that are missing (bench/inventory/peers.md):
#   redis-server libhiredis-dev    the Redis + Lua design (peer_redis)
#   postgresql libpq-dev           the PostgreSQL design (peer_pg)
# Idempotent; as root, or through sudo. Says what it installs, and nothing when all is
# there. Debian's postinst may set up the system's own Redis (6379) and cluster "main"
# (5432); the benchmark does not use them: bench/inventory/servers.sh starts private
# servers on other ports.
#   bench/inventory/install-peers.sh
set -euo pipefail

missing=()
for p in redis-server libhiredis-dev postgresql libpq-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
echo "install-peers: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

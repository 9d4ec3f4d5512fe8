#!/usr/bin/env bash
# Starts and stops the servers of the inventory benchmark's peer designs
# (bench/inventory/peers.md): private Redis and PostgreSQL instances on 127.0.0.1, on an
# unprivileged port, with their data, logs and PID files in a temporary directory. They
# are ordinary processes started by this script, never the system's services.
#
#   servers.sh start redis DIR       Redis, default persistence (RDB snapshots, no AOF);
#                                    prints its port
#   servers.sh start redis-aof DIR   Redis with appendonly yes, appendfsync always;
#                                    prints its port
#   servers.sh start postgres DIR    PostgreSQL (initdb + pg_ctl of Debian's postgresql);
#                                    prints a libpq connection string
#   servers.sh stop NAME|all DIR     stops it (them) by PID and waits until gone
#   servers.sh status NAME|all DIR   says whether it runs
#   servers.sh clean DIR             stop all, then remove DIR (only a DIR this script
#                                    has used: it holds the marker .lx-bench-servers)
#
# Idempotent: starting a running server prints its port / connection string again;
# stopping a stopped one does nothing. A runner should do, for instance,
#   tmp=$(mktemp -d); trap 'bench/inventory/servers.sh clean "$tmp"' EXIT
#   port=$(bench/inventory/servers.sh start redis "$tmp")
#
# PostgreSQL refuses to run as root: as root, the cluster belongs to and runs as the
# user "nobody" (through runuser), and DIR is made traversable (o+x) so that it can
# reach DIR/postgres. The cluster trusts connections from 127.0.0.1 (user postgres).
#
# Environment:
#   LX_REDIS_PORT=56379  LX_REDIS_AOF_PORT=56479  LX_PG_PORT=55432
#                      the first port tried; the next free one is taken when it is busy
#   LX_PG_BIN=DIR      PostgreSQL's programs (default: the newest /usr/lib/postgresql/*/bin)
#   LX_PG_USER=nobody  the user that runs PostgreSQL when this script runs as root
set -euo pipefail

say() { printf 'servers: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] || usage
ACTION=$1
if [ "$ACTION" = clean ]; then
    NAME=all; DIR=$2
else
    [ $# -ge 3 ] || usage
    NAME=$2; DIR=$3
fi
case $NAME in redis|redis-aof|postgres|all) ;; *) die "unknown server $NAME (redis, redis-aof, postgres, all)" ;; esac
[ "$NAME" != all ] || [ "$ACTION" != start ] || die "start one server at a time"
MARK=.lx-bench-servers

# ---- helpers ----

# whether PID runs: a zombie does not (a daemon's parent is PID 1, which may reap late)
alive() {
    local st
    kill -0 "$1" 2>/dev/null || return 1
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "${st%% *}" != Z ]
}

# the PID in FILE when that process is alive and runs PROGRAM (not a reused PID), else ""
live_pid() {
    local file=$1 prog=$2 pid
    [ -f "$file" ] || return 0
    pid=$(head -n 1 "$file" 2>/dev/null | tr -dc 0-9)
    if [ -z "$pid" ] || ! alive "$pid"; then return 0; fi
    case $(cat "/proc/$pid/comm" 2>/dev/null) in "$prog"*) echo "$pid" ;; esac
}

port_busy() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
    local p=$1
    for ((i = 0; i < 200; i++, p++)); do
        port_busy "$p" || { echo "$p"; return 0; }
    done
    die "no free port from $1 to $p"
}

# signal PID with SIG, wait up to SECS for it to end; then SIGKILL
stop_pid() {
    local pid=$1 sig=$2 what=$3 secs=${4:-30}
    kill -s "$sig" "$pid" 2>/dev/null || return 0
    for ((i = 0; i < secs * 10; i++)); do
        alive "$pid" || { say "stopped $what (PID $pid)"; return 0; }
        sleep 0.1
    done
    say "$what (PID $pid) did not stop in $secs s: killing it"
    kill -s KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive "$pid" || return 0; sleep 0.1; done
    die "$what (PID $pid) is still there"
}

pg_bin() {
    if [ -n "${LX_PG_BIN:-}" ]; then echo "$LX_PG_BIN"; return; fi
    local d
    d=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true)
    [ -n "$d" ] || die "PostgreSQL is not installed (bench/inventory/install-peers.sh)"
    echo "$d"
}

# ---- redis, redis-aof ----

redis_start() {
    local name=$1 d=$DIR/$1 pid port base extra=()
    if [ "$name" = redis-aof ]; then
        base=${LX_REDIS_AOF_PORT:-56479}; extra=(--appendonly yes --appendfsync always)
    else
        base=${LX_REDIS_PORT:-56379}
    fi
    pid=$(live_pid "$d/redis.pid" redis-server)
    if [ -n "$pid" ]; then cat "$d/port"; return 0; fi
    command -v redis-server >/dev/null || die "redis-server is missing (bench/inventory/install-peers.sh)"
    rm -rf "$d"; mkdir -p "$d"
    port=$(free_port "$base")
    # no configuration file: Redis's built-in defaults (save 3600 1 300 100 60 10000,
    # appendonly no), apart from what is given here
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$d" \
        --pidfile "$d/redis.pid" --logfile "$d/redis.log" "${extra[@]}" \
        || die "$name did not start: $(tail -n 5 "$d/redis.log" 2>/dev/null)"
    echo "$port" > "$d/port"
    for ((i = 0; i < 100; i++)); do
        if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] &&
           [ -n "$(live_pid "$d/redis.pid" redis-server)" ]; then
            say "$name runs on 127.0.0.1:$port (PID $(cat "$d/redis.pid"), data in $d)"
            echo "$port"; return 0
        fi
        sleep 0.1
    done
    die "$name did not answer on port $port: $(tail -n 5 "$d/redis.log" 2>/dev/null)"
}

redis_stop() {
    local name=$1 d=$DIR/$1 pid
    pid=$(live_pid "$d/redis.pid" redis-server)
    [ -z "$pid" ] || stop_pid "$pid" TERM "$name"
}

# ---- postgres ----

pg_conninfo() { echo "host=127.0.0.1 port=$1 user=postgres dbname=postgres"; }

pg_start() {
    local d=$DIR/postgres pid port bin run=() user
    pid=$(live_pid "$d/data/postmaster.pid" postgres)
    if [ -n "$pid" ]; then pg_conninfo "$(cat "$d/port")"; return 0; fi
    bin=$(pg_bin)
    if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then die "no initdb / pg_ctl in $bin"; fi
    rm -rf "$d"; mkdir -p "$d"
    if [ "$(id -u)" -eq 0 ]; then
        user=${LX_PG_USER:-nobody}
        id "$user" >/dev/null 2>&1 || die "user $user does not exist (LX_PG_USER)"
        chmod o+x "$DIR"
        chown "$user" "$d"
        run=(runuser -u "$user" --)
        "${run[@]}" test -w "$d" ||
            die "user $user cannot reach $d: a directory above it is closed to others"
    fi
    port=$(free_port "${LX_PG_PORT:-55432}")
    "${run[@]}" "$bin/initdb" -D "$d/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >"$d/initdb.log" 2>&1 || die "initdb failed: $(tail -n 5 "$d/initdb.log")"
    # sane for a 2-core machine with a few GiB; durable (fsync, synchronous_commit on)
    cat >>"$d/data/postgresql.conf" <<EOF

# bench/inventory/servers.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$d'
max_connections = 64
shared_buffers = 256MB
fsync = on
synchronous_commit = on
full_page_writes = on
max_wal_size = 2GB
logging_collector = off
EOF
    echo "$port" > "$d/port"
    "${run[@]}" "$bin/pg_ctl" -D "$d/data" -l "$d/postgres.log" -w -t 60 start >/dev/null 2>"$d/pg_ctl.err" ||
        die "postgres did not start: $(cat "$d/pg_ctl.err"; tail -n 5 "$d/postgres.log" 2>/dev/null)"
    pid=$(live_pid "$d/data/postmaster.pid" postgres)
    [ -n "$pid" ] || die "postgres started but its PID file is missing"
    echo "$pid" > "$d/postgres.pid"
    say "postgres runs on 127.0.0.1:$port (PID $pid, as ${user:-$(id -un)}, data in $d/data)"
    pg_conninfo "$port"
}

pg_stop() {
    local d=$DIR/postgres pid
    pid=$(live_pid "$d/data/postmaster.pid" postgres)
    [ -n "$pid" ] || pid=$(live_pid "$d/postgres.pid" postgres)
    [ -z "$pid" ] || stop_pid "$pid" INT postgres # SIGINT: fast shutdown
}

# ---- dispatch ----

each() { if [ "$NAME" = all ]; then echo redis redis-aof postgres; else echo "$NAME"; fi; }

case $ACTION in
start)
    mkdir -p "$DIR"; touch "$DIR/$MARK"
    if [ "$NAME" = postgres ]; then pg_start; else redis_start "$NAME"; fi ;;
stop|clean)
    [ -d "$DIR" ] || exit 0
    for n in $(each); do
        if [ "$n" = postgres ]; then pg_stop; else redis_stop "$n"; fi
    done
    if [ "$ACTION" = clean ]; then
        [ -f "$DIR/$MARK" ] || die "$DIR has no $MARK: not removed"
        rm -rf "$DIR"
    fi ;;
status)
    rc=0
    for n in $(each); do
        if [ "$n" = postgres ]; then pid=$(live_pid "$DIR/postgres/data/postmaster.pid" postgres)
        else pid=$(live_pid "$DIR/$n/redis.pid" redis-server); fi
        if [ -n "$pid" ]; then echo "$n: running, PID $pid, port $(cat "$DIR/$n/port")"
        else echo "$n: stopped"; rc=1; fi
    done
    exit $rc ;;
*) usage ;;
esac

#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for tests: trust auth, own port and socket dir.
#
#   scripts/pg.sh start DIR PORT   prints the URL to use (postgres://postgres@127.0.0.1:PORT)
#   scripts/pg.sh stop DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || die "PostgreSQL is not installed: run scripts/bootstrap.sh --test"

# initdb refuses to run as root, so the cluster belongs to the postgres user when we are root.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    dir=$2 port=$3
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" --auth=trust -U postgres -E UTF8 >"$dir/initdb.log" 2>&1 \
        || die "initdb failed: see $dir/initdb.log"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null || die "PostgreSQL did not start: see $dir/log"
    echo "postgres://postgres@127.0.0.1:$port"
    ;;
stop)
    dir=$2
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    die "usage: scripts/pg.sh start DIR PORT | stop DIR"
    ;;
esac

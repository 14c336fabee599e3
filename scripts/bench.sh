#!/usr/bin/env bash
# Load benchmark: invite creation through the app's own HTTP interface, as a signed-in admin,
# on the release build with SQLite (each invite commits with its outbox job and audit rows;
# the mail worker runs and writes .eml files). Not a test: it reports numbers.
#
#   scripts/bench.sh [seconds] [connections]     defaults: 15 s, 8 connections
set -euo pipefail
source "$(dirname "$0")/lib.sh"
secs=${1:-15}
conns=${2:-8}
command -v wrk >/dev/null || apt_install wrk
cd "$ROOT"
[ -x target/release/vestibule ] || cargo leptos build --release

work=$(mktemp -d /tmp/vestibule-bench.XXXXXX)
server=
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
bench_start_server "sqlite://$work/vestibule.db" "$work"
server=$BENCH_PID
base=$BENCH_BASE
cookie=$(bench_admin_cookie "sqlite://$work/vestibule.db" "$work")

say "create invite: $conns connections, $secs s, release build, SQLite"
COOKIE="$cookie" ORIGIN="$base" wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$ROOT/bench/create_invite.lua" "$base" | tee "$work/wrk.txt"
created=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM invites").fetchone()[0])' "$work/vestibule.db")
say "invites in the database: $created"

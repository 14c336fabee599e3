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
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(free_port)
base="http://127.0.0.1:$port"
export VESTIBULE_DATABASE_URL="sqlite://$work/vestibule.db" VESTIBULE_DATA_DIR="$work" \
    VESTIBULE_PUBLIC_URL="$base" VESTIBULE_LISTEN="127.0.0.1:$port" VESTIBULE_SITE_ROOT="$ROOT/target/site" \
    VESTIBULE_MAIL_TRANSPORT=file VESTIBULE_LOG=warn
target/release/vestibule serve >"$work/server.log" 2>&1 &
server=$!
wait_for_http "$base/healthz" 30 || { cat "$work/server.log"; die "the server did not start"; }

link=$(target/release/vestibule admin bootstrap --email bench@example.com --name Bench 2>/dev/null | grep -o 'http[^ ]*/set-password/[A-Za-z0-9_-]*')
token=${link##*/}
curl -fsS -o /dev/null -H "Origin: $base" --data "token=$token&password=benchmark-password&confirm=benchmark-password" "$base/api/set_password"
cookie=$(curl -fsS -D - -o /dev/null -H "Origin: $base" --data "email=bench@example.com&password=benchmark-password" "$base/api/sign_in" \
    | tr -d '\r' | awk -F'[ ;]' 'tolower($1) == "set-cookie:" { print $2 }')
[ -n "$cookie" ] || die "could not sign in"

say "create invite: $conns connections, $secs s, release build, SQLite"
COOKIE="$cookie" ORIGIN="$base" wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$ROOT/bench/create_invite.lua" "$base" | tee "$work/wrk.txt"
created=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM invites").fetchone()[0])' "$work/vestibule.db")
say "invites in the database: $created"

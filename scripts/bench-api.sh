#!/usr/bin/env bash
# Invite creation through the REST API with a key against the panel's server function with
# a session, on the release build, same wrk settings, alternating in one sitting (compare
# within one run, not across days). Not a test: it reports numbers.
#
#   scripts/bench-api.sh [seconds] [connections] [rounds]   defaults: 10 s, 8, 3   (SQLite)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
secs=${1:-10}
conns=${2:-8}
rounds=${3:-3}
command -v wrk >/dev/null || apt_install wrk
cd "$ROOT"
[ -x target/release/vestibule ] || cargo leptos build --release

work=$(mktemp -d /tmp/vestibule-bench-api.XXXXXX)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

db_url="sqlite://$work/vestibule.db"
bench_start_server "$db_url" "$work"
server=$BENCH_PID
cookie=$(bench_admin_cookie "$db_url" "$work")
key=$(VESTIBULE_DATABASE_URL="$db_url" VESTIBULE_DATA_DIR="$work" \
    "$ROOT/target/release/vestibule" api-key create --name bench --scopes invitations:write 2>/dev/null \
    | grep -o 'vsk_[A-Za-z0-9_-]*')
[ -n "$key" ] || die "could not create an API key"

run() {
    local what=$1 lua=$2 prefix=$3
    PREFIX="$prefix" COOKIE="$cookie" ORIGIN="$BENCH_BASE" KEY="$key" \
        wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$ROOT/bench/$lua" "$BENCH_BASE" >"$work/wrk.txt"
    awk -v what="$what" '/^Requests\/sec:/ { rate = $2 } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 }
        /^non-200 answers:/ { failed = $3 }
        END { printf "%-26s %8.0f creates/s   p50 %-8s p99 %-8s failed %d\n", what, rate, p50, p99, failed }' "$work/wrk.txt"
}

say "create invite, $conns connections, $secs s a run, $rounds rounds (SQLite, one process)"
for r in $(seq 1 "$rounds"); do
    run "panel (server function)" create_invite.lua "p$r"
    run "REST API (key)" create_invite_api.lua "a$r"
done
say "invites in the database: $(bench_sql "$db_url" "SELECT COUNT(*) FROM invites")"

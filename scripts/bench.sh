#!/usr/bin/env bash
# Load benchmark of the two hot flows through the app's own HTTP interface, on the release
# build. Not a test: it reports numbers.
#  - create invite, as a signed-in admin: each invite commits with its outbox job and audit
#    rows while the mail worker sends (the `file` transport writes .eml files);
#  - accept + sign-up: each request accepts a different invite with the link from its email
#    and a new password (one argon2id hash each), as invitees would.
# SQLite: one server, then the storage floor of the create transaction
# (bench/storage_floor.py). PostgreSQL: two server processes on one database (a throwaway
# cluster), half the connections on each, as a deployment that outgrew one machine runs.
#
#   scripts/bench.sh [seconds] [connections] [sqlite|postgres|both]   defaults: 15 s, 8, both
#
# BENCH_LOG sets the servers' VESTIBULE_LOG; with sqlx's statement lines in it
# (BENCH_LOG=warn,sqlx::query=debug) the script also prints where the create load's database
# time went, statement by statement (bench/statement_times.py).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
secs=${1:-15}
conns=${2:-8}
backends=${3:-both}
[ "$backends" = both ] && backends="sqlite postgres"
command -v wrk >/dev/null || apt_install wrk
# PostgreSQL for the throwaway cluster (skipped when already there).
[ "$backends" = sqlite ] || bash "$ROOT/scripts/bootstrap.sh" --test >/dev/null
cd "$ROOT"
[ -x target/release/vestibule ] || cargo leptos build --release
# The sign-up bound: the server's own argon2id hasher on every core (built before any load).
cargo build --release -q -p domain --example argon2_rate

work=$(mktemp -d /tmp/vestibule-bench.XXXXXX)
chmod 755 "$work"
servers=()
cleanup() {
    kill "${servers[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    bash "$ROOT/scripts/pg.sh" stop "$work/pg" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# One SQL answer, from the backend in use.
sql() { bench_sql "$db_url" "$1"; }

# load LUA PARTS...: runs wrk with LUA against every server at once, the connections split
# between them, $secs seconds; each PARTS file (or "-") goes to its server's wrk as TOKENS.
# Prints each wrk report, then the summed rate and failures.
load() {
    local lua=$1 i=0 per=$((conns / ${#bases[@]})) pids=()
    shift
    for base in "${bases[@]}"; do
        TOKENS="${1:--}" THREADS=2 PREFIX="$i" COOKIE="$cookie" ORIGIN="$base" \
            wrk -t2 -c"$per" -d"${secs}s" --latency -s "$ROOT/bench/$lua" "$base" >"$work/wrk.$i.txt" &
        pids+=($!)
        i=$((i + 1))
        shift || true
    done
    wait "${pids[@]}"
    cat "$work"/wrk.*.txt
    awk '/^Requests\/sec:/ { rate += $2 } /^non-200 answers:/ { failed += $3 }
         END { printf "all servers: %.0f requests/s, %d non-200 answers\n", rate, failed }' "$work"/wrk.*.txt
    rm -f "$work"/wrk.*.txt
}

for backend in $backends; do
    dir="$work/$backend"
    mkdir -p "$dir"
    if [ "$backend" = sqlite ]; then
        db_url="sqlite://$dir/vestibule.db"
        processes=1
    else
        pg=$(bash "$ROOT/scripts/pg.sh" start "$work/pg" "$(free_port)")
        psql -q "$pg/postgres" -c "CREATE DATABASE bench"
        db_url="$pg/bench"
        processes=2
    fi
    # The servers share the data folder, so they share the server key (links made by one
    # open on the other) and write their emails side by side.
    bases=()
    for i in $(seq 1 "$processes"); do
        bench_start_server "$db_url" "$dir" "server.$i.log"
        servers+=("$BENCH_PID")
        bases+=("$BENCH_BASE")
        [ "$i" = 1 ] && cookie=$(bench_admin_cookie "$db_url" "$dir")
    done

    say "$backend, $processes server process(es): create invite, $conns connections, $secs s"
    load create_invite.lua
    say "invites in the database: $(sql "SELECT COUNT(*) FROM invites")"
    if grep -qa "elapsed_secs=" "$dir/server.1.log"; then
        say "the create load's statements, on the first server (bench/statement_times.py)"
        python3 "$ROOT/bench/statement_times.py" "$dir/server.1.log"
    fi

    if [ "$backend" = sqlite ]; then
        # The same transaction without the server around it: what SQLite alone allows here.
        say "storage floor (bench/storage_floor.py)"
        python3 "$ROOT/bench/storage_floor.py" "$dir/vestibule.db" 4000
    fi

    say "waiting for the mail workers to send the run's emails"
    for _ in $(seq 1 600); do
        unsent=$(sql "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
        [ "$unsent" = 0 ] && break
        sleep 0.5
    done
    [ "$unsent" = 0 ] || die "$unsent emails still unsent"
    python3 "$ROOT/bench/link_tokens.py" "$dir/mail" >"$work/tokens.txt"
    # Each server's wrk gets its own share of the links, so no link is used twice.
    split -n "r/$processes" -d "$work/tokens.txt" "$work/tokens."
    # The machine's speed drifts within minutes, so the bound is measured right before and
    # right after the load, with the servers idle, and the load is read against both.
    say "the bound for sign-ups on this machine, with the servers idle, before the load"
    target/release/examples/argon2_rate 5
    say "$backend: accept + sign-up, $conns connections, $secs s, $(wc -l <"$work/tokens.txt") links"
    load accept_invite.lua "$work"/tokens.0*
    say "invites accepted in the database: $(sql "SELECT COUNT(*) FROM invites WHERE accepted_at IS NOT NULL")"
    say "the bound again, after the load"
    target/release/examples/argon2_rate 5
    kill "${servers[@]}" 2>/dev/null || true
    wait "${servers[@]}" 2>/dev/null || true
    servers=()
    # The SQLite writer logs its commits when it closes: how many writes shared each.
    grep -ah "the SQLite writer closed" "$dir"/server.*.log | sed 's/\x1b\[[0-9;]*m//g' || true
done

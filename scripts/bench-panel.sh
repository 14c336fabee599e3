#!/usr/bin/env bash
# Benchmark of the admin panel at scale (not a test: it reports numbers). For SQLite and
# PostgreSQL: seeds N invites (default 1,000,000) with `vestibule seed`, then measures
#  - the list_invites server function over HTTP (release build, signed-in admin, wrk with 2
#    connections) for the first page and a deep page (halfway through the matching rows, by
#    keyset cursor) of several filtered lists: p50/p95 in milliseconds;
#  - a bulk import of 10,000 CSV rows (`vestibule import`, beside the running server);
# and once, the release WASM + JS + CSS, gzipped.
#
#   scripts/bench-panel.sh [invites] [seconds per case] [sqlite|postgres|both]
#                                                  defaults: 1000000, 5, both
set -euo pipefail
source "$(dirname "$0")/lib.sh"
invites=${1:-1000000}
secs=${2:-5}
backends=${3:-both}
[ "$backends" = both ] && backends="sqlite postgres"
command -v wrk >/dev/null || apt_install wrk
bash "$ROOT/scripts/bootstrap.sh" --test >/dev/null
cd "$ROOT"
[ -x target/release/vestibule ] || cargo leptos build --release

work=$(mktemp -d /tmp/vestibule-bench-list.XXXXXX)
chmod 755 "$work"
BENCH_PID=
cleanup() {
    kill $BENCH_PID 2>/dev/null || true
    wait 2>/dev/null || true
    bash "$ROOT/scripts/pg.sh" stop "$work/pg" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
results="$ROOT/target/bench-panel.txt"
: >"$results"

# One SQL answer, from the backend in use.
sql() { bench_sql "$db_url" "$1"; }

# case LABEL BODY WHERE ORDER: measures the first page, then the page after the row
# halfway through the matches (found with OFFSET here, once; the app itself never offsets).
run_case() {
    local label=$1 body=$2 where=$3 order=$4 matches deep line
    matches=$(sql "SELECT COUNT(*) FROM invites i WHERE $where")
    deep=$(sql "SELECT i.id FROM invites i WHERE $where ORDER BY $order LIMIT 1 OFFSET $((matches / 2))")
    for page in first deep; do
        local b=$body
        [ "$page" = deep ] && b="$body&after=$deep"
        line=$(COOKIE="$cookie" ORIGIN="$BENCH_BASE" BODY="$b" \
            wrk -t1 -c2 -d"${secs}s" -s "$ROOT/bench/list_page.lua" "$BENCH_BASE" | grep '^RESULT')
        printf '%-9s | %-38s | %-5s | %9s | %s\n' "$backend" "$label" "$page" "$matches" "${line#RESULT }" | tee -a "$results"
    done
}

for backend in $backends; do
    dir="$work/$backend"
    mkdir -p "$dir"
    if [ "$backend" = sqlite ]; then
        db_file="$dir/vestibule.db"
        db_url="sqlite://$db_file"
    else
        pg=$(bash "$ROOT/scripts/pg.sh" start "$work/pg" "$(free_port)")
        psql -q "$pg/postgres" -c "CREATE DATABASE bench"
        db_url="$pg/bench"
    fi
    # The admin first: `admin bootstrap` is for empty workspaces only.
    bench_start_server "$db_url" "$dir"
    cookie=$(bench_admin_cookie "$db_url" "$dir")
    say "$backend: seeding $invites invites"
    seed_started=$(date +%s.%N)
    VESTIBULE_DATABASE_URL="$db_url" VESTIBULE_DATA_DIR="$dir" VESTIBULE_LOG=warn \
        target/release/vestibule seed --invites "$invites"
    echo "$backend seed of $invites invites: $(python3 -c "import sys; print(round($(date +%s.%N) - $seed_started, 1))") s" | tee -a "$results"
    now=$(($(date +%s) * 1000))
    design=$(sql "SELECT id FROM teams WHERE name = 'Design'")
    say "$backend: list pages, 2 connections, $secs s each"
    run_case "all, newest first" "" "1 = 1" "i.created_at DESC, i.id DESC"
    run_case "pending, newest first" "status=pending" "i.state = 0 AND i.expires_at > $now" "i.created_at DESC, i.id DESC"
    run_case "expired Analysts, newest first" "status=expired&role=analyst" \
        "i.state = 0 AND i.expires_at <= $now AND i.role_id = 'analyst'" "i.created_at DESC, i.id DESC"
    run_case "accepted, by email A-Z" "status=accepted&sort=email" "i.state = 1" "i.email ASC, i.id ASC"
    run_case "team Design, by expiry" "team=$design&sort=expires" \
        "EXISTS (SELECT 1 FROM invite_teams t WHERE t.invite_id = i.id AND t.team_id = '$design')" "i.expires_at DESC, i.id DESC"
    run_case "email failed, newest first" "delivery=failed" "i.delivery = 'failed'" "i.created_at DESC, i.id DESC"
    run_case "email starts with \"ada.s\"" "q=ada.s&mode=prefix" "i.email >= 'ada.s' AND i.email < 'ada.t'" "i.created_at DESC, i.id DESC"
    # Contains: a common text (walking the sort's index finds a page at once) and a rare one
    # (the trigram index).
    run_case "email contains \"kofi.chen\"" "q=kofi.chen" "i.email LIKE '%kofi.chen%'" "i.created_at DESC, i.id DESC"
    run_case "email contains \"77777@\"" "q=77777%40" "i.email LIKE '%77777@%'" "i.created_at DESC, i.id DESC"
    # Common overall, but only among the oldest fifth: a walk from the newest finds nothing.
    run_case "email contains \"chen1\" (none recent)" "q=chen1" "i.email LIKE '%chen1%'" "i.created_at DESC, i.id DESC"
    say "$backend: bulk import of 10,000 rows"
    python3 -c 'import sys
print("email,role,teams")
for i in range(10000): print(f"import{i}@bulk.example,Analyst,Design;Sales")' >"$dir/import.csv"
    started=$(date +%s.%N)
    VESTIBULE_DATABASE_URL="$db_url" VESTIBULE_DATA_DIR="$dir" VESTIBULE_LOG=warn \
        target/release/vestibule import --file "$dir/import.csv" --as bench@example.com 2>/dev/null | tail -1
    echo "$backend | import of 10,000 rows: $(python3 -c "print(round($(date +%s.%N) - $started, 2))") s" | tee -a "$results"
    kill $BENCH_PID; wait $BENCH_PID 2>/dev/null || true
    BENCH_PID=
done
size=$(cat target/site/pkg/vestibule.wasm target/site/pkg/vestibule.js target/site/pkg/vestibule.css | gzip -9 | wc -c)
echo "release WASM + JS + CSS, gzip -9: $size bytes" | tee -a "$results"
say "results (also in target/bench-panel.txt)"
cat "$results"

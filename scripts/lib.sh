# Shared helpers for the project scripts. Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
die() { printf '\033[31merror: %s\033[0m\n' "$*" >&2; exit 1; }

# The wasm-bindgen version pinned in Cargo.lock (the CLI must match it exactly).
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# Runs apt-get install for the packages given, updating the index once per script run.
apt_install() {
    command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
    if [ -z "${APT_UPDATED:-}" ]; then
        apt-get update -qq >/dev/null || die "apt-get update failed"
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits until URL answers 200, or fails after SECONDS.
wait_for_http() {
    local url=$1 seconds=${2:-60} i=0
    until curl -fsS -o /dev/null "$url" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -ge $((seconds * 5)) ] && return 1
        sleep 0.2
    done
}

# Benchmarks: starts the release server on a free port with database URL $1, data in
# folder $2 (its log there too, named $3, server.log by default); sets BENCH_BASE and BENCH_PID.
bench_start_server() {
    local db_url=$1 dir=$2 log=${3:-server.log} port
    port=$(free_port)
    BENCH_BASE="http://127.0.0.1:$port"
    VESTIBULE_DATABASE_URL="$db_url" VESTIBULE_DATA_DIR="$dir" VESTIBULE_PUBLIC_URL="$BENCH_BASE" \
        VESTIBULE_LISTEN="127.0.0.1:$port" VESTIBULE_SITE_ROOT="$ROOT/target/site" \
        VESTIBULE_MAIL_TRANSPORT=file VESTIBULE_LOG="${BENCH_LOG:-warn,domain::store::group_commit=info}" VESTIBULE_INVITES_PER_MINUTE=0 VESTIBULE_API_REQUESTS_PER_MINUTE=0 \
        "$ROOT/target/release/vestibule" serve >"$dir/$log" 2>&1 &
    BENCH_PID=$!
    wait_for_http "$BENCH_BASE/healthz" 60 || { cat "$dir/$log"; die "the server did not start"; }
}

# Benchmarks: creates the first admin on database $1 (data folder $2), signs in at
# $BENCH_BASE and prints the session cookie (name=value).
bench_admin_cookie() {
    local db_url=$1 dir=$2 link token cookie
    link=$(VESTIBULE_DATABASE_URL="$db_url" VESTIBULE_DATA_DIR="$dir" VESTIBULE_PUBLIC_URL="$BENCH_BASE" \
        "$ROOT/target/release/vestibule" admin bootstrap --email bench@example.com --name Bench 2>/dev/null \
        | grep -o 'http[^ ]*/set-password/[A-Za-z0-9_-]*')
    token=${link##*/}
    curl -fsS -o /dev/null -H "Origin: $BENCH_BASE" \
        --data "token=$token&password=benchmark-password&confirm=benchmark-password" "$BENCH_BASE/api/set_password" \
        || die "could not set the admin's password"
    cookie=$(curl -fsS -D - -o /dev/null -H "Origin: $BENCH_BASE" \
        --data "email=bench@example.com&password=benchmark-password" "$BENCH_BASE/api/sign_in" \
        | tr -d '\r' | awk -F'[ ;]' 'tolower($1) == "set-cookie:" { print $2 }')
    [ -n "$cookie" ] || die "could not sign in"
    echo "$cookie"
}

# Benchmarks: one SQL answer from database URL $1 (sqlite://FILE or postgres://...).
bench_sql() {
    case $1 in
    sqlite://*)
        python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print(r[0] if r else "")' "${1#sqlite://}" "$2"
        ;;
    *) psql -qtA "$1" -c "$2" ;;
    esac
}

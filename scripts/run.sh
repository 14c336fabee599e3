#!/usr/bin/env bash
# Builds Vestibule in release mode (installing missing build tools first) and runs it with
# the embedded defaults: SQLite under ./data, mail printed to this terminal, on
# http://127.0.0.1:3000. Arguments go to the vestibule binary, e.g.
#   scripts/run.sh                                        start the server
#   scripts/run.sh admin bootstrap --email you@example.com   create the first admin
#   scripts/run.sh --help                                 every setting
# Settings can also come from the environment or a .env file in the project folder.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$ROOT/scripts/bootstrap.sh" >/dev/null || bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
# Starting the server builds first (a quick no-op when nothing changed, apart from the
# WASM post-processing); other subcommands reuse the built binary when there is one.
build=1
case "${1:-serve}" in serve | -*) ;; *) [ -x "$ROOT/target/release/vestibule" ] && build=0 ;; esac
if [ -z "${VESTIBULE_SKIP_BUILD:-}" ] && [ "$build" = 1 ]; then
    say "building (release)"
    cargo leptos build --release 2>&1 | grep -vE '^\s+(Compiling|Checking)' || die "the build failed"
fi
export VESTIBULE_SITE_ROOT="${VESTIBULE_SITE_ROOT:-$ROOT/target/site}"
exec "$ROOT/target/release/vestibule" "$@"

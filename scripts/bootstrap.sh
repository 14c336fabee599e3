#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Vestibule needs, skipping whatever is
# already there. Safe to run again and again.
#
#   scripts/bootstrap.sh          build tools: wasm32 target, cargo-leptos, wasm-bindgen, wasm-opt
#   scripts/bootstrap.sh --test   also: Chromium, PostgreSQL, nginx, openssl, systemd-analyze,
#                                 Playwright, the SMTP sink and the Python test libraries
set -euo pipefail
source "$(dirname "$0")/lib.sh"

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs) first"

say "Rust target wasm32-unknown-unknown"
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    ok "already installed"
else
    rustup target add wasm32-unknown-unknown || die "rustup could not add the wasm32-unknown-unknown target"
fi

say "cargo-leptos 0.3.8"
if cargo leptos --version 2>/dev/null | grep -q '0\.3\.8'; then
    ok "already installed"
else
    # --locked: newer dependency releases need a newer rustc than this toolchain.
    echo "    installing (about 12 minutes on 2 cores, once per machine)"
    cargo install cargo-leptos@0.3.8 --locked || die "could not install cargo-leptos 0.3.8"
fi

wbg=$(wasm_bindgen_version)
[ -n "$wbg" ] || die "cannot find the wasm-bindgen version in Cargo.lock"
say "wasm-bindgen-cli $wbg (must equal the wasm-bindgen crate in Cargo.lock)"
if wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$"; then
    ok "already installed"
else
    # Without --locked: its lock file names a webpki-roots release the registry does not serve.
    cargo install wasm-bindgen-cli --version "$wbg" || die "could not install wasm-bindgen-cli $wbg"
fi

say "Node.js and npm"
if command -v node >/dev/null && command -v npm >/dev/null; then
    ok "node $(node --version), npm $(npm --version)"
else
    apt_install nodejs npm
fi

say "npm packages in end2end/ (wasm-opt from binaryen, Playwright, maildev)"
lock="$ROOT/end2end/package-lock.json"
stamp="$ROOT/end2end/node_modules/.installed-lock"
if [ -f "$stamp" ] && cmp -s "$lock" "$stamp"; then
    ok "already installed"
else
    # The browser comes from Debian; Playwright must not try to download its own.
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) \
        || die "npm ci in end2end/ failed"
    cp "$lock" "$stamp"
fi
wasm-opt --version >/dev/null 2>&1 || die "wasm-opt is missing from end2end/node_modules/.bin (binaryen)"

if [ "$want_test" = 1 ]; then
    say "Chromium (Debian)"
    if [ -x /usr/bin/chromium ]; then
        ok "$(/usr/bin/chromium --version 2>/dev/null | head -1)"
    else
        apt_install chromium
    fi

    say "PostgreSQL server"
    if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        ok "$(ls -d /usr/lib/postgresql/*/ | head -1)"
    else
        apt_install postgresql
    fi
    command -v curl >/dev/null || apt_install curl

    say "nginx, openssl and systemd-analyze (the deployment tests run deploy/ for real)"
    if [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null; then
        ok "$(nginx -v 2>&1)"
    else
        # The light build has what deploy/nginx/vestibule.conf uses (ssl, http2, upstream).
        apt_install nginx-light
    fi
    command -v openssl >/dev/null || apt_install openssl
    command -v systemd-analyze >/dev/null || apt_install systemd

    say "prometheus_client (the Prometheus project's parser, which reads /metrics in the tests)"
    if python3 -c "import prometheus_client" 2>/dev/null; then
        ok "already installed"
    else
        python3 -m pip install --quiet "prometheus_client==0.21.1" || die "could not install prometheus_client from PyPI"
    fi

    say "aiosmtpd (the SMTP sink that injects faults, scripts/smtp_sink.py)"
    if python3 -c "import aiosmtpd" 2>/dev/null; then
        ok "already installed"
    else
        python3 -m pip install --quiet "aiosmtpd==1.4.6" || die "could not install aiosmtpd from PyPI"
    fi

    say "standardwebhooks (the reference library the webhook tests verify signatures with)"
    if python3 -c "import standardwebhooks" 2>/dev/null; then
        ok "already installed"
    else
        python3 -m pip install --quiet "standardwebhooks==1.1.0" || die "could not install standardwebhooks from PyPI"
    fi

    say "schemathesis (property-based tests of the REST API against its OpenAPI document)"
    if python3 -m schemathesis.cli --version 2>/dev/null | grep -q "4.32.5"; then
        ok "already installed"
    else
        python3 -m pip install --quiet "schemathesis==4.32.5" || die "could not install schemathesis from PyPI"
    fi
fi
say "Tools ready"

#!/usr/bin/env bash
# Fuzzes the link-token parser, the CSV import and email normalisation with libFuzzer, for a
# bounded time per target. Separate from scripts/test.sh (which runs the seed corpora as
# ordinary tests).
#
#   scripts/fuzz.sh              60 seconds per target
#   scripts/fuzz.sh 600          ten minutes per target
#   scripts/fuzz.sh 30 csv       one target
#
# A failure leaves the input in fuzz/artifacts/<target>/; rerun it with
#   (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none <target> <file>)
# and, once fixed, copy it into fuzz/corpus/<target>/ so it stays a regression test.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
secs=${1:-60}
targets=${2:-"token email csv"}

say "cargo-fuzz"
if cargo fuzz --version >/dev/null 2>&1; then
    ok "$(cargo fuzz --version)"
else
    cargo install cargo-fuzz --locked || die "could not install cargo-fuzz"
fi

cd "$ROOT/fuzz"
# cargo-fuzz passes nightly-only -Z flags; this toolchain is stable. RUSTC_BOOTSTRAP lets
# stable rustc accept them. No sanitizer: the code under test is safe Rust, and libFuzzer's
# coverage guidance (which is what finds inputs) works without one.
export RUSTC_BOOTSTRAP=1
for t in $targets; do
    say "fuzzing $t for $secs s"
    # New inputs go to a scratch corpus; the committed seeds are only read.
    scratch="$ROOT/target/fuzz-corpus/$t"
    mkdir -p "$scratch"
    cargo fuzz run --sanitizer none "$t" "$scratch" "corpus/$t" -- -max_total_time="$secs" \
        || die "the $t target failed: see fuzz/artifacts/$t/"
    ok "$t: no failure in $secs s ($(ls "$scratch" | wc -l) inputs in its corpus)"
done

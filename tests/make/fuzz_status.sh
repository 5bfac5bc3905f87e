#!/bin/sh
# make fuzz's exit status: non-zero when a target crashes, even when a clean
# target runs after it; zero when every target is clean; a few lines of
# output per target either way. Uses the test-only targets
# tests/fuzz/fuzz_planted_crash.c and fuzz_planted_clean.c, built in
# build/fuzz like the real ones (the first run builds the instrumented
# library there, about a minute).
set -u
if ! tools/deps.sh check fuzz >/dev/null 2>&1; then
    echo "SKIP: make fuzz needs clang and libFuzzer (tools/deps.sh install fuzz)"
    exit 0
fi
# a make of its own, not a part of the make that runs the tests (whose
# BUILD, CFLAGS and SAN would otherwise come along in MAKEFLAGS)
unset MAKEFLAGS MFLAGS MAKELEVEL
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() {
    echo "FAIL: $*"
    tail -n 40 "$out"
    exit 1
}
# section NAME: the lines make fuzz printed for target NAME
section() {
    awk -v t="$1" '/^== fuzz / { on = ($3 == t); next } /^$/ { on = 0 } on' "$out"
}

make -j2 --no-print-directory fuzz FUZZ_TARGETS="planted_crash planted_clean" \
    FUZZ_SECONDS=2 >"$out" 2>&1 && fail "make fuzz exited 0 although planted_crash crashed"
grep -q '^FAILED planted_crash' "$out" || fail "no FAILED line for planted_crash"
grep -q '^ok planted_clean' "$out" || fail "the clean target after the crash did not run"
section planted_crash | grep -q 'heap-buffer-overflow.*fuzz_planted_crash.c' ||
    fail "the crash report does not say what and where"
[ "$(section planted_crash | wc -l)" -le 12 ] || fail "the crash report is not short"
[ "$(section planted_clean | wc -l)" -le 4 ] || fail "a clean run's output is not short"

make -j2 --no-print-directory fuzz FUZZ_TARGETS=planted_clean FUZZ_SECONDS=1 >"$out" 2>&1 ||
    fail "make fuzz failed on a clean target"
grep -q '^ok planted_clean' "$out" || fail "no ok line for planted_clean"
echo "make fuzz: non-zero on a planted crash, zero on a clean target"

#!/bin/sh
# run.sh BUILD - every test: the cmocka unit tests, the toml-test suite, the
# end-to-end scripts, against the binaries in BUILD, and the tests of the
# build itself (tests/make/). Exits non-zero if any failed, after running
# them all.
set -u
BUILD=${1:-build}
export SPENDTOP="$PWD/$BUILD/spendtop"
export BUILD
export SPENDTOP_FIXTURES="$PWD/tests/fixtures"
# sanitizer builds: fail on the first report, and check for leaks
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

failed=""
run() {
    name=$1; shift
    printf '== %s\n' "$name"
    if "$@"; then
        printf 'ok %s\n' "$name"
    else
        printf 'FAILED %s\n' "$name"
        failed="$failed $name"
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d|*.o) continue ;; esac
    run "$(basename "$t")" "$t"
done
run toml-test "$BUILD/tests/toml_suite" "$BUILD/tests/toml_decoder" \
    tests/fixtures/toml-test tests/toml-skips.txt
for e in tests/e2e/*.sh; do
    [ -f "$e" ] || continue
    run "e2e/$(basename "$e")" sh "$e"
done
# the build itself: the Makefile's flags, make fuzz's exit status
for m in tests/make/*.sh; do
    [ -f "$m" ] || continue
    run "make/$(basename "$m")" sh "$m"
done

if [ -n "$failed" ]; then
    printf '\nFAILED:%s\n' "$failed"
    exit 1
fi
printf '\nall tests passed\n'

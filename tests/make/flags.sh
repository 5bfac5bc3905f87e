#!/bin/sh
# The Makefile adds the caller's CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS, from
# the command line or the environment, to its own flags (-std=c11, the
# warnings, -Werror, the pkg-config flags) instead of replacing them; make
# check keeps its sanitizers and puts the caller's CFLAGS after its -O1.
# Checked on the commands `make -n` prints, so nothing is built.
set -u
# a make of its own, not a part of the make that runs the tests
unset MAKEFLAGS MFLAGS MAKELEVEL
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}
# all LABEL PATTERN WORD...: the printed commands matching PATTERN (at least
# one) each have every WORD, as a word of its own
all() {
    label=$1 pattern=$2
    shift 2
    sed 's/$/ /' "$dir/out" | grep -E -e "$pattern" >"$dir/lines" ||
        fail "$label: no command matches $pattern"
    for w in "$@"; do
        if grep -v -F -e " $w " "$dir/lines" >"$dir/missing"; then
            fail "$label: '$w' missing from: $(head -n 1 "$dir/missing")"
        fi
    done
}
none() { # none LABEL PATTERN WORD: no printed command matching PATTERN has WORD
    if sed 's/$/ /' "$dir/out" | grep -E -e "$2" | grep -F -e " $3 " >/dev/null; then
        fail "$1: '$3' is still there"
    fi
}

b=$dir/b
targets="$b/spendtop $b/tests/test_store"
pkg=$(pkg-config --cflags-only-I libcjson)
pkg_libs=$(pkg-config --libs-only-l libcjson)

for how in "command line" environment; do
    if [ "$how" = environment ]; then
        CFLAGS=-O0 CPPFLAGS=-DSPENDTOP_FLAGS_TEST LDFLAGS=-Wl,-z,now LDLIBS=-lrt \
            make -n V=1 BUILD="$b" $targets >"$dir/out" 2>&1 || fail "$how: make -n failed"
    else
        make -n V=1 BUILD="$b" CFLAGS=-O0 CPPFLAGS=-DSPENDTOP_FLAGS_TEST \
            LDFLAGS=-Wl,-z,now LDLIBS=-lrt $targets >"$dir/out" 2>&1 || fail "$how: make -n failed"
    fi
    # shellcheck disable=SC2086
    all "$how, compiling" ' -c -o ' -std=c11 -Wall -Wextra -Werror -O0 \
        -D_DEFAULT_SOURCE -DSPENDTOP_FLAGS_TEST $pkg
    # shellcheck disable=SC2086
    all "$how, linking" " -o $b/(spendtop|tests/test_store) " -std=c11 -Werror -O0 \
        -Wl,-z,now -lrt -lm $pkg_libs
    none "$how: CFLAGS replace the default -O2" ' -c -o ' -O2
done

# make check: its sanitizers and -O1, then the caller's CFLAGS (-B: print
# every command even where build/check is up to date)
make -n -B V=1 check CFLAGS=-O0 CPPFLAGS=-DSPENDTOP_FLAGS_TEST >"$dir/out" 2>&1 ||
    fail "make -n check failed"
all "make check" ' -c -o build/check/' -std=c11 -Werror -fsanitize=address,undefined \
    -DSPENDTOP_FLAGS_TEST
grep -F -e ' -c -o build/check/' "$dir/out" | grep -v -F -e '-O1 -g -O0 ' >"$dir/missing" &&
    fail "make check: not '-O1 -g -O0' in: $(head -n 1 "$dir/missing")"
echo "the caller's CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are added to the project's"

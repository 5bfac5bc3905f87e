#!/bin/sh
# lint.sh DIR - make lint, over every C file of the tree (new folders
# included; the build's own output excluded):
#
#   functions   pmccabe: the 10 longest and the 10 most complex functions,
#               then every function over MAX_LINES lines or a cyclomatic
#               complexity over MAX_COMPLEXITY (pmccabe's traditional count:
#               each case of a switch counts) not in tools/lint-allow.txt
#   cppcheck    warning, style, performance and portability checks
#   scan-build  clang's static analyzer over every program (make programs),
#               built afresh in DIR: it only sees what it compiles
#
# Each part runs even when an earlier one failed; the exit status is
# non-zero if any found anything. Reports are kept in DIR. MAKE is the make
# to build with (the Makefile passes its own).
set -u
DIR=${1:-build/lint}
MAKE=${MAKE:-make}
MAX_LINES=80
MAX_COMPLEXITY=25
ALLOW=tools/lint-allow.txt

rm -rf "$DIR"
mkdir -p "$DIR"
find . \( -name build -o -name .git \) -prune -o \( -name '*.c' -o -name '*.h' \) -print |
    sed 's|^\./||' | sort >"$DIR/files"
grep '\.c$' "$DIR/files" >"$DIR/c-files"

# pmccabe's lines: complexity (modified, traditional), statements, first
# line, lines, "file(line):", function; printed as file:line function
functions() {
    # shellcheck disable=SC2046
    pmccabe $(cat "$DIR/files") >"$DIR/pmccabe.txt" || return 1
    echo "== the 10 longest functions (lines)"
    sort -k5,5nr -k6,6 "$DIR/pmccabe.txt" | head -n 10 |
        awk '{ sub(/\(/, ":", $6); sub(/\):$/, "", $6); printf "  %4d  %s %s\n", $5, $6, $7 }'
    echo "== the 10 most complex functions (cyclomatic complexity)"
    sort -k2,2nr -k6,6 "$DIR/pmccabe.txt" | head -n 10 |
        awk '{ sub(/\(/, ":", $6); sub(/\):$/, "", $6); printf "  %4d  %s %s\n", $2, $6, $7 }'
    echo "== functions over $MAX_LINES lines or complexity $MAX_COMPLEXITY, not in $ALLOW"
    # allowed: FILE:FUNCTION, the first word of each line that is not a comment
    awk -v lines="$MAX_LINES" -v cc="$MAX_COMPLEXITY" -v out="$DIR/offenders" '
        FNR == NR { if ($1 !~ /^#/ && NF) allowed[$1] = 1; next }
        $5 > lines || $2 > cc {
            file = $6; sub(/\(.*/, "", file); at = $6; sub(/\):$/, "", at); sub(/.*\(/, "", at)
            key = file ":" $7
            if (key in allowed) { used[key] = 1; next }
            printf "  %s:%s %s: %d lines, complexity %d\n", file, at, $7, $5, $2
            n++
        }
        END {
            for (k in allowed) if (!(k in used)) print "  (note: " k " is allowed but no longer over the limits)"
            print n + 0 > out
        }' "$ALLOW" "$DIR/pmccabe.txt"
    [ "$(cat "$DIR/offenders")" -eq 0 ]
}

# The suppressed ids ask for the reentrant variants of getpwuid and strtok:
# spendtop has no threads. tools/cppcheck.cfg tells cppcheck what it cannot
# read in the system headers (cJSON's loop macro, cmocka's assertions).
cppcheck_all() {
    echo "== cppcheck"
    # shellcheck disable=SC2046
    cppcheck -q -j2 --std=c11 --enable=warning,style,performance,portability \
        --library=posix,gnu,libcurl,sqlite3,zlib,tools/cppcheck.cfg \
        --suppress=getpwuidCalled --suppress=strtokCalled --inline-suppr \
        --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
        --error-exitcode=1 -I. $(cat "$DIR/c-files") >"$DIR/cppcheck.txt" 2>&1
    status=$?
    sed 's/^/  /' "$DIR/cppcheck.txt"
    return $status
}

# scan-build: the analyzer's warnings (they name a checker: [core.…],
# [unix.…], [deadcode.…]) out of the build's output; the whole output and
# the HTML reports stay in DIR.
scan_build_all() {
    echo "== scan-build (building every program in $DIR)"
    case "${MAKEFLAGS:-}" in
        *jobserver*) jobs= ;; # the calling make shares its jobs
        *) jobs=-j2 ;;
    esac
    scan-build -o "$DIR/scan-build" --status-bugs \
        $MAKE $jobs --no-print-directory BUILD="$DIR" programs >"$DIR/scan-build.log" 2>&1
    status=$?
    grep -E ': warning: .*\[[a-z]+\.[A-Za-z.]+\]$' "$DIR/scan-build.log" | sort -u | sed 's/^/  /'
    if [ $status -ne 0 ] && ! grep -q 'bugs\? found' "$DIR/scan-build.log"; then
        echo "  the build failed:"
        tail -n 20 "$DIR/scan-build.log" | sed 's/^/  /'
    fi
    grep '^scan-build: .*bugs\? found' "$DIR/scan-build.log" | sed 's/^/  /'
    return $status
}

failed=""
functions || failed="$failed functions"
cppcheck_all || failed="$failed cppcheck"
scan_build_all || failed="$failed scan-build"
if [ -n "$failed" ]; then
    printf '\nlint FAILED:%s (reports in %s)\n' "$failed" "$DIR"
    exit 1
fi
printf '\nlint: clean\n'

#!/bin/sh
# run.sh DIR SECONDS TARGET... - make fuzz: run each libFuzzer target
# DIR/fuzz_TARGET for SECONDS over its checked-in seeds (tests/fuzz/
# corpus_TARGET/, read only) and what earlier runs found (DIR/corpus_TARGET/,
# where new inputs go). Every target runs; the exit status is non-zero if any
# crashed, leaked, hung or hit undefined behaviour.
#
# A target's whole output goes to DIR/fuzz_TARGET.log; the terminal gets two
# lines when it passed, and the report's headline, the top of its stack and
# the saved input (DIR/artifacts_TARGET/) when it failed.
set -u
DIR=$1
SECONDS_EACH=$2
shift 2

# the first sanitizer report: its headline and its stack down to where
# libFuzzer called the target; then its summary and where the input went
headline() {
    awk '/runtime error:|ERROR: / && !state { state = 1 }
         state == 1 && /in fuzzer::|^SUMMARY:|^MS: / { state = 2 }
         state == 1 && shown < 12 { print "  " $0; shown++ }' "$1"
    grep -E '^SUMMARY:|Test unit written to' "$1" | sed 's/^/  /'
}

# UBSan's report with its stack, like ASan's
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=""
for t in "$@"; do
    log=$DIR/fuzz_$t.log
    mkdir -p "$DIR/corpus_$t" "$DIR/artifacts_$t"
    seeds=tests/fuzz/corpus_$t
    [ -d "$seeds" ] || seeds=
    printf '== fuzz %s for %s s\n' "$t" "$SECONDS_EACH"
    # -timeout: an input slower than 10 s is a hang, reported as a failure
    # shellcheck disable=SC2086
    if "$DIR/fuzz_$t" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 \
        -artifact_prefix="$DIR/artifacts_$t/" "$DIR/corpus_$t" $seeds >"$log" 2>&1; then
        grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs' "$log" | sed 's/^/  /'
        printf 'ok %s\n' "$t"
    else
        headline "$log"
        input=$(sed -n 's/.*Test unit written to //p' "$log" | head -n 1)
        printf 'FAILED %s (the whole log: %s; run the input again: %s %s)\n' \
            "$t" "$log" "$DIR/fuzz_$t" "${input:-INPUT}"
        failed="$failed $t"
    fi
done

if [ -n "$failed" ]; then
    printf '\nfuzz FAILED:%s\n' "$failed"
    exit 1
fi

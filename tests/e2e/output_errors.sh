#!/bin/sh
# output_errors.sh - output that does not arrive is an error (issue 15.5):
# `--once --json` into a full disk (/dev/full) or a closed stdout, and
# --check-config and --version into /dev/full, exit 1 with a message on
# stderr, never 0 with nothing written. The same run into a file exits 0.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
# a source that reads (an empty export): a failed one is exit status 1 too
: > "$dir/spans.json"
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/spans*.json"
TOML
expect_1() { # WHAT - the last run exited $rc, said why in err.txt
    [ "$rc" = 1 ] || fail "$1 exited $rc"
    grep -q "cannot write the output" "$dir/err.txt" || fail "$1 said: $(cat "$dir/err.txt")"
}
once() { "$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" --no-hooks "$@"; }
rc=0; once > "$dir/out.json" 2>"$dir/err.txt" || rc=$?
[ "$rc" = 0 ] && [ -s "$dir/out.json" ] || fail "into a file: exit $rc"
rc=0; once > /dev/full 2>"$dir/err.txt" || rc=$?
expect_1 "--once --json > /dev/full"
grep -q "No space left" "$dir/err.txt" || fail "the reason: $(cat "$dir/err.txt")"
rc=0; once >&- 2>"$dir/err.txt" || rc=$?
expect_1 "--once --json with stdout closed"
# the database did not become "stdout": it still opens and holds no JSON
once > "$dir/again.json" 2>/dev/null || fail "the database after a closed stdout"
rc=0; "$SPENDTOP" --check-config -c "$dir/config.toml" > /dev/full 2>"$dir/err.txt" || rc=$?
expect_1 "--check-config > /dev/full"
rc=0; "$SPENDTOP" --version > /dev/full 2>"$dir/err.txt" || rc=$?
expect_1 "--version > /dev/full"
# spendtop prices: the table into /dev/full, a closed stdout, and a pipe
# closed by its reader (EPIPE: SIGPIPE is ignored) are errors too
rc=0; "$SPENDTOP" prices -c "$dir/config.toml" gpt-4o > /dev/full 2>"$dir/err.txt" || rc=$?
expect_1 "prices gpt-4o > /dev/full"
rc=0; "$SPENDTOP" prices -c "$dir/config.toml" gpt-4o >&- 2>"$dir/err.txt" || rc=$?
expect_1 "prices gpt-4o with stdout closed"
rc=0; "$SPENDTOP" prices -c "$dir/config.toml" gpt-4o > "$dir/prices.txt" 2>"$dir/err.txt" || rc=$?
[ "$rc" = 0 ] && grep -q gpt-4o "$dir/prices.txt" || fail "prices into a file: exit $rc"
echo "output_errors: ok"

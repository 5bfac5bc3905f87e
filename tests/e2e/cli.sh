#!/bin/sh
# cli.sh - the command line refuses what it cannot mean, by name, with exit
# status 2, before anything starts: two modes of README "Running it"
# (--check-config --daemon must not start a daemon).
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/none*.json"
TOML
# refused ARGS... FIRST SECOND - exit 2, one line naming both, no database
refused() {
    second=$1; first=$2; shift 2
    rc=0
    timeout 10 "$SPENDTOP" "$@" -c "$dir/config.toml" --db "$dir/state.db" --no-hooks \
        > "$dir/out.txt" 2> "$dir/err.txt" < /dev/null || rc=$?
    [ "$rc" = 2 ] || fail "$* exited $rc: $(cat "$dir/err.txt")"
    [ "$(wc -l < "$dir/err.txt")" = 1 ] || fail "$* said: $(cat "$dir/err.txt")"
    grep -q -e "$first and $second are different modes" "$dir/err.txt" \
        || fail "$* said: $(cat "$dir/err.txt")"
    [ ! -e "$dir/state.db" ] || fail "$* made the database"
}
refused --daemon --check-config --check-config --daemon
refused --daemon --once --once --daemon
refused --once --daemon --daemon --once
refused --once --demo --demo --once
refused --check-config --once --once --json --check-config
refused --demo --daemon --daemon --demo
refused prices --once --once prices
refused --once prices prices --once
refused --daemon prices prices --unpriced --daemon
# the dashboard with no terminal: exit 2, one line, before anything opens
# (it made the database and left its handles: "event loop closed with
# handles still open")
rc=0
timeout 10 "$SPENDTOP" -c "$dir/config.toml" --db "$dir/state.db" --no-hooks \
    > "$dir/out.txt" 2> "$dir/err.txt" < /dev/null || rc=$?
[ "$rc" = 2 ] || fail "the dashboard without a terminal exited $rc"
[ "$(wc -l < "$dir/err.txt")" = 1 ] && grep -q "needs a terminal" "$dir/err.txt" \
    || fail "the dashboard without a terminal said: $(cat "$dir/err.txt")"
[ ! -e "$dir/state.db" ] || fail "the dashboard without a terminal made the database"
# one mode given twice is still that mode
"$SPENDTOP" --check-config --check-config -c "$dir/config.toml" > /dev/null \
    || fail "--check-config twice"
# --version names the database schema it reads (what a "newer spendtop"
# refusal names)
"$SPENDTOP" --version | grep -qE '^spendtop [0-9][0-9.]* \(database schema [0-9]+\)$' \
    || fail "--version said: $("$SPENDTOP" --version)"
echo "cli: ok"

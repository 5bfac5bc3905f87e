#!/bin/sh
# status_stale.sh - the daemon's SIGUSR1 status says a source is stale as
# the dashboard's header and the source_stale alert do: a file source whose
# file is there and stays empty has no new data; past stale_after (10 s,
# the least)
# the status says "stale", not "ok". Bounded polling, no sleeps as
# synchronisation.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib/daemon.sh"
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; tail -20 "$dir/daemon.err"; exit 1; }
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/spans-*.json"

[alerts]
stale_after = "10s"
TOML
: > "$dir/spans-1.json"
"$SPENDTOP" --daemon --no-hooks -c "$dir/config.toml" --db "$dir/state.db" 2> "$dir/daemon.err" &
pid=$!
await_line "$dir/daemon.err" "collecting from" || fail "the daemon did not start"
# ask until the status says stale: at most 60 s (stale from 10 s on)
i=0
until grep -q "status: source spans (otel_file): stale" "$dir/daemon.err"; do
    i=$((i + 1)); [ $i -lt 120 ] || fail "SIGUSR1 never said stale"
    kill -USR1 $pid
    sleep 0.5
done
# and not at first: the first answer, right after the start, said ok
grep -m1 "status: source spans (otel_file): " "$dir/daemon.err" | grep -q ": ok, " \
    || fail "stale from the start: $(grep -m1 'status: source spans' "$dir/daemon.err")"
kill -TERM $pid
wait $pid || fail "the daemon's exit"
pid=""
echo "status_stale: ok"

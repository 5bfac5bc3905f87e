#!/bin/sh
# kill9.sh - exactly once under kill -9 with a retrying exporter.
#
# A client (kill9_client.py) sends batches of spans and resends each one
# until it is answered 200, as OTel exporters do. The daemon is killed with
# SIGKILL again and again (KILLS times, 20 by default), each time once it
# has acknowledged something since its start, at a moment the client is
# usually mid-batch: some batches are stored with their 200 lost, and come
# again after the restart. At the end the store must hold every
# acknowledged span exactly once: none lost, none doubled.
set -eu
KILLS=${KILLS:-20}
PER=10
dir=$(mktemp -d)
pid=""
cpid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "$cpid" ] && kill $cpid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; tail -5 "$dir/daemon.err" 2>/dev/null; exit 1; }
now=1795176000
. "$(dirname "$0")/lib/daemon.sh"
port=$(free_port)
echo "$port" > "$dir/port"
cat > "$dir/config.toml" <<TOML
[[source]]
name = "otlp"
type = "otlp_http"
listen = "127.0.0.1:$port"
TOML
acked() { cat "$dir/acked" 2>/dev/null || echo 0; }
start() {
    : > "$dir/daemon.err"
    "$SPENDTOP" --daemon --no-hooks -c "$dir/config.toml" --db "$dir/state.db" \
        --now "$now" 2>>"$dir/daemon.err" &
    pid=$!
    await_line "$dir/daemon.err" "listening on" || fail "the receiver did not start"
}

python3 tests/e2e/kill9_client.py "$dir/port" "$dir/acked" "$dir/stop" $PER $((now - 600)) \
    > "$dir/client.out" &
cpid=$!
start
k=0
while [ $k -lt $KILLS ]; do
    before=$(acked)
    i=0
    until [ "$(acked)" -gt "$before" ]; do   # it has stored something
        i=$((i + 1)); [ $i -lt 1200 ] || fail "no batch acknowledged in 60 s"; sleep 0.05
    done
    # then kill at some point of the next batches (jitter, not a sync)
    sleep "0.0$(od -An -N1 -tu1 /dev/urandom | tr -d ' ' | cut -c1)"
    kill -9 $pid
    wait $pid 2>/dev/null || true
    k=$((k + 1))
    start
done
touch "$dir/stop"
wait $cpid || fail "the client failed"
cpid=""
kill -9 $pid
wait $pid 2>/dev/null || true
pid=""
read -r spans retries < "$dir/client.out"
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" --now "$now" \
    > "$dir/out.json" 2>"$dir/once.err" || fail "--once: $(cat "$dir/once.err")"
python3 - "$dir/out.json" "$spans" <<'PY' || fail "not exactly once"
import json, sys
out = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
got = sum(m["requests"] for m in out["models"])
assert got == want, "%d spans stored, %d acknowledged" % (got, want)
PY
echo "kill9: $KILLS kills, $spans spans acknowledged ($retries resends), each counted once"

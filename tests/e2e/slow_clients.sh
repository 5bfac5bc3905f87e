#!/bin/sh
# slow_clients.sh - slow clients cannot starve the OTLP/HTTP receiver
# (issue 15.8): with its descriptors limited to 1,024 (ulimit -n), 1,200
# connections trickling a request head a byte every 2 s, and 30 exports on
# fresh connections beside them: every export gets 200 and is stored, and
# every slow connection is closed (the head deadline, or making room).
set -eu
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; [ -f "$dir/daemon.err" ] && tail -5 "$dir/daemon.err"; exit 1; }
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 2048 ] ||
    { echo "slow_clients: skipped (the hard descriptor limit is $(ulimit -Hn))"; exit 0; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$dir/config.toml" <<TOML
[[source]]
name = "otlp"
type = "otlp_http"
listen = "127.0.0.1:$port"
TOML
(ulimit -n 1024; exec "$SPENDTOP" --daemon --no-hooks -c "$dir/config.toml" --db "$dir/state.db" \
    --now 2026-11-20T12:00:00Z 2>"$dir/daemon.err") &
pid=$!
i=0
until grep -q "listening on" "$dir/daemon.err"; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the receiver did not start"; sleep 0.1
done
sent=$( (ulimit -n 2048; python3 tests/e2e/slow_clients.py "$port") 2>"$dir/client.err") ||
    fail "$(tail -1 "$dir/client.err")"
kill $pid
wait $pid 2>/dev/null || true
pid=""
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" \
    --now 2026-11-20T12:00:00Z > "$dir/out.json" 2>/dev/null
got=$(python3 -c 'import json, sys; print(sum(m["requests"] for m in json.load(open(sys.argv[1]))["models"]))' "$dir/out.json")
[ "$got" = "$sent" ] || fail "$sent exports answered 200, $got stored"
echo "slow_clients: ok"

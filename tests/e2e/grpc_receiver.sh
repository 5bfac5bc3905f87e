#!/bin/sh
# grpc_receiver.sh - the otlp_http source's OTLP/gRPC side (grpc_listen)
# against a real gRPC client, @grpc/grpc-js (pinned by
# tests/e2e/exporters/package-lock.json): the three services' Export, gzip,
# RESOURCE_EXHAUSTED above max_body (plain and inflated), INVALID_ARGUMENT,
# UNIMPLEMENTED, and a database that refuses writes (another connection
# holds its write lock): UNAVAILABLE, then OK on the retry. The daemon is
# then killed with SIGKILL and the snapshot holds every accepted record
# once. Skipped, saying why, without node, npm or the registry.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP e2e/grpc_receiver.sh: $1"; exit 0; }
nm=$(sh "$here/lib/npm_install.sh" "$here/exporters" 2>&1) || skip "$nm"
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; [ -f "$dir/daemon.err" ] && tail -5 "$dir/daemon.err"; exit 1; }
. "$here/lib/daemon.sh"
start_receiver "$dir" 'max_body = 100000
tenant_attribute = "tenant.id"
' || fail "the receiver did not start"
NODE_PATH=$nm node "$here/exporters/grpc_calls.cjs" "$gport" "$dir/state.db" || fail "the gRPC calls"
kill -9 $pid   # no clean shutdown: every OK must be on disk already
wait $pid 2>/dev/null || true
pid=""
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" > "$dir/out.json" \
    2>/dev/null || fail "--once --json"
python3 - "$dir/out.json" <<'PY' || fail "the snapshot does not show what was accepted, once"
import json, sys
out = json.load(open(sys.argv[1]))
# the span 1000 (300 cached), the event 100 + 1000 read, the metrics 10 + 500 read
got = (out["cache"]["input_tokens"], out["cache"]["cache_read_tokens"])
assert got == (1000 + 1100 + 510, 300 + 1000 + 500), got
models = {m["model"]: m["requests"] for m in out["models"]}
assert models == {"gpt-4o-mini": 1, "claude-haiku-4-5": 1}, models
PY
echo "grpc_receiver: ok"

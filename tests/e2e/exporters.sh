#!/bin/sh
# exporters.sh - real OpenTelemetry JS exporters, configured as a user
# would, send known usage to a running receiver; --once --json must then
# report it exactly. The senders (tests/e2e/exporters/send.cjs, packages
# pinned by its package-lock.json, installed by tests/e2e/lib/npm_install.sh
# into a cache outside the repository):
#   - @opentelemetry/exporter-{trace,logs,metrics}-otlp-{http,proto,grpc}
#     (JSON, protobuf and gRPC; gRPC to the source's grpc_listen)
#   - @opentelemetry/sdk-node with OTEL_EXPORTER_OTLP_PROTOCOL unset (its
#     default: http/protobuf) and all three signals on
#   - one session's Claude Code event and its DELTA token metrics: the same
#     usage twice, counted once
# Skipped, saying why, without node, npm or the registry.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP e2e/exporters.sh: $1"; exit 0; }
nm=$(sh "$here/lib/npm_install.sh" "$here/exporters" 2>&1) || skip "$nm"
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; [ -f "$dir/daemon.err" ] && tail -5 "$dir/daemon.err"; exit 1; }
. "$here/lib/daemon.sh"
start_receiver "$dir" 'tenant_attribute = "tenant.id"
' || fail "the receiver did not start"
NODE_PATH=$nm node "$here/exporters/send.cjs" exporters "$port" "$gport" \
    || fail "the exporters (see above)"
# sdk-node as configured by the environment only: no protocol set
env -u OTEL_EXPORTER_OTLP_PROTOCOL OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" \
    OTEL_TRACES_EXPORTER=otlp OTEL_LOGS_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp \
    NODE_PATH=$nm node "$here/exporters/send.cjs" sdk-node || fail "sdk-node"
# Claude Code's way: one session's event and its metrics, counted once
NODE_PATH=$nm node "$here/exporters/send.cjs" claude-code "$port" || fail "claude-code"
kill -TERM $pid
wait $pid || fail "the daemon did not stop cleanly"
pid=""
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" > "$dir/out.json" \
    2>/dev/null || fail "--once --json"
python3 - "$dir/out.json" "$gport" <<'PY' || fail "the snapshot does not show what was sent"
import json, sys
out = json.load(open(sys.argv[1]))
protocols = ["http", "proto", "grpc"]
n = len(protocols) + 1                         # + sdk-node
def check(cond, what):
    if not cond:
        print("FAIL:", what, json.dumps(out, indent=1)[:3000], file=sys.stderr)
        sys.exit(1)
# every sender: a span (1000 in, 300 cached), an event (100 + 1000 read),
# metrics (10 + 500 read); all of them report their cache reads
# (+ claude-code: its event, 100 + 1000 read)
check(out["cache"]["input_tokens"] == n * (1000 + 1100 + 510) + 1100, "input tokens")
check(out["cache"]["cache_read_tokens"] == n * (300 + 1000 + 500) + 1000, "cache reads")
models = {m["model"]: m for m in out["models"]}
check(models["gpt-4o-mini"]["requests"] == n, "one request per span")
check(models["claude-haiku-4-5"]["requests"] == n + 1, "one request per event, none from metrics")
usd = {t["tenant"]: t["window_usd"] for t in out["tenants"]}
want = {}
for sig in ["traces", "logs", "metrics"]:
    first = usd.get("%s-%s" % (sig, protocols[0]))
    check(first is not None and first > 0, "%s-%s counted" % (sig, protocols[0]))
    want[sig] = first
    for p in protocols[1:]:
        got = usd.get("%s-%s" % (sig, p))
        check(got is not None and abs(got - first) < 1e-12, "%s-%s: %r vs %r" % (sig, p, got, first))
check(abs(usd.get("sdk-node", 0) - sum(want.values())) < 1e-12, "sdk-node: every signal")
# the event and the metrics of one session: the same usage, once
check(abs(usd.get("claude-code", 0) - want["logs"]) < 1e-12, "claude-code: counted once")
check(len(usd) == 3 * len(protocols) + 2, "no other tenant: %r" % sorted(usd))
# Claude Code's cost_usd is kept beside the estimate: 0.01 from each event
# (every logs sender, sdk-node and the claude-code session), never instead
check(abs(out["spend"]["reported_usd"] - (n + 1) * 0.01) < 1e-12, "reported_usd")
# the metrics' usage has no request count: one record from each metrics
# sender (the claude-code session's metrics are its event's usage again)
check(models["claude-haiku-4-5"]["requests_unknown"] == n, "requests_unknown")
PY
echo "exporters: ok (JSON, protobuf, gRPC, sdk-node)"

#!/bin/sh
# file_proto.sh - the Collector file exporter's two formats, written from
# the same exported data by OpenTelemetry JS's own serializers
# (@opentelemetry/otlp-transformer, what its OTLP exporters send with; run
# by tests/e2e/exporters/send.cjs file, with the packages exporters.sh
# installs): a span, a Claude Code api_request event and its token metrics,
# as three JSON lines (format: json) and as three length-prefixed protobuf
# frames in one file (format: proto, signals mixed). An otel_file source
# must report the same usage from either, and the known figures.
# Skipped, saying why, without node, npm or the registry.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP e2e/file_proto.sh: $1"; exit 0; }
nm=$(sh "$here/lib/npm_install.sh" "$here/exporters" 2>&1) || skip "$nm"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
. "$here/lib/daemon.sh"
NODE_PATH=$nm node "$here/exporters/send.cjs" file "$dir" || fail "the serializers (see above)"
for fmt in json proto; do
    printf '[[source]]\nname = "file"\ntype = "otel_file"\npath = "%s/%s/export.*"\n' \
        "$dir" "$fmt" > "$dir/$fmt.toml"
    printf 'tenant_attribute = "tenant.id"\n' >> "$dir/$fmt.toml"
    "$SPENDTOP" --once --json -c "$dir/$fmt.toml" --db "$dir/$fmt.db" > "$dir/$fmt.out" \
        2> "$dir/$fmt.err" || fail "--once --json ($fmt): $(tail -3 "$dir/$fmt.err")"
done
grep -q "holds protobuf frames" "$dir/proto.err" || fail "the proto file was not told: $(cat "$dir/proto.err")"
grep -q "skipped" "$dir/json.err" "$dir/proto.err" && fail "a record was skipped: $(cat "$dir"/*.err)"
python3 - "$dir/json.out" "$dir/proto.out" <<'PY' || fail "the two formats do not show the same usage"
import json, sys
outs = [json.load(open(p)) for p in sys.argv[1:3]]
def view(out):
    return {
        "cache": out["cache"],
        "models": sorted((m["model"], m["requests"], m.get("requests_unknown")) for m in out["models"]),
        "tenants": sorted((t["tenant"], round(t["window_usd"], 12)) for t in out["tenants"]),
        "reported_usd": round(out["spend"]["reported_usd"], 12),
    }
def check(cond, what):
    if not cond:
        print("FAIL:", what, json.dumps([view(o) for o in outs], indent=1), file=sys.stderr)
        sys.exit(1)
json_view, proto_view = (view(o) for o in outs)
check(json_view == proto_view, "json and proto differ")
# send.cjs: a span (1000 in, 300 cached), an event (100 + 1000 read),
# metrics of another session (10 + 500 read)
check(json_view["cache"]["input_tokens"] == 1000 + 1100 + 510, "input tokens")
check(json_view["cache"]["cache_read_tokens"] == 300 + 1000 + 500, "cache reads")
check(abs(json_view["reported_usd"] - 0.01) < 1e-12, "the event's cost_usd")
check([t for t, _ in json_view["tenants"]] == ["file"], "one tenant")
PY
echo "file_proto: ok (format: json and format: proto, the same usage)"

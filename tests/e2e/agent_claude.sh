#!/bin/sh
# agent_claude.sh - the real Claude Code CLI (npm @anthropic-ai/claude-code,
# pinned by agents/claude/package-lock.json, installed by lib/npm_install.sh
# into a cache outside the repository) runs `claude -p` against a local fake
# Anthropic Messages API (agents/claude/fake_anthropic.py), with its
# telemetry pointed at a running receiver: once over gRPC, once over
# http/protobuf, once over http/json. Claude Code sends each request's
# usage twice, as an api_request event and as claude_code.token.usage
# metrics; --once --json must report exactly what the fake served (its
# ledger is the oracle): tokens, cache reads, 5-minute and 1-hour cache
# writes (through the spend at prices set here), requests, the model and
# Claude Code's own cost_usd - each once. Nothing reaches the internet:
# HOME is a fresh folder, nonessential traffic, updates, error reports and
# the vendor's own telemetry are off. Skipped, saying why, without node,
# npm, the registry, or a native build of the CLI for this platform.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP e2e/agent_claude.sh: $1"; exit 0; }
nm=$(sh "$here/lib/npm_install.sh" "$here/agents/claude" 2>&1) || skip "$nm"
cli=$nm/@anthropic-ai/claude-code/cli-wrapper.cjs
# --ignore-scripts leaves the package's bin a stub; its wrapper finds the
# native binary of this platform's optional package
node "$cli" --version >/dev/null 2>&1 || skip "no Claude Code binary for $(uname -sm)"
dir=$(mktemp -d)
pid="" fpid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "$fpid" ] && kill $fpid 2>/dev/null; rm -rf "$dir"' EXIT
fail() {
    echo "FAIL: $1"
    for f in daemon.err fake.err claude.err; do
        [ -f "$dir/$f" ] && { echo "--- $f"; tail -5 "$dir/$f"; }
    done
    exit 1
}
. "$here/lib/daemon.sh"
port=$(free_port)
gport=$(free_port)
model=claude-sonnet-4-6
# prices of our own, so the spend says which cache writes were 1-hour ones
cat > "$dir/config.toml" <<TOML
[[source]]
name = "otlp"
type = "otlp_http"
listen = "127.0.0.1:$port"
grpc_listen = "127.0.0.1:$gport"
tenant_attribute = "team.id"

[pricing.models."$model"]
input_cost_per_token = 0.000001
output_cost_per_token = 0.00001
cache_read_input_token_cost = 0.0000001
cache_creation_input_token_cost = 0.000002
cache_creation_input_token_cost_above_1hr = 0.000004
TOML
python3 "$here/agents/claude/fake_anthropic.py" "$dir/fake.port" "$dir/ledger" 2>"$dir/fake.err" &
fpid=$!
"$SPENDTOP" --daemon --no-hooks -c "$dir/config.toml" --db "$dir/state.db" 2>"$dir/daemon.err" &
pid=$!
await_line "$dir/fake.port" "[0-9]" || fail "the fake Anthropic API did not start"
await_line "$dir/daemon.err" "listening for gRPC on" || fail "the receiver did not start"
fake=http://127.0.0.1:$(cat "$dir/fake.port")
: > "$dir/ledger"
: > "$dir/runs"

# the requests the snapshot counts (0 before any)
counted() {
    "$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" 2>/dev/null |
        python3 -c 'import json, sys
print(sum(m["requests"] or 0 for m in json.load(sys.stdin)["models"]))'
}

# run PROTOCOL ENDPOINT: one `claude -p` session, its telemetry by PROTOCOL
# (tenant: the protocol's name); then until its requests are counted. It
# exits once its last exports are answered: at most 2 s by default, which
# a loaded machine can miss on a first gRPC connection, so 30 s here.
# Events every 0.1 s, metrics only at the exit (the default 60 s): the
# events come first, so they are what counts. The first usage of a session
# that reaches spendtop decides (README); were a metrics export first - a
# metric interval shorter than the events' lets that happen - the session
# would be counted from its metrics: the same tokens, but its requests
# unknown and its 1-hour cache writes priced as 5-minute ones.
run() {
    mkdir "$dir/home-$1"
    (cd "$dir/home-$1" && env -i PATH="$PATH" HOME="$dir/home-$1" TERM=dumb \
        CLAUDE_CODE_ENABLE_TELEMETRY=1 \
        OTEL_LOGS_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp \
        OTEL_EXPORTER_OTLP_PROTOCOL="$2" OTEL_EXPORTER_OTLP_ENDPOINT="$3" \
        OTEL_METRIC_EXPORT_INTERVAL=60000 OTEL_LOGS_EXPORT_INTERVAL=100 \
        CLAUDE_CODE_OTEL_FLUSH_TIMEOUT_MS=30000 CLAUDE_CODE_OTEL_SHUTDOWN_TIMEOUT_MS=30000 \
        CLAUDE_CODE_OTEL_DIAG_STDERR=1 \
        OTEL_RESOURCE_ATTRIBUTES="team.id=$1" \
        ANTHROPIC_BASE_URL="$fake" ANTHROPIC_API_KEY=sk-ant-spendtop-test-not-a-key \
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
        DISABLE_ERROR_REPORTING=1 DISABLE_TELEMETRY=1 \
        timeout 60 node "$cli" -p "Say hello." --model "$model" \
        > "$dir/claude.out" 2> "$dir/claude.err") || fail "claude -p over $2"
    n=$(wc -l < "$dir/ledger")
    echo "$1 $n" >> "$dir/runs"
    _end=$(($(date +%s) + 30))
    until [ "$(counted)" = "$n" ]; do
        [ "$(date +%s)" -lt $_end ] || fail "$2: $n requests served, $(counted) counted"
        sleep 0.2
    done
}
run grpc grpc "http://127.0.0.1:$gport"
run protobuf http/protobuf "http://127.0.0.1:$port"
run json http/json "http://127.0.0.1:$port"

kill -TERM $pid
wait $pid || fail "the daemon did not stop cleanly"
pid=""
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" > "$dir/out.json" \
    2>/dev/null || fail "--once --json"
python3 "$here/agents/claude/check.py" "$dir/out.json" "$dir/ledger" "$dir/runs" "$model" \
    || fail "the snapshot does not show what the fake served"
echo "agent_claude: ok ($(wc -l < "$dir/ledger") requests over gRPC, http/protobuf, http/json)"

#!/bin/sh
# agent_gemini.sh - the real Gemini CLI (npm @google/gemini-cli, pinned by
# tests/e2e/agents/gemini/package-lock.json) runs `gemini -p` against a
# local fake of the Gemini API (agents/gemini/fake_gemini.py: it streams
# answers whose usageMetadata it chooses and writes down what it served),
# with its telemetry sent to a spendtop daemon's receiver, as a user would
# configure it (README, "Agent CLIs"):
#   - settings.json "telemetry" with otlpEndpoint on the gRPC port (its
#     default protocol: gRPC, gzip), model gemini-2.5-flash
#   - GEMINI_TELEMETRY_* variables with protocol http (0.61: http/json,
#     chunked) on the HTTP port, model gemini-2.5-pro
# Gemini CLI sends each request's usage as a gemini_cli.api_response event,
# as gemini_cli.token.usage and as gen_ai.client.token.usage: after the
# daemon stops, --once --json must show exactly what the fake served
# (input = prompt incl. cached, cached, output = candidates + thoughts,
# reasoning = thoughts, per model, at list price), counted once, each
# session from one kind (agents/gemini/check.py); its llm_call spans (no
# usage on them) add no request.
# Nothing leaves the machine: HOME is temporary, the API base URL is the
# fake, and a proxy that answers nothing stands for any other address.
# Skipped, saying why, without node, npm or the registry.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP e2e/agent_gemini.sh: $1"; exit 0; }
nm=$(sh "$here/lib/npm_install.sh" "$here/agents/gemini" 2>&1) || skip "$nm"
gemini=$nm/@google/gemini-cli/bundle/gemini.js
[ -f "$gemini" ] || skip "no gemini in $nm"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
    || skip "Gemini CLI needs node 20 or later"
dir=$(mktemp -d)
pid=""
fake=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "$fake" ] && kill $fake 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; [ -f "$dir/daemon.err" ] && tail -5 "$dir/daemon.err"; exit 1; }
. "$here/lib/daemon.sh"
mkdir "$dir/fake" "$dir/work"
python3 "$here/agents/gemini/fake_gemini.py" "$dir/fake" &
fake=$!
await_line "$dir/fake/port" . || fail "the fake Gemini API did not start"
fport=$(cat "$dir/fake/port")
start_receiver "$dir" || fail "the receiver did not start"

# gemini_home NAME TELEMETRY: a HOME whose ~/.gemini/settings.json selects
# API key auth and holds TELEMETRY (a JSON object, or null).
gemini_home() {
    mkdir -p "$dir/$1/.gemini"
    cat > "$dir/$1/.gemini/settings.json" <<JSON
{ "security": { "auth": { "selectedType": "gemini-api-key" } },
  "telemetry": $2 }
JSON
}

# run_gemini NAME MODEL [VAR=VALUE...]: gemini -p with HOME $dir/NAME, cut
# off from everything but 127.0.0.1; its output kept for a failure's message.
run_gemini() {
    h=$dir/$1
    model=$2
    shift 2
    (cd "$dir/work" && env -i PATH="$PATH" HOME="$h" GEMINI_API_KEY=fake-e2e-key \
        GOOGLE_GEMINI_BASE_URL="http://127.0.0.1:$fport" GEMINI_CLI_TRUST_WORKSPACE=true \
        HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
        ALL_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost "$@" \
        timeout 90 node "$gemini" -m "$model" -p "Say done." \
        < /dev/null > "$h/out" 2> "$h/err") \
        || { tail -n 15 "$h/err"; fail "gemini -p ($(basename "$h")) failed"; }
}

gemini_home grpc "{ \"enabled\": true, \"target\": \"local\", \"otlpEndpoint\": \"http://127.0.0.1:$gport\" }"
run_gemini grpc gemini-2.5-flash
gemini_home http null
run_gemini http gemini-2.5-pro GEMINI_TELEMETRY_ENABLED=true GEMINI_TELEMETRY_TARGET=local \
    GEMINI_TELEMETRY_OTLP_ENDPOINT="http://127.0.0.1:$port" GEMINI_TELEMETRY_OTLP_PROTOCOL=http

kill -TERM $pid
wait $pid || fail "the daemon did not stop cleanly"
pid=""
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" > "$dir/out.json" \
    2>/dev/null || fail "--once --json"
kind=$(python3 "$here/agents/gemini/check.py" "$dir/fake/served.jsonl" "$dir/out.json" \
        "$here/../../pricing/default_prices.json") \
    || { cat "$dir/fake/requests.jsonl"; fail "the snapshot does not show what the fake served"; }
echo "agent_gemini: ok ($(wc -l < "$dir/fake/served.jsonl") answers, counted once from its $kind;" \
    "gRPC, http/json)"

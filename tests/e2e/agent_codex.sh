#!/bin/sh
# agent_codex.sh - the real Codex CLI (npm @openai/codex, its native binary,
# pinned by tests/e2e/agents/codex/package-lock.json) runs `codex exec`
# against a local fake of the OpenAI Responses API (agents/codex/
# fake_openai.py: it streams answers whose usage it chooses and writes down
# what it served), with its telemetry ([otel] logs and metrics) sent to a
# spendtop daemon's receiver, as a user would configure it (README, "Agent
# CLIs"), once per exporter protocol:
#   - otlp-http, protocol "binary" (http/protobuf), model gpt-5.1-codex-mini,
#     two turns of one conversation (exec, then exec resume)
#   - otlp-http, protocol "json", model gpt-5.1-codex
#   - otlp-grpc, model gpt-5-codex
# Codex sends each request's usage twice, as a codex.sse_event log event and
# as codex.turn.token_usage metrics (which name no conversation): after the
# daemon stops, --once --json must show exactly what the fake served (input
# incl. cached, cached, output incl. reasoning, reasoning, per model, at
# list price), counted once, all from one kind (agents/codex/check.py).
# Nothing leaves the machine: HOME and CODEX_HOME are temporary, the model
# provider is the fake, and a proxy that answers nothing stands for any
# other address. Skipped, saying why, without node, npm or the registry.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP e2e/agent_codex.sh: $1"; exit 0; }
nm=$(sh "$here/lib/npm_install.sh" "$here/agents/codex" 2>&1) || skip "$nm"
codex=$nm/@openai/codex/bin/codex.js
[ -f "$codex" ] || skip "no codex in $nm"
dir=$(mktemp -d)
pid=""
fake=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "$fake" ] && kill $fake 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; [ -f "$dir/daemon.err" ] && tail -5 "$dir/daemon.err"; exit 1; }
. "$here/lib/daemon.sh"
mkdir "$dir/fake" "$dir/home" "$dir/work"
python3 "$here/agents/codex/fake_openai.py" "$dir/fake" &
fake=$!
await_line "$dir/fake/port" . || fail "the fake OpenAI API did not start"
fport=$(cat "$dir/fake/port")
start_receiver "$dir" || fail "the receiver did not start"

# codex_home NAME MODEL EXPORTER: a CODEX_HOME whose config.toml uses the
# fake as its model provider and sends logs and metrics with EXPORTER (a
# TOML inline table with {} for the path: /v1/logs or /v1/metrics).
codex_home() {
    h=$dir/$1
    mkdir "$h"
    logs=$(echo "$3" | sed 's#{}#/v1/logs#')
    metrics=$(echo "$3" | sed 's#{}#/v1/metrics#')
    cat > "$h/config.toml" <<TOML
model = "$2"
model_provider = "fake"
check_for_update_on_startup = false

[model_providers.fake]
name = "fake"
base_url = "http://127.0.0.1:$fport/v1"
env_key = "FAKE_OPENAI_KEY"
wire_api = "responses"

[analytics]
enabled = false

[otel]
environment = "e2e"
log_user_prompt = false
exporter = $logs
metrics_exporter = $metrics
TOML
}

# run_codex NAME ARGS...: codex in CODEX_HOME $dir/NAME, cut off from
# everything but 127.0.0.1; its output kept for a failure's message.
run_codex() {
    h=$dir/$1
    shift
    (cd "$dir/work" && env -i PATH="$PATH" HOME="$dir/home" CODEX_HOME="$h" \
        FAKE_OPENAI_KEY=sk-fake-e2e HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
        ALL_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost \
        timeout 90 node "$codex" exec --skip-git-repo-check "$@" \
        < /dev/null > "$h/out" 2> "$h/err") \
        || { tail -n 15 "$h/err"; fail "codex exec ($(basename "$h")) failed"; }
}

codex_home binary gpt-5.1-codex-mini \
    "{ otlp-http = { endpoint = \"http://127.0.0.1:$port{}\", protocol = \"binary\" } }"
run_codex binary "Say done."
run_codex binary resume --last "Say done again."
codex_home json gpt-5.1-codex \
    "{ otlp-http = { endpoint = \"http://127.0.0.1:$port{}\", protocol = \"json\" } }"
run_codex json "Say done."
codex_home grpc gpt-5-codex "{ otlp-grpc = { endpoint = \"http://127.0.0.1:$gport\" } }"
run_codex grpc "Say done."

kill -TERM $pid
wait $pid || fail "the daemon did not stop cleanly"
pid=""
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" > "$dir/out.json" \
    2>/dev/null || fail "--once --json"
kind=$(python3 "$here/agents/codex/check.py" "$dir/fake/served.jsonl" "$dir/out.json" \
        "$here/../../pricing/default_prices.json") \
    || { cat "$dir/fake/requests.jsonl"; fail "the snapshot does not show what the fake served"; }
echo "agent_codex: ok ($(wc -l < "$dir/fake/served.jsonl") answers, counted once from its $kind;" \
    "http/protobuf, http/json, gRPC)"

#!/bin/sh
# wild_traced_agents.sh - agent CLIs with tracing on report each API call
# as a span, a log event and metric points. Recorded from the real CLIs
# against the fakes of agent_claude.sh and agent_codex.sh, http/json, as
# they arrived (tests/fixtures/otlp/agents/*-traced.jsonl):
#   - Claude Code 2.1.332 with CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1 and
#     OTEL_TRACES_EXPORTER=otlp: one request, a claude_code.llm_request
#     span (it came before the api_request event), its event, its metrics;
#   - Codex CLI 0.171 `codex exec` with [otel] trace_exporter too: one
#     request, six handle_responses spans (the last with its usage, no
#     model), its codex.sse_event, its codex.turn.token_usage (traces came
#     first, then metrics, then logs);
#   - Claude Code 2.1.332 as above, each request failing (the fake answering
#     529 until the CLI gave up after CLAUDE_CODE_MAX_RETRIES=2, then a
#     session whose API port refused connections): per failed request a
#     claude_code.llm_request span with an error status and an api_error
#     event, no tokens (claude-code-2.1.332-failed.jsonl).
# Through an otel_file source, --once --json must show with the traces in
# any order exactly what it shows without them (what agent_claude.sh and
# agent_codex.sh check against the fakes' ledgers): the call once, its
# model, requests, every token class, spend and the CLI's reported cost.
set -eu
fixtures=${SPENDTOP_FIXTURES:-tests/fixtures}/otlp/agents
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0

# snapshot NAME FILE: the figures of --once --json over FILE into $dir/NAME.json
snapshot() {
    now=$(python3 - "$2" <<'PY'
import json, re, sys
ts = [int(t) for t in re.findall(r'"(?:timeUnixNano|startTimeUnixNano|observedTimeUnixNano)":\s*"(\d+)"', open(sys.argv[1]).read())]
print(max(ts) // 10**9 + 60)
PY
)
    cat > "$dir/$1.toml" <<TOML
[[source]]
name = "agent"
type = "otel_file"
path = "$2"
tenant_attribute = "team.id"
TOML
    "$SPENDTOP" --once --json -c "$dir/$1.toml" --db "$dir/$1.db" --now "$now" \
        > "$dir/$1.out" 2> "$dir/$1.err" || { echo "FAIL $1: spendtop exited $?";
                                              cat "$dir/$1.err"; failed=1; return; }
    python3 - "$dir/$1.out" > "$dir/$1.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(json.dumps({
    "spend": j["spend"]["window_usd"], "reported": j["spend"].get("reported_usd"),
    "cache": j["cache"], "reasoning": j["reasoning"], "unpriced": j["unpriced"],
    "models": [[m["provider"], m["model"], m["requests"], m["window_usd"]] for m in j["models"]],
}, sort_keys=True, indent=1))
PY
}

# check CAPTURE REQUESTS RECORDED FIRST LAST: the capture without its traces
# ("untraced") and without traces and metrics ("events") are the oracles;
# with its traces in the order recorded, first and last, it must show what
# the oracle named for each shows. (The spans of a call claim its emitter
# as its events do: spans before the metrics make the events count, as the
# events would have.)
check() {
    base=$(basename "$1" .jsonl)
    grep -v '"resourceSpans"' "$1" > "$dir/$base-untraced.jsonl"
    grep -v '"resourceSpans"' "$1" | grep -v '"resourceMetrics"' > "$dir/$base-events.jsonl"
    grep '"resourceSpans"' "$1" > "$dir/traces"
    cat "$dir/traces" "$dir/$base-untraced.jsonl" > "$dir/$base-first.jsonl"
    cat "$dir/$base-untraced.jsonl" "$dir/traces" > "$dir/$base-last.jsonl"
    cp "$1" "$dir/$base-recorded.jsonl"
    for oracle in untraced events; do
        snapshot "$base-$oracle" "$dir/$base-$oracle.jsonl"
        python3 - "$dir/$base-$oracle.json" "$2" <<'PY' || { echo "FAIL $base: $oracle"; failed=1; }
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j["models"]) == 1 and j["models"][0][2] in (None, int(sys.argv[2])), j["models"]
assert j["models"][0][1] != "unknown" and not j["unpriced"], j
PY
    done
    shift 2
    for how in recorded first last; do
        snapshot "$base-$how" "$dir/$base-$how.jsonl"
        if ! cmp -s "$dir/$base-$1.json" "$dir/$base-$how.json"; then
            echo "FAIL $base: with its traces $how, not what the $1 show"
            diff "$dir/$base-$1.json" "$dir/$base-$how.json" | head -20
            failed=1
        fi
        shift
    done
}

# Claude Code: its events come before its metrics in every order
check "$fixtures/claude-code-2.1.332-traced.jsonl" 1 untraced untraced untraced
# two failed requests: each span and its api_error are one request
check "$fixtures/claude-code-2.1.332-failed.jsonl" 2 untraced untraced untraced
# Codex: recorded as traces, metrics, logs - the spans make it the events'
check "$fixtures/codex-0.171-traced.jsonl" 1 events events untraced
[ $failed = 0 ] && echo "wild_traced_agents: ok (Claude Code 2.1.332, Codex 0.171: traced calls, failed ones too, count once)"
exit $failed

#!/bin/sh
# families.sh - real instrumentation libraries (tests/e2e/families/
# package.json, pinned by its package-lock.json) call a fake OpenAI and
# Anthropic (families/fake_llm.cjs) and export their spans to spendtop;
# `spendtop --once --json` must report the requests, every token class, the
# hit rate, the reasoning ratio and the spend (to 1e-6 USD) that the fake
# provider's answers imply, as far as each library passes them on
# (families_check.py). One library per family at least, through the Collector
# file format (otel_file) and the OTLP/HTTP JSON receiver (otlp_http), and
# the double-tracing case (Traceloop around the Anthropic SDK's own spans):
# in one export, in separate exports, and across a restart; and spans with
# the GenAI token metric of the same calls (instrumentation-openai records
# both).
#
# The packages are installed by lib/npm_install.sh into a cache outside the
# repository; without node, npm or the registry the test is skipped.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/daemon.sh"
prices="$here/../fixtures/litellm-prices-2026-07-24.json"
modules=$(sh "$here/lib/npm_install.sh" "$here/families" 2>"${TMPDIR:-/tmp}/families-npm.$$") || {
    rc=$?
    why=$(cat "${TMPDIR:-/tmp}/families-npm.$$"); rm -f "${TMPDIR:-/tmp}/families-npm.$$"
    [ $rc -eq 3 ] && { echo "SKIP e2e/families.sh: $why"; exit 0; }
    echo "FAIL: lib/npm_install.sh: $why"; exit 1
}
rm -f "${TMPDIR:-/tmp}/families-npm.$$"
export NODE_PATH="$modules"
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
failed=0

config() { # NAME SOURCE-LINES
    cat > "$dir/$1/config.toml" <<TOML
[[source]]
name = "spans"
$2
tenant_attribute = "tenant.id"
[pricing]
file = "$prices"
TOML
}

check() { # SCENARIO NAME
    "$SPENDTOP" --once --json -c "$dir/$2/config.toml" --db "$dir/$2/state.db" \
        > "$dir/$2/out.json" 2> "$dir/$2/err.txt" || {
        echo "FAIL $2: spendtop exited $?"; cat "$dir/$2/err.txt"; failed=1; return; }
    python3 "$here/families_check.py" "$1" "$dir/$2/truth.jsonl" "$dir/$2/out.json" \
        "$prices" || {
        failed=1
        echo "  $2: $(cat "$dir/$2"/spans.json 2>/dev/null | wc -l) export line(s); the run said:"
        tail -3 "$dir/$2/node.log" 2>/dev/null | sed 's/^/  /'
        tail -3 "$dir/$2/err.txt" | sed 's/^/  /'
    }
}

# Each library through the file format: its spans to a Collector-style
# JSON-lines file, which an otel_file source reads.
file_case() { # SCENARIO [NAME [run.cjs options]]
    s=$1; name=${2:-$1}; shift; [ $# -gt 0 ] && shift
    mkdir -p "$dir/$name"
    node "$here/families/run.cjs" "$s" "$dir/$name" "$@" > "$dir/$name/node.log" 2>&1 || {
        echo "FAIL $name: the library run failed"; tail -5 "$dir/$name/node.log"
        failed=1; return; }
    config "$name" "type = \"otel_file\"
path = \"$dir/$name/spans.json\""
    check "$s" "$name"
}

for s in otel-openai anthropic-sdk anthropic-sdk-0 traceloop-openai traceloop-anthropic \
         traceloop-langchain openinference-openai openinference-anthropic \
         openinference-langchain vercel-ai6 vercel-ai7 vercel-ai7-details langfuse-openai; do
    file_case "$s"
done
# double tracing with every span in an export of its own
file_case traceloop-anthropic traceloop-anthropic+simple --simple
# spans and the instrumentation's gen_ai.client.token.usage metric of the
# same calls, as an SDK exporting every signal sends them: counted once
file_case otel-openai otel-openai+metrics --metrics

# ... and across a restart: the parent spans (Traceloop's, less complete)
# read by one run, the children (the SDK's) by the next, on one database
name=traceloop-anthropic+restart
mkdir -p "$dir/$name"
node "$here/families/run.cjs" traceloop-anthropic "$dir/$name" --simple > "$dir/$name/node.log" 2>&1
grep '@traceloop' "$dir/$name/spans.json" > "$dir/$name/parents.json"
grep -v '@traceloop' "$dir/$name/spans.json" > "$dir/$name/children.json"
cp "$dir/$name/parents.json" "$dir/$name/export.json"
config "$name" "type = \"otel_file\"
path = \"$dir/$name/export.json\""
"$SPENDTOP" --once --json -c "$dir/$name/config.toml" --db "$dir/$name/state.db" \
    > /dev/null 2>&1
cat "$dir/$name/children.json" >> "$dir/$name/export.json"
check traceloop-anthropic "$name"

# Through the OTLP/HTTP receiver with the JSON exporter: a daemon receives,
# is stopped, and --once reports what it stored.
for s in anthropic-sdk vercel-ai7-details; do
    name=$s+receiver
    mkdir -p "$dir/$name"
    port=$(free_port)
    config "$name" "type = \"otlp_http\"
listen = \"127.0.0.1:$port\""
    "$SPENDTOP" --daemon --no-hooks -c "$dir/$name/config.toml" --db "$dir/$name/state.db" \
        2> "$dir/$name/daemon.err" &
    pid=$!
    i=0
    until grep -q "listening on" "$dir/$name/daemon.err"; do
        i=$((i + 1)); [ $i -lt 100 ] || { echo "FAIL: the receiver did not start"; exit 1; }
        sleep 0.1
    done
    node "$here/families/run.cjs" "$s" "$dir/$name" --otlp "http://127.0.0.1:$port/v1/traces" \
        > "$dir/$name/node.log" 2>&1 || { echo "FAIL $name: the library run failed"; failed=1; }
    kill -TERM $pid
    wait $pid || true
    pid=""
    check "$s" "$name"
done
[ $failed -eq 0 ] || exit 1
echo "families: ok"

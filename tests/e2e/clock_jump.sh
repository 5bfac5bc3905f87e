#!/bin/sh
# clock_jump.sh - one run with a clock a year ahead loses nothing (issue 15.1):
# `--once` at T over 5,000 spans of the last hour and 1,000 of three days
# before, then `--once --now` a year later (it warns, prunes nothing), then
# T again: the same requests and the same 7-day spend. A span dated past
# the clock is refused with a reason, never stored.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
T=1795348800 # 2026-11-22T12:00:00Z
python3 - "$dir/export.json" $T <<'PY'
import json, sys
path, t = sys.argv[1], int(sys.argv[2])
def span(i, start):
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
             "gen_ai.request.model": "gpt-4o-mini"}
    a = [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()]
    a += [{"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000"}},
          {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "100"}}]
    return {"traceId": "%032x" % (i + 1), "spanId": "%016x" % (i + 1),
            "startTimeUnixNano": str(start * 10**9), "attributes": a}
with open(path, "w") as f:
    for b in range(60):
        spans = [span(b * 100 + k, t - 3000 + b * 30) for k in range(100)]
        if b >= 50:  # 1,000 spans three days before T
            spans = [span(b * 100 + k, t - 3 * 86400) for k in range(100)]
        f.write(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n")
PY
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/export.json"
TOML
once() { # NOW OUT
    "$SPENDTOP" --once --json --no-hooks -c "$dir/config.toml" --db "$dir/state.db" \
        --now "$1" > "$2" 2>>"$dir/err.txt"
}
figures() { # OUT -> "requests last_7d_usd"
    python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
print(sum(m["requests"] for m in o["models"]), round(o["spend"]["last_7d_usd"], 9))' "$1"
}
once $T "$dir/1.json"
before=$(figures "$dir/1.json")
[ "${before%% *}" = 5000 ] || fail "the first run counted $before"
once $((T + 365 * 86400)) "$dir/2.json"
grep -q "days past the newest data stored" "$dir/err.txt" || fail "no warning of the clock ahead"
once $T "$dir/3.json"
after=$(figures "$dir/3.json")
[ "$after" = "$before" ] || fail "after a run a year ahead: $after, before: $before"
# a span dated an hour past the clock: refused and said so, never stored
python3 - "$dir/export.json" $((T + 3600)) <<'PY'
import json, sys
a = [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
     {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
     {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "7"}}]
s = {"traceId": "f" * 32, "spanId": "f" * 16, "startTimeUnixNano": str(int(sys.argv[2]) * 10**9),
     "attributes": a}
open(sys.argv[1], "a").write(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [s]}]}]}) + "\n")
PY
once $T "$dir/4.json"
grep -q "after the receiver's clock" "$dir/err.txt" || fail "the future span was not reported: $(tail -3 "$dir/err.txt")"
[ "$(figures "$dir/4.json")" = "$before" ] || fail "a future span was stored"
echo "clock_jump: ok"

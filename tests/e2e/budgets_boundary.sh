#!/bin/sh
# budgets_boundary.sh - budgets as an on-call SRE relies on them, through
# `spendtop --once --json --now T` and a hook that keeps its stdin:
#  1. a day budget reached by spend in the day's last minute pages 100%,
#     critical, for that day (the evaluation at 00:00 is 23:59's), with the
#     budget in the hook's JSON; the next day starts afresh;
#  2. a $1 burst in an hour that usually spends $0.01 does not project a
#     $100 day budget (usual day $80) to cross within the hour: no
#     budget_forecast page;
#  3. thresholds written as fractions and a model scope without a model
#     are config errors naming FILE:LINE:COL.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }

# spans.py OUT ROW...: ROW = tenant,model,input_tokens,RFC3339 (gpt-4o:
# $2.50 per million input tokens); random trace ids, appended as one line
cat > "$dir/spans.py" <<'PY'
import datetime, json, random, sys
sys.path.insert(0, "tests/e2e/lib")
from chat_spans import attr
spans = []
for row in sys.argv[2:]:
    tenant, model, tokens, when = row.split(",")
    t = int(datetime.datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp())
    spans.append({"traceId": "%032x" % random.getrandbits(128),
                  "spanId": "%016x" % random.getrandbits(64),
                  "startTimeUnixNano": str(t * 10**9),
                  "attributes": [attr("gen_ai.operation.name", "chat"),
                                 attr("gen_ai.provider.name", "openai"),
                                 attr("gen_ai.request.model", model),
                                 attr("gen_ai.usage.input_tokens", int(tokens)),
                                 attr("tenant.id", tenant)]})
with open(sys.argv[1], "a") as f:
    f.write(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n")
PY
config() { # config NAME BUDGET-TOML
    mkdir -p "$dir/$1"
    cat > "$dir/$1/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/$1/export*.json"
$2
[[hook]]
shell = "cat >> '$dir/$1/hook.out'; echo >> '$dir/$1/hook.out'"
TOML
}
once() { # once NAME NOW
    "$SPENDTOP" --once --json -c "$dir/$1/config.toml" --db "$dir/$1/state.db" --now "$2" \
        > "$dir/$1/out.json" 2> "$dir/$1/err.txt" || fail "$1 at $2: $(cat "$dir/$1/err.txt")"
}
# pages NAME: one line per page heard, "STATE KIND SEVERITY SUMMARY"
pages() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.strip():
        a = json.loads(line)
        print(a["state"], a["kind"], a["severity"], a["summary"])' "$dir/$1/hook.out" 2>/dev/null || true
}

echo "budgets_boundary: spend in a day's last minute pages for that day"
config day '[[budget]]
scope = "total"
period = "day"
amount_usd = 4'
python3 "$dir/spans.py" "$dir/day/export.json" acme,gpt-4o,800000,2026-11-30T12:00:00Z \
    acme,gpt-4o,800000,2026-11-30T23:59:30Z
once day 2026-11-30T23:59:00Z
[ "$(pages day | grep -c '^firing budget warning .*threshold 50%')" = 1 ] || fail "50%: $(pages day)"
once day 2026-12-01T00:00:00Z
pages day | grep -q '^firing budget critical total spent \$4.00 this day: 100%' ||
    fail "the day's 100% was not paged at 00:00: $(pages day)"
python3 - "$dir/day/hook.out" <<'PY' || fail "the hook's budget object"
import json, sys
last = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]
b = last["budget"]
want = {"scope": "total", "period": "day", "limit_usd": 4, "spent_usd": 4, "used": 1,
        "forecast_at": None, "period_start": "2026-11-30T00:00:00Z",
        "period_end": "2026-12-01T00:00:00Z",
        "top_models": [{"provider": "openai", "model": "gpt-4o", "spent_usd": 4}]}
assert b == want, b
PY
once day 2026-12-01T00:10:00Z
python3 - "$dir/day/out.json" <<'PY' || fail "the new day"
import json, sys
b = json.load(open(sys.argv[1]))["budgets"][0]
assert b["spent_usd"] == 0 and b["used"] == 0, b
PY
[ "$(pages day | wc -l)" = 2 ] || fail "pages after the day turned: $(pages day)"

echo "budgets_boundary: a burst in a quiet hour is not a day at its ratio"
config burst '[[budget]]
scope = "tenant:acme"
period = "day"
amount_usd = 100'
# 8 days: $0.01 at 07:30, $10 an hour from 09:00 to 17:00; today $1 at 07:50
python3 - "$dir/spans.py" "$dir/burst/export.json" <<'PY'
import datetime, subprocess, sys
rows = []
for d in range(1, 9):
    day = datetime.datetime(2026, 12, 2) - datetime.timedelta(days=d)
    rows.append("acme,gpt-4o,4000,%sZ" % (day + datetime.timedelta(hours=7, minutes=30)).isoformat())
    rows += ["acme,gpt-4o,400000,%sZ" % (day + datetime.timedelta(hours=9, minutes=m)).isoformat()
             for m in range(0, 480, 6)]
rows.append("acme,gpt-4o,400000,2026-12-02T07:50:00Z")
subprocess.run(["python3", sys.argv[1], sys.argv[2]] + rows, check=True)
PY
once burst 2026-12-02T08:00:00Z
python3 - "$dir/burst/out.json" <<'PY' || fail "the burst's forecast"
import json, sys
b = json.load(open(sys.argv[1]))["budgets"][0]
assert abs(b["spent_usd"] - 1) < 1e-9 and b["forecast_at"] is None, b
PY
pages burst | grep budget_forecast && fail "a \$1 burst paged budget_forecast"

echo "budgets_boundary: fractions and empty model scopes are config errors"
bad() { # bad TOML-LINES EXPECTED-ERROR
    printf '[[source]]\nname = "d"\ntype = "demo"\n[[budget]]\namount_usd = 5\n%s\n' "$1" \
        > "$dir/bad.toml"
    rc=0
    "$SPENDTOP" --check-config -c "$dir/bad.toml" > /dev/null 2> "$dir/bad.err" || rc=$?
    [ $rc -eq 2 ] || fail "'$1' exited $rc"
    grep -qF "$2" "$dir/bad.err" || fail "'$1' said: $(cat "$dir/bad.err")"
}
bad 'scope = "total"
thresholds = [0.5, 0.8, 1.0]' 'bad.toml:7:15: a budget threshold is a percentage from 1 to 1000'
bad 'scope = "model:openai/"' "bad.toml:6:9: budget scope 'model:openai/'"
echo "budgets_boundary: ok"

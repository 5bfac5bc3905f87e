#!/bin/sh
# providers.sh - the OpenAI and Anthropic usage/cost sources against a real
# local HTTP server (tests/e2e/fake_provider.py): figures to 1e-6 of a hand
# computation, pagination, re-polling never adds, a restart resumes from its
# cursors, 429 + Retry-After, 500s, a timeout, a body that is not JSON, a
# wrong key failing one source and nothing else, and precedence with spans.
set -eu
dir=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
. tests/e2e/lib/fake_provider.sh
config() { provider_config 1s "$1"; } # config [extra toml]
once() { # once DB OUT [NOW]
    "$SPENDTOP" --once --json -c "$dir/config.toml" --db "$1" --now "${3:-$NOW}" \
        > "$2" 2>"$2.err" || fail "spendtop --once failed: $(cat "$2.err")"
}

# ---- the whole bill, by hand --------------------------------------------------------
config ""
once "$dir/a.db" "$dir/a.json"
python3 tests/e2e/providers_check.py "$dir/a.json" || fail "figures"
grep -q "page=24" "$dir/requests.log" || fail "no second page was fetched"
grep -q "bucket_width=1h" "$dir/requests.log" || fail "no hourly backfill"
grep -q "group_by=batch" "$dir/requests.log" || fail "openai usage not grouped by batch"
grep -q "group_by\[\]=service_tier" "$dir/requests.log" || fail "anthropic usage not grouped by tier"
grep -q " spendtop/0.1.0 " "$dir/requests.log" || fail "no User-Agent naming spendtop"
grep -q "sk-admin-good\|sk-ant-admin-good" "$dir/a.json" "$dir/a.json.err" && fail "a key was printed"

# ---- a minute later: nothing adds; the restart fetches only what it missed ------------
: > "$dir/requests.log"
once "$dir/a.db" "$dir/b.json" 2026-11-20T12:31:00Z
python3 tests/e2e/providers_check.py "$dir/b.json" --later 1 || fail "figures after a re-poll"
grep "bucket_width=1h" "$dir/requests.log" && fail "the restart fetched hourly history again"
grep -q "bucket_width=1m" "$dir/requests.log" || fail "no minute re-poll"

# ---- 429 with Retry-After, then 500s, then a slow answer: all retried -------------
script '{"fail": [{"path": "/organization/usage", "status": 429, "retry_after": 1, "times": 1},
                 {"path": "usage_report", "status": 500, "times": 2},
                 {"path": "/organization/costs", "status": 200, "sleep": 3, "times": 1}]}'
once "$dir/c.db" "$dir/c.json"
python3 tests/e2e/providers_check.py "$dir/c.json" || fail "figures after retries"
grep -q "HTTP 429" "$dir/c.json.err" || fail "the 429 was not logged"
grep -q "HTTP 500" "$dir/c.json.err" || fail "the 500 was not logged"
grep -qi "timed out\|timeout" "$dir/c.json.err" || fail "the timeout was not logged"

# ---- a wrong key: that source's error, and nothing else ----------------------------
script '{}'
export ANT_KEY=sk-ant-admin-WRONG
once "$dir/d.db" "$dir/d.json"
python3 tests/e2e/providers_check.py "$dir/d.json" --no-anthropic || fail "openai figures with anthropic down"
python3 - "$dir/d.json" <<'PY' || fail "the anthropic source is not in error"
import json, sys
src = {s["name"]: s for s in json.load(open(sys.argv[1]))["sources"]}
assert src["an"]["status"] == "error", src["an"]
assert "HTTP 401: invalid x-api-key" in src["an"]["last_error"], src["an"]
assert src["oa"]["status"] == "ok", src["oa"]
PY
grep -q "WRONG" "$dir/d.json" "$dir/d.json.err" && fail "the wrong key was printed"
export ANT_KEY=sk-ant-admin-good

# ---- a body that is not JSON: retried, then the source's error ---------------------
script '{"fail": [{"path": "/organization/costs", "status": 200, "body": "<html>proxy</html>", "times": 20}]}'
once "$dir/e.db" "$dir/e.json"
python3 - "$dir/e.json" <<'PY' || fail "the bad body was not reported"
import json, sys
src = {s["name"]: s for s in json.load(open(sys.argv[1]))["sources"]}
assert src["oa"]["status"] == "error" and "not JSON" in src["oa"]["last_error"], src["oa"]
assert src["an"]["status"] == "ok", src["an"]
PY

# ---- a NUL in a project id: U+FFFD, a tenant of its own, not acme cut short ----------
# the usage pages (the hourly backfill, then the minutes) answer one minute,
# 12:25, of proj_a (acme) and of "proj_a\u0000evil"
python3 - "$dir/script.json" <<'PY'
import json, sys
r = {"object": "organization.usage.completions.result", "model": "gpt-4o-mini-2024-07-18",
     "num_model_requests": 1, "input_tokens": 1000, "output_tokens": 100}
page = {"object": "page", "has_more": False, "next_page": None, "data": [
    {"object": "bucket", "start_time": 1795177500, "end_time": 1795177560, "results": [
        dict(r, project_id="proj_a"), dict(r, project_id="proj_a\u0000evil", input_tokens=2000)]}]}
body = json.dumps(page)
assert "proj_a\\u0000evil" in body
json.dump({"fail": [{"path": "/organization/usage", "status": 200, "times": 2, "body": body}]},
          open(sys.argv[1], "w"))
PY
once "$dir/h.db" "$dir/h.json"
python3 - "$dir/h.json" <<'PY' || fail "a NUL in a project id merged two tenants"
import json, sys
v = json.load(open(sys.argv[1]))
oa = {t["tenant"]: t["window_usd"] for t in v["tenants"]}
want = lambda i, o: i * 0.15e-6 + o * 0.6e-6  # gpt-4o-mini
assert abs(oa.get("proj_a\ufffdevil", 0) - want(2000, 100)) < 1e-12, oa
assert abs(oa.get("acme", 0) - want(1000, 100)) < 1e-12, oa
PY
script '{}'

# ---- spans of a provider with a usage source: coverage, never added -----------------
script '{}'
python3 - "$dir/spans.json" <<'PY'
import json, sys
T = 1795177800  # 12:30
spans = []
for m in range(T // 60 - 8 * 1440, T // 60):
    for i in range(3):
        spans.append({"traceId": "%032x" % m, "spanId": "%016x" % (m * 4 + i),
                      "startTimeUnixNano": str((m * 60 + i) * 10**9), "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini-2024-07-18"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000"}},
            {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "100"}},
            {"key": "tenant.id", "value": {"stringValue": "acme"}}]})
with open(sys.argv[1], "w") as f:
    for i in range(0, len(spans), 500):
        f.write(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans[i:i + 500]}]}]}) + "\n")
PY
config "[[source]]
name = \"spans\"
type = \"otel_file\"
path = \"$dir/spans.json\""
once "$dir/f.db" "$dir/f.json"
python3 tests/e2e/providers_check.py "$dir/f.json" --spans || fail "spans were counted twice"

# ---- a usage source that never answered (a wrong admin key from the first
# day): its provider is counted from its spans, not shown as $0.00 ----------
printf 'sk-admin-WRONG\n' > "$dir/openai.key"
once "$dir/g.db" "$dir/g.json"
python3 - "$dir/g.json" <<'PY' || fail "openai's spans were not counted while its usage source never answered"
import json, sys
v = json.load(open(sys.argv[1]))
src = {s["name"]: s for s in v["sources"]}
assert src["oa"]["status"] == "error", src["oa"]
oa = [m for m in v["models"] if m["provider"] == "openai"]
got = sum(m["window_usd"] for m in oa)
want = 60 * 3 * (1000 * 0.15e-6 + 100 * 0.6e-6)  # the last hour's spans, gpt-4o-mini
assert abs(got - want) < 1e-9, (got, want, oa)
PY
printf 'sk-admin-good\n' > "$dir/openai.key"
echo "providers: ok"

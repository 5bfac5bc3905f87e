#!/bin/sh
# providers_api_faults.sh - the usage engine (collectors/usage_api.c) against
# provider APIs that misbehave, over tests/e2e/fake_provider.py: a page
# cursor that never moves, or is missing under has_more, ends the range
# (not the run), a bucket from outside the range asked for is not added
# again on every poll, Retry-After
# as an HTTP date and as a day, a message quoting the key, usage failing
# while costs answer, and no "too old" warning on a first start.
set -eu
dir=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
. tests/e2e/lib/fake_provider.sh
provider_config 1s
once() { # once DB OUT [NOW]: bounded, so that a hang is a failure, not a stuck suite
    timeout 60 "$SPENDTOP" --once --json -c "$dir/config.toml" --db "$1" --now "${3:-$NOW}" \
        > "$2" 2>"$2.err" || fail "spendtop --once failed or hung: $(cat "$2.err")"
}
sources() { # sources OUT: name status last_error, a line each
    python3 -c 'import json, sys
for s in json.load(open(sys.argv[1]))["sources"]:
    print(s["name"], s["status"], s["last_error"])' "$1" > "$1.src"
    cat "$1.src"
}

# ---- a first start says nothing is too old: it asks for what the history keeps -----
script '{}'
once "$dir/a.db" "$dir/a.json"
grep -q "older than the history keeps" "$dir/a.json.err" && fail "a first start fetched too old an hour"
python3 tests/e2e/providers_check.py "$dir/a.json" || fail "figures"

# ---- a cursor that never moves: the range fails, the run ends, the rest is in ------
script '{"fail": [{"path": "/organization/costs", "status": 200, "times": 10000,
  "body": "{\"object\": \"page\", \"data\": [], \"has_more\": true, \"next_page\": \"same\"}"}]}'
: > "$dir/requests.log"
once "$dir/b.db" "$dir/b.json"
[ "$(grep -c 'organization/costs' "$dir/requests.log")" -le 2 ] || fail "the same page was fetched again and again"
sources "$dir/b.json" | grep -q "^oa error costs: the API's next_page did not move" || fail "$(sources "$dir/b.json")"
sources "$dir/b.json" | grep -q "^an ok" || fail "$(sources "$dir/b.json")"

# ---- more pages, but no cursor to ask for them: the range fails, not stored short ---
script '{"fail": [{"path": "/organization/costs", "status": 200, "times": 10000,
  "body": "{\"object\": \"page\", \"data\": [], \"has_more\": true}"}]}'
once "$dir/b2.db" "$dir/b2.json"
sources "$dir/b2.json" | grep -q "^oa error costs: the API's next_page was missing" || fail "$(sources "$dir/b2.json")"

# ---- a bucket from before the range asked for: counted at most once ----------------
script '{}'
once "$dir/c.db" "$dir/c0.json"
script '{"outside": true}'
once "$dir/c.db" "$dir/c1.json" 2026-11-20T12:31:00Z
once "$dir/c.db" "$dir/c2.json" 2026-11-20T12:32:00Z
python3 - "$dir/c1.json" "$dir/c2.json" <<'PY' || fail "a bucket outside the range added on every poll"
import json, sys
a, b = (json.load(open(f))["spend"] for f in sys.argv[1:])
per_min = a["today_usd"] / 751
assert abs(b["today_usd"] - 752 * per_min) < 1e-9, (a, b)
PY
grep -q "outside the range asked for" "$dir/c1.json.err" || fail "the outside bucket was not logged"

# ---- Retry-After as an HTTP date (2 s ahead): waited about that, not a minute -------
when=$(python3 -c 'import email.utils, time; print(email.utils.formatdate(time.time() + 2, usegmt=True))')
script "{\"fail\": [{\"path\": \"/organization/usage\", \"status\": 429, \"times\": 1,
  \"retry_after\": \"$when\"}]}"
once "$dir/d.db" "$dir/d.json"
grep -Eq "oa: usage: retrying in [0-2]s" "$dir/d.json.err" \
    || fail "an HTTP-date Retry-After was not waited as its date: $(grep retrying "$dir/d.json.err")"
python3 tests/e2e/providers_check.py "$dir/d.json" || fail "figures after a dated Retry-After"

# ---- Retry-After: a day. --once is not held for a day: that range is given up -------
script '{"fail": [{"path": "/organization/costs", "status": 429, "times": 1, "retry_after": 86400}]}'
once "$dir/h.db" "$dir/h.json"
grep -q "oa: costs: retrying" "$dir/h.json.err" && fail "--once waited for a day's Retry-After"
sources "$dir/h.json" | grep -q "^oa error costs: HTTP 429: scripted failure (Retry-After: 86400 s, not waited for by --once)" \
    || fail "$(sources "$dir/h.json")"
# ---- Retry-After: 0, always: waits at least a second between tries -----------------
script '{"fail": [{"path": "/organization/usage", "status": 429, "times": 10000, "retry_after": 0}]}'
once "$dir/e.db" "$dir/e.json"
grep -q "oa: usage: retrying in 1s" "$dir/e.json.err" \
    && ! grep "oa: usage: retrying" "$dir/e.json.err" | grep -qv "retrying in 1s" \
    || fail "Retry-After: 0 was not waited a second: $(grep retrying "$dir/e.json.err")"
sources "$dir/e.json" | grep -q "^oa error usage: HTTP 429" || fail "$(sources "$dir/e.json")"

# ---- openai's hourly history failing: the minutes and the costs (the spend of
# record) are fetched all the same, the source shows the error, and the
# history it could not fetch is asked for again next time ------------------------
script '{"fail": [{"path": "bucket_width=1h&limit=168&group_by=model&", "status": 500, "times": 5}]}'
: > "$dir/requests.log"
once "$dir/f.db" "$dir/f.json"
grep -q "organization/costs" "$dir/requests.log" || fail "costs were not fetched while usage failed"
python3 - "$dir/f.json" <<'PY' || fail "openai's bill or its minutes are missing"
import json, sys
v = json.load(open(sys.argv[1]))
assert abs(v["spend"]["billed_today_usd"] - (3.75 + 13.345)) < 1e-9, v["spend"]
src = {s["name"]: s for s in v["sources"]}
assert src["oa"]["status"] == "error" and "HTTP 500" in src["oa"]["last_error"], src["oa"]
PY
python3 tests/e2e/providers_check.py "$dir/f.json" 2>/dev/null | grep -q today_usd \
    || fail "the lost hours were counted"
: > "$dir/requests.log"
once "$dir/f.db" "$dir/f2.json" 2026-11-20T12:31:00Z
grep -q "usage/completions.*bucket_width=1h" "$dir/requests.log" || fail "the lost hourly range was not asked again"
python3 tests/e2e/providers_check.py "$dir/f2.json" --later 1 || fail "figures after usage came back"

# ---- a message that quotes the key: the key is not printed -------------------------
script '{"fail": [{"path": "/organization/usage", "status": 401, "times": 5,
  "body": "{\"error\": {\"message\": \"Incorrect API key provided: sk-admin-good.\"}}"}]}'
once "$dir/g.db" "$dir/g.json"
grep -q "sk-admin-good" "$dir/g.json" "$dir/g.json.err" && fail "the key was printed"
sources "$dir/g.json" | grep -q "^oa error usage: HTTP 401: Incorrect API key provided: (the key)." \
    || fail "$(sources "$dir/g.json")"
echo "providers_api_faults: ok"

#!/bin/sh
# providers_edges.sh - the OpenAI and Anthropic sources as an on-call SRE
# meets them, against tests/e2e/fake_provider.py: a bucket revised upwards
# replaces (never adds), a page that is empty but says has_more, a server
# that sends half a body and goes silent, a body over the size limit, a
# 403 naming the source (and never the key), and a key file rotated under
# a running daemon (SIGUSR2: polled again, recovered; left readable by
# others: refused).
set -eu
dir=$(mktemp -d)
server=""
daemon=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; [ -n "$daemon" ] && kill -9 $daemon 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
. tests/e2e/lib/fake_provider.sh
provider_config 30s
once() { # once DB OUT [NOW]
    "$SPENDTOP" --once --json -c "$dir/config.toml" --db "$1" --now "${3:-$NOW}" \
        > "$2" 2>"$2.err" || fail "spendtop --once failed: $(cat "$2.err")"
}
no_key() { # no_key FILE...: no admin key in what spendtop wrote
    grep -q "sk-admin-good\|sk-ant-admin-good" "$@" && fail "a key was printed in $*"
    return 0
}

# ---- the provider revises its recent buckets upwards: the later figures
# replace the earlier ones, polled again they stay ------------------------------
script '{}'
once "$dir/a.db" "$dir/a.json"
script '{"scale": 2}'
once "$dir/a.db" "$dir/b.json" 2026-11-20T12:31:00Z
once "$dir/a.db" "$dir/c.json" 2026-11-20T12:32:00Z
python3 - "$dir/a.json" "$dir/b.json" "$dir/c.json" <<'PY' || fail "a revised bucket was added, not replaced"
import json, sys
a, b, c = (json.load(open(f))["spend"] for f in sys.argv[1:])
close = lambda x, y: abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1)
# the last hour is all minutes re-polled at twice the rate: twice, not three times
assert close(b["window_usd"], 2 * a["window_usd"]), (a, b)
assert close(c["window_usd"], b["window_usd"]), (b, c)
# today and yesterday's costs are fetched again: today's bill doubled, once
assert close(b["billed_today_usd"], 2 * a["billed_today_usd"]), (a, b)
assert close(c["billed_today_usd"], b["billed_today_usd"]), (b, c)
# today: 00:00-11:00 hourly at the old rate (660 min), 11:00-12:32 re-polled
per_min = a["today_usd"] / 750
assert close(c["today_usd"], (660 + 2 * 92) * per_min), (a, c)
PY

# ---- a first page with no buckets that says has_more: the next is fetched --------
script '{"fail": [{"path": "/organization/costs", "status": 200, "times": 1,
  "body": "{\"object\": \"page\", \"data\": [], \"has_more\": true, \"next_page\": \"0\"}"},
  {"path": "cost_report", "status": 200, "times": 1,
  "body": "{\"data\": [], \"has_more\": true, \"next_page\": \"0\"}"}]}'
once "$dir/d.db" "$dir/d.json"
python3 tests/e2e/providers_check.py "$dir/d.json" || fail "figures after an empty first page"
grep -q "costs?.*&page=0" "$dir/requests.log" || fail "openai's next cost page was not fetched"
grep -q "cost_report?.*&page=0" "$dir/requests.log" || fail "anthropic's next cost page was not fetched"

# ---- half a body, then silence (a half-open connection): timed out, retried ---------
script '{"fail": [{"path": "/organization/costs", "status": 200, "times": 1, "stall": 5,
  "body": "{\"object\": \"page\", \"data\": [], \"has_more\": false, \"next_page\": null}"}]}'
once "$dir/e.db" "$dir/e.json"
python3 tests/e2e/providers_check.py "$dir/e.json" || fail "figures after a stalled answer"
grep -q "source oa: costs: .*timed out" "$dir/e.json.err" || fail "the stall was not logged"
grep -q "source oa: recovered" "$dir/e.json.err" || fail "the source did not recover"

# ---- a body over 32 MiB: that source's error, saying so; the other goes on ----------
# (an's timeout is 30 s: on a loaded machine 32 MiB can take more than 1 s)
script '{"fail": [{"path": "usage_report", "status": 200, "times": 100, "pad": 33554500,
  "body": "{\"data\": [], \"has_more\": false, \"next_page\": null}"}]}'
once "$dir/f.db" "$dir/f.json"
python3 - "$dir/f.json" <<'PY' || fail "the huge body was not reported"
import json, sys
src = {s["name"]: s for s in json.load(open(sys.argv[1]))["sources"]}
assert src["an"]["status"] == "error", src["an"]
assert src["an"]["last_error"] == "usage: response body larger than 33554432 bytes", src["an"]
assert src["oa"]["status"] == "ok", src["oa"]
PY

# ---- 403 (an ordinary key where an admin key is needed): the source's error with
# the provider's message, in the log naming the source; the key never. Both
# sources failed: exit status 1, the snapshot printed all the same ------------------
script '{"fail": [{"path": "/organization/usage", "status": 403, "times": 5,
  "body": "{\"error\": {\"message\": \"You have insufficient permissions for this operation.\", \"type\": \"invalid_request_error\"}}"},
  {"path": "usage_report", "status": 403, "times": 5,
  "body": "{\"type\": \"error\", \"error\": {\"type\": \"permission_error\", \"message\": \"admin key required\"}, \"request_id\": \"req_1\"}"}]}'
rc=0
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/g.db" --now "$NOW" \
    > "$dir/g.json" 2>"$dir/g.json.err" || rc=$?
[ $rc = 1 ] || fail "--once with every source failing exited $rc"
grep -q "every source failed" "$dir/g.json.err" || fail "--once: $(cat "$dir/g.json.err")"
python3 - "$dir/g.json" <<'PY' || fail "the 403s were not reported"
import json, sys
src = {s["name"]: s for s in json.load(open(sys.argv[1]))["sources"]}
assert src["oa"]["status"] == "error", src["oa"]
assert src["oa"]["last_error"] == ("usage: HTTP 403: You have insufficient permissions "
                                   "for this operation."), src["oa"]
assert src["an"]["last_error"] == "usage: HTTP 403: admin key required", src["an"]
PY
grep -q "source oa: usage: HTTP 403" "$dir/g.json.err" || fail "the log does not name the source"
grep -q "source an: usage: HTTP 403" "$dir/g.json.err" || fail "the log does not name the source"
no_key "$dir"/*.json "$dir"/*.err

# ---- the key file rotated under a running daemon: the next poll reads it -----------
script '{}'
printf 'sk-admin-WRONG\n' > "$dir/openai.key"
"$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/h.db" 2>"$dir/daemon.err" &
daemon=$!
i=0
until grep -q "source oa: usage: HTTP 401: Incorrect API key provided" "$dir/daemon.err"; do
    i=$((i + 1)); [ $i -lt 300 ] || fail "the wrong key was not reported: $(cat "$dir/daemon.err")"
    kill -0 $daemon 2>/dev/null || fail "the daemon died"
    sleep 0.05
done
printf 'sk-admin-good\n' > "$dir/openai.key.new"
chmod 600 "$dir/openai.key.new"
mv "$dir/openai.key.new" "$dir/openai.key"
kill -USR2 $daemon
i=0
until grep -q "source oa: recovered" "$dir/daemon.err"; do
    i=$((i + 1)); [ $i -lt 300 ] || fail "the rotated key was not used: $(cat "$dir/daemon.err")"
    sleep 0.05
done
grep -q "bearer-bad.*usage/completions" "$dir/requests.log" || fail "no request with the old key"
# rotated by a tool that left it readable by others: refused. (SIGUSR2 while
# the pass that recovered is still under way starts none: sent until one does)
chmod 644 "$dir/openai.key"
i=0
until grep -q "source oa: $dir/openai.key is readable by group or others: refusing it" "$dir/daemon.err"; do
    i=$((i + 1)); [ $i -lt 600 ] || fail "a readable key file was used: $(cat "$dir/daemon.err")"
    [ $((i % 20)) -eq 1 ] && kill -USR2 $daemon
    sleep 0.05
done
kill $daemon
wait $daemon || fail "the daemon did not stop cleanly"
daemon=""
grep -q "WRONG" "$dir/daemon.err" && fail "the wrong key was printed"
no_key "$dir/daemon.err"
echo "providers_edges: ok"

#!/bin/sh
# prices.sh - `spendtop prices`: a model's match explained, what the
# database holds unpriced, and `prices update` against a real local HTTP
# server (tests/e2e/price_server.py) through libcurl: a good table is
# stored beside the database (the previous one kept) and is the table in
# force from the next start; a truncated one, one that drops a model in
# use, one with a negative price, one too small and a 404 are refused and
# change nothing. An old table is flagged in the snapshot's sources.
set -eu
dir=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
mkdir "$dir/www" "$dir/state"
python3 tests/e2e/price_server.py "$dir/www" &
server=$!
i=0
until [ -s "$dir/www/port" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the price server did not start"; sleep 0.1
done
url="http://127.0.0.1:$(cat "$dir/www/port")"
db="$dir/state/spendtop.db"

# a database that uses gpt-4o-mini, claude-sonnet-4-6 and the unpriced mystery-1
python3 tests/e2e/once_json_check.py write "$dir"
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/export*.json"
TOML
"$SPENDTOP" --once -c "$dir/config.toml" --db "$db" --now 2026-11-20T12:00:00Z \
    >/dev/null 2>&1

# ---- a model explained ----
"$SPENDTOP" prices -c "$dir/config.toml" --db "$db" gpt-4o-mini-2024-08-30 --provider openai \
    > "$dir/out" || fail "prices MODEL exited $?"
grep -q "matched    gpt-4o-mini, by rule date-stripped" "$dir/out" || fail "$(cat "$dir/out")"
grep -q "input_cost_per_token .*1.5e-07" "$dir/out" || fail "$(cat "$dir/out")"
# 8000 uncached x 1.5e-7 + 2000 cached x 7.5e-8 + 1000 out x 6e-7 = 0.001950
grep -q 'sample .*: \$0.001950' "$dir/out" || fail "$(cat "$dir/out")"
grep -q "table      compiled-in, 2026-07-24" "$dir/out" || fail "$(cat "$dir/out")"
rc=0
"$SPENDTOP" prices -c "$dir/config.toml" --db "$db" mystery-1 >"$dir/out" || rc=$?
[ $rc -eq 1 ] || fail "an unpriced model exited $rc"
grep -q "matched    nothing: unpriced" "$dir/out" || fail "$(cat "$dir/out")"

# ---- what the database holds unpriced ----
"$SPENDTOP" prices -c "$dir/config.toml" --db "$db" --unpriced > "$dir/out"
grep -q "^openai/mystery-1: 1 requests, 500 input, 50 output tokens" "$dir/out" \
    || fail "--unpriced: $(cat "$dir/out")"
[ "$(wc -l < "$dir/out")" -eq 1 ] || fail "--unpriced listed priced models: $(cat "$dir/out")"
# no database is not "every model is priced (0 models)", and is not made
rc=0
"$SPENDTOP" prices -c "$dir/config.toml" --db "$dir/none/such.db" --unpriced \
    > "$dir/out" 2> "$dir/err" || rc=$?
[ $rc -eq 1 ] || fail "--unpriced without a database exited $rc: $(cat "$dir/out")"
grep -q "^spendtop: no database at $dir/none/such.db$" "$dir/err" || fail "$(cat "$dir/err")"
[ ! -s "$dir/out" ] && [ ! -e "$dir/none" ] || fail "--unpriced made $dir/none or said $(cat "$dir/out")"

# ---- the tables the server offers ----
python3 - "$dir/www" <<'PY'
import json, sys
www = sys.argv[1]
good = json.load(open("pricing/default_prices.json"))
good["gpt-4o-mini"]["input_cost_per_token"] = 2e-07      # a price that changed
good["mystery-1"] = {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                     "litellm_provider": "openai", "mode": "chat"}
text = json.dumps(good, indent=1)
open(www + "/good.json", "w").write(text)
open(www + "/truncated.json", "w").write(text[: len(text) // 2])
drop = dict(good)
del drop["claude-sonnet-4-6"]
open(www + "/drops.json", "w").write(json.dumps(drop))
neg = json.loads(text)
neg["gpt-4o"]["output_cost_per_token"] = -1e-05
open(www + "/negative.json", "w").write(json.dumps(neg))
small = {k: good[k] for k in ("gpt-4o-mini", "claude-sonnet-4-6", "mystery-1")}
open(www + "/small.json", "w").write(json.dumps(small))
PY

refused() { # refused NAME WHY: update from NAME fails saying WHY, storing nothing
    rc=0
    "$SPENDTOP" prices -c "$dir/config.toml" --db "$db" update "$url/$1" \
        >"$dir/out" 2>"$dir/err" || rc=$?
    [ $rc -eq 1 ] || fail "update from $1 exited $rc"
    grep -q "$2" "$dir/err" || fail "update from $1: $(cat "$dir/err")"
    [ ! -e "$dir/state/prices.json" ] || cmp -s "$dir/state/prices.json" "$dir/stored" \
        || fail "update from $1 changed the stored table"
    ls "$dir/state" | grep -q 'prices.json.' && fail "update from $1 left a temporary file"
    return 0
}
refused truncated.json "not valid JSON"
refused drops.json "drops 1 model the database uses (anthropic/claude-sonnet-4-6)"
refused negative.json "a negative price: gpt-4o output_cost_per_token = -1e-05"
refused small.json "only 3 priced models"
refused missing.json "HTTP status 404"
[ ! -e "$dir/state/prices.json" ] || fail "a refused table was stored"

# ---- a good table ----
"$SPENDTOP" prices -c "$dir/config.toml" --db "$db" update "$url/good.json" > "$dir/out" \
    || fail "update from good.json exited $?: $(cat "$dir/out")"
grep -q "openai/gpt-4o-mini input_cost_per_token: 1.5e-07 -> 2e-07" "$dir/out" \
    || fail "the change was not shown: $(cat "$dir/out")"
grep -q "openai/mystery-1: now priced" "$dir/out" || fail "$(cat "$dir/out")"
cmp -s "$dir/state/prices.json" "$dir/www/good.json" || fail "the stored table differs"
[ ! -e "$dir/state/prices.previous.json" ] || fail "a previous table out of nowhere"
grep -q "previous table" "$dir/out" && fail "the first table names a previous one: $(cat "$dir/out")"
cp "$dir/state/prices.json" "$dir/stored"
# from the next start it is the table in force
"$SPENDTOP" prices -c "$dir/config.toml" --db "$db" gpt-4o-mini > "$dir/out"
grep -q "table      $dir/state/prices.json" "$dir/out" || fail "$(cat "$dir/out")"
grep -q "input_cost_per_token .*2e-07" "$dir/out" || fail "$(cat "$dir/out")"
"$SPENDTOP" prices -c "$dir/config.toml" --db "$db" --unpriced | grep -q "every model" \
    || fail "mystery-1 is still unpriced"
# the refusals still change nothing, the previous table is kept on the next update
refused drops.json "drops 1 model"
"$SPENDTOP" prices -c "$dir/config.toml" --db "$db" update --force "$url/drops.json" \
    > "$dir/out" || fail "--force exited $?"
cmp -s "$dir/state/prices.previous.json" "$dir/stored" || fail "the previous table was not kept"
grep -q "(the previous table: prices.previous.json)" "$dir/out" || fail "$(cat "$dir/out")"
cmp -s "$dir/state/prices.json" "$dir/www/drops.json" || fail "--force did not store"

# ---- a table older than 60 days is flagged; a fresh one is not ----
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$db" > "$dir/snap.json" 2>/dev/null
python3 - "$dir/snap.json" <<'PY' || fail "a fresh table was flagged"
import json, sys
assert [s for s in json.load(open(sys.argv[1]))["sources"] if s["name"] == "prices"] == []
PY
touch -d "@$(( $(date +%s) - 90 * 86400 ))" "$dir/state/prices.json"
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$db" > "$dir/snap.json" 2>/dev/null
python3 - "$dir/snap.json" <<'PY' || fail "a 90-day-old table was not flagged"
import json, sys
flag = [s for s in json.load(open(sys.argv[1]))["sources"] if s["name"] == "prices"]
assert len(flag) == 1 and flag[0]["status"] == "stale", flag
assert "is 90 days old" in flag[0]["last_error"], flag
PY
# offline, with a broken stored table, the compiled-in one takes over
echo '{"broken' > "$dir/state/prices.json"
"$SPENDTOP" prices -c "$dir/config.toml" --db "$db" gpt-4o-mini 2>/dev/null \
    | grep -q "table      compiled-in" || fail "no fallback to the compiled-in table"
echo "prices: ok"

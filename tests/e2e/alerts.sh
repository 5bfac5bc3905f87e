#!/bin/sh
# alerts.sh - alerts end to end, through real hooks:
#  - a steady week on a daily curve (peak 4x the trough) raises no alert;
#  - the same week with a tenant sending a reasoning model 30 extra requests
#    a minute for the last 90 minutes, without cache hits, raises
#    spend_anomaly (tenant and total), model_spike (the model), cache_drop
#    and reasoning_jump, each notified exactly once through a hook;
#  - a second --once a minute later notifies nothing new.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }

config() { # config EXPORT
    cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$1"

[[hook]]
name = "record"
shell = 'printf "%s %s %s %s %s\n" "\$SPENDTOP_ALERT_STATE" "\$SPENDTOP_ALERT_KIND" "\$SPENDTOP_ALERT_SCOPE" "\$SPENDTOP_ALERT_WINDOW" "\$SPENDTOP_ALERT_ID" >> $dir/notified'

[[hook]]
name = "stdin"
command = ["/bin/sh", "-c", "cat >> $dir/stdin.jsonl"]

# the README's pager: the incident, not every scope it shows up in
[[hook]]
name = "pager"
command = ["/bin/sh", "-c", "echo \"\$SPENDTOP_ALERT_KIND \$SPENDTOP_ALERT_SCOPE \$SPENDTOP_ALERT_WINDOW\" >> $dir/paged"]
kinds = ["spend_anomaly", "budget", "source_stale"]
scopes = ["total", "tenant", "source"]
min_severity = "critical"
TOML
}

# ---- a steady week: nothing -----------------------------------------------
python3 tests/e2e/alerts_export.py "$dir/steady.json"
config "$dir/steady.json"
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/steady.db" \
    --now 2026-11-20T12:00:00Z > "$dir/steady.out" 2>"$dir/steady.err"
python3 - "$dir/steady.out" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["alerts"] == [], out["alerts"]
assert out["spend"]["ratio"] is not None and abs(out["spend"]["ratio"] - 1) < 0.05, out["spend"]
PY
[ ! -e "$dir/notified" ] || fail "the steady week notified: $(cat "$dir/notified")"

# ---- the incident: each expected alert, notified once --------------------------
python3 tests/e2e/alerts_export.py "$dir/incident.json" --incident
config "$dir/incident.json"
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/incident.db" \
    --now 2026-11-20T12:00:00Z > "$dir/incident.out" 2>"$dir/incident.err"
for want in "spend_anomaly tenant:globex 1h" "spend_anomaly total 1h" \
            "model_spike model:openai/o3 1h" "cache_drop total 1h" "reasoning_jump total 1h"; do
    n=$(grep -c "^firing $want " "$dir/notified" || true)
    [ "$n" = 1 ] || fail "'$want' notified $n times"
done
# every alert notified exactly once, and each by both hooks
sort "$dir/notified" | cut -d' ' -f2-4 | uniq -d | grep . && fail "an alert was notified twice"
[ "$(wc -l < "$dir/notified")" = "$(wc -l < "$dir/stdin.jsonl")" ] || fail "the hooks saw different notifications"
python3 - "$dir/incident.out" "$dir/stdin.jsonl" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
firing = {(a["kind"], a["scope"], a["window"]) for a in out["alerts"] if a["state"] == "firing"}
seen = [json.loads(l) for l in open(sys.argv[2])]
assert {(a["kind"], a["scope"], a["window"]) for a in seen} == firing, "hooks and snapshot disagree"
for a in out["alerts"]:
    assert set(a) == {"id", "kind", "state", "severity", "scope", "window", "value", "baseline",
                      "ratio", "threshold", "started_at", "summary"}, a
g = [a for a in out["alerts"] if a["kind"] == "spend_anomaly" and a["scope"] == "tenant:globex"
     and a["window"] == "1h"][0]
assert g["severity"] == "critical" and g["value"] > 10 * g["baseline"], g
PY
# the pager hook heard of the incident, not of every scope of it
printf '%s\n' "spend_anomaly tenant:globex 1h" "spend_anomaly tenant:globex 24h" \
    "spend_anomaly total 1h" "spend_anomaly total 24h" > "$dir/paged.want"
sort "$dir/paged" | cmp -s - "$dir/paged.want" || fail "the pager got: $(cat "$dir/paged")"
[ "$(wc -l < "$dir/notified")" -gt 20 ] || fail "the unfiltered hook should see every scope"
cp "$dir/notified" "$dir/first"

# ---- a minute later: nothing new -------------------------------------------------
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/incident.db" \
    --now 2026-11-20T12:01:00Z > "$dir/again.out" 2>"$dir/again.err"
cmp -s "$dir/first" "$dir/notified" || fail "the second run notified: $(diff "$dir/first" "$dir/notified")"
python3 - "$dir/incident.out" "$dir/again.out" <<'PY'
import json, sys
a = {x["id"] for x in json.load(open(sys.argv[1]))["alerts"]}
b = {x["id"] for x in json.load(open(sys.argv[2]))["alerts"]}
assert a == b, "alert ids changed while firing"
PY

# ---- --no-hooks evaluates and reports but runs nothing ---------------------------
rm -f "$dir/notified"
"$SPENDTOP" --once --json --no-hooks -c "$dir/config.toml" --db "$dir/nohooks.db" \
    --now 2026-11-20T12:00:00Z > "$dir/nohooks.out" 2>/dev/null
[ ! -e "$dir/notified" ] || fail "--no-hooks ran a hook"
grep -q '"state": "firing"' "$dir/nohooks.out" || fail "--no-hooks reported no alert"
# ---- --daemon: collects, alerts through the hooks, stops cleanly on SIGTERM ----
rm -f "$dir/notified" "$dir/stdin.jsonl"
"$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/daemon.db" \
    --now 2026-11-20T12:00:00Z 2>"$dir/daemon.err" &
pid=$!
i=0
until grep -q "^firing spend_anomaly total 1h" "$dir/notified" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 300 ] || { kill $pid; fail "the daemon notified nothing"; }
    sleep 0.1
done
kill -TERM $pid
wait $pid || fail "the daemon did not exit cleanly on SIGTERM"
grep -q "signal 15: stopping" "$dir/daemon.err" || fail "the daemon did not log its stop"
echo "alerts: ok"

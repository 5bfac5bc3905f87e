#!/bin/sh
# tui_viewer.sh - what a dashboard attached to a daemon keeps on screen
# when room is short, in real tmux, with the compiled-in price table
# flagged stale (as it is on any box that has not updated it for 60 days):
#  - at 120x40 the header says "attached to daemon (pid N)" whole (it came
#    after the price table's age and was cut to "att…");
#  - at 80x24 a silenced alert says so ("[silenced]" came last in its row
#    and was cut with the time since);
#  - an alert on a tenant with a 108-byte name still shows its window and
#    value (the scope pushed them off the row).
#
# Waiting is on what the screens show, polled every 0.1 s up to a deadline
# - never a sleep standing in for "it is probably done".
set -eu
. "$(dirname "$0")/lib/tmux.sh"
tmux_start tui-viewer
fail() {
    echo "FAIL: $1"
    for s in wide narrow; do echo "---- $s:"; screen $s || true; done
    echo "---- daemon:"; tail -20 "$dir/daemon.err" 2>/dev/null || true
    exit 1
}

python3 tests/e2e/alerts_export.py "$dir/spans.json" --incident
T0=1795176000  # alerts_export.py's T: 2026-11-20T12:00:00Z, 119 days past the table
# a tenant with a long name, new in the last half hour: $12.00 of o3
python3 - "$dir/spans-long.json" $T0 <<'PY'
import json, sys
T = int(sys.argv[2])
def attr(k, v):
    return {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
spans = [{"traceId": "%032x" % (10**9 + k), "spanId": "%016x" % (10**9 + k),
          "startTimeUnixNano": str((T - 1800 + 30 * k) * 10**9),
          "attributes": [attr("gen_ai.operation.name", "chat"),
                         attr("gen_ai.provider.name", "openai"),
                         attr("gen_ai.request.model", "o3"),
                         attr("gen_ai.usage.input_tokens", 200000),
                         attr("tenant.id", "L" * 100 + "-tail-eu")]}
         for k in range(30)]
open(sys.argv[1], "w").write(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n")
PY
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/spans*.json"
tenant_attribute = "tenant.id"
TOML
db=$dir/state.db
daemon_start "$db" --no-hooks -c "$dir/config.toml" --now $T0
$T new-session -d -s keep "exec cat"
for s in "wide 120 40" "narrow 80 24"; do
    set -- $s
    $T new-session -d -s $1 -x $2 -y $3 \
        "$SPENDTOP -c $dir/config.toml --db $db --now $T0; echo EXIT=\$?; exec cat"
done

echo "tui_viewer: the header at 120 columns"
wait_screen wide "^ spendtop spans ● ok [0-9.]+k?  attached to daemon \(pid $daemon\)  prices ● stale [0-9]+d"
wait_screen wide "LIVE *$"

echo "tui_viewer: an alert on a long name"
for w in 1h 24h; do
    wait_screen wide "^│CRIT +spend_anomaly +tenant:L{20,}… +$w +\\\$12\.00 vs "
done

echo "tui_viewer: a silenced alert at 80 columns"
wait_screen narrow "^│CRIT +spend_anomaly +total "
screen narrow | grep -q "silenced" && fail "silenced before asking"
$T send-keys -t narrow Tab Tab a
wait_screen narrow "^│CRIT +spend_anomaly +total +1h +\[silenced\]  \\\$"
wait_screen wide "^│CRIT +spend_anomaly +total +1h +\[silenced\]  \\\$[0-9.]+ vs .* since "

for s in wide narrow; do
    $T send-keys -t $s q
    wait_screen $s "^EXIT=0"
done
echo "tui_viewer: ok"

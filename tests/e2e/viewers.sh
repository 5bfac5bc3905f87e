#!/bin/sh
# viewers.sh - one daemon, many viewers (issue 13), with a real daemon and
# three real dashboards in tmux:
#  - `spendtop` on a database a daemon owns attaches to it and says so;
#  - a record appended to the export the daemon follows shows on all three,
#    and on the other two while one is stopped (SIGSTOP, a frozen session);
#  - `a` in one viewer silences the alert in the daemon: the other two
#    show it silenced; `R` in another has the daemon poll;
#  - the daemon killed with SIGKILL: the viewers say since when it is gone
#    and keep their figures; restarted (its clock moved on to just before
#    the silence ends, past every alert's repeat), they attach again by
#    themselves; the other alerts' repeats run their hooks, the silenced
#    one's does not; and what it stores next shows on all three;
#  - `--once --json` against the daemon's database equals the snapshot an
#    owner prints from the same data at the same time.
#
# Waiting is on conditions (what the screens, the hook log or the database
# show), polled every 0.1 s up to a deadline - never a sleep standing in
# for "it is probably done".
set -eu
. "$(dirname "$0")/lib/tmux.sh"
tmux_start viewers
fail() {
    echo "FAIL: $1"
    for s in v1 v2 v3; do echo "---- $s:"; screen $s || true; done
    echo "---- daemon:"; tail -20 "$dir/daemon.err" 2>/dev/null || true
    exit 1
}
wait_all() { for s in v1 v2 v3; do wait_screen $s "$@"; done; }
child_of() { # child_of PID NAME: PID itself if it is NAME, else its child called NAME
    for stat in /proc/$1/stat /proc/[0-9]*/stat; do
        { read -r cpid comm _ ppid _; } 2>/dev/null < "$stat" || continue
        { [ "$cpid" = "$1" ] || [ "$ppid" = "$1" ]; } && [ "$comm" = "($2)" ] &&
            { echo "$cpid"; return 0; }
    done
    return 1
}
wait_file() { # wait_file FILE PATTERN [TENTHS]
    i=0
    while [ $i -lt "${3:-150}" ]; do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1; i=$((i + 1))
    done
    fail "timed out waiting for '$2' in $1"
}

# 8 days of history ending at T0 with an incident in the last 90 minutes
python3 tests/e2e/alerts_export.py "$dir/spans.json" --incident
END=1795176000  # alerts_export.py's T: 2026-11-20T12:00:00Z
T0=$END        # the daemon's clock starts here
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/spans*.json"
tenant_attribute = "tenant.id"

[alerts]
repeat = "10m"

# budgets far from their amounts (no alert): a viewer shows the daemon's
[[budget]]
scope = "total"
period = "month"
amount_usd = 1000000000.0

[[budget]]
scope = "tenant:acme"
period = "week"
amount_usd = 900000000.0
thresholds = [10, 90]

[[hook]]
name = "record"
shell = 'echo "\$SPENDTOP_ALERT_STATE \$SPENDTOP_ALERT_KIND \$SPENDTOP_ALERT_SCOPE \$SPENDTOP_ALERT_WINDOW \$SPENDTOP_ALERT_ID" >> $dir/notified'
TOML
db=$dir/state.db
run() { "$SPENDTOP" -c "$dir/config.toml" --db "$db" "$@"; }
# the history read once (no hook) so that the daemon starts caught up
run --once --no-hooks --now $T0 >/dev/null 2>"$dir/first.err" || fail "first read: $(cat "$dir/first.err")"

start_wall=$(date +%s)
start_daemon() { daemon_start "$db" -c "$dir/config.toml" --now "$1"; } # start_daemon NOW
now_of_daemon() { echo $((T0 + $(date +%s) - start_wall)); }
append() { # append TENANT SPANID: one chat span two minutes before the history's end
    printf '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x","startTimeUnixNano":"%s","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-5-mini"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1000"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"100"}},{"key":"tenant.id","value":{"stringValue":"%s"}}]}]}]}]}\n' \
        "$2" "$2" "$(((END - 120) * 1000000000))" "$1" >> "$dir/spans.json"
}

echo "viewers: a daemon and three viewers"
start_daemon $T0
wait_file "$dir/notified" "^firing spend_anomaly total 1h "
$T new-session -d -s keep "exec cat"
for s in v1 v2 v3; do
    # on the daemon's clock (--now), as a viewer on the same box is
    $T new-session -d -s $s -x 120 -y 40 \
        "$SPENDTOP -c $dir/config.toml --db $db --now $(now_of_daemon); echo EXIT=\$?; exec cat"
done
wait_all "attached to daemon \(pid $daemon\)"
wait_all "Alerts  [1-9][0-9]* firing"
wait_all "^│globex "

echo "viewers: a record the daemon stores shows on all three, a frozen one holding back no one"
# v3 stopped as a frozen SSH session stops it: the daemon stores, v1 and
# v2 show it; v3 shows it once it runs again
v3=$(child_of "$($T list-panes -t v3 -F '#{pane_pid}')" spendtop) || fail "no spendtop in v3"
kill -STOP "$v3"
append viewerco 900001
wait_screen v1 "^│viewerco " 50
wait_screen v2 "^│viewerco " 50
kill -CONT "$v3"
wait_screen v3 "^│viewerco " 50

echo "viewers: a in one viewer silences the alert for all"
screen v2 | grep -q "\[silenced\]" && fail "silenced before asking"
$T send-keys -t v1 Tab Tab a
wait_screen v1 "asked the daemon to silence|\[silenced\]"
wait_screen v2 "\[silenced\]" 50
wait_screen v3 "\[silenced\]" 50
# R asks the daemon to poll
$T send-keys -t v2 R
wait_file "$dir/daemon.err" "viewer pid [0-9]+: polling every source now" 50
# which one, when it was last notified, and until when it is silent
set -- $(python3 - "$db" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT kind, scope, window, last_notified, silenced_until FROM alerts"
    " WHERE silenced_until > 0").fetchall()
assert len(rows) == 1, rows
k, s, w, last, until = rows[0]
print(k, s, {3600: "1h", 86400: "24h"}.get(w, w), last, until)
PY
) || fail "not exactly one alert silenced in the daemon's database"
silenced="$1 $2 $3" last=$4 until=$5
# the restart below runs the daemon's clock from MARGIN s before the
# silence ends: a start and a first evaluation slower than that (a loaded
# machine) would see the silence over and take its repeat for a failure
MARGIN=120
[ $((until - MARGIN)) -ge $((last + 600)) ] || fail "silenced too soon after it was notified"
[ "$(grep -c "^firing $silenced " "$dir/notified")" = 1 ] || fail "'$silenced' notified other than once"
others=$(grep "^firing " "$dir/notified" | grep -vc "^firing $silenced ")

echo "viewers: the daemon killed, restarted past the repeat: the others repeat, the silenced one not"
kill -9 $daemon
wait $daemon 2>/dev/null || true
daemon=""
wait_all "daemon gone since [0-9]{2}:[0-9]{2}:[0-9]{2}"
wait_all "^│viewerco "   # what they had stays
# shortly before the silence ends: every alert's repeat (10m) is due
start_wall=$(date +%s) T0=$((until - MARGIN))
start_daemon $T0
wait_all "attached to daemon \(pid $daemon\)"
i=0
until [ "$(grep "^firing " "$dir/notified" | grep -vc "^firing $silenced ")" -gt "$others" ]; do
    i=$((i + 1)); [ $i -lt 150 ] || fail "the restarted daemon repeated no alert"
    sleep 0.1
done
[ "$(grep -c "^firing $silenced " "$dir/notified")" = 1 ] || fail "a hook ran for the silenced alert's repeat"
append afterco 900002
wait_all "^│afterco " 50

echo "viewers: --once --json on the daemon's database is the daemon's view"
now=$(now_of_daemon)
# the daemon's tick has stored what it read (both records above are shown)
run --once --json --now "$now" >"$dir/viewer.json" 2>"$dir/viewer.err" ||
    fail "--once as a viewer failed: $(cat "$dir/viewer.err")"
grep -q "attached to daemon (pid $daemon)" "$dir/viewer.err" || fail "--once did not say it attached"
kill -TERM $daemon
wait $daemon || fail "the daemon did not stop cleanly"
daemon=""
run --once --json --no-hooks --now "$now" >"$dir/owner.json" 2>"$dir/owner.err" ||
    fail "--once as the owner failed: $(cat "$dir/owner.err")"
python3 - "$dir/viewer.json" "$dir/owner.json" <<'PY' || fail "the viewer's snapshot differs"
import json, math, sys
v, o = (json.load(open(p)) for p in sys.argv[1:3])
def same(a, b, path):
    if isinstance(a, float) or isinstance(b, float):
        ok = a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        assert ok, (path, a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), (path, a.keys(), b.keys())
        for k in a:
            same(a[k], b[k], path + "." + k)
    elif isinstance(a, list):
        assert len(a) == len(b), (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (path, i))
    else:
        assert a == b, (path, a, b)
# the figures, from the same data at the same time: equal
for k in ("generated_at", "window", "spend", "cache", "reasoning", "tenants", "models",
          "mix", "unpriced", "budgets", "prices"):
    same(v[k], o[k], k)
assert [b["scope"] for b in v["budgets"]] == ["total", "tenant:acme"], v["budgets"]
assert v["budgets"][0]["spent_usd"] > 0 and v["prices"], (v["budgets"], v["prices"])
# the alerts: the same ones in the same states (their values are the
# daemon's last evaluation in the viewer, this instant's in the owner)
key = lambda a: (a["id"], a["kind"], a["state"], a["severity"], a["scope"], a["window"],
                 a["started_at"])
assert [key(a) for a in v["alerts"]] == [key(a) for a in o["alerts"]], (v["alerts"], o["alerts"])
# the sources: the daemon's own health (it read the two records), not an
# owner's that has read nothing new
assert [s["name"] for s in v["sources"]] == [s["name"] for s in o["sources"]]
assert v["sources"][0]["status"] == "ok" and v["sources"][0]["records"] == 1, v["sources"]
PY
echo "viewers: ok"

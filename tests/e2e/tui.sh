#!/bin/sh
# tui.sh - the real dashboard in a real terminal (tmux): every pane, the
# keys, resizing, quitting, NO_COLOR, and escaped untrusted names.
#
# Waiting is on conditions (what the screen shows), polled every 0.1 s up
# to a deadline - never a bare sleep standing in for "it is probably done".
set -eu
dir=$(mktemp -d)
T="tmux -L spendtop-e2e-$$ -f /dev/null"
trap '$T kill-server 2>/dev/null || true; rm -rf "$dir"' EXIT
export XDG_STATE_HOME="$dir/state" HOME="$dir"
export TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8

screen() { $T capture-pane -p -t s 2>/dev/null; }
step() { echo "tui: $1"; }
fail() { echo "FAIL: $1"; echo "---- screen:"; screen || true; exit 1; }
wait_for() { # wait_for PATTERN: until a line of the screen matches (grep -E)
    i=0
    while [ $i -lt 150 ]; do
        screen | grep -Eq -- "$1" && return 0
        sleep 0.1; i=$((i + 1))
    done
    fail "timed out waiting for: $1"
}
wait_gone() {
    i=0
    while [ $i -lt 150 ]; do
        screen | grep -Eq -- "$1" || return 0
        sleep 0.1; i=$((i + 1))
    done
    fail "still showing: $1"
}
child_of() { # child_of PID NAME: PID's child process called NAME, from /proc
    # (a minimal Debian has no procps: no pkill, no pgrep)
    for stat in /proc/[0-9]*/stat; do
        { read -r cpid comm _ ppid _; } 2>/dev/null < "$stat" || continue
        [ "$ppid" = "$1" ] && [ "$comm" = "($2)" ] && { echo "$cpid"; return 0; }
    done
    return 1
}
# a session that lives as long as the test: killing the last session would
# stop the tmux server, and the next start could race the dying server
$T new-session -d -s keep "exec cat"
start() { # start COMMAND: in a 120x40 terminal; the pane outlives it
    $T new-session -d -s s -x 120 -y 40 "$1; echo EXIT=\$?; exec cat"
}

# ---- the demo dashboard: every pane, dollar figures, the incident --------
step "panes"
start "$SPENDTOP --demo"
for title in "Spend" "Cache hit rate" "Reasoning ratio" "Tenants" "Models" "Alerts"; do
    wait_for "$title"
done
wait_for '\$[0-9]+\.[0-9]{2}'
wait_for "demo .* ok"
wait_for "LIVE"
# a stale price table (the compiled-in one is from 2026-07-24: stale 60
# days on) is an entry in the header with its age (it said "0", records it
# does not count), then which table it is; the entries two columns apart
# (the dot is three bytes: the header once spaced by bytes)
if [ "$(date +%s)" -gt 1790208000 ]; then
    wait_for "demo ● ok [0-9.]+[kM]?  prices ● stale [0-9]+d  prices: default 2026-07"
fi
# the planted incident: globex tops the tenants at many times its baseline,
# o3 tops the models
screen | grep -E '^│globex +\$[0-9.]+ +\$[0-9.]+ +\$[0-9.]+ +[0-9.]+x' >/dev/null \
    || fail "globex is not the first tenant row"
screen | grep -E '│o3 +[0-9.]+%' >/dev/null || fail "o3 is not in the models"

# the incident fires alerts; Tab to the Alerts pane, a silences the first
step alerts
wait_for "Alerts  [1-9][0-9]* firing"
# the first frame comes before the first verdict: the alert replay is
# views the frame does not need (seconds at 100,000 series); the frame
# shows the alert state stored until the verdict is in
log="$dir/state/spendtop/spendtop.log"
f=$(grep -n 'first frame drawn' "$log" | head -1 | cut -d: -f1)
v=$(grep -n 'alerts: first verdict' "$log" | head -1 | cut -d: -f1)
[ -n "$f" ] && [ -n "$v" ] && [ "$f" -lt "$v" ] \
    || fail "the first frame waited for the alert replay (frame at log line ${f:-none}, verdict at ${v:-none})"
wait_for "^│CRIT +spend_anomaly +total "
# the alert list grows into the rows the tables do not need: at 120x40 with
# seven tenants it shows the tenant's alerts too, not just the first four
wait_for "^│CRIT +spend_anomaly +tenant:globex "
n=$(screen | grep -cE "^│(CRIT|WARN) ")
[ "$n" -ge 12 ] || fail "the alert list shows $n alerts"
screen | grep -qE "^│\(unattributed\) " || fail "the tables lost a row to the alerts"
screen | grep -q "\[silenced\]" && fail "silenced before asking"
$T send-keys -t s Tab Tab a
wait_for "\[silenced\]"
$T send-keys -t s Tab

# ? shows the help with every key; any key closes it
step help
$T send-keys -t s '?'
wait_for "Keys"
for k in "quit" "window 1h / 6h / 24h" "filter" "drill into" "pause" "silence" "poll every source"; do
    screen | grep -q -- "$k" || fail "help lacks: $k"
done
$T send-keys -t s x
wait_gone "─ Keys"

# 3: the 24-hour window
step window
$T send-keys -t s 3
wait_for "window 24h"
wait_for "^│24h \\\$"

# / narrows the tenants as you type
step filter
$T send-keys -t s / a c m e
wait_for "filter: acme"
wait_for "filter tenants: acme_"
screen | grep -q '^│globex' && fail "the filter did not narrow the tenants"
$T send-keys -t s Enter
wait_gone "filter tenants:"
# Enter drills into acme, Esc comes back
$T send-keys -t s Enter
wait_for "Tenant acme"
wait_for "7 days, [0-9]+ h per cell"
$T send-keys -t s Escape
wait_gone "Tenant acme"
wait_for "─ Tenants"

# too small says so; big enough draws again
step resize
$T resize-window -t s -x 60 -y 15
wait_for "^terminal too small \\(need 80x24\\)"
$T resize-window -t s -x 100 -y 30
wait_for "─ Spend"
wait_for "─ Alerts"

# q: exit 0, and the terminal is given back (no alternate screen)
step quit
$T send-keys -t s q
wait_for "^EXIT=0"
[ "$($T display -p -t s '#{alternate_on}')" = 0 ] || fail "alternate screen still on"
# and nothing was logged on it before the first frame (the log has it)
! screen | grep -q "^spendtop: " || fail "the dashboard logged to the terminal: $(screen)"
$T kill-session -t s

# ---- started too small, then grown: what it leaves is the shell's screen ---
step small_start
$T new-session -d -s s -x 40 -y 10 "echo BEFORE; $SPENDTOP --demo; echo EXIT=\$?; exec cat"
wait_for "^terminal too small"
$T resize-window -t s -x 100 -y 30
wait_for "─ Alerts"
$T send-keys -t s q
wait_for "^EXIT=0"
! screen | grep -q "│" || fail "the last frame is left on the screen: $(screen)"
$T kill-session -t s

# ---- SIGTERM also restores the terminal --------------------------------------
step sigterm
start "$SPENDTOP --demo"
wait_for "─ Spend"
spid=$(child_of "$($T list-panes -t s -F '#{pane_pid}')" spendtop) || fail "no spendtop in the pane"
kill -TERM "$spid"
wait_for "^EXIT=143"
[ "$($T display -p -t s '#{alternate_on}')" = 0 ] || fail "alternate screen still on after SIGTERM"
$T kill-session -t s

# ---- NO_COLOR: not one colour escape in the output stream -----------------
step no_color
has_colour() { # has_colour FILE: SGR sequences that set a colour
    python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
sgr = re.findall(rb"\x1b\[([0-9;]*)m", data)
def colour(params):
    p = [x for x in params.split(b";") if x]
    return any(x in (b"38", b"48") or 30 <= int(x) <= 49 or 90 <= int(x) <= 107 for x in p)
sys.exit(0 if any(colour(s) for s in sgr) else 1)
PY
}
start "script -qfec '$SPENDTOP --demo' $dir/colour.log"
wait_for "─ Spend"
$T send-keys -t s q
wait_for "^EXIT=0"
$T kill-session -t s
has_colour "$dir/colour.log" || fail "the check sees no colour even with colour on"
for how in "env NO_COLOR=1 $SPENDTOP --demo" "$SPENDTOP --demo --no-color"; do
    start "script -qfec '$how' $dir/nocolour.log"
    wait_for "─ Spend"
    $T send-keys -t s q
    wait_for "^EXIT=0"
    $T kill-session -t s
    has_colour "$dir/nocolour.log" && fail "colour escapes with: $how"
done

# ---- a tenant name with escape sequences is shown escaped ------------------
step escapes
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
span = {"traceId": "%032x" % 1, "spanId": "%016x" % 1,
        "startTimeUnixNano": str((1795176000 - 600) * 10**9),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000"}},
            {"key": "tenant.id", "value": {"stringValue": "evil\x1b[31mRED\x1b]0;pwned\x07"}}]}
# a name with a zero-width joiner: a row that reads "acme" and draws one
# column short, unless escaped
zwj = json.loads(json.dumps(span))
zwj["spanId"] = "%016x" % 2
zwj["attributes"][-1]["value"]["stringValue"] = "ac\u200dme"
open(d + "/spans.json", "w").write(json.dumps(
    {"resourceSpans": [{"scopeSpans": [{"spans": [span, zwj]}]}]}) + "\n")
open(d + "/config.toml", "w").write(
    '[[source]]\nname = "spans"\ntype = "otel_file"\npath = "%s/spans.json"\n' % d)
# a budget of that tenant, nearly spent: its forecast alert names it, and
# silencing it puts the name in the footer's message
open(d + "/budget.toml", "w").write(open(d + "/config.toml").read() +
    '[[budget]]\nscope = %s\nperiod = "day"\namount_usd = 0.0002\n'
    % json.dumps("tenant:evil\x1b[31mRED\x1b]0;pwned\x07"))
PY
start "$SPENDTOP -c $dir/config.toml --db $dir/evil.db --now 2026-11-20T12:00:00Z"
wait_for 'evil\\x1b\[31mRED'
screen | grep -q 'pwned' && ! screen | grep -q 'x1b\]0;pwned\\x07' && fail "the title sequence was not escaped"
wait_for '^│ac\\u200dme '
# its row's pane borders where the header row has them
screen | python3 -c '
import sys
rows = sys.stdin.read().split("\n")
head = next(r for r in rows if "TENANT" in r)
row = next(r for r in rows if r.startswith("\u2502ac\\u200dme"))
cols = lambda r: [i for i, c in enumerate(r) if c == "\u2502"]
sys.exit(0 if cols(row) == cols(head) else 1)' || fail "a zero-width joiner moved a pane border"
[ "$($T display -p -t s '#{pane_title}')" != "pwned" ] || fail "the terminal title was set from a tenant name"
$T send-keys -t s q
wait_for "^EXIT=0"
$T kill-session -t s
start "$SPENDTOP -c $dir/budget.toml --db $dir/evil2.db --now 2026-11-20T12:00:00Z"
wait_for 'budget_forecast'
$T send-keys -t s Tab Tab a
wait_for 'silenced.*evil\\x1b\[31mRED'
[ "$($T display -p -t s '#{pane_title}')" != "pwned" ] || fail "the footer set the terminal title from a tenant name"
$T send-keys -t s q
wait_for "^EXIT=0"
$T kill-session -t s

# ---- usage the table cannot price shows beside the spend, not as $0 ---------
step unpriced
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
def span(i, model):
    return {"traceId": "%032x" % (100 + i), "spanId": "%016x" % (100 + i),
            "startTimeUnixNano": str((1795176000 - 600 + i) * 10**9),
            "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
                {"key": "gen_ai.request.model", "value": {"stringValue": model}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000"}}]}
spans = [span(0, "gpt-4o-mini"), span(1, "mystery-9"), span(2, "mystery-9")]
open(d + "/mixed.json", "w").write(json.dumps(
    {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n")
open(d + "/mixed.toml", "w").write(
    '[[source]]\nname = "spans"\ntype = "otel_file"\npath = "%s/mixed.json"\n' % d)
PY
start "$SPENDTOP -c $dir/mixed.toml --db $dir/mixed.db --now 2026-11-20T12:00:00Z"
wait_for '^│1h \$[0-9.]+ .* \+2 unpriced'
$T send-keys -t s q
wait_for "^EXIT=0"
echo "tui: ok"

#!/bin/sh
# tui_scope.sh - what the dashboard's figures are of, in real tmux, on
# spans whose sums are known to the cent:
#  - the window's minutes move on when --once's do: at hh:mm:01, not a
#    minute later (the view made at hh:mm:00 was the last minute's, and an
#    idle dashboard kept it);
#  - a window ends after the second under way: a dashboard started at
#    12:00:00 counts a request of 12:00:00 in its first frame (its window
#    ended at the second's start, and left the minute 12:00 out until
#    12:00:01), on its own database or viewing a daemon's;
#  - paused, the clock stays the figures' (it ran on over frozen ones);
#    Enter on a tenant shows that tenant's figures under its name
#    (not the whole spend), `/` there says Esc first (it filtered the
#    tables not on screen), and Esc the whole table again;
#  - keys typed ahead of a frame (Esc Tab j Enter, in one read) move over
#    the rows of the view they land in, not the view being left;
#  - `s` walks the columns on screen: at 120 columns the Tenants table
#    has no BUDGET column, and sorting by it left rows in an order nothing
#    on screen explained, no title marked;
#  - `a` off an alert says why nothing was silenced.
#
# Waiting is on what the screen shows, polled every 0.1 s up to a
# deadline - never a sleep standing in for "it is probably done".
set -eu
. "$(dirname "$0")/lib/tmux.sh"
tmux_start tui-scope
fail() { echo "FAIL: $1"; echo "---- screen:"; screen s || true; exit 1; }
wait_for() { wait_screen s "$@"; } # wait_for PATTERN [TENTHS]
$T new-session -d -s keep "exec cat"
start() { # start NOW DB [CONFIG]: the dashboard on the spans at --now NOW, 120x40
    $T new-session -d -s s -x 120 -y 40 \
        "$SPENDTOP -c $dir/${3:-config}.toml --db $dir/$2.db --now $1; echo EXIT=\$?; exec cat"
}
stop() {
    $T send-keys -t s q
    wait_for "^EXIT=0"
    $T kill-session -t s
}

# T0 = 2026-11-20T12:00:00Z (T in the spans). Input tokens only: gpt-4o-mini $0.15/M, gpt-4o
# $2.50/M, o3 $2/M (the compiled-in table).
#   globex  o3           5M    at T-10m   $10.00
#   acme    gpt-4o-mini  10M   at T-15m    $1.50
#   acme    gpt-4o       0.2M  at T-15m    $0.50
#   acme    o3           0.1M  at T-15m    $0.20   acme $2.20
#   early   gpt-4o-mini  10M   at 11:00:30 $1.50   (the minute 11:00)
# Tenants by spend: globex, acme, early. Models: o3 $10.20, gpt-4o-mini
# $3.00, gpt-4o $0.50; acme's: gpt-4o-mini, gpt-4o, o3. The 1h window is
# $13.70 up to 12:00:00 and $12.20 from 12:00:01 (11:00 has left it).
T0=1795176000
python3 - "$dir" $T0 "$(dirname "$0")/lib" <<'PY'
import sys
d, T = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, sys.argv[3])
import chat_spans
rows = [("globex", "o3", 5000000, T - 600),
        ("acme", "gpt-4o-mini", 10000000, T - 900),
        ("acme", "gpt-4o", 200000, T - 900),
        ("acme", "o3", 100000, T - 900),
        ("early", "gpt-4o-mini", 10000000, T - 3600 + 30)]
chat_spans.write(d + "/spans.json", rows)
# one request at 12:00:00, gpt-4o 1M in: $2.50
chat_spans.write(d + "/now.json", [("now", "gpt-4o", 1000000, T)])
for name in ("spans", "now"):
    open(d + "/%s.toml" % ("config" if name == "spans" else name), "w").write(
        '[[source]]\nname = "spans"\ntype = "otel_file"\npath = "%s/%s.json"\n' % (d, name))
PY
# what --once says, before and after the minute's first second
once() {
    "$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/once-$1" --now "$1" 2>/dev/null |
        python3 -c 'import json, sys; print("%.2f" % json.load(sys.stdin)["spend"]["window_usd"])'
}
[ "$(once $((T0 - 25)))" = 13.70 ] || fail "--once at 11:59:35: $(once $((T0 - 25)))"
[ "$(once $T0)" = 13.70 ] || fail "--once at 12:00:00: $(once $T0)"
[ "$(once $((T0 + 1)))" = 12.20 ] || fail "--once at 12:00:01: $(once $((T0 + 1)))"

# ---- the minute moves on at 12:00:01 ---------------------------------------
echo "tui_scope: minute"
start $((T0 - 25)) minute
wait_for '^│1h \$13\.70 '
screen s | head -1 | grep -q '11:59:[0-5][0-9] UTC' \
    || fail "the first frame came after 12:00:00: the step proves nothing"
# nothing new arrives: only the clock makes the next view. 40 s from
# 11:59:35 or later is past 12:00:01 and short of 12:01:00
wait_for '^│1h \$12\.20 ' 400
stop

# ---- the second under way is in the window -----------------------------------
echo "tui_scope: second"
# stored first (at 12:00:05), so that the dashboard has it before its first
# view; then started at 12:00:00, its first frame counts it
"$SPENDTOP" --once -c "$dir/now.toml" --db "$dir/now.db" --now $((T0 + 5)) >/dev/null 2>&1 \
    || fail "--once on now.json"
start $T0 now now
wait_for '^│1h \$'
screen s | grep -q '^│1h \$2\.50 ' || fail "the first frame left out the request of 12:00:00"
stop
# and so does a dashboard viewing a daemon (its own view, its own clock)
daemon_start "$dir/now.db" --no-hooks -c "$dir/now.toml" --now $T0
start $T0 now now
wait_for 'attached to daemon'
wait_for '^│1h \$'
screen s | grep -q '^│1h \$2\.50 ' || fail "a viewer's first frame left out the request of 12:00:00"
stop
kill $daemon && wait $daemon || fail "the daemon did not stop cleanly"
daemon=""

# ---- paused, a drill-down shows the tenant's own figures --------------------
echo "tui_scope: paused drill"
start $T0 paused
wait_for '^│globex +\$10\.00 '
$T send-keys -t s p
wait_for 'PAUSED *$'
# paused, the clock stays with the figures: two seconds on, the same time
shown() { screen s | head -1 | grep -o '[0-9][0-9]:[0-9][0-9]:[0-9][0-9] UTC'; }
c1=$(shown)
s0=$(date +%s)
while [ "$(date +%s)" -lt $((s0 + 2)) ]; do sleep 0.1; done
[ "$(shown)" = "$c1" ] || fail "paused, the clock ran on ($c1, then $(shown))"
$T send-keys -t s j Enter
wait_for '─ Tenant acme '
wait_for '^│window \$2\.20 '
wait_for '^│1h \$2\.20 '
# / while drilled: the tables it would filter are not on screen
$T send-keys -t s /
wait_for '^/ filters the whole view: Esc leaves the drill-down first'
$T send-keys -t s Escape
wait_for '^│globex +\$10\.00 '
# the whole spend again ($12.20 once 12:00:01 is past: 11:00 has left)
wait_for '^│1h \$1(3\.7|2\.2)0 '
screen s | grep -q 'PAUSED *$' || fail "Esc resumed the display"
$T send-keys -t s p
wait_for 'LIVE *$'
stop

# ---- keys typed ahead move over the view they land in ------------------------
echo "tui_scope: typed ahead"
start $T0 ahead
wait_for '^│globex +\$10\.00 '
$T send-keys -t s j Enter
wait_for '─ Tenant acme '
# acme's models: gpt-4o-mini, gpt-4o, o3 (the Models cursor on o3, its
# third row). In one read: back, the Models pane, down one, drill - down
# from o3 in the whole view's models, which is gpt-4o-mini
wait_for '│gpt-4o-mini +[0-9.]+% .* \$1\.50 '
$T send-keys -t s Escape Tab j Enter
wait_for '─ Model openai/'
screen s | grep -q '─ Model openai/gpt-4o-mini ' \
    || fail "the keys moved over the rows of the view left behind"
stop

# ---- s sorts by the columns shown ---------------------------------------------
echo "tui_scope: sort"
start $T0 sort
wait_for '^│globex +\$10\.00 '
screen s | grep -Eq '^│TENANT +BURN/H▼ ' || fail "not sorted by burn at start"
screen s | grep -q 'BUDGET' && fail "a BUDGET column at 120 columns: the step proves nothing"
# burn, window, base, ratio, today, (budget: not shown), the name
$T send-keys -t s s s s s s
wait_for '^│TENANT▼ '
screen s | grep -E '^│(acme|early|globex) ' | cut -c4-9 | tr -d ' ' | tr '\n' ' ' |
    grep -q '^acme early globex $' || fail "not in the order of the names"

# ---- a off an alert ------------------------------------------------------------
echo "tui_scope: a off an alert"
$T send-keys -t s a
wait_for '^a silences the alert under the cursor: Tab to the Alerts pane'
$T send-keys -t s Tab Tab a
wait_for '^no alert to silence'
stop
echo "tui_scope: ok"

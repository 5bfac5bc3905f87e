#!/bin/sh
# tui_columns.sh - text that is longer than its room, in real tmux: it is
# cut where its room ends and never runs into what is beside it.
#  - a budget with a forecast ("22.0% ~Fri 15:32", 16 columns) in the
#    Tenants table at 200 columns: it spilt over the gap into TODAY's
#    figure ("$2.2022.0%");
#  - a pane title longer than its pane (a long filter, at 80x24) keeps the
#    pane's corner (its closing space was drawn over it);
#  - the footer while typing a long filter keeps its hint whole;
#  - "+3 unpriced" beside the window's spend at 80 columns (it came after
#    the baseline and was cut);
#  - `r` reverses the known figures, the unknown (n/a) stay last (they
#    came first, above every figure).
#
# Waiting is on what the screen shows, polled every 0.1 s up to a
# deadline - never a sleep standing in for "it is probably done".
set -eu
. "$(dirname "$0")/lib/tmux.sh"
tmux_start tui-columns
fail() { echo "FAIL: $1"; echo "---- screen:"; screen s || true; exit 1; }
wait_for() { wait_screen s "$@"; } # wait_for PATTERN [TENTHS]
$T new-session -d -s keep "exec cat"

# T0 = 2026-11-20T12:00:00Z. globex $10.00 of o3 at T0-10m; acme $2.20 at
# T0-15m (gpt-4o-mini 10M input tokens, gpt-4o 0.2M, o3 0.1M). acme's
# budget of $10 a day is 22.0% used and crossed at this burn at ~15:32
# (a minute later for each minute the clock runs on). zeta: 3 requests of
# a model without a price.
T0=1795176000
python3 - "$dir" $T0 "$(dirname "$0")/lib" <<'PY'
import sys
d, T = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, sys.argv[3])
import chat_spans
rows = [("globex", "o3", 5000000, T - 600),
        ("acme", "gpt-4o-mini", 10000000, T - 900),
        ("acme", "gpt-4o", 200000, T - 900),
        ("acme", "o3", 100000, T - 900)] + [("zeta", "mystery-9", 1000, T - 300)] * 3
chat_spans.write(d + "/spans.json", rows)
open(d + "/config.toml", "w").write(
    '[[source]]\nname = "spans"\ntype = "otel_file"\npath = "%s/spans.json"\n'
    '[[budget]]\nscope = "tenant:acme"\nperiod = "day"\namount_usd = 10.0\n' % d)
PY

echo "tui_columns: a budget's forecast at 200 columns"
$T new-session -d -s s -x 200 -y 40 \
    "$SPENDTOP -c $dir/config.toml --db $dir/state.db --now $T0; echo EXIT=\$?; exec cat"
wait_for '^│TENANT .* TODAY +BUDGET│'
wait_for '^│acme +\$2\.20 +\$2\.20 +n/a +- +\$2\.20 +22\.0% ~[A-Z][a-z]{2} 15:3[0-9]│'

echo "tui_columns: reversed, n/a last"
screen s | grep -E '^│(acme|globex|zeta) ' | cut -c4-10 | tr -d ' ' | tr '\n' ' ' |
    grep -q '^globex acme zeta $' || fail "not by burn, n/a last"
$T send-keys -t s r
wait_for '^│TENANT .*BURN/H▲ '
screen s | grep -E '^│(acme|globex|zeta) ' | cut -c4-10 | tr -d ' ' | tr '\n' ' ' |
    grep -q '^acme globex zeta $' || fail "reversed: not acme, globex, then the n/a"
$T send-keys -t s r

echo "tui_columns: a long filter at 80x24"
$T resize-window -t s -x 80 -y 24
wait_for '^┌─ Tenants ─'
wait_for '^│1h \$12\.20  -  \+3 unpriced  base'
$T send-keys -t s / xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
wait_for '^filter tenants: x+…_   \(Enter keep, Esc clear\)$'
# the Tenants pane's top line ends in its corner, the Models pane's begins
wait_for '^┌─ Tenants  filter: x+… ─*┐┌─ Models '
$T send-keys -t s Escape q
wait_for "^EXIT=0"
echo "tui_columns: ok"

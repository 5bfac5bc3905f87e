#!/bin/sh
# tui_redraw.sh - Ctrl-L draws the whole screen again, in real tmux: text
# another program wrote over the dashboard (a wall(1) broadcast on an SSH
# session) stayed where nothing changed, since curses redraws only the
# cells it changed itself. And the help lists the key. A terminal that
# cannot place the cursor (TERM=dumb) is refused with a reason, not drawn
# as a lone footer line.
#
# Waiting is on what the screen shows, polled every 0.1 s up to a
# deadline - never a sleep standing in for "it is probably done".
set -eu
. "$(dirname "$0")/lib/tmux.sh"
tmux_start tui-redraw
fail() { echo "FAIL: $1"; echo "---- screen:"; screen s || true; exit 1; }
wait_for() { wait_screen s "$@"; } # wait_for PATTERN [TENTHS]
wait_gone() { wait_screen_gone s "$1"; }
$T new-session -d -s keep "exec cat"

# one span, the clock at its --now: nothing on screen changes but the clock
T0=1795176000
cat > "$dir/spans.json" <<JSON
{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"$(printf '%032x' 1)","spanId":"$(printf '%016x' 1)","startTimeUnixNano":"$(((T0 - 600) * 1000000000))","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1000"}},{"key":"tenant.id","value":{"stringValue":"acme"}}]}]}]}]}
JSON
printf '[[source]]\nname = "spans"\ntype = "otel_file"\npath = "%s/spans.json"\n' "$dir" > "$dir/config.toml"
$T new-session -d -s s -x 120 -y 40 \
    "$SPENDTOP -c $dir/config.toml --db $dir/state.db --now $T0; echo EXIT=\$?; exec cat"
wait_for '^│acme '

echo "tui_redraw: Ctrl-L"
# written to the terminal behind the dashboard's back, in an empty row of
# the Tenants table
printf '\033[20;5HBROADCAST-FROM-WALL' > "$($T display -p -t s '#{pane_tty}')"
wait_for 'BROADCAST-FROM-WALL'
$T send-keys -t s C-l
wait_gone 'BROADCAST-FROM-WALL'
wait_for '^│acme '
wait_for '─ Alerts '

echo "tui_redraw: the help"
$T send-keys -t s '?'
wait_for 'Ctrl-L +draw the whole screen again'
$T send-keys -t s q
wait_gone '─ Keys'
$T send-keys -t s q
wait_for '^EXIT=0'
$T kill-session -t s

echo "tui_redraw: TERM=dumb"
$T new-session -d -s s -x 120 -y 40 \
    "TERM=dumb $SPENDTOP -c $dir/config.toml --db $dir/state.db --now $T0; echo EXIT=\$?; exec cat"
wait_for '^EXIT=1$'
screen s | tr -d '\n' | grep -q 'spendtop: this terminal cannot place the cursor (TERM=dumb)' \
    || fail "no reason given"
echo "tui_redraw: ok"

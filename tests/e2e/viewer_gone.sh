#!/bin/sh
# viewer_gone.sh - a viewer whose daemon died, in real tmux at 80x24: the
# header says GONE where it said LIVE, and when it went, at 80 columns
# (the note after the sources was cut off there, LIVE still showing); R
# says there is no daemon to ask, not "polling every source now".
#
# Waiting is on what the screen shows, polled every 0.1 s up to a deadline.
set -eu
. "$(dirname "$0")/lib/tmux.sh"
tmux_start gone
fail() {
    echo "FAIL: $1"
    echo "---- v:"; screen v || true
    echo "---- daemon:"; tail -20 "$dir/daemon.err" 2>/dev/null || true
    exit 1
}
header() { screen v | head -1; }
wait_header() { # wait_header PATTERN: the top line matches (grep -E)
    i=0
    while [ $i -lt 300 ]; do
        header | grep -Eq -- "$1" && return 0
        sleep 0.1; i=$((i + 1))
    done
    fail "timed out waiting for the header to show: $1"
}

python3 tests/e2e/alerts_export.py "$dir/spans.json"
T0=1795176000  # alerts_export.py's T: 2026-11-20T12:00:00Z
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
$T new-session -d -s v -x 80 -y 24 \
    "$SPENDTOP -c $dir/config.toml --db $db --now $T0; echo EXIT=\$?; exec cat"
wait_header "LIVE *$"
# the history read (8 days: a baseline, no "learning" in the header)
i=0
until screen v | grep -q "^│globex "; do
    i=$((i + 1)); [ $i -lt 300 ] || fail "the viewer never showed the history"
    sleep 0.1
done
header | grep -q "GONE" && fail "GONE while the daemon runs"

kill -9 $daemon
wait $daemon 2>/dev/null || true
daemon=""
wait_header "GONE *$"
header | grep -Eq "daemon gone since [0-9]{2}:[0-9]{2}:[0-9]{2}" \
    || fail "the header does not say since when: $(header)"
header | grep -q "LIVE" && fail "LIVE with the daemon gone: $(header)"

# R: nothing can poll; the footer says so
$T send-keys -t v R
i=0
until screen v | tail -1 | grep -q "no daemon to ask: daemon gone since"; do
    i=$((i + 1)); [ $i -lt 50 ] || fail "R did not say there is no daemon to ask"
    sleep 0.1
done
screen v | grep -q "polling every source" && fail "R said it polls with no daemon"
echo "viewer_gone: ok"

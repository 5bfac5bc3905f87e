#!/bin/sh
# idle.sh LABEL SECONDS SPENDTOP [ARGS...] - CPU the dashboard uses while
# nobody touches it (make bench). Runs it in a detached tmux at 120x40 and
# reads its CPU time from /proc before and after.
set -eu
label=$1 secs=$2
shift 2
dir=$(mktemp -d)
T="tmux -L spendtop-idle-$$ -f /dev/null"
trap '$T kill-server 2>/dev/null; rm -rf "$dir"' EXIT
export XDG_STATE_HOME="$dir" TERM=xterm-256color LANG=C.UTF-8
$T new-session -d -s s -x 120 -y 40 "exec $*"
i=0
until $T capture-pane -p -t s | grep -q "Spend"; do
    i=$((i + 1)); [ $i -lt 200 ] || { echo "idle: the dashboard did not start"; exit 1; }
    sleep 0.1
done
pid=$($T list-panes -t s -F '#{pane_pid}')
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
c0=$(cpu "$pid")
sleep "$secs"   # the measured interval itself, not a synchronisation
c1=$(cpu "$pid")
awk -v d=$((c1 - c0)) -v hz="$hz" -v s="$secs" -v l="$label" \
    'BEGIN { printf "  idle, %s: %.2f%% of one core over %d s (%.2f s CPU)\n", l, 100 * d / hz / s, s, d / hz }'

#!/bin/sh
# first_frame.sh LABEL SPENDTOP [ARGS...] - the dashboard's first frame
# (make bench): from its start in a detached 120x40 tmux to a screen that
# shows the tenants' table, polled every 10 ms (the wall figure is that
# coarse), and the CPU it had used by then; best of 3 runs.
set -eu
label=$1
shift
dir=$(mktemp -d)
T="tmux -L spendtop-frame-$$ -f /dev/null"
trap '$T kill-server 2>/dev/null || true; rm -rf "$dir"' EXIT
export XDG_STATE_HOME="$dir" TERM=xterm-256color LANG=C.UTF-8
ms() { echo $(($(date +%s%N) / 1000000)); }
hz=$(getconf CLK_TCK)
best="" bcpu=""
for k in 1 2 3; do
    t0=$(ms)
    $T new-session -d -s f$k -x 120 -y 40 "exec $*"
    i=0
    until $T capture-pane -p -t f$k 2>/dev/null | grep -q "^│TENANT"; do
        i=$((i + 1)); [ $i -lt 6000 ] || { echo "  first frame, $label: none in 60 s"; exit 1; }
        sleep 0.01
    done
    t=$(($(ms) - t0))
    pid=$($T list-panes -t f$k -F '#{pane_pid}')
    c=$(awk -v hz="$hz" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$pid/stat")
    # SIGTERM and wait: the next run must find the database free to own
    kill "$pid" 2>/dev/null || true
    while [ -d "/proc/$pid" ]; do sleep 0.05; done
    $T kill-session -t f$k 2>/dev/null || true
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t bcpu=$c; fi
done
echo "  first frame, $label: $best ms wall, $bcpu ms CPU (target <= 1000 ms)"

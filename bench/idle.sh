#!/bin/sh
# idle.sh LABEL SECONDS SPENDTOP [ARGS...] - CPU spendtop uses while
# nobody touches it and nothing new arrives (make bench). Runs it in a
# detached tmux at 120x40 and reads its CPU time from /proc before and
# after. READY (default: the dashboard's "Spend") is what its terminal
# shows once it runs (a daemon: its log line "collecting from"); then the
# start-up work (loading, the alert replay) is let finish: the measurement
# begins at the first 2 s in which it used under a tenth of a core.
set -eu
label=$1 secs=$2
shift 2
ready=${READY:-Spend}
dir=$(mktemp -d)
T="tmux -L spendtop-idle-$$ -f /dev/null"
# SIGTERM first, and wait for it to end: closing the terminal alone is a
# SIGHUP, which a daemon takes for "reload", and it would stay, owning the
# database the next measurement opens (which then only views it)
pid=
stop() {
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
        i=0
        while [ -d "/proc/$pid" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
    fi
    $T kill-server 2>/dev/null || true
    rm -rf "$dir"
}
trap stop EXIT
export XDG_STATE_HOME="$dir" TERM=xterm-256color LANG=C.UTF-8
$T new-session -d -s s -x 120 -y 40 "exec $*"
i=0
until $T capture-pane -p -t s | grep -q "$ready"; do
    i=$((i + 1)); [ $i -lt 3000 ] || { echo "  idle, $label: it did not start in 300 s"; exit 1; }
    sleep 0.1
done
pid=$($T list-panes -t s -F '#{pane_pid}')
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
i=0
while :; do
    a=$(cpu "$pid")
    sleep 2    # the settling interval measured, not a synchronisation
    b=$(cpu "$pid")
    [ $((b - a)) -ge $((hz / 5)) ] || break
    i=$((i + 1)); [ $i -lt 150 ] || { echo "  idle, $label: still busy after 300 s"; exit 1; }
done
c0=$(cpu "$pid")
sleep "$secs"   # the measured interval itself, not a synchronisation
c1=$(cpu "$pid")
# resident now and at its peak (start-up included), in KiB
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
awk -v d=$((c1 - c0)) -v hz="$hz" -v s="$secs" -v l="$label" -v rss="$rss" -v hwm="$hwm" \
    'BEGIN { printf "  idle, %s: %.2f%% of one core over %d s (%.2f s CPU), resident %.1f MiB (peak %.1f MiB)\n", l, 100 * d / hz / s, s, d / hz, rss / 1024, hwm / 1024 }'

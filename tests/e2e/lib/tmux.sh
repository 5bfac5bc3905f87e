# lib/tmux.sh - sourced by the end-to-end scripts that run a daemon and
# dashboards in a tmux server of their own: `tmux_start NAME` makes $dir
# (the state directory and $HOME), $T (the tmux command, its own socket),
# a UTF-8 terminal, and the cleanup on exit (the daemon whose pid is in
# $daemon SIGKILLed, the tmux server killed, $dir removed unless KEEP is
# set). screen SESSION prints what a session's pane shows; wait_screen and
# wait_screen_gone wait on it, and daemon_start starts the daemon, each
# calling the script's own fail() when it cannot.
tmux_start() {
    dir=$(mktemp -d)
    T="tmux -L spendtop-$1-$$ -f /dev/null"
    daemon=""
    trap tmux_cleanup EXIT
    trap 'exit 1' INT TERM HUP PIPE
    export XDG_STATE_HOME="$dir/state" HOME="$dir"
    export TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8
}

tmux_cleanup() {
    [ -n "$daemon" ] && kill -9 $daemon 2>/dev/null
    $T kill-server 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$dir"
}

screen() { $T capture-pane -p -t "$1" 2>/dev/null; }

# wait_screen SESSION PATTERN [TENTHS]: until a line of the pane matches
# (grep -E), polled every 0.1 s up to TENTHS (15 s): never a bare sleep
# standing in for "it is probably done"
wait_screen() {
    i=0
    while [ $i -lt "${3:-150}" ]; do
        screen "$1" | grep -Eq -- "$2" && return 0
        sleep 0.1; i=$((i + 1))
    done
    fail "$1: timed out waiting for: $2"
}

# wait_screen_gone SESSION PATTERN: until no line of the pane matches
wait_screen_gone() {
    i=0
    while [ $i -lt 150 ]; do
        screen "$1" | grep -Eq -- "$2" || return 0
        sleep 0.1; i=$((i + 1))
    done
    fail "$1: still showing: $2"
}

# daemon_start DB ARGS...: `spendtop --daemon --db DB ARGS...` in the
# background ($daemon its pid, its stderr appended to $dir/daemon.err),
# returning once it holds the database (its pid in DB.lock)
daemon_start() {
    "$SPENDTOP" --daemon --db "$@" 2>>"$dir/daemon.err" &
    daemon=$!
    i=0
    until [ "$(cat "$1.lock" 2>/dev/null)" = "$daemon" ]; do
        i=$((i + 1)); [ $i -lt 200 ] || fail "the daemon did not take the database"
        kill -0 $daemon 2>/dev/null || fail "the daemon died"
        sleep 0.05
    done
}

# lib/tmux.sh - sourced by the end-to-end scripts that run a daemon and
# dashboards in a tmux server of their own: `tmux_start NAME` makes $dir
# (the state directory and $HOME), $T (the tmux command, its own socket),
# a UTF-8 terminal, and the cleanup on exit (the daemon whose pid is in
# $daemon SIGKILLed, the tmux server killed, $dir removed unless KEEP is
# set). screen SESSION prints what a session's pane shows.
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

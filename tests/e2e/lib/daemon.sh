# lib/daemon.sh - sourced by the end-to-end scripts and benches that run a
# daemon: a free TCP port, a bounded wait for a line in its log, a daemon
# receiving OTLP.

# A port nothing listens on now (the kernel's pick, released at once).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# await_line FILE PATTERN: until grep finds PATTERN in FILE, at most 30 s;
# 1 if it never came (the caller says what it waited for).
await_line() {
    _i=0
    until grep -q "$2" "$1" 2>/dev/null; do
        _i=$((_i + 1)); [ $_i -lt 300 ] || return 1; sleep 0.1
    done
}

# start_receiver DIR [TOML]: a daemon with one otlp_http source "otlp"
# (HTTP and gRPC, each on a free port: $port, $gport) and TOML's lines
# after them, its config DIR/config.toml, its database DIR/state.db, its
# log DIR/daemon.err; $pid is the daemon. 1 if it never listened.
start_receiver() {
    port=$(free_port)
    gport=$(free_port)
    {
        printf '[[source]]\nname = "otlp"\ntype = "otlp_http"\n'
        printf 'listen = "127.0.0.1:%s"\ngrpc_listen = "127.0.0.1:%s"\n' "$port" "$gport"
        printf '%s' "${2:-}"
    } > "$1/config.toml"
    "$SPENDTOP" --daemon --no-hooks -c "$1/config.toml" --db "$1/state.db" 2>"$1/daemon.err" &
    pid=$!
    await_line "$1/daemon.err" "listening for gRPC on"
}

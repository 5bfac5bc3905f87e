# lib/daemon.sh - sourced by the end-to-end scripts and benches that run a
# daemon: a free TCP port, and a bounded wait for a line in its log.

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

#!/bin/sh
# receiver_edges.sh - the OTLP/HTTP receiver against what real clients do
# that receiver.sh does not (receiver_edges.py): HEAD, gzip in several
# members and gzip with bytes after it, "Connection: close, TE", bodies
# refused before they are read (413 from Content-Length, 404, 415) as a
# client sees them when it sends its whole body before reading, a client
# that pipelines requests without reading the answers; and the
# log: every refusal says what, from whom and why, and so does every
# export with records rejected (partial success), at most 10 lines a
# minute of each. Then SIGKILL: the store holds every acknowledged span, once.
# Last, a receiver whose every connection is busy with an export: the next
# one gets 503 with a Retry-After.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/daemon.sh"
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; [ -f "$dir/daemon.err" ] && tail -5 "$dir/daemon.err"; exit 1; }
# the client not reading its answers is checked by the daemon's size: under
# AddressSanitizer (make check) freed memory stays quarantined, so none is
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=0"
start_receiver "$dir" 'max_body = 1000000
' || fail "the receiver did not start"
# gRPC in the JSON codec (application/grpc+json): UNIMPLEMENTED saying why,
# and logged, not INVALID_ARGUMENT from reading JSON as protobuf
printf '\0\0\0\0\2{}' | curl -s --http2-prior-knowledge -o /dev/null -D "$dir/json.head" \
    -H 'content-type: application/grpc+json' -H 'te: trailers' --data-binary @- \
    "http://127.0.0.1:$gport/opentelemetry.proto.collector.trace.v1.TraceService/Export" \
    || fail "curl to the gRPC port"
grep -qi "^grpc-status: 12" "$dir/json.head" || fail "grpc+json: $(cat "$dir/json.head")"
grep -q "refused gRPC /opentelemetry.proto.collector.trace.v1.TraceService/Export from .*: \
UNIMPLEMENTED content-type application/grpc+json: only protobuf" "$dir/daemon.err" \
    || fail "the grpc+json refusal is not in the log"
sent=$(python3 "$here/receiver_edges.py" "$port" "$pid" "$dir/state.db") || fail "the client"
log=$dir/daemon.err
grep -q "refused HEAD /v1/traces from 127\.0\.0\.1:[0-9]*: 405 an export is a POST" "$log" \
    || fail "the HEAD refused is not in the log"
grep -q "refused POST /v1/traces from 127\.0\.0\.1:[0-9]*: 415 Content-Type must be .*not 'text/plain'" \
    "$log" || fail "the 415 is not in the log with the type sent"
grep -q "refused POST /v1/traces from .*: 413 request body too large" "$log" \
    || fail "the 413 is not in the log"
records='record(s) of an export from 127\.0\.0\.1:[0-9]* (partial success): .*startTimeUnixNano'
# (a slow run may see the minute end: its count is no refusal of its own)
n=$(grep 'refused' "$log" | grep -v ' more .* in the last minute' | grep -cv "$records") || true
[ "$n" = 10 ] || fail "not 10 requests refused in the log in the minute: $n"
n=$(grep -c "refused 1 $records" "$log") || true
[ "$n" = 10 ] || fail "not 10 partial successes in the log in the minute: $n"
[ "$(grep -c "(no more this minute)" "$log")" = 2 ] || fail "the log does not say it stops"
kill -9 $pid
wait $pid 2>/dev/null || true
pid=""
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" > "$dir/out.json" \
    2>/dev/null || fail "--once --json"
python3 - "$dir/out.json" "$sent" <<'PY' || fail "the store does not hold every acknowledged span once"
import json, sys
out = json.load(open(sys.argv[1]))
got = sum(m["requests"] for m in out["models"])
assert got == int(sys.argv[2]), (got, sys.argv[2])
PY

# every connection busy: 503 and Retry-After. 80 descriptors leave room for
# 16 connections (the limit less 64); each is sending a body (100-continue
# said so: its head was read), so none can make room
port=$(free_port)
printf '[[source]]\nname = "otlp"\ntype = "otlp_http"\nlisten = "127.0.0.1:%s"\n' "$port" \
    > "$dir/busy.toml"
(ulimit -n 80; exec "$SPENDTOP" --daemon --no-hooks -c "$dir/busy.toml" --db "$dir/busy.db" \
    2>"$dir/busy.err") &
pid=$!
await_line "$dir/busy.err" "listening on" || fail "the receiver with 80 descriptors did not start"
python3 - "$port" <<'PY' || fail "every connection busy: not a 503 with a Retry-After"
import socket, sys
port = int(sys.argv[1])
busy = []
for _ in range(16):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 10\r\nExpect: 100-continue\r\n\r\n")
    assert s.makefile("rb").readline().startswith(b"HTTP/1.1 100 "), "no 100 Continue"
    busy.append(s)
s = socket.create_connection(("127.0.0.1", port), timeout=10)
head = s.makefile("rb").read().split(b"\r\n\r\n")[0].decode().split("\r\n")
assert head[0].startswith("HTTP/1.1 503 "), head
retry = [h.split(":", 1)[1].strip() for h in head[1:] if h.lower().startswith("retry-after:")]
assert len(retry) == 1 and retry[0].isdigit() and 1 <= int(retry[0]) <= 60, head
PY
grep -q "every one busy: refusing one" "$dir/busy.err" || fail "the busy 503 is not logged"
echo "receiver_edges: ok"

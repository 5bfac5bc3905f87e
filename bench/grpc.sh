#!/bin/sh
# grpc.sh BUILD - make bench: the gRPC server (lib/grpc_server, in
# tests/grpc_echo) under 16 concurrent clients, each on its own HTTP/2
# connection with one unary call of a 4 KiB message in flight at a time:
# calls/s, p50/p99 latency (request sent to trailers read), the server's
# CPU time per call and its peak RSS. Client and server share the
# machine, so calls/s is a floor; CPU per call is the server's own cost.
# Figures, never thresholds. With h2load installed (Debian nghttp2-client)
# the same load is measured by it as well.
set -eu
BUILD=${1:-build}
SECONDS_=${GRPC_SECONDS:-10}
CLIENTS=${GRPC_CLIENTS:-16}
SIZE=${GRPC_MESSAGE:-4096}
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$BUILD/tests/grpc_echo" > "$dir/out" 2> "$dir/err" &
pid=$!
i=0
until grep -q "listening on" "$dir/out"; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "grpc_echo did not start"; exit 1; }
    sleep 0.1
done
port=$(awk '{print $3}' "$dir/out")
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

echo "bench: gRPC unary calls, $CLIENTS clients x 1 call in flight, $SIZE-byte messages, ${SECONDS_} s"
before=$(cpu)
"$BUILD/bench/grpc_load" "$port" "$CLIENTS" "$SECONDS_" "$SIZE" > "$dir/load"
after=$(cpu)
calls=$(awk '{print $1}' "$dir/load")
printf '  grpc_load  %s\n' "$(cat "$dir/load")"
awk -v t=$((after - before)) -v hz="$ticks" -v n="$calls" \
    'BEGIN { printf "  server CPU %.1f us per call (%.2f s for %d calls)\n", 1e6 * t / hz / n, t / hz, n }'
if command -v h2load >/dev/null 2>&1; then
    python3 -c "import sys; n = $SIZE; sys.stdout.buffer.write(bytes([0]) + n.to_bytes(4, 'big') + b'a' * n)" > "$dir/msg"
    h2load -c "$CLIENTS" -m 1 -D "$SECONDS_" -d "$dir/msg" -H 'content-type: application/grpc' \
        -H 'te: trailers' "http://127.0.0.1:$port/grpc.echo.v1.Echo/Echo" > "$dir/h2load" 2>&1
    awk '/^finished/ { printf "  h2load     %s", $0 } /^time for request/ { printf ", request mean %s max %s\n", $6, $5 }' "$dir/h2load"
fi
printf '  server peak RSS %s\n' "$(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$pid/status")"
kill -TERM $pid
wait $pid
pid=""
sed 's/^/  /' "$dir/err"

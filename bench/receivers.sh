#!/bin/sh
# receivers.sh BUILD - make bench: the OTLP receivers of a running
# `spendtop --daemon` (an otlp_http source with grpc_listen) under 16
# concurrent clients, each with one trace export of 100 chat spans in
# flight: OTLP/gRPC, OTLP/HTTP protobuf and OTLP/HTTP JSON. Per protocol:
# accepted spans/s (every one stored in SQLite before its answer), p50/p99
# answer latency, the daemon's CPU time per span (its own cost, whatever
# the clients manage) and the clients', and its peak RSS after all. The
# clients share the machine with the daemon, so a rate is a floor, and
# each protocol is sent twice: by C clients that cost the machine little
# (bench/grpc_load --otlp: nghttp2, a connection per client;
# bench/http_load: a kept-alive connection per client) - the receiver's
# own figures, those the targets are for - then by node's
# (bench/otlp_load.cjs with the pinned packages of tests/e2e/exporters:
# @grpc/grpc-js, a channel per client, and node:http), whose CPU per span
# is the daemon's or more: grpc-js, node-proto, node-json (skipped without
# node, npm or the registry). Then the file path in the same run: `--once`
# reading an export of as many spans as the fastest receiver took
# (bench/gen_otlp_genai.py) into a fresh database, and each receiver's
# rate as a ratio of it (target: at least 0.9x at 16 clients, p99 under
# 30 ms). Figures, never thresholds.
set -eu
BUILD=${1:-build}
SECONDS_=${RECEIVER_SECONDS:-10}
CLIENTS=${RECEIVER_CLIENTS:-16}
SPANS=${RECEIVER_SPANS:-100}
protos="grpc http-proto http-json grpc-js node-proto node-json"
nm=$(sh tests/e2e/lib/npm_install.sh tests/e2e/exporters 2>&1) || {
    echo "bench: the receivers with node's clients skipped: $nm"
    protos="grpc http-proto http-json"
}
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
. tests/e2e/lib/daemon.sh
port=$(free_port)
gport=$(free_port)
cat > "$dir/config.toml" <<TOML
[[source]]
name = "otlp"
type = "otlp_http"
listen = "127.0.0.1:$port"
grpc_listen = "127.0.0.1:$gport"
tenant_attribute = "tenant.id"
TOML
"$BUILD/spendtop" --daemon --no-hooks -c "$dir/config.toml" --db "$dir/state.db" 2>"$dir/err" &
pid=$!
await_line "$dir/err" "listening for gRPC on" || { echo "the daemon did not start"; cat "$dir/err"; exit 1; }
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# timed OUT CMD...: CMD's output into OUT, its CPU seconds on stdout
timed() {
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"), check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_utime + r.ru_stime)' "$@"
}
echo "bench: OTLP receivers, $CLIENTS clients x 1 export of $SPANS spans in flight, ${SECONDS_} s each"
for proto in $protos; do
    before=$(cpu)
    case $proto in
    grpc) ccpu=$(timed "$dir/load" "$BUILD/bench/grpc_load" --otlp "$SPANS" "$gport" "$CLIENTS" "$SECONDS_") ;;
    http-*) ccpu=$(timed "$dir/load" "$BUILD/bench/http_load" "${proto#http-}" "$SPANS" "$port" "$CLIENTS" "$SECONDS_") ;;
    grpc-js) ccpu=$(NODE_PATH=$nm timed "$dir/load" node bench/otlp_load.cjs grpc "$gport" "$CLIENTS" "$SECONDS_" "$SPANS") ;;
    node-*) ccpu=$(NODE_PATH=$nm timed "$dir/load" node bench/otlp_load.cjs "http-${proto#node-}" "$port" "$CLIENTS" "$SECONDS_" "$SPANS") ;;
    esac
    after=$(cpu)
    awk -v proto="$proto" -v t=$((after - before)) -v hz="$ticks" -v c="$ccpu" '{
        printf "  %-10s %9.0f spans/s accepted  p50 %6.1f ms  p99 %6.1f ms  server CPU %.1f us/span  clients %.1f us/span\n",
        proto, $2 / $3, $4, $5, 1e6 * t / hz / $2, 1e6 * c / $2 }' "$dir/load"
    awk -v proto="$proto" -v t=$((after - before)) -v hz="$ticks" \
        '{ printf "%s %.0f %s %s %.2f\n", proto, $2 / $3, $5, $2, 1e6 * t / hz / $2 }' "$dir/load" >> "$dir/rates"
done
# the file path: as many spans as the most any receiver took, at least 100,000
n=$(awk '$4 > n { n = $4 } END { print (n > 100000 ? n : 100000) }' "$dir/rates")
python3 bench/gen_otlp_genai.py --spans "$n" --out "$dir/spans.json"
printf '[[source]]\nname = "spans"\ntype = "otel_file"\npath = "%s"\n' "$dir/spans.json" > "$dir/file.toml"
# its wall and CPU seconds (the CPU per span says what the machine's other
# load hides: the clients share it with the daemon)
python3 -c 'import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.monotonic() - t, r.ru_utime + r.ru_stime)' \
    "$BUILD/spendtop" --once -c "$dir/file.toml" --db "$dir/file.db" --now 1795348860 > "$dir/file"
awk -v n="$n" -v c="$CLIENTS" '
    NR == FNR { f = n / $1; fc = 1e6 * $2 / n
        printf "  file       %9.0f spans/s (--once, %d spans into a fresh database)  CPU %.1f us/span\n", f, n, fc; next }
    { printf "  %-10s %.2fx the file path at %d clients (%.2fx by CPU per span: what it would be CPU-bound), p99 %.1f ms (target >= 0.90x, p99 < 30 ms)\n", $1, $2 / f, c, fc / $5, $3 }' "$dir/file" "$dir/rates"

printf '  daemon peak RSS %s\n' "$(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$pid/status")"
kill -TERM $pid
wait $pid
pid=""

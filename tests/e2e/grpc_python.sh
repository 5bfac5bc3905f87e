#!/bin/sh
# grpc_python.sh - the otlp_http source's OTLP/gRPC side against gRPC's C
# core, the client under Python's OpenTelemetry exporters (whose distro
# defaults to gRPC), through Debian's python3-grpcio: the three services'
# Export with the recorded exports of tests/fixtures/otlp, plain and gzip,
# eight at once on one channel (HTTP/2 streams of one connection), and an
# undecodable message (INVALID_ARGUMENT). What the daemon stored must be
# what the same exports read from a file give: the same snapshot figures.
# Skipped, saying why, without python3-grpcio.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/daemon.sh"
py=/usr/bin/python3 # Debian's, which python3-grpcio installs into
"$py" -c 'import grpc' 2>/dev/null ||
    { echo "SKIP e2e/grpc_python.sh: no python3-grpcio (apt-get install python3-grpcio)"; exit 0; }
fx=$SPENDTOP_FIXTURES/otlp
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; [ -f "$dir/daemon.err" ] && tail -5 "$dir/daemon.err"; exit 1; }

# round NAME NOW SIGNAL...: the signals' recorded exports sent by gRPC to a
# daemon whose clock is NOW, and read from a file by --once at NOW; the
# two snapshots must agree
round() {
    name=$1 now=$2
    shift 2
    port=$(free_port)
    gport=$(free_port)
    printf '[[source]]\nname = "otlp"\ntype = "otlp_http"\nlisten = "127.0.0.1:%s"\n' \
        "$port" > "$dir/$name-grpc.toml"
    printf 'grpc_listen = "127.0.0.1:%s"\ntenant_attribute = "tenant.id"\n' "$gport" \
        >> "$dir/$name-grpc.toml"
    : > "$dir/$name.json"
    for s in "$@"; do cat "$fx/$s.json" >> "$dir/$name.json"; done
    printf '[[source]]\nname = "otlp"\ntype = "otel_file"\npath = "%s"\n' "$dir/$name.json" \
        > "$dir/$name-file.toml"
    printf 'tenant_attribute = "tenant.id"\n' >> "$dir/$name-file.toml"
    "$SPENDTOP" --daemon --no-hooks -c "$dir/$name-grpc.toml" --db "$dir/$name-grpc.db" \
        --now "$now" 2>"$dir/daemon.err" &
    pid=$!
    await_line "$dir/daemon.err" "listening for gRPC on" || fail "the receiver did not start"
    "$py" - "$gport" "$fx" "$@" <<'PY' || fail "$name: the gRPC calls"
import concurrent.futures, sys
import grpc

port, fx, signals = sys.argv[1], sys.argv[2], sys.argv[3:]
service = {"traces": "trace.v1.TraceService", "logs": "logs.v1.LogsService",
           "metrics": "metrics.v1.MetricsService"}
ch = grpc.insecure_channel("127.0.0.1:" + port)
def export(signal, data, gzip):
    kind = signal.split("-")[0]
    call = ch.unary_unary("/opentelemetry.proto.collector.%s/Export" % service[kind],
                          request_serializer=lambda b: b, response_deserializer=lambda b: b)
    comp = grpc.Compression.Gzip if gzip else grpc.Compression.NoCompression
    return call(data, timeout=20, compression=comp)
for s in signals:
    data = open("%s/%s.pb" % (fx, s), "rb").read()
    if s == "traces":
        # spans sent again are counted once: eight at once, half gzip
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: export(s, data, i % 2 == 0), range(8)))
    else:
        answers = [export(s, data, True)]
    # a full success: an Export*ServiceResponse without partial_success
    assert all(a == b"" for a in answers), (s, answers)
try:
    export("traces", b"\x0a\xff\xff\xff\xff\x0f", False)  # a length past the end
    sys.exit("an undecodable message was accepted")
except grpc.RpcError as e:
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.code()
ch.close()
PY
    kill -TERM $pid
    wait $pid || fail "$name: the daemon did not stop cleanly"
    pid=""
    "$SPENDTOP" --once --json -c "$dir/$name-grpc.toml" --db "$dir/$name-grpc.db" \
        --now "$now" > "$dir/$name-grpc.out" 2>/dev/null || fail "$name: --once on the gRPC data"
    "$SPENDTOP" --once --json -c "$dir/$name-file.toml" --db "$dir/$name-file.db" \
        --now "$now" > "$dir/$name-file.out" 2>/dev/null || fail "$name: --once on the file"
    python3 - "$dir/$name-grpc.out" "$dir/$name-file.out" <<'PY' ||
import json, sys
g, f = (json.load(open(p)) for p in sys.argv[1:3])
assert g["cache"]["input_tokens"] > 0, g["cache"]
for k in ("spend", "cache", "reasoning", "tenants", "models", "unpriced"):
    assert g[k] == f[k], (k, g[k], f[k])
PY
        fail "$name: what gRPC delivered differs from the file's"
}

round spans-and-events 1767225700 traces logs
round metrics 1796106200 metrics metrics-delta
echo "grpc_python: ok"

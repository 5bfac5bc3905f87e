#!/bin/sh
# receiver.sh - the OTLP/HTTP receiver, for real: curl posts of JSON, gzip
# and chunked bodies and several requests on one kept-alive connection; a
# JavaScript-exporter-style client; partial success; 400/404/405/413/415;
# 100 concurrent clients; a client that stalls half-way; the OTLP example;
# and every 200 durable: the daemon is killed with SIGKILL and the store
# still holds every span it accepted.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib/daemon.sh"
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; [ -f "$dir/daemon.err" ] && tail -5 "$dir/daemon.err"; exit 1; }
port=$(free_port)
cat > "$dir/config.toml" <<TOML
[[source]]
name = "otlp"
type = "otlp_http"
listen = "127.0.0.1:$port"
max_body = 100000
TOML
"$SPENDTOP" --daemon --no-hooks -c "$dir/config.toml" --db "$dir/state.db" \
    --now 2026-11-20T12:00:00Z 2>"$dir/daemon.err" &
pid=$!
i=0
until grep -q "listening on" "$dir/daemon.err"; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the receiver did not start"; sleep 0.1
done
url="http://127.0.0.1:$port/v1/traces"
span() { # span ID
    printf '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x","startTimeUnixNano":"1795175400000000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1000"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"100"}}]}]}]}]}' 1 "$1"
}
ok() { [ "$1" = "200 {}" ] || fail "$2: got '$1'"; }

# curl: plain JSON, gzip, chunked
span 1 > "$dir/1.json"
ok "$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' --data-binary @"$dir/1.json" "$url" | awk '{print $2, $1}')" "JSON"
span 2 | gzip > "$dir/2.json.gz"
ok "$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$dir/2.json.gz" "$url" | awk '{print $2, $1}')" "gzip"
span 3 > "$dir/3.json"
ok "$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$dir/3.json" "$url" | awk '{print $2, $1}')" "chunked"
# three requests on one connection
for n in 4 5 6; do span $n > "$dir/$n.json"; done
curl -sv -H 'Content-Type: application/json' --data-binary @"$dir/4.json" "$url" \
    --next -H 'Content-Type: application/json' --data-binary @"$dir/5.json" "$url" \
    --next -H 'Content-Type: application/json' --data-binary @"$dir/6.json" "$url" \
    > "$dir/keepalive.out" 2>&1
[ "$(grep -c 'Re-using existing connection' "$dir/keepalive.out")" = 2 ] || fail "curl did not keep the connection"
[ "$(grep -c '< HTTP/1.1 200' "$dir/keepalive.out")" = 3 ] || fail "kept-alive requests did not all succeed"
# a gzip bomb is still bound by max_body
head -c 5000000 /dev/zero | gzip > "$dir/bomb.gz"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @"$dir/bomb.gz" "$url")
[ "$code" = 413 ] || fail "a gzip body inflating past max_body got $code"
curl_sent=6

sent=$(python3 tests/e2e/receiver_client.py "$port" "$SPENDTOP_FIXTURES/otlp-example-trace.json") \
    || fail "the client"
kill -9 $pid   # no clean shutdown: what was acknowledged must be on disk
wait $pid 2>/dev/null || true
pid=""
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" \
    --now 2026-11-20T12:00:00Z > "$dir/out.json" 2>/dev/null
python3 - "$dir/out.json" $((sent + curl_sent)) <<'PY' || fail "acknowledged spans were lost"
import json, sys
out = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
got = sum(m["requests"] for m in out["models"])
assert got == want, "%d spans stored, %d acknowledged" % (got, want)
PY
echo "receiver: ok"

#!/usr/bin/env python3
"""OTLP/HTTP JSON load for bench/viewers.sh: CLIENTS threads, each posting
exports of SPANS chat spans to /v1/traces back to back for SECONDS, one
keep-alive connection each. Prints: requests spans seconds p50_ms p99_ms.

usage: viewers_load.py PORT CLIENTS SECONDS SPANS TS"""
import http.client, json, sys, threading, time

port, clients, seconds, nspans, ts = (int(a) for a in sys.argv[1:6])
lat, lock = [], threading.Lock()

def body(seq):
    spans = [{"traceId": "%032x" % (seq * 1000 + i + 1), "spanId": "%016x" % (seq * 1000 + i + 1),
              "startTimeUnixNano": str((ts - 60 - (i % 50)) * 10**9), "attributes": [
                  {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                  {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
                  {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-5-mini"}},
                  {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1200"}},
                  {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "300"}},
                  {"key": "tenant.id", "value": {"stringValue": "t%d" % (i % 20)}}]}
             for i in range(nspans)]
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()

def client(k):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    seq, mine, end = k * 10**7 + int(time.time()) % 10**6 * 10, [], time.monotonic() + seconds
    while time.monotonic() < end:
        seq += 1
        b = body(seq)
        t0 = time.monotonic()
        conn.request("POST", "/v1/traces", b, {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit("HTTP %d" % r.status)
        mine.append(time.monotonic() - t0)
    with lock:
        lat.extend(mine)

t0 = time.monotonic()
threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
took = time.monotonic() - t0
lat.sort()
pick = lambda q: 1000 * lat[min(len(lat) - 1, int(q * len(lat)))]
print(len(lat), len(lat) * nspans, "%.3f" % took, "%.2f" % pick(0.5), "%.2f" % pick(0.99))

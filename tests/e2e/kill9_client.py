#!/usr/bin/env python3
"""A retrying OTLP/HTTP exporter for tests/e2e/kill9.sh.

usage: kill9_client.py PORTFILE ACKFILE STOPFILE SPANS_PER_BATCH START_S

Sends batches of chat spans (every span id unique) to the port named in
PORTFILE, one at a time, each retried until it is answered 200, the way an
OTel exporter retries: a refused connection, a reset, a 503 or a timeout
means "send it again". After each 200 it writes the number of acknowledged
batches to ACKFILE (written whole, then renamed). Once STOPFILE exists it
finishes the batch in flight and prints the number of acknowledged spans.
A batch stored just before a kill -9 whose answer never left is sent
again: the daemon must count it once."""
import http.client, json, os, sys, time

portfile, ackfile, stopfile = sys.argv[1:4]
per = int(sys.argv[4])
start_ns = int(sys.argv[5]) * 10**9


def batch(n):
    spans = []
    for i in range(per):
        spans.append({
            "traceId": "%032x" % (n + 1), "spanId": "%016x" % (n * per + i + 1),
            "startTimeUnixNano": str(start_ns + n),
            "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000"}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "100"}}]})
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()


def send(body):
    """True once the receiver answered 200."""
    try:
        port = int(open(portfile).read())
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("POST", "/v1/traces", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        c.close()
        if r.status == 200:
            return True
        if r.status != 503:
            print("kill9_client: unexpected answer %d" % r.status, file=sys.stderr)
            sys.exit(1)
    except (OSError, http.client.HTTPException, ValueError):
        pass
    return False


acked = 0
retries = 0
while not os.path.exists(stopfile):
    body = batch(acked)
    while not send(body):
        retries += 1
        time.sleep(0.01)  # an exporter's back-off, not a synchronisation
    acked += 1
    with open(ackfile + ".tmp", "w") as f:
        f.write("%d\n" % acked)
    os.replace(ackfile + ".tmp", ackfile)
print(acked * per, retries)

#!/usr/bin/env python3
"""Drives the OTLP/HTTP receiver for tests/e2e/receiver.sh.

usage: receiver_client.py PORT EXAMPLE_TRACE  -> prints the number of
counted spans it sent (each gets 200 and is expected in the store)."""
import http.client, json, socket, sys, threading, time

PORT = int(sys.argv[1])
EXAMPLE = open(sys.argv[2], "rb").read()
T = 1795176000 - 600
sent = 0
next_id = 1000


def span(numbers=False, start=True):
    global next_id
    next_id += 1
    def i(v):
        return {"intValue": v if numbers else str(v)}
    s = {"traceId": "%032x" % 7, "spanId": "%016x" % next_id, "attributes": [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
        {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
        {"key": "gen_ai.usage.input_tokens", "value": i(1000)},
        {"key": "gen_ai.usage.output_tokens", "value": i(100)},
        {"key": "tenant.id", "value": {"stringValue": "acme"}}]}
    if start:
        s["startTimeUnixNano"] = (T * 10**9) if numbers else str(T * 10**9)
    return s


def doc(*spans):
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": list(spans)}]}]}).encode()


def check(cond, what):
    if not cond:
        print("FAIL:", what, file=sys.stderr)
        sys.exit(1)


def post(conn, body, headers=None, path="/v1/traces", method="POST", chunked=False):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    if chunked:
        conn.putrequest(method, path)
        for k, v in h.items():
            conn.putheader(k, v)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for k in range(0, len(body), 97):
            piece = body[k:k + 97]
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")
    else:
        conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    return r.status, r.read(), r.getheader("Connection")


# the JavaScript exporter's way: chunked bodies, integers as numbers, one
# kept-alive connection for several requests
c = http.client.HTTPConnection("127.0.0.1", PORT)
for n in range(3):
    status, body, conn_hdr = post(c, doc(span(numbers=True)), chunked=True)
    check(status == 200 and json.loads(body) == {}, "chunked keep-alive request %d: %r" % (n, body))
    check(conn_hdr == "keep-alive", "the connection was not kept alive")
    sent += 1
# partial success: one usable span and one without a start time
status, body, _ = post(c, doc(span(), span(start=False)))
check(status == 200, "partial success status %d" % status)
ps = json.loads(body)["partialSuccess"]
check(ps["rejectedSpans"] == "1" and "startTimeUnixNano" in ps["errorMessage"], "partial %r" % ps)
sent += 1
# errors, on the same connection where the request allows it
for path, method, headers, payload, want in [
        ("/v1/traces", "POST", {}, b"this is not json", 400),
        ("/v1/traces", "POST", {}, b'{"hello":"world"}', 400),
        ("/v1/profiles", "POST", {}, doc(span()), 404),
        ("/api/public/otel/v1/tracesx", "POST", {}, doc(span()), 404),
        ("/v1/traces", "GET", {}, None, 405),
        ("/v1/logs", "POST", {"Content-Type": "application/xml"}, b"<a/>", 415),
        ("/v1/traces", "POST", {"Content-Type": "text/plain"}, doc(span()), 415),
        ("/v1/traces", "POST", {"Content-Encoding": "br"}, doc(span()), 415)]:
    c = http.client.HTTPConnection("127.0.0.1", PORT)
    status, body, _ = post(c, payload, headers, path=path, method=method)
    check(status == want, "%s %s %r -> %d, expected %d" % (method, path, headers, status, want))
    err = json.loads(body)
    check("message" in err and "code" in err, "an error body that is not a Status: %r" % err)
    c.close()
# protobuf: a message cut short is a 400 with a protobuf google.rpc.Status
# (code 3 = INVALID_ARGUMENT: field 1 varint 3, then field 2 the message)
c = http.client.HTTPConnection("127.0.0.1", PORT)
status, body, _ = post(c, b"\x0a\x05\x0a", {"Content-Type": "application/x-protobuf"})
check(status == 400 and body[:2] == b"\x08\x03" and b"protobuf" in body,
      "a cut protobuf message -> %d %r" % (status, body))
# an empty export in protobuf: 200 and an empty ExportTraceServiceResponse
status, body, _ = post(c, b"", {"Content-Type": "application/x-protobuf"})
check(status == 200 and body == b"", "an empty protobuf export -> %d %r" % (status, body))
# a vendor's prefix (Langfuse's exporter posts here)
status, body, _ = post(c, doc(span()), path="/api/public/otel/v1/traces")
check(status == 200 and json.loads(body) == {}, "a prefixed path -> %d %r" % (status, body))
sent += 1
c.close()
c = http.client.HTTPConnection("127.0.0.1", PORT)
status, body, _ = post(c, b'{"resourceSpans":[' + b'{},' * 40000 + b'{}]}')
check(status == 413 and json.loads(body).get("code") == 8,
      "a body above max_body -> %d %r (RESOURCE_EXHAUSTED, as over gRPC)" % (status, body))
# the OTLP project's own example: accepted, no usage in it
c = http.client.HTTPConnection("127.0.0.1", PORT)
status, body, _ = post(c, EXAMPLE)
check(status == 200 and json.loads(body) == {}, "the example trace: %d %r" % (status, body))

# three pipelined requests in one write: each is answered once durable,
# in order (the ones after a waiting export are held, then read)
pipe = socket.create_connection(("127.0.0.1", PORT))
pipe.settimeout(10)
reqs = b""
for _ in range(3):
    body = doc(span())
    reqs += (b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body)) + body
    sent += 1
pipe.sendall(reqs)
got = b""
while got.count(b"HTTP/1.1 200 OK") < 3:
    chunk = pipe.recv(65536)
    check(chunk, "pipelined requests: the connection closed after %r" % got)
    got += chunk
pipe.close()

# a client that sends half a body and stalls does not stall anyone else
stalled = socket.create_connection(("127.0.0.1", PORT))
stalled.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 5000\r\n\r\n" + doc(span())[:40])
c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
status, _, _ = post(c, doc(span()))
check(status == 200, "a request behind a stalled client: %d" % status)
sent += 1

# 100 clients at once
results = []
def one():
    try:
        k = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        results.append(post(k, doc(span()))[0])
    except OSError as e:
        results.append(str(e))
ids_lock = threading.Lock()
threads = []
for _ in range(100):
    with ids_lock:
        t = threading.Thread(target=one)
    threads.append(t)
for t in threads:
    t.start()
for t in threads:
    t.join()
check(results.count(200) == 100, "concurrent clients: %r" % [r for r in results if r != 200][:5])
sent += 100
stalled.close()
print(sent)

#!/usr/bin/env python3
"""What real OTLP/HTTP clients do that the other tests do not, for
tests/e2e/receiver_edges.sh.

usage: receiver_edges.py PORT PID DB -> prints the number of spans
acknowledged (each expected in the store once); PID is the daemon's, DB
its database."""
import gzip, http.client, json, socket, sqlite3, sys, threading, time

PORT = int(sys.argv[1])
PID = int(sys.argv[2])
DB = sys.argv[3]
T = int(time.time()) - 600
sent = 0
next_id = 5000


def check(cond, what):
    if not cond:
        print("FAIL:", what, file=sys.stderr)
        sys.exit(1)


def span(start=True):
    global next_id
    next_id += 1
    s = {"traceId": "%032x" % 9, "spanId": "%016x" % next_id, "attributes": [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
        {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000"}},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "100"}}]}
    if start:
        s["startTimeUnixNano"] = str(T * 10**9)
    return s


def doc(*spans):
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": list(spans) or [span()]}]}]}).encode()


def head(method, path, headers, length=None):
    h = "%s %s HTTP/1.1\r\nHost: x\r\n" % (method, path)
    for k, v in headers.items():
        h += "%s: %s\r\n" % (k, v)
    if length is not None:
        h += "Content-Length: %d\r\n" % length
    return (h + "\r\n").encode()


def exchange(data, answers, closes=False):
    """Send data on a new connection; read the answers to the requests
    `answers` names by their methods (a HEAD's has no body). Returns
    [(status, Connection, body)], and when `closes`, whether the server
    then closed the connection."""
    s = socket.create_connection(("127.0.0.1", PORT))
    s.settimeout(10)
    s.sendall(data)
    f = s.makefile("rb")
    out = []
    for method in answers:
        status = int(f.readline().split()[1])
        headers = {}
        for line in iter(f.readline, b"\r\n"):
            k, v = line.decode().split(":", 1)
            headers[k.lower()] = v.strip()
        n = 0 if method == "HEAD" else int(headers["content-length"])
        out.append((status, headers.get("connection"), f.read(n)))
    rest = b"<not read>"
    if closes:
        try:
            rest = f.read(1)
        except socket.timeout:
            rest = b"<open>"
    s.close()
    return out, rest == b""


# HEAD on an export path: the head of a 405, no body (RFC 9110 9.3.2); a
# body would be read as the start of the next answer on the connection
body = doc()
got, _ = exchange(head("HEAD", "/v1/traces", {}) +
                  head("POST", "/v1/traces", {"Content-Type": "application/json",
                                              "Connection": "close"}, len(body)) + body,
                  ["HEAD", "POST"])
check(got[0][0] == 405 and got[0][2] == b"", "HEAD -> %r" % (got[0],))
check(got[1][0] == 200 and json.loads(got[1][2]) == {},
      "the POST after a HEAD on its connection -> %r" % (got[1],))
sent += 1

# gzip of several members (RFC 1952; Go's reader, so the Collector, takes
# them): every member is the body
body = doc()
z = gzip.compress(body[:40]) + gzip.compress(body[40:])
got, _ = exchange(head("POST", "/v1/traces", {"Content-Type": "application/json",
                                              "Content-Encoding": "gzip"}, len(z)) + z, ["POST"])
check(got[0][0] == 200 and json.loads(got[0][2]) == {}, "gzip in two members -> %r" % (got[0],))
sent += 1
# ... and bytes after the last member are not a body cut short silently
z = gzip.compress(doc()) + b"trailing bytes"
got, _ = exchange(head("POST", "/v1/traces", {"Content-Type": "application/json",
                                              "Content-Encoding": "gzip"}, len(z)) + z, ["POST"])
check(got[0][0] == 400, "gzip followed by other bytes -> %r" % (got[0],))

# Connection is a list: "close, TE" closes
body = doc()
got, closed = exchange(head("POST", "/v1/traces", {"Content-Type": "application/json",
                                                   "Connection": "close, TE"}, len(body)) + body,
                       ["POST"], closes=True)
check(got[0][0] == 200 and got[0][1] == "close" and closed,
      "Connection: close, TE -> %r, closed %r" % (got[0], closed))
sent += 1

# refused before its body (413 from Content-Length; 415; 404): a client
# that sends all its body before it reads, as Python's http.client and so
# the Python exporter do, gets the status, not a reset connection
big = b"x" * (4 << 20)
for path, ctype, want in [("/v1/traces", "application/x-protobuf", 413),
                          ("/v1/nowhere", "application/json", 404),
                          ("/v1/traces", "text/plain", 415)]:
    length = len(big) if want == 413 else 90000
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    try:
        c.request("POST", path, body=big[:length], headers={"Content-Type": ctype})
        r = c.getresponse()
        status, text = r.status, r.read()
    except OSError as e:
        status, text = None, repr(e)
    check(status == want, "POST %s %s of %d bytes -> %r %r, expected %d"
          % (path, ctype, length, status, text, want))
    c.close()

# a client that pipelines requests and does not read the answers (yet):
# the receiver stops reading it, instead of piling the answers up in
# memory without end (9 MB of requests made 100 MB of answers); once it
# reads, every answer comes, in order
def rss_kib():
    for line in open("/proc/%d/status" % PID):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])


one = b"GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n"
n = 300000
s = socket.create_connection(("127.0.0.1", PORT))
before = rss_kib()
sender = threading.Thread(target=lambda: s.sendall(one * n), daemon=True)
sender.start()
sender.join(3)  # done at once when the receiver reads all; else it waits for us
grown = rss_kib() - before
check(grown < 40 * 1024, "a client not reading its answers grew the receiver by %d KiB" % grown)
reader = s.dup()
reader.settimeout(30)
got, tail = 0, b""
while got < n:
    b = reader.recv(1 << 20)
    check(b, "the connection closed after %d answers of %d" % (got, n))
    got += (tail + b).count(b"HTTP/1.1 404")
    tail = b[-11:]  # a status line cut in two is counted once
sender.join()
reader.close()
s.close()

# nor do exports with a record rejected in each (partial success)
c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
for _ in range(12):
    c.request("POST", "/v1/traces", body=doc(span(), span(start=False)),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    answer = json.loads(r.read())
    check(r.status == 200 and answer["partialSuccess"]["rejectedSpans"] == "1",
          "partial success -> %d %r" % (r.status, answer))
    sent += 1
c.close()

# the answer comes in the request's own Content-Type (OTLP/HTTP: "MUST use
# the same"), application/protobuf as well as application/x-protobuf, an
# error as well as a success
def post(path, body, ctype):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    c.request("POST", path, body=body, headers={"Content-Type": ctype})
    r = c.getresponse()
    out = (r.status, r.getheader("Content-Type"), r.getheader("Retry-After"), r.read())
    c.close()
    return out


for ctype in ["application/protobuf", "application/x-protobuf", "application/json"]:
    body = doc() if ctype == "application/json" else b""  # b"": an export of nothing
    got = post("/v1/traces", body, ctype)
    check(got[0] == 200 and got[1] == ctype, "%s -> %r" % (ctype, got))
    sent += ctype == "application/json"
    got = post("/v1/traces", b"\x0a\x05\x0a" if "protobuf" in ctype else b"{", ctype)
    check(got[0] == 400 and got[1] == ctype, "%s, not OTLP -> %r" % (ctype, got))

# an absolute-form target (a client through a proxy; RFC 9112 3.2.2: a
# server MUST accept it) is its path, whatever the Host header says
body = doc()
got, _ = exchange(head("POST", "http://127.0.0.1:%d/v1/traces" % PORT,
                       {"Content-Type": "application/json"}, len(body)) + body, ["POST"])
check(got[0][0] == 200 and json.loads(got[0][2]) == {}, "absolute-form -> %r" % (got[0],))
sent += 1

# a database that cannot be written (another connection holds its write
# lock): 503 with a Retry-After, which OTLP/HTTP exporters wait before the
# retry; the retry, once the lock is gone, is stored once
lock = sqlite3.connect(DB, isolation_level=None)
lock.execute("BEGIN EXCLUSIVE")
body = doc()
got = post("/v1/traces", body, "application/json")
lock.execute("ROLLBACK")
lock.close()
check(got[0] == 503 and got[2] is not None and got[2].isdigit() and 1 <= int(got[2]) <= 60,
      "the database locked -> %r" % (got,))
got = post("/v1/traces", body, "application/json")
check(got[0] == 200, "the retry -> %r" % (got,))
sent += 1

# refusals in a loop do not flood the log (receiver_edges.sh counts)
for _ in range(12):
    got, _ = exchange(head("POST", "/v1/flood", {"Content-Type": "application/json"}, 2) + b"{}",
                      ["POST"])
    check(got[0][0] == 404, "flood -> %r" % (got[0],))
print(sent)

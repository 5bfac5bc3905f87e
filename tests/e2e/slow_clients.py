"""slow_clients.py PORT - 1,200 slow-loris connections and legitimate
clients beside them (tests/e2e/slow_clients.sh). Each slow connection
sends a request head one byte at a time, a byte every 2 s; meanwhile 30
exports on fresh connections must each get 200; then every slow
connection must have been closed (by the head deadline, or to make room),
within HEAD_MS (10 s) and a margin of the last byte it could send."""
import socket, sys, time

port = int(sys.argv[1])
HEAD = (b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"X-Padding: " + b"a" * 200 + b"\r\n\r\n")
SPAN = (b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x",'
        b'"startTimeUnixNano":"1795175400000000000","attributes":['
        b'{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},'
        b'{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},'
        b'{"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}}]}]}]}]}')


def export(i):
    body = SPAN % (i + 1, i + 1)
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body)
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = s.recv(4096)
        if not chunk:
            break
        answer += chunk
    s.close()
    return answer.split(b"\r\n", 1)[0]


slow = []
for i in range(1200):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setblocking(False)
    slow.append([s, 0, False])  # socket, bytes sent, closed by the server


def trickle():
    """One more byte on every slow connection still open; note closes."""
    for c in slow:
        if c[2]:
            continue
        try:
            data = c[0].recv(4096)
            if data == b"" or data.startswith(b"HTTP/1.1 408"):
                c[2] = True
                continue
        except BlockingIOError:
            pass
        except OSError:
            c[2] = True
            continue
        try:
            c[0].send(HEAD[c[1]:c[1] + 1])
            c[1] += 1
        except OSError:
            c[2] = True


ok = 0
start = time.monotonic()
for i in range(30):
    if i % 3 == 0:
        trickle()
    status = export(i)
    if status != b"HTTP/1.1 200 OK":
        sys.exit("export %d on a fresh connection got %r" % (i, status))
    ok += 1
    time.sleep(0.2)
# keep trickling until every slow connection is closed, or fail
deadline = start + 10 + 30
while not all(c[2] for c in slow):
    if time.monotonic() > deadline:
        sys.exit("%d slow connections still open after %.0f s"
                 % (sum(not c[2] for c in slow), time.monotonic() - start))
    trickle()
    time.sleep(2)
print(ok)

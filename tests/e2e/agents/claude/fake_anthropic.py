"""fake_anthropic.py PORTFILE LEDGER [CAPTURE_DIR] - a local Anthropic
Messages API for tests/e2e/agent_claude.sh, whose answers are the test's
oracle.

Every POST /v1/messages is answered (streamed as SSE when asked, else one
JSON message) with a short text and a usage this server chooses: the n-th
answer (n = 1, 2, ...) reports input 100 + n, cache reads 1000 * n, cache
writes 200 + n (150 + n for 5 minutes, 50 for an hour) and output 10 + n
tokens. Each answer is appended to LEDGER
as a JSON line (n, model, usage) before it is sent, so the test sums what
was served. Every other request is logged to stderr and answered 404
(what the CLI asks besides messages is visible there). With CAPTURE_DIR,
OTLP/HTTP posts (/v1/logs, /v1/metrics, /v1/traces) are saved there as
they came (to record fixtures) and answered {}.

The port (the kernel's pick) is written to PORTFILE once listening."""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
served = [0]
captured = [0]


def usage_for(n):
    return {"input_tokens": 100 + n, "cache_creation_input_tokens": 200 + n,
            "cache_read_input_tokens": 1000 * n, "output_tokens": 10 + n,
            "cache_creation": {"ephemeral_5m_input_tokens": 150 + n,
                               "ephemeral_1h_input_tokens": 50}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake: " + (fmt % args) + "\n")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, code, ctype, data):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.send(404, "application/json",
                  b'{"type":"error","error":{"type":"not_found_error","message":"fake"}}')

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        raw = self.body()
        path = self.path.split("?")[0]
        cap = sys.argv[3] if len(sys.argv) > 3 else None
        if cap and path in ("/v1/logs", "/v1/metrics", "/v1/traces"):
            with lock:
                captured[0] += 1
                k = captured[0]
            ext = "json" if "json" in (self.headers.get("Content-Type") or "") else "pb"
            name = "%03d-%s.%s" % (k, path.rsplit("/", 1)[1], ext)
            with open(os.path.join(cap, name), "wb") as f:
                f.write(raw)
            self.send(200, "application/json", b"{}")
            return
        if path != "/v1/messages":
            sys.stderr.write("fake: unknown POST %s %r\n" % (self.path, raw[:300]))
            self.do_GET()
            return
        req = json.loads(raw)
        with lock:
            served[0] += 1
            n = served[0]
        model = req.get("model", "unknown")
        u = usage_for(n)
        sys.stderr.write("fake: message %d model=%s stream=%s max_tokens=%s\n"
                         % (n, model, req.get("stream"), req.get("max_tokens")))
        msg = {"id": "msg_fake_%d" % n, "type": "message", "role": "assistant",
               "model": model, "content": [], "stop_reason": None,
               "stop_sequence": None, "usage": dict(u, output_tokens=1)}
        text = "ok %d" % n
        # in the ledger before the answer: once the CLI has it, the test
        # can count it
        with lock, open(sys.argv[2], "a") as f:
            f.write(json.dumps({"n": n, "model": model, "usage": u}) + "\n")
        if req.get("stream"):
            self.stream(msg, text, u)
        else:
            msg.update(content=[{"type": "text", "text": text}], stop_reason="end_turn", usage=u)
            self.send(200, "application/json", json.dumps(msg).encode())

    def stream(self, msg, text, u):
        events = [
            ("message_start", {"type": "message_start", "message": msg}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": text}}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta",
                               "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                               "usage": u}),
            ("message_stop", {"type": "message_stop"}),
        ]
        data = b"".join(("event: %s\ndata: %s\n\n" % (e, json.dumps(d))).encode()
                        for e, d in events)
        self.send(200, "text/event-stream", data)


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()

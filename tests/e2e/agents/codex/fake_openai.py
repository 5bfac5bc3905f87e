#!/usr/bin/env python3
"""A local stand-in for the OpenAI Responses API that the real Codex CLI
talks to in tests/e2e/agent_codex.sh, and the test's oracle.

usage: fake_openai.py DIR
  writes DIR/port once listening;
  logs every request to DIR/requests.jsonl (method, path, the request's
  model and stream flag - never headers, so never the key);
  answers POST .../responses with a streamed (SSE) answer: response.created,
  one assistant message, response.completed whose usage is the next row of
  USAGE (then the last row again), and appends what it served to
  DIR/served.jsonl - {"model", "input", "cached", "cache_write", "output",
  "reasoning"} -
  from which the test computes what spendtop must count;
  answers anything else 404 (logged: what the CLI asks for beyond that).
"""
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
LOCK = threading.Lock()
# input includes cached (and the cache writes), output includes reasoning
# (OpenAI's semantics)
USAGE = [
    {"input": 12345, "cached": 4096, "cache_write": 1024, "output": 678, "reasoning": 256},
    {"input": 23456, "cached": 8192, "cache_write": 2048, "output": 789, "reasoning": 512},
]
served = []


def append(name, obj):
    with open(os.path.join(DIR, name), "a") as f:
        f.write(json.dumps(obj) + "\n")


def sse(kind, obj):
    obj = dict(obj, type=kind)
    return ("event: %s\ndata: %s\n\n" % (kind, json.dumps(obj))).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}

    def do_GET(self):
        with LOCK:
            append("requests.jsonl", {"method": "GET", "path": self.path})
        self.answer(404, b'{"error":{"message":"not here"}}')

    def do_POST(self):
        req = self.body()
        with LOCK:
            append("requests.jsonl", {"method": "POST", "path": self.path,
                                      "model": req.get("model"), "stream": req.get("stream")})
        if not self.path.split("?")[0].endswith("/responses"):
            self.answer(404, b'{"error":{"message":"not here"}}')
            return
        with LOCK:
            u = USAGE[min(len(served), len(USAGE) - 1)]
            n = len(served)
            served.append(u)
            append("served.jsonl", dict(u, model=req.get("model")))
        self.stream(req.get("model"), n, u)

    def answer(self, status, data):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def stream(self, model, n, u):
        rid = "resp_fake_%d" % n
        base = {"id": rid, "object": "response", "model": model, "created_at": 1,
                "status": "in_progress", "output": []}
        msg = {"type": "message", "id": "msg_fake_%d" % n, "role": "assistant",
               "status": "completed",
               "content": [{"type": "output_text", "text": "Done.", "annotations": []}]}
        usage = {"input_tokens": u["input"],
                 "input_tokens_details": {"cached_tokens": u["cached"],
                                          "cache_write_tokens": u["cache_write"]},
                 "output_tokens": u["output"],
                 "output_tokens_details": {"reasoning_tokens": u["reasoning"]},
                 "total_tokens": u["input"] + u["output"]}
        done = dict(base, status="completed", output=[msg], usage=usage)
        events = [sse("response.created", {"response": base}),
                  sse("response.output_item.added", {"output_index": 0,
                                                      "item": dict(msg, status="in_progress",
                                                                   content=[])}),
                  sse("response.output_text.delta", {"output_index": 0, "content_index": 0,
                                                      "item_id": msg["id"], "delta": "Done."}),
                  sse("response.output_item.done", {"output_index": 0, "item": msg}),
                  sse("response.completed", {"response": done})]
        data = b"".join(events)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
tmp = os.path.join(DIR, "port.tmp")
with open(tmp, "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(tmp, os.path.join(DIR, "port"))
srv.serve_forever()

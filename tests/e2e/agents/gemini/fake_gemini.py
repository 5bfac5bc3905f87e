#!/usr/bin/env python3
"""A local stand-in for the Gemini API (generativelanguage, v1beta) that
the real Gemini CLI talks to in tests/e2e/agent_gemini.sh, and the test's
oracle.

usage: fake_gemini.py DIR
  writes DIR/port once listening;
  logs every request to DIR/requests.jsonl (method, path - never headers,
  so never the key);
  answers POST .../models/MODEL:streamGenerateContent (SSE) and
  :generateContent with one text candidate and a usageMetadata that is the
  next row of USAGE (then the last row again), and appends what it served
  to DIR/served.jsonl - {"model", "prompt", "cached", "candidates",
  "thoughts"} - from which the test computes what spendtop must count;
  :countTokens with a count; anything else 404 (logged).
"""
import json, os, re, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
LOCK = threading.Lock()
# Gemini's semantics: the prompt count includes the cached content, the
# thoughts are not in the candidates' count
USAGE = [
    {"prompt": 10240, "cached": 2048, "candidates": 321, "thoughts": 123},
    {"prompt": 20480, "cached": 4096, "candidates": 432, "thoughts": 234},
    {"prompt": 30720, "cached": 8192, "candidates": 543, "thoughts": 345},
]
served = []


def append(name, obj):
    with open(os.path.join(DIR, name), "a") as f:
        f.write(json.dumps(obj) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def answer(self, status, ctype, data):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            append("requests.jsonl", {"method": "GET", "path": self.path})
        self.answer(404, "application/json", b'{"error":{"code":404,"message":"not here"}}')

    def do_POST(self):
        self.body()
        with LOCK:
            append("requests.jsonl", {"method": "POST", "path": self.path})
        m = re.search(r"/models/([^/:?]+):([A-Za-z]+)", self.path)
        if not m:
            self.answer(404, "application/json", b'{"error":{"code":404,"message":"not here"}}')
            return
        model, method = m.group(1), m.group(2)
        if method == "countTokens":
            self.answer(200, "application/json", b'{"totalTokens": 42}')
            return
        if method not in ("streamGenerateContent", "generateContent"):
            self.answer(404, "application/json", b'{"error":{"code":404,"message":"not here"}}')
            return
        with LOCK:
            u = USAGE[min(len(served), len(USAGE) - 1)]
            served.append(u)
            append("served.jsonl", dict(u, model=model))
        resp = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Done."}]},
                                "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": u["prompt"],
                                  "cachedContentTokenCount": u["cached"],
                                  "candidatesTokenCount": u["candidates"],
                                  "thoughtsTokenCount": u["thoughts"],
                                  "totalTokenCount": u["prompt"] + u["candidates"] + u["thoughts"]},
                "modelVersion": model, "responseId": "fake-%d" % len(served)}
        if method == "generateContent":
            self.answer(200, "application/json", json.dumps(resp).encode())
        else:
            self.answer(200, "text/event-stream", ("data: %s\r\n\r\n" % json.dumps(resp)).encode())


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
tmp = os.path.join(DIR, "port.tmp")
with open(tmp, "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(tmp, os.path.join(DIR, "port"))
srv.serve_forever()

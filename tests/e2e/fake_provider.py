#!/usr/bin/env python3
"""A local server that speaks the OpenAI Usage/Costs API and the Anthropic
usage/cost reports, for the provider tests (protocols.md §1, §2).

usage: fake_provider.py DIR
  writes DIR/port once listening; logs every request to DIR/requests.log
  (method, path?query, and which auth it carried - never the key itself);
  reads DIR/script.json before each request for scripted failures (a
  failure's "path" is looked for in the request's path and query):
    {"fail": [{"path": "/organization/usage", "status": 429, "times": 1,
               "retry_after": 1, "body": "...", "sleep": 0}]}
    (a failure may also carry "headers": [[name, value], ...] sent with it,
    "pad": N - its body padded with spaces to N bytes, and "stall": N -
    headers and half the body sent, then N seconds of silence)
  and for the generated pages (every one, not counted down):
    {"scale": 2}          every count and amount times 2 (a revision)
    {"outside": true}     one bucket more, before the range asked for
  Keys: OpenAI "sk-admin-good", Anthropic "sk-ant-admin-good".

Usage is a constant rate per minute for each group, so any window or bucket
width sums to a number the test can compute by hand (see RATES)."""
import datetime, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DIR = sys.argv[1]
PAGE_BUCKETS = 24     # buckets per page: forces pagination
LOCK = threading.Lock()

# per minute, per group
OPENAI = [
    {"model": "gpt-4o-mini-2024-07-18", "project_id": "proj_a", "batch": False, "api_key_id": "key_1",
     "num_model_requests": 2, "input_tokens": 1000, "input_cached_tokens": 400,
     "input_cache_write_tokens": 100, "output_tokens": 200},
    {"model": "gpt-4o-mini-2024-07-18", "project_id": "proj_b", "batch": True, "api_key_id": "key_2",
     "num_model_requests": 1, "input_tokens": 3000, "input_cached_tokens": 0,
     "input_cache_write_tokens": 0, "output_tokens": 500},
]
ANTHROPIC = [
    {"model": "claude-sonnet-4-20250514", "workspace_id": "wrkspc_a", "service_tier": "standard",
     "api_key_id": "apikey_1", "uncached_input_tokens": 500, "cache_read_input_tokens": 1000,
     "cache_creation": {"ephemeral_5m_input_tokens": 200, "ephemeral_1h_input_tokens": 100},
     "output_tokens": 300},
    {"model": "claude-sonnet-4-20250514", "workspace_id": None, "service_tier": "batch",
     "api_key_id": "apikey_2", "uncached_input_tokens": 1000, "cache_read_input_tokens": 0,
     "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
     "output_tokens": 100},
]
OPENAI_COST_PER_DAY = {"proj_a": 1.25, "proj_b": 2.5}          # USD
ANTHROPIC_COST_PER_DAY_CENTS = {"wrkspc_a": "1234.5", None: "100"}

WIDTH = {"1m": 60, "1h": 3600, "1d": 86400}


def rfc(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def scaled(group, minutes, keys):
    out = dict(group)
    for k in keys:
        out[k] = group[k] * minutes
    if "cache_creation" in group:
        out["cache_creation"] = {k: v * minutes for k, v in group["cache_creation"].items()}
    return out


def paginate(buckets, page):
    start = int(page) if page else 0
    chunk = buckets[start:start + PAGE_BUCKETS]
    more = start + PAGE_BUCKETS < len(buckets)
    return chunk, more, (str(start + PAGE_BUCKETS) if more else None)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test): expected

    def scripted(self, path):
        try:
            script = json.load(open(os.path.join(DIR, "script.json")))
        except (OSError, ValueError):
            return False
        with LOCK:
            for f in script.get("fail", []):
                if f["path"] in path and f.get("times", 1) > 0:
                    f["times"] = f.get("times", 1) - 1
                    json.dump(script, open(os.path.join(DIR, "script.json"), "w"))
                    break
            else:
                return False
        if f.get("sleep"):
            time.sleep(f["sleep"])
        headers = [("Retry-After", str(f["retry_after"]))] if "retry_after" in f else []
        headers += [tuple(h) for h in f.get("headers", [])]
        body = f.get("body", '{"error": {"message": "scripted failure"}}')
        body = body + " " * (f.get("pad", 0) - len(body))
        if f.get("stall"):
            data = body.encode()
            self.send_response(f.get("status", 200))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            time.sleep(f["stall"])
            self.close_connection = True
            return True
        self.reply(f.get("status", 500), body, headers)
        return True

    def knobs(self):
        try:
            return json.load(open(os.path.join(DIR, "script.json")))
        except (OSError, ValueError):
            return {}

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        auth = self.headers.get("Authorization", "")
        xkey = self.headers.get("x-api-key", "")
        who = ("bearer-good" if auth == "Bearer sk-admin-good" else
               "xkey-good" if xkey == "sk-ant-admin-good" else
               "bearer-bad" if auth else "xkey-bad" if xkey else "none")
        with LOCK:
            with open(os.path.join(DIR, "requests.log"), "a") as log:
                log.write("%s %s %s %s\n" % (who, self.headers.get("User-Agent", ""),
                          self.headers.get("anthropic-version", "-"), self.path))
        if self.scripted(self.path):
            return
        if u.path.startswith("/v1/organization/"):
            if who != "bearer-good":
                return self.reply(401, json.dumps({"error": {"message": "Incorrect API key provided",
                                                             "type": "invalid_request_error"}}))
            return self.openai(u.path[len("/v1"):], q)
        if u.path.startswith("/v1/organizations/"):
            if who != "xkey-good":
                return self.reply(401, json.dumps({"type": "error", "error": {
                    "type": "authentication_error", "message": "invalid x-api-key"}}))
            if self.headers.get("anthropic-version") != "2023-06-01":
                return self.reply(400, '{"type":"error","error":{"message":"no version"}}')
            return self.anthropic(u.path[len("/v1/organizations/"):], q)
        self.reply(404, '{"error": {"message": "not found"}}')

    def openai(self, path, q):
        t0, t1 = int(q["start_time"][0]), int(q["end_time"][0])
        width = WIDTH[q.get("bucket_width", ["1d"])[0]]
        group_by = q.get("group_by", [])
        knobs = self.knobs()
        buckets = []
        first = t0 - t0 % width - (width if knobs.get("outside") else 0)
        for b in range(first, t1, width):
            lo, hi = (b if b < t0 - t0 % width else max(b, t0)), min(b + width, t1)
            minutes = (hi - lo) // 60 * knobs.get("scale", 1)
            if path == "/organization/usage/completions":
                results = []
                for g in OPENAI:
                    r = scaled(g, minutes, ["num_model_requests", "input_tokens", "input_cached_tokens",
                                            "input_cache_write_tokens", "output_tokens"])
                    r["object"] = "organization.usage.completions.result"
                    for k in ("project_id", "model", "batch", "api_key_id", "user_id"):
                        if k not in group_by:
                            r[k] = None
                    results.append(r)
            elif path == "/organization/costs":
                results = [{"object": "organization.costs.result",
                            "amount": {"value": v * minutes / 1440, "currency": "usd"},
                            "project_id": p if "project_id" in group_by else None,
                            "line_item": None, "api_key_id": None}
                           for p, v in OPENAI_COST_PER_DAY.items()]
            else:
                return self.reply(404, '{"error": {"message": "no such endpoint"}}')
            buckets.append({"object": "bucket", "start_time": b, "end_time": b + width,
                            "results": results})
        chunk, more, nxt = paginate(buckets, q.get("page", [None])[0])
        self.reply(200, json.dumps({"object": "page", "data": chunk, "has_more": more,
                                    "next_page": nxt}))

    def anthropic(self, path, q):
        t0, t1 = parse_rfc(q["starting_at"][0]), parse_rfc(q["ending_at"][0])
        width = WIDTH[q.get("bucket_width", ["1d"])[0]]
        group_by = q.get("group_by[]", [])
        knobs = self.knobs()
        buckets = []
        first = t0 - t0 % width - (width if knobs.get("outside") else 0)
        for b in range(first, t1, width):
            lo, hi = (b if b < t0 - t0 % width else max(b, t0)), min(b + width, t1)
            minutes = (hi - lo) // 60 * knobs.get("scale", 1)
            if path == "usage_report/messages":
                results = []
                for g in ANTHROPIC:
                    r = scaled(g, minutes, ["uncached_input_tokens", "cache_read_input_tokens",
                                            "output_tokens"])
                    r["server_tool_use"] = {"web_search_requests": 0}
                    for k in ("workspace_id", "api_key_id", "model", "service_tier"):
                        if k not in group_by:
                            r[k] = None
                    results.append(r)
            elif path == "cost_report":
                results = [{"amount": "%.6f" % (float(c) * minutes / 1440), "currency": "USD",
                            "workspace_id": w if "workspace_id" in group_by else None,
                            "description": None, "cost_type": None}
                           for w, c in ANTHROPIC_COST_PER_DAY_CENTS.items()]
            else:
                return self.reply(404, '{"type":"error","error":{"message":"no such endpoint"}}')
            buckets.append({"starting_at": rfc(b), "ending_at": rfc(b + width), "results": results})
        chunk, more, nxt = paginate(buckets, q.get("page", [None])[0])
        self.reply(200, json.dumps({"data": chunk, "has_more": more, "next_page": nxt}))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()

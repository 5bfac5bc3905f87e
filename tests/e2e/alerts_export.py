#!/usr/bin/env python3
"""Writes a GenAI span export for the alert end-to-end test.

usage: alerts_export.py FILE [--incident]

A steady 8 days ending at T = 2026-11-20T12:00:00Z: three tenants, three
models, request rates following a daily curve (peak 4x the trough), the
same at the same time each day, so every window equals its baseline.
With --incident, tenant globex also sends o3 30 extra requests a minute for
the last 90 minutes, with no cache hits and mostly reasoning output."""
import json, math, sys

T = 1795176000
DAY = 86400
# tenant, provider, model, requests/minute at the daily mean, input, cached, output, reasoning
PAIRS = [
    ("acme", "openai", "gpt-5-mini", 2.0, 1500, 750, 300, 0),
    ("acme", "anthropic", "claude-haiku-4-5", 1.0, 1200, 600, 200, 0),
    ("acme", "openai", "o3", 0.2, 1000, 500, 3000, 2400),
    ("globex", "openai", "gpt-5-mini", 1.0, 1500, 750, 300, 0),
    ("initech", "anthropic", "claude-haiku-4-5", 1.0, 1200, 600, 200, 0),
]

def curve(t):
    """0.4 .. 1.6 over the day: peak 4x the trough."""
    h = (t % DAY) / 3600.0
    return 1.0 + 0.6 * math.sin(2 * math.pi * (h - 10) / 24)

def attr(k, v):
    if isinstance(v, int):
        return {"key": k, "value": {"intValue": str(v)}}
    return {"key": k, "value": {"stringValue": v}}

def span(sid, ts, tenant, provider, model, inp, cached, out, reasoning):
    return {"traceId": "%032x" % (sid // 1000 + 1), "spanId": "%016x" % sid,
            "startTimeUnixNano": str(ts * 10**9), "attributes": [
                attr("gen_ai.operation.name", "chat"), attr("gen_ai.provider.name", provider),
                attr("gen_ai.request.model", model), attr("gen_ai.usage.input_tokens", inp),
                attr("gen_ai.usage.cache_read.input_tokens", cached),
                attr("gen_ai.usage.output_tokens", out),
                attr("gen_ai.usage.reasoning.output_tokens", reasoning),
                attr("tenant.id", tenant)]}

def main():
    path, incident = sys.argv[1], "--incident" in sys.argv
    spans, sid = [], 0
    start = T - 8 * DAY
    for p in PAIRS:
        tenant, provider, model, rate, inp, cached, out, reasoning = p
        carry = {}
        for m in range(start // 60, T // 60):
            t = m * 60
            tod = t % DAY  # the same count at the same time of day, every day
            acc = carry.get(tod - 60, 0.0) + rate * curve(t)
            n = int(acc)
            carry[tod] = acc - n
            for i in range(n):
                sid += 1
                spans.append(span(sid, t + i, tenant, provider, model, inp, cached, out, reasoning))
    if incident:
        for m in range((T - 90 * 60) // 60, T // 60):
            for i in range(30):
                sid += 1
                spans.append(span(sid, m * 60 + i, "globex", "openai", "o3", 1000, 0, 3000, 2400))
    with open(path, "w") as f:
        for i in range(0, len(spans), 200):
            f.write(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans[i:i + 200]}]}]},
                               separators=(",", ":")) + "\n")

main()

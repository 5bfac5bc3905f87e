#!/usr/bin/env python3
"""check.py SERVED OUT PRICES [PROVIDER SCOPE] - spendtop's --once --json (OUT) against what
the fake OpenAI API served (SERVED, one JSON object a line: model, input
incl. cached, cached, output incl. reasoning, reasoning): every token
counted exactly once, each model's spend the list price of its tokens
(PRICES: pricing/default_prices.json; cached input at the cache-read
price, the rest of the input at the input price).

Codex sends each request's usage as an event and as metrics; its metrics
name no conversation, so spendtop counts one Codex service from the kind
it reported first (codex exec flushes its metrics before its logs when it
exits). Either way, the same kind for every model: events (each answer one
known request) or metrics (requests unknown, never invented). Prints which.
(Used for Gemini CLI too, by agents/gemini/check.py, with PROVIDER
gcp.gemini and SCOPE "session": one emitter per session there, and each
model is a session of its own, so each model may have its kind.)"""
import json, sys

served = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out = json.load(open(sys.argv[2]))
prices = json.load(open(sys.argv[3]))
provider = sys.argv[4] if len(sys.argv) > 4 else "openai"
per_session = len(sys.argv) > 5 and sys.argv[5] == "session"
bad = []


def check(cond, what):
    if not cond:
        bad.append(what)


check(len(served) > 0, "the fake served nothing")
tot = {k: sum(s[k] for s in served) for k in ("input", "cached", "output", "reasoning")}
check(out["cache"]["input_tokens"] == tot["input"],
      "input tokens %r, served %r" % (out["cache"]["input_tokens"], tot["input"]))
check(out["cache"]["cache_read_tokens"] == tot["cached"],
      "cache reads %r, served %r" % (out["cache"]["cache_read_tokens"], tot["cached"]))
check(out["reasoning"]["output_tokens"] == tot["output"],
      "output tokens %r, served %r" % (out["reasoning"]["output_tokens"], tot["output"]))
check(out["reasoning"]["reasoning_tokens"] == tot["reasoning"],
      "reasoning tokens %r, served %r" % (out["reasoning"]["reasoning_tokens"], tot["reasoning"]))

models = {m["model"]: m for m in out["models"]}
kinds = set()
want = {}
for s in served:
    w = want.setdefault(s["model"], {"requests": 0, "usd": 0.0})
    p = prices[s["model"]]
    w["requests"] += 1
    w["usd"] += ((s["input"] - s["cached"]) * p["input_cost_per_token"] +
                 s["cached"] * p["cache_read_input_token_cost"] +
                 s["output"] * p["output_cost_per_token"])
check(sorted(m["model"] for m in out["models"]) == sorted(want),
      "models %r, served %r" % ([(m["provider"], m["model"]) for m in out["models"]], sorted(want)))
check(out["spend"]["no_usage"] == 0, "calls without usage: %r" % out["spend"]["no_usage"])
for name, w in want.items():
    m = models.get(name)
    if not m:
        continue
    check(m["provider"] == provider, "%s: provider %r" % (name, m["provider"]))
    kinds.add(("%s: " % name if per_session else "") +
              ("events" if m["requests_unknown"] == 0 else "metrics"))
    if m["requests_unknown"] == 0:
        check(m["requests"] == w["requests"],
              "%s: requests %r, served %r" % (name, m["requests"], w["requests"]))
    else:
        check(m["requests"] is None,
              "%s: requests %r beside metric usage" % (name, m["requests"]))
    check(abs(m["window_usd"] - w["usd"]) < 1e-9,
          "%s: spend %r, list price of what was served %r" % (name, m["window_usd"], w["usd"]))
check(per_session or len(kinds) == 1, "counted from events for some models, metrics for others")
check(out["unpriced"] == [], "unpriced: %r" % out["unpriced"])
for src in out["sources"]:
    check(src["rejected"] == 0, "source %s rejected %r" % (src["name"], src["rejected"]))

if bad:
    for b in bad:
        print("FAIL:", b, file=sys.stderr)
    print(json.dumps(out, indent=1)[:3000], file=sys.stderr)
    sys.exit(1)
print(", ".join(sorted(kinds)))

#!/usr/bin/env python3
"""check.py OUT.JSON LEDGER RUNS MODEL - agent_claude.sh's oracle: the
figures of spendtop's --once --json snapshot against what the fake
Anthropic API served (LEDGER, one JSON line per answered request) in the
Claude Code sessions of RUNS ("tenant ledger-lines-after-the-session")."""
import json
import sys

out = json.load(open(sys.argv[1]))
served = [json.loads(l) for l in open(sys.argv[2])]
runs = [l.split() for l in open(sys.argv[3])]
model = sys.argv[4]
# the prices agent_claude.sh configures for MODEL, USD per token
PRICE = {"input": 1e-6, "output": 1e-5, "read": 1e-7, "write_5m": 2e-6, "write_1h": 4e-6}
# Claude Code's own list prices for claude-sonnet-4-6 (its cost_usd)
LIST = {"input": 3e-6, "output": 15e-6, "read": 0.3e-6, "write_5m": 3.75e-6, "write_1h": 6e-6}


def check(cond, what):
    if not cond:
        print("FAIL:", what, file=sys.stderr)
        print(json.dumps(out, indent=1)[:3000], file=sys.stderr)
        sys.exit(1)


def cost(u, p):
    cc = u["cache_creation"]
    return (u["input_tokens"] * p["input"] + u["output_tokens"] * p["output"] +
            u["cache_read_input_tokens"] * p["read"] +
            cc["ephemeral_5m_input_tokens"] * p["write_5m"] +
            cc["ephemeral_1h_input_tokens"] * p["write_1h"])


check(len(served) >= len(runs), "every session made a request")
check(all(s["model"] == model for s in served), "the fake was asked for %s" % model)
usages = [s["usage"] for s in served]
# input counts every input token: uncached, cache reads and cache writes
want_input = sum(u["input_tokens"] + u["cache_read_input_tokens"] +
                 u["cache_creation_input_tokens"] for u in usages)
want_read = sum(u["cache_read_input_tokens"] for u in usages)
want_output = sum(u["output_tokens"] for u in usages)
check(out["cache"]["input_tokens"] == want_input,
      "input tokens %r, served %r" % (out["cache"]["input_tokens"], want_input))
check(out["cache"]["cache_read_tokens"] == want_read, "cache reads, served %r" % want_read)
check(out["reasoning"]["output_tokens"] == want_output, "output tokens, served %r" % want_output)
models = {(m["provider"], m["model"]): m for m in out["models"]}
check(list(models) == [("anthropic", model)], "one model: %r" % list(models))
m = models[("anthropic", model)]
# one request per api_request event; the metrics' copy of the same usage
# is superseded, so no request is unknown
check(m["requests"] == len(served), "requests %r, served %r" % (m["requests"], len(served)))
check(m["requests_unknown"] == 0, "requests_unknown %r" % m["requests_unknown"])
check(not out["unpriced"], "priced")
# the estimate at the configured prices: the cache writes each at its TTL's
want_usd = sum(cost(u, PRICE) for u in usages)
check(abs(m["window_usd"] - want_usd) < 1e-12,
      "window_usd %r, served %r" % (m["window_usd"], want_usd))
# per session (tenant = team.id from OTEL_RESOURCE_ATTRIBUTES)
usd = {t["tenant"]: t["window_usd"] for t in out["tenants"]}
check(sorted(usd) == sorted(r[0] for r in runs), "tenants %r" % sorted(usd))
first = 0
for tenant, upto in runs:
    want = sum(cost(u, PRICE) for u in usages[first:int(upto)])
    check(abs(usd[tenant] - want) < 1e-12, "%s: %r, served %r" % (tenant, usd[tenant], want))
    first = int(upto)
# Claude Code's cost_usd, once per request (not again from
# claude_code.cost.usage), kept beside the estimate
want_reported = sum(cost(u, LIST) for u in usages)
check(out["spend"]["reported_usd"] is not None and
      abs(out["spend"]["reported_usd"] - want_reported) < 1e-9,
      "reported_usd %r, at Claude Code's list prices %r" % (out["spend"]["reported_usd"],
                                                              want_reported))

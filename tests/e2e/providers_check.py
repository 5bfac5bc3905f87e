#!/usr/bin/env python3
"""Checks spendtop's --once --json over tests/e2e/fake_provider.py against
a hand computation (prices from the LiteLLM table, USD per token):

gpt-4o-mini-2024-07-18: input 1.5e-7, output 6e-7, cache read 7.5e-8, no
  cache-write price (falls back to input: partially priced), batch 7.5e-8/3e-7
claude-sonnet-4-20250514: input 3e-6, output 1.5e-5, cache read 3e-7,
  5m write 3.75e-6, 1h write 6e-6, no batch prices (half)

usage: providers_check.py OUT.json [--spans] [--no-anthropic] [--later N]
(--later N: the snapshot is N minutes after 12:30 UTC)"""
import json, sys

# per minute
oa_std = 500 * 1.5e-7 + 400 * 7.5e-8 + 100 * 1.5e-7 + 200 * 6e-7       # 0.000240
oa_batch = 3000 * 7.5e-8 + 500 * 3e-7                                   # 0.000375
an_std = 500 * 3e-6 + 1000 * 3e-7 + 200 * 3.75e-6 + 100 * 6e-6 + 300 * 1.5e-5  # 0.00765
an_batch = (1000 * 3e-6 + 100 * 1.5e-5) / 2                             # 0.00225

out = json.load(open(sys.argv[1]))
spans = "--spans" in sys.argv
anthropic = "--no-anthropic" not in sys.argv
per_min = oa_std + oa_batch + (an_std + an_batch if anthropic else 0)
later = int(sys.argv[sys.argv.index("--later") + 1]) if "--later" in sys.argv else 0
fails = []


def close(path, got, want):
    if got is None or want is None:
        if got is not want:
            fails.append("%s: %r, expected %r" % (path, got, want))
    elif abs(got - want) > 1e-6 * max(abs(got), abs(want)):
        fails.append("%s: %r, expected %r" % (path, got, want))


s = out["spend"]
close("window_usd", s["window_usd"], 60 * per_min)
close("baseline_usd", s["baseline_usd"], 60 * per_min)
close("ratio", s["ratio"], 1.0)
# at 12:30 UTC today holds 750 minutes (hourly 00:00-10:00, then minutes)
close("today_usd", s["today_usd"], (750 + later) * per_min)
# history comes in hourly buckets, counted by their start: [12:30 yesterday,
# 12:30) holds the hours from 13:00 to 10:00 (22 h) and the 90 minutes
# since 11:00 at minute resolution: 1410 minutes
close("last_24h_usd", s["last_24h_usd"], (1410 + later) * per_min)
billed = 1.25 + 2.5 + ((1234.5 + 100) / 100 if anthropic else 0)
close("billed_today_usd", s["billed_today_usd"], billed)
c = out["cache"]
reads = 400 + (1000 if anthropic else 0)
inputs = 1000 + 3000 + (1800 + 1000 if anthropic else 0)
close("hit_rate", c["hit_rate"], reads / inputs)
if c["input_tokens"] != 60 * inputs or c["cache_read_tokens"] != 60 * reads:
    fails.append("cache tokens %r" % c)
if out["reasoning"]["ratio"] is not None:
    fails.append("reasoning is not reported by these APIs: %r" % out["reasoning"])
tenants = {t["tenant"]: t["window_usd"] for t in out["tenants"]}
want_t = {"acme": 60 * oa_std, "proj_b": 60 * oa_batch}
if anthropic:
    want_t.update({"wrkspc_a": 60 * an_std, "": 60 * an_batch})
if set(tenants) != set(want_t):
    fails.append("tenants %r" % tenants)
for k, v in want_t.items():
    close("tenant %s" % k, tenants.get(k), v)
src = {x["name"]: x for x in out["sources"]}
oa = src["oa"]
if oa["status"] != "ok" or oa["last_error"] is not None:
    fails.append("oa source %r" % oa)
# billed vs estimated over the last 7 whole days
close("oa drift", oa["drift"], (7 * 3.75 - 7 * 1440 * (oa_std + oa_batch)) / (7 * 1440 * (oa_std + oa_batch)))
if anthropic:
    close("an drift", src["an"]["drift"],
          (7 * 13.345 - 7 * 1440 * (an_std + an_batch)) / (7 * 1440 * (an_std + an_batch)))
if spans:
    # the span source traced 3 openai requests a minute of its own: they do
    # not add to the totals (checked above); they are coverage
    span_per_min = 3 * (1000 * 1.5e-7 + 100 * 6e-7)
    close("spans coverage", src["spans"]["coverage"], span_per_min / (oa_std + oa_batch))
if fails:
    print("\n".join(fails))
    sys.exit(1)

#!/usr/bin/env python3
"""families_check.py SCENARIO TRUTH SNAPSHOT PRICES

Check `spendtop --once --json` (SNAPSHOT) against what the fake provider
answered (TRUTH, one JSON line per call, written by fake_llm.cjs) and what
the scenario's library passes on of it (REPORTS below): requests, input,
cache reads, output, reasoning, the hit rate and reasoning ratio, the
source's no_usage, and the spend to 1e-6 USD, priced here from the price
table (PRICES, LiteLLM format) independently of the program.
"""
import json
import re
import sys

# What each library reports of a call, by API: i input, o output, r cache
# reads, w cache writes, s their 5m/1h split, R reasoning; "" nothing (a
# stream it reads no usage from); u: Anthropic's uncached input only.
# "stream" is an OpenAI chat stream with include_usage (without it, no
# library has anything to report).
REPORTS = {
    "otel-openai": {"openai.chat": "io", "openai.responses": "io", "stream": "io"},
    "anthropic-sdk": {"anthropic": "iorwsR"},
    "anthropic-sdk-0": {"anthropic": "iorwsR"},
    "traceloop-openai": {"openai.chat": "io", "stream": ""},
    "traceloop-anthropic": {"anthropic": "iorwsR"},
    "traceloop-langchain": {"openai.chat": "io", "anthropic": "u"},
    "openinference-openai": {"openai.chat": "iorR", "openai.responses": "iorR", "stream": ""},
    "openinference-anthropic": {"anthropic": "iorw"},
    "openinference-langchain": {"openai.chat": "ior", "anthropic": "ior"},
    "vercel-ai6": {"openai.chat": "iorR", "openai.responses": "iorR", "anthropic": "iorwsR",
                   "stream": "iorR"},
    "vercel-ai7": {"openai.chat": "ior", "openai.responses": "ior", "anthropic": "iorw",
                   "stream": "ior"},
    "vercel-ai7-details": {"openai.chat": "iorR", "openai.responses": "iorR",
                           "anthropic": "iorwsR", "stream": "iorR"},
    "langfuse-openai": {"openai.chat": "iorR", "openai.responses": "iorR"},
}


def reported(scenario, call):
    """The call as the library reports it, in spendtop's terms, or None."""
    table = REPORTS[scenario.split("+")[0]]
    key = "stream" if call["stream"] and call["api"] == "openai.chat" else call["api"]
    what = table.get(key, table.get(call["api"]))
    if call["stream"] and call["api"] == "openai.chat" and not call["usage"]:
        what = ""
    if not what:
        return None
    writes = call["cache_write_5m"] + call["cache_write_1h"]
    if what == "u":
        return dict(input=call["input"] - call["cache_read"] - writes, cache_read=None,
                    w5m=0, w1h=0, output=call["output"], reasoning=None)
    return dict(
        input=call["input"],
        cache_read=call["cache_read"] if "r" in what else None,
        w5m=(call["cache_write_5m"] if "s" in what else writes) if "w" in what else 0,
        w1h=call["cache_write_1h"] if "s" in what else 0,
        output=call["output"],
        reasoning=call["reasoning"] if "R" in what else None,
    )


def price_of(prices, model):
    """Exact key, else without a date suffix (pricing.h's matching)."""
    if model in prices:
        return prices[model]
    short = re.sub(r"-(\d{4}-\d{2}-\d{2}|\d{8})$", "", model)
    return prices[short]


def cost(p, u):
    inp = p["input_cost_per_token"]
    out = p["output_cost_per_token"]
    read = p.get("cache_read_input_token_cost", inp)
    w5m = p.get("cache_creation_input_token_cost", inp)
    w1h = p.get("cache_creation_input_token_cost_above_1hr", inp)
    rsn = p.get("output_cost_per_reasoning_token", out)
    cr = u["cache_read"] or 0
    r = u["reasoning"] or 0
    uncached = u["input"] - cr - u["w5m"] - u["w1h"]
    return (uncached * inp + cr * read + u["w5m"] * w5m + u["w1h"] * w1h
            + (u["output"] - r) * out + r * rsn)


def main():
    scenario, truth, snapshot, prices_path = sys.argv[1:5]
    prices = json.load(open(prices_path))
    calls = [json.loads(line) for line in open(truth)]
    snap = json.load(open(snapshot))
    want = dict(requests=len(calls), input=0, cache_read=0, input_ck=0, output=0,
                reasoning=0, output_rk=0, no_usage=0, usd=0.0)
    for call in calls:
        u = reported(scenario, call)
        if u is None:
            want["no_usage"] += 1
            continue
        want["input"] += u["input"]
        want["output"] += u["output"]
        if u["cache_read"] is not None:
            want["cache_read"] += u["cache_read"]
            want["input_ck"] += u["input"]
        if u["reasoning"] is not None:
            want["reasoning"] += u["reasoning"]
            want["output_rk"] += u["output"]
        want["usd"] += cost(price_of(prices, call["model"]), u)
    src = snap["sources"][0]
    got = dict(
        requests=sum(m["requests"] for m in snap["models"]),
        input=snap["cache"]["input_tokens"], cache_read=snap["cache"]["cache_read_tokens"],
        output=snap["reasoning"]["output_tokens"],
        reasoning=snap["reasoning"]["reasoning_tokens"], no_usage=src["no_usage"],
    )
    bad = [f"{k}: {got[k]}, want {want[k]}" for k in got if got[k] != want[k]]
    if src["rejected"]:
        bad.append(f"{src['rejected']} rejected: {src['last_error']}")
    hit = want["cache_read"] / want["input_ck"] if want["input_ck"] else None
    ratio = want["reasoning"] / want["output_rk"] if want["output_rk"] else None
    for name, g, w in (("hit_rate", snap["cache"]["hit_rate"], hit),
                       ("reasoning ratio", snap["reasoning"]["ratio"], ratio)):
        if (g is None) != (w is None) or (w is not None and abs(g - w) > 1e-9):
            bad.append(f"{name}: {g}, want {w}")
    usd = snap["spend"]["window_usd"]
    if usd is None or abs(usd - want["usd"]) > 1e-6:
        bad.append(f"spend: {usd}, want {want['usd']:.9f}")
    if bad:
        print(f"FAIL {scenario}: " + "; ".join(bad))
        return 1
    print(f"ok {scenario}: {want['requests']} calls, ${want['usd']:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

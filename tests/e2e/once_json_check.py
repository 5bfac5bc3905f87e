#!/usr/bin/env python3
"""Writes a small span export and checks spendtop's --once --json against
figures computed here by hand from the LiteLLM prices (USD per token):

  gpt-4o-mini        input 1.5e-7  output 6e-7    cache read 7.5e-8
  claude-sonnet-4-6  input 3e-6    output 1.5e-5  cache read 3e-7  cache write 3.75e-6
  o3                 input 2e-6    output 8e-6    cache read 5e-7

now T = 2026-11-20T12:00:00Z, window 1h."""
import json, re, sys

T = 1795176000  # 2026-11-20T12:00:00Z
MIN, HOUR, DAY = 60, 3600, 86400


def attr(k, v):
    if isinstance(v, int):
        return {"key": k, "value": {"intValue": str(v)}}
    return {"key": k, "value": {"stringValue": v}}


def span(sid, ts, model, tenant=None, op="chat", inp=0, out=0, cache=None,
         write=None, reasoning=None, provider="openai"):
    a = [attr("gen_ai.operation.name", op), attr("gen_ai.provider.name", provider),
         attr("gen_ai.request.model", model),
         attr("gen_ai.usage.input_tokens", inp), attr("gen_ai.usage.output_tokens", out)]
    if cache is not None:
        a.append(attr("gen_ai.usage.cache_read.input_tokens", cache))
    if write is not None:
        a.append(attr("gen_ai.usage.cache_creation.input_tokens", write))
    if reasoning is not None:
        a.append(attr("gen_ai.usage.reasoning.output_tokens", reasoning))
    if tenant is not None:
        a.append(attr("tenant.id", tenant))
    return {"traceId": "%032x" % 7, "spanId": "%016x" % sid,
            "startTimeUnixNano": str(ts * 10**9), "attributes": a}


def line(*spans):
    return json.dumps({"resourceSpans": [{"resource": {"attributes": []},
                       "scopeSpans": [{"spans": list(spans)}]}]}) + "\n"


def write(d):
    s2 = span(2, T - 30 * MIN, "gpt-4o-mini", "acme", inp=10000, out=2000, cache=4000, reasoning=0)
    with open(d + "/export-1.json", "w") as f:
        # 1: starts the history (7 days 23 hours back)
        f.write(line(span(1, T - 7 * DAY - 23 * HOUR, "gpt-4o-mini", "acme", inp=1000, out=100)))
        f.write(line(s2,
                     span(3, T - 10 * MIN, "claude-sonnet-4-6", "globex", inp=20000, out=1000,
                          cache=15000, write=1000, reasoning=200, provider="anthropic")))
        f.write(line(span(4, T - DAY - 20 * MIN, "o3", "globex", inp=5000, out=3000, cache=0,
                          reasoning=2400),
                     span(5, T - 2 * DAY - 45 * MIN, "gpt-4o-mini", "acme", inp=2000, out=500,
                          cache=1000)))
        f.write('{"resourceSpans": [{"scopeSpans": [ truncated\n')         # line 4
    with open(d + "/export-2.json", "w") as f:
        f.write(line(span(6, T - 5 * MIN, "gpt-4o-mini", "acme", op="invoke_agent",
                          inp=999999, out=99999)))                          # not counted
        f.write(line(s2))                                                   # duplicate
        f.write(line(span(8, T - 15 * MIN, "gpt-4o-mini", None, inp=100, out=10)))
        f.write(line(span(9, T - 20 * MIN, "mystery-1", "acme", inp=500, out=50)))


# ---- the hand computation ------------------------------------------------------
c2 = 6000 * 1.5e-7 + 4000 * 7.5e-8 + 2000 * 6e-7            # 0.0024
c3 = 4000 * 3e-6 + 15000 * 3e-7 + 1000 * 3.75e-6 + 1000 * 1.5e-5   # 0.03525
c4 = 5000 * 2e-6 + 3000 * 8e-6                               # 0.034
c5 = 1000 * 1.5e-7 + 1000 * 7.5e-8 + 500 * 6e-7             # 0.000525
c8 = 100 * 1.5e-7 + 10 * 6e-7                               # 0.000021
window = c2 + c3 + c8
baseline = (c4 + c5) / 7          # history reaches back past day 7
expect = {
    "spend": {
        "window_usd": window, "baseline_usd": baseline, "ratio": window / baseline,
        "today_usd": window, "last_24h_usd": window,
        "last_7d_usd": window + c4 + c5, "burn_usd_per_hour": window,
        "projected_today_usd": window + window * 12, "billed_today_usd": None,
        "reported_usd": None, "no_usage": 0,   # spans report no cost of their own
    },
    "cache": {"hit_rate": (4000 + 15000) / (10000 + 20000),
              "baseline_hit_rate": (0 + 1000) / (5000 + 2000),
              "cache_read_tokens": 19000, "input_tokens": 10000 + 20000 + 100 + 500},
    "reasoning": {"ratio": 200 / (2000 + 1000), "baseline_ratio": 2400 / 3000,
                  "reasoning_tokens": 200, "output_tokens": 2000 + 1000 + 10 + 50},
    "mix": {"distance": 0.5 * (c3 / window + abs((c2 + c8) / window - c5 / (c4 + c5))
                               + c4 / (c4 + c5))},
}
tenants = {
    "globex": {"window_usd": c3, "baseline_usd": c4 / 7, "ratio": c3 / (c4 / 7),
               "today_usd": c3, "burn_usd_per_hour": c3, "budget_usd": None, "budget_used": None},
    "acme": {"window_usd": c2, "baseline_usd": c5 / 7, "ratio": c2 / (c5 / 7),
             "today_usd": c2, "burn_usd_per_hour": c2, "budget_usd": 0.01,
             "budget_used": c2 / 0.01},
    "": {"window_usd": c8, "baseline_usd": 0, "ratio": None, "today_usd": c8,
         "burn_usd_per_hour": c8, "budget_usd": None, "budget_used": None},
}
models = {
    ("anthropic", "claude-sonnet-4-6"): {"window_usd": c3, "requests": 1,
                                         "share": c3 / window, "baseline_share": 0},
    ("openai", "gpt-4o-mini"): {"window_usd": c2 + c8, "requests": 2,
                                "share": (c2 + c8) / window, "baseline_share": c5 / (c4 + c5)},
    ("openai", "o3"): {"window_usd": 0, "requests": 0, "share": 0,
                      "baseline_share": c4 / (c4 + c5)},
    ("openai", "mystery-1"): {"window_usd": None, "requests": 1, "share": None,
                              "baseline_share": None},
}

failures = []


def same(path, got, want):
    if want is None or got is None:
        if got is not want:
            failures.append("%s: got %r, expected %r" % (path, got, want))
        return
    if isinstance(want, int) and not isinstance(want, bool):
        if got != want or not isinstance(got, int):
            failures.append("%s: got %r, expected the integer %r" % (path, got, want))
        return
    if abs(got - want) > 1e-6 * max(abs(got), abs(want)) + 1e-15:
        failures.append("%s: got %r, expected %r" % (path, got, want))


def check(path, rerun):
    out = json.load(open(path))
    keys = ["generated_at", "window", "spend", "cache", "reasoning", "tenants", "models",
            "mix", "alerts", "budgets", "unpriced", "sources", "prices", "folding"]
    if list(out.keys()) != keys:
        failures.append("top-level keys %r" % list(out.keys()))
    if not re.match(r"^default 2026-07-24, [0-9]+ overrides?$", out["prices"] or ""):
        failures.append("prices %r" % out["prices"])
    if out["generated_at"] != "2026-11-20T12:00:00Z" or out["window"] != "1h":
        failures.append("generated_at/window %r %r" % (out["generated_at"], out["window"]))
    for section in ("spend", "cache", "reasoning", "mix"):
        if list(out[section].keys()) != list(expect[section].keys()):
            failures.append("%s keys %r" % (section, list(out[section].keys())))
        for k, v in expect[section].items():
            same(section + "." + k, out[section].get(k), v)
    got_t = {t["tenant"]: t for t in out["tenants"]}
    if set(got_t) != set(tenants):
        failures.append("tenants %r" % sorted(got_t))
    for name, want in tenants.items():
        for k, v in want.items():
            same("tenants[%s].%s" % (name, k), got_t.get(name, {}).get(k), v)
    if [t["tenant"] for t in out["tenants"]] != ["globex", "acme", ""]:
        failures.append("tenant order %r" % [t["tenant"] for t in out["tenants"]])
    got_m = {(m["provider"], m["model"]): m for m in out["models"]}
    if set(got_m) != set(models):
        failures.append("models %r" % sorted(got_m))
    for key, want in models.items():
        for k, v in want.items():
            same("models[%s].%s" % ("/".join(key), k), got_m.get(key, {}).get(k), v)
    if out["unpriced"] != [{"provider": "openai", "model": "mystery-1", "requests": 1,
                            "input_tokens": 500, "output_tokens": 50}]:
        failures.append("unpriced %r" % out["unpriced"])
    # the mix moved from o3 to claude, and spend rose: with the test's floor
    # of $0.01 (min_spend_usd), model_mix and spend_anomaly, and nothing else
    kinds = {a["kind"] for a in out["alerts"]}
    if kinds != {"model_mix", "spend_anomaly"}:
        failures.append("alert kinds %r" % sorted(kinds))
    for kind, value, baseline in (("model_mix", expect["mix"]["distance"], None),
                                  ("spend_anomaly", expect["spend"]["window_usd"],
                                   expect["spend"]["baseline_usd"])):
        total = [a for a in out["alerts"]
                 if a["kind"] == kind and a["scope"] == "total" and a["window"] == "1h"]
        if len(total) != 1:
            failures.append("total 1h %s alerts: %r" % (kind, total))
            continue
        same("alerts[total 1h %s].value" % kind, total[0]["value"], value)
        same("alerts[total 1h %s].baseline" % kind, total[0]["baseline"], baseline)
        if total[0]["severity"] != "critical" or total[0]["started_at"] != "2026-11-20T11:55:00Z":
            failures.append("total %s alert %r" % (kind, total[0]))
    mix = [a for a in out["alerts"] if a["kind"] == "model_mix" and a["scope"] == "total"]
    if mix and mix[0]["threshold"] != 0.25:
        failures.append("model_mix threshold %r" % mix[0]["threshold"])
    # acme's daily_budget_usd is a day budget: 24% used; its baseline days
    # spent only in the hour before noon, so the burn shaped by them spends
    # nothing more today: it does not cross this period (null)
    want = [{"scope": "tenant:acme", "period": "day", "limit_usd": 0.01, "spent_usd": c2,
             "used": c2 / 0.01, "forecast_at": None}]
    got_b = out["budgets"]
    if len(got_b) != 1 or {k: v for k, v in got_b[0].items() if k not in ("spent_usd", "used")} \
            != {k: v for k, v in want[0].items() if k not in ("spent_usd", "used")}:
        failures.append("budgets %r" % got_b)
    else:
        same("budgets[0].spent_usd", got_b[0]["spent_usd"], c2)
        same("budgets[0].used", got_b[0]["used"], c2 / 0.01)
    src = out["sources"]
    # the compiled-in table (2026-07-24) is 119 days old on 2026-11-20:
    # flagged as a stale source of its own, after the configured ones
    want_flag = {"name": "prices", "type": "price_table", "status": "stale",
                 "last_success": "2026-07-24T00:00:00Z",
                 "last_error": "the price table (compiled-in) is 119 days old, from "
                               "2026-07-24: spendtop prices update",
                 "records": 0, "rejected": 0, "no_usage": 0, "coverage": None, "drift": None}
    if len(src) != 2 or src[1] != want_flag:
        failures.append("the price table's flag %r" % src[1:])
    src = src[:1]
    want_records = 0 if rerun else 7
    if (len(src) != 1 or src[0]["name"] != "spans" or src[0]["type"] != "otel_file"
            or src[0]["status"] != "ok" or src[0]["records"] != want_records
            or src[0]["last_error"] is not None or src[0]["coverage"] is not None
            or src[0]["drift"] is not None or src[0]["last_success"] != "2026-11-20T12:00:00Z"):
        failures.append("sources %r" % src)
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if sys.argv[1] == "write":
    write(sys.argv[2])
else:
    check(sys.argv[2], "--rerun" in sys.argv)

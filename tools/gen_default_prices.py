#!/usr/bin/env python3
"""Derive pricing/default_prices.json (the compiled-in price table) from a
LiteLLM model_prices_and_context_window.json.

Keeps the text-generation and embedding models (modes chat, responses,
completion, embedding: the GenAI conventions count embeddings calls) and,
for each, the fields spendtop prices with (their _priority and _flex service
tier kinds too) plus litellm_provider and mode.

usage: tools/gen_default_prices.py LITELLM_JSON > pricing/default_prices.json
"""
import json, re, sys

KEEP_MODES = {"chat", "responses", "completion", "embedding"}
PRICE = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|"
    r"cache_creation_input_token_cost(_above_1hr)?|output_cost_per_reasoning_token)"
    r"(_above_\d+k_tokens|_batches)?(_priority|_flex)?$")

src = json.load(open(sys.argv[1]))
out = {}
for key, e in src.items():
    if key == "sample_spec" or not isinstance(e, dict) or e.get("mode") not in KEEP_MODES:
        continue
    kept = {k: v for k, v in e.items() if PRICE.match(k)}
    if "input_cost_per_token" not in kept or "output_cost_per_token" not in kept:
        continue
    kept["litellm_provider"] = e.get("litellm_provider")
    kept["mode"] = e.get("mode")
    out[key] = kept
json.dump(out, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")

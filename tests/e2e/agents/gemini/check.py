#!/usr/bin/env python3
"""check.py SERVED OUT PRICES - spendtop's --once --json (OUT) against what
the fake Gemini API served (SERVED, one JSON object a line: model, prompt
incl. cached, cached, candidates, thoughts). Gemini's counts become the
usage record's: input = prompt, output = candidates + thoughts, reasoning
= thoughts; then the same checks as Codex's (agents/codex/check.py): every
token counted exactly once, each model's spend the list price of its
tokens, each session (here: each model) from one kind of telemetry.
Prints which."""
import json, os, subprocess, sys, tempfile

rows = []
for line in open(sys.argv[1]):
    if line.strip():
        s = json.loads(line)
        rows.append({"model": s["model"], "input": s["prompt"], "cached": s["cached"],
                     "output": s["candidates"] + s["thoughts"], "reasoning": s["thoughts"]})
with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
    f.write("".join(json.dumps(r) + "\n" for r in rows))
try:
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(subprocess.call([sys.executable, os.path.join(here, "..", "codex", "check.py"),
                              f.name, sys.argv[2], sys.argv[3], "gcp.gemini", "session"]))
finally:
    os.unlink(f.name)

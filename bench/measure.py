#!/usr/bin/env python3
"""Time commands best-of-N, interleaved, and report peak RSS (make bench).

usage: measure.py RUNS LABEL -- CMD ... [:: LABEL -- CMD ...]
Prints one line per command: label, best seconds, peak RSS in KiB.
A command's {fresh} is replaced by a new, empty temporary path each run.
"""
import os, subprocess, sys, tempfile

def parse(args):
    cmds, cur = [], None
    for a in args:
        if a == "::":
            cmds.append(cur); cur = None
        elif cur is None:
            cur = [a, []]
        elif a == "--" and not cur[1]:
            continue
        else:
            cur[1].append(a)
    if cur:
        cmds.append(cur)
    return cmds

TIMEIT = os.environ.get("TIMEIT", "timeit")

def run(cmd):
    """Run through the C timeit (a small parent: the child's peak RSS is
    its own); returns (seconds, peak RSS KiB)."""
    tmp = tempfile.mkdtemp(prefix="spendtop-bench-")
    argv = [TIMEIT] + [a.replace("{fresh}", os.path.join(tmp, "state.db")) for a in cmd]
    with open(os.path.join(tmp, "timing"), "w+") as err:
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=err)
        err.seek(0)
        last = err.read().strip().splitlines()[-1]
    subprocess.run(["rm", "-rf", tmp])
    if p.returncode != 0:
        sys.exit("bench: %s failed (status %d)" % (" ".join(argv), p.returncode))
    secs, rss = last.split()[:2]
    return float(secs), int(rss)

runs = int(sys.argv[1])
cmds = parse(sys.argv[2:])
best = {label: (1e9, 0) for label, _ in cmds}
for _ in range(runs):
    for label, cmd in cmds:
        dt, rss = run(cmd)
        b = best[label]
        best[label] = (min(b[0], dt), max(b[1], rss))
for label, _ in cmds:
    print("%s %.4f %d" % (label, best[label][0], best[label][1]))

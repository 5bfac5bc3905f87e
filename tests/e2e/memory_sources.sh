#!/bin/sh
# memory_sources.sh - memory grows with what is read, not with a buffer per
# source (issue 15.7): the same 100 files of half a megabyte each, read by
# one `--once` as 100 otel_file sources and as one source whose glob
# matches them all. The 100 sources may cost at most 10 MB more at peak
# (they cost 50 MB more: a 1 MiB read buffer per source; 1,000 sources of
# 1.1 MB took 563 MB, now 16 MB). A comparison, so that a sanitizer's own
# overhead, the same in both runs, does not matter.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
spans = [{"traceId": "%032x" % i, "spanId": "%016x" % i, "startTimeUnixNano": "1795348000000000000",
          "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                         {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                         {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "10"}}]}
         for i in range(1, 40)]
line = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n"
with open(d + "/many.toml", "w") as c:
    for k in range(100):
        with open("%s/s%d.json" % (d, k), "w") as f:
            f.write(line * 40)
        c.write('[[source]]\nname = "s%d"\ntype = "otel_file"\npath = "%s/s%d.json"\n' % (k, d, k))
with open(d + "/one.toml", "w") as c:
    c.write('[[source]]\nname = "all"\ntype = "otel_file"\npath = "%s/s*.json"\n' % d)
PY
peak() { # CONFIG DB -> peak RSS of one --once, in MB
    python3 - "$SPENDTOP" "$@" <<'PY'
import json, resource, subprocess, sys
spendtop, config, db = sys.argv[1:4]
out = subprocess.run([spendtop, "--once", "--json", "--no-hooks", "-c", config, "--db", db,
                      "--now", "2026-11-22T12:00:00Z"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
assert sum(m["requests"] for m in json.loads(out)["models"]) == 39, "the spans were not read"
print("%.1f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
PY
}
one=$(peak "$dir/one.toml" "$dir/one.db")
many=$(peak "$dir/many.toml" "$dir/many.db")
python3 -c 'import sys; one, many = map(float, sys.argv[1:])
assert many < one + 10, "100 sources peaked at %.1f MB, one source of the same files at %.1f MB" % (many, one)' "$one" "$many"
echo "memory_sources: ok (one source $one MB, 100 sources $many MB)"

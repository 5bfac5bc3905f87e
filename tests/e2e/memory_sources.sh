#!/bin/sh
# memory_sources.sh - memory grows with what is read, not with a buffer per
# source (issue 15.7): 100 otel_file sources, each a file of half a
# megabyte, read by one `--once` in a peak RSS under 32 MB (it was 67 MB:
# a 1 MiB read buffer per source; 1,000 sources of 1.1 MB took 563 MB, now
# 16 MB).
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
with open(d + "/config.toml", "w") as c:
    for k in range(100):
        with open("%s/s%d.json" % (d, k), "w") as f:
            f.write(line * 40)
        c.write('[[source]]\nname = "s%d"\ntype = "otel_file"\npath = "%s/s%d.json"\n' % (k, d, k))
PY
python3 - "$SPENDTOP" "$dir" <<'PY'
import json, resource, subprocess, sys
spendtop, d = sys.argv[1], sys.argv[2]
out = subprocess.run([spendtop, "--once", "--json", "--no-hooks", "-c", d + "/config.toml",
                      "--db", d + "/state.db", "--now", "2026-11-22T12:00:00Z"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
assert sum(m["requests"] for m in json.loads(out)["models"]) == 39, "the spans were not read"
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
assert peak < 32, "peak RSS %.1f MB for 100 sources" % peak
print("memory_sources: ok (peak RSS %.1f MB)" % peak)
PY

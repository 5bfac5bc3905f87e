#!/bin/sh
# owner_row.sh - what an idle daemon writes for its viewers: its row (the
# owner's facts) again when something in it changed, but when only its
# sources' last success moved (each poll: each second for a followed file)
# at most every 5 s - each write is a commit with its fsync, and wakes
# every viewer. A new record is in the row at once all the same.
# Waiting is on what the row says, polled every 0.1 s up to a deadline.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
daemon=""
trap '[ -n "$daemon" ] && kill -9 $daemon 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; tail -5 "$dir/daemon.err" 2>/dev/null; exit 1; }
printf '[[source]]\nname = "spans"\ntype = "otel_file"\npath = "%s/spans.json"\n' "$dir" \
    > "$dir/config.toml"
: > "$dir/spans.json"
"$SPENDTOP" --daemon --no-hooks -c "$dir/config.toml" --db "$dir/state.db" 2>"$dir/daemon.err" &
daemon=$!
python3 - "$dir" "$here/lib" <<'PY' || fail "the row"
import json, sqlite3, sys, time
d = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import chat_spans
def source():
    try:
        db = sqlite3.connect("file:%s/state.db?mode=ro" % d, uri=True, timeout=5)
        r = db.execute("SELECT facts FROM owner").fetchone()
        db.close()
    except sqlite3.Error:
        return None
    return json.loads(r[0])["sources"][0] if r else None
def wait(cond, why):
    for _ in range(300):
        s = source()
        if s and cond(s):
            return s
        time.sleep(0.1)
    sys.exit("the row never showed " + why)
# two moves of the last success alone: the second one timed by the row
s0 = wait(lambda s: s["last_success"] > 0 and s["state"] == "ok", "a first success")
s1 = wait(lambda s: s["last_success"] != s0["last_success"], "a second success")
s2 = wait(lambda s: s["last_success"] != s1["last_success"], "a third success")
gap = s2["last_success"] - s1["last_success"]
if gap < 3:
    sys.exit("the row was written again %ds after the last, for its time alone" % gap)
# a record, just after a write: in the row at the next tick, not at the
# time's next turn (its last success then would be well past its data's)
chat_spans.write(d + "/spans.json", [("acme", "gpt-4o", 1000, int(time.time()))])
s3 = wait(lambda s: s["records"] == 1, "the record")
late = s3["last_success"] - s3["last_data"]
if late > 2:
    sys.exit("the record reached the row %ds after the source read it" % late)
PY
kill $daemon && wait $daemon || fail "the daemon did not stop cleanly"
daemon=""
echo "owner_row: ok"

#!/bin/sh
# readonly_viewer.sh - README "One daemon, many viewers": a member with
# read access only (the state directory 2750, its files 0640 under the
# daemon's umask) watches the daemon: its --once attaches and shows the
# daemon's figures, though it cannot open DB.lock to lock it. Needs root
# (to be another user: setpriv); skipped, saying so, without.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib/daemon.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1 || ! getent group nogroup >/dev/null; then
    echo "SKIP: readonly_viewer needs root, setpriv and the group nogroup"
    exit 0
fi
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
chmod 711 "$dir"
state=$dir/state
mkdir -m 2750 "$state"
chgrp nogroup "$state"
cat > "$state/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$state/spans.json"
TOML
python3 - "$state/spans.json" <<'PY'
import json, sys, time
t = int(time.time()) - 600
span = {"traceId": "%032x" % 7, "spanId": "%016x" % 7, "startTimeUnixNano": str(t * 10**9),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000000"}}]}
open(sys.argv[1], "w").write(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}) + "\n")
PY
chmod 640 "$state/config.toml" "$state/spans.json"
(umask 0027 && exec "$SPENDTOP" --daemon --no-hooks -c "$state/config.toml" --db "$state/s.db" \
    2> "$dir/daemon.err") &
pid=$!
await_line "$dir/daemon.err" "collecting from" || fail "the daemon did not start: $(cat "$dir/daemon.err")"
[ "$(stat -c %a "$state/s.db.lock")" = 640 ] || fail "DB.lock is $(stat -c %a "$state/s.db.lock")"
# as nobody in the group: until the daemon has read its file (at most 10 s)
viewer() {
    setpriv --reuid=65534 --regid=65534 --groups=65534 \
        env HOME="$dir" XDG_STATE_HOME="$dir" \
        "$SPENDTOP" --once --json -c "$state/config.toml" --db "$state/s.db" \
        > "$dir/once.json" 2> "$dir/once.err"
}
read_it() {
    python3 - "$dir/once.json" <<'PY'
import json, sys
snap = json.load(open(sys.argv[1]))
spans = [s for s in snap["sources"] if s["name"] == "spans"]
sys.exit(0 if spans and spans[0]["status"] == "ok" and snap["spend"]["window_usd"] else 1)
PY
}
i=0
while :; do
    rc=0
    viewer || rc=$?
    [ $rc -eq 0 ] || fail "a member with read access only: exit $rc: $(cat "$dir/once.err")"
    grep -q "attached to daemon (pid $pid)" "$dir/once.err" || fail "not attached: $(cat "$dir/once.err")"
    read_it && break
    i=$((i + 1)); [ $i -lt 100 ] || fail "the daemon's figures were never shown: $(cat "$dir/once.json")"
    sleep 0.1
done
kill -TERM $pid
rc=0
wait $pid || rc=$?
pid=""
[ $rc -eq 0 ] || fail "the daemon exited $rc"
echo "readonly_viewer: ok"

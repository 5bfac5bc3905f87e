#!/bin/sh
# hooks_lifecycle.sh - one incident, one page and one resolve per alert,
# whatever runs in between (README "Alerts"), through a real hook that
# records every notification:
#  - a --once at T pages every alert once;
#  - a daemon started a minute later (the incident still on), reloaded with
#    the same config, then killed with SIGKILL: nothing new;
#  - a --once --no-hooks three hours later, the 1h alerts' incident over:
#    it runs nothing, and resolves nothing it could not tell (it did: the
#    resolves were never sent);
#  - the next --once with hooks sends each 1h alert's resolve, once, under
#    the id it fired with; the one after sends nothing.
set -eu
. "$(dirname "$0")/lib/daemon.sh"
dir=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill -9 "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
T=1795176000 # 2026-11-20T12:00:00Z, the end of alerts_export.py's incident

python3 tests/e2e/alerts_export.py "$dir/incident.json" --incident
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/incident.json"

[[hook]]
name = "record"
command = ["/bin/sh", "-c", "cat > /dev/null; printf '%s %s %s %s %s\\\\n' \"\$SPENDTOP_ALERT_STATE\" \"\$SPENDTOP_ALERT_KIND\" \"\$SPENDTOP_ALERT_SCOPE\" \"\$SPENDTOP_ALERT_WINDOW\" \"\$SPENDTOP_ALERT_ID\" >> $dir/notified"]
TOML
once() { # once NOW [ARGS...]
    _now=$1; shift
    "$SPENDTOP" --once --json "$@" -c "$dir/config.toml" --db "$dir/state.db" --now "$_now" \
        > "$dir/once.json" 2>> "$dir/once.err" || fail "--once at $_now: $(cat "$dir/once.err")"
}
count() { if [ -f "$dir/notified" ]; then wc -l < "$dir/notified" | tr -d ' '; else echo 0; fi; }

# ---- the incident: each alert paged once -------------------------------------------
once $T
first=$(count)
[ "$first" -gt 20 ] || fail "the incident paged $first alerts"
[ "$(grep -c '^firing ' "$dir/notified")" = "$first" ] || fail "not all firing: $(cat "$dir/notified")"

# ---- a daemon a minute later: reloaded, killed; nothing new --------------------------
"$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/state.db" --now $((T + 60)) \
    2> "$dir/daemon.err" &
pid=$!
await_line "$dir/daemon.err" "alerts: first verdict" || fail "the daemon: $(cat "$dir/daemon.err")"
kill -HUP "$pid"
await_line "$dir/daemon.err" "reload: .*sources" || fail "the reload: $(cat "$dir/daemon.err")"
# the reload evaluated again; what it queued is delivered before the status
kill -USR1 "$pid"
await_line "$dir/daemon.err" "status: .* 0 notifications queued" \
    || fail "the daemon's queue: $(cat "$dir/daemon.err")"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=
[ "$(count)" = "$first" ] || fail "the daemon paged again: $(tail -n +$((first + 1)) "$dir/notified")"

# ---- --no-hooks, the 1h incident over: runs nothing, swallows no resolve ------------
once $((T + 3 * 3600)) --no-hooks
[ "$(count)" = "$first" ] || fail "--no-hooks ran a hook"

# ---- with hooks again: each 1h alert's resolve, once, under its id ------------------
once $((T + 3 * 3600 + 60))
once $((T + 3 * 3600 + 120))
python3 - "$dir/notified" <<'PY'
import collections, sys
seq = collections.defaultdict(list)
for line in open(sys.argv[1]):
    state, kind, scope, window, aid = line.split()
    seq[(kind, scope, window)].append((state, aid))
hourly = {k: v for k, v in seq.items() if k[2] == "1h"}
assert len(hourly) >= 10, hourly
for k, v in hourly.items():
    assert [s for s, _ in v] == ["firing", "resolved"], (k, v)
    assert v[0][1] == v[1][1], ("the resolve's id is not the page's", k, v)
for k, v in seq.items():
    # no episode after a resolve (the data ends at T), no resolve twice
    assert [s for s, _ in v].count("resolved") <= 1 and v[-1][0] == "resolved" or \
        "resolved" not in [s for s, _ in v], (k, v)
    assert len({a for _, a in v}) == 1, ("one alert, one id", k, v)
PY
echo "hooks_lifecycle: ok"

#!/bin/sh
# signals.sh - what the signals an operator sends do to a daemon:
#  - SIGHUP with a changed config (a source added, a hook removed, a tenant
#    budget added) takes effect at once: the new source counts, the new
#    budget's alert pages the remaining hook only, the alert that was
#    already firing is not paged again, nothing counted is lost;
#  - SIGHUP with a changed source restarts it where it was in its files,
#    or listening on its port again;
#  - SIGHUP with a broken config logs every problem and keeps the running
#    config (its sources still count);
#  - SIGUSR1 logs a status summary, SIGUSR2 polls now: neither kills it;
#  - SIGTERM lets a running hook finish, flushes a record read just
#    before, and exits 0: the database has every record;
#  - systemd's notification socket (a stand-in bound by python) hears
#    READY=1, RELOADING=1, WATCHDOG=1 pings and STOPPING=1.
# Conditions are awaited by bounded polling, never by sleeping.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib/daemon.sh"
dir=$(mktemp -d)
daemon=""
listener=""
trap '[ -n "$daemon" ] && kill -9 $daemon 2>/dev/null; [ -n "$listener" ] && kill $listener 2>/dev/null; rm -rf "$dir"' EXIT
fail() {
    echo "FAIL: $1"
    sed 's/^/  daemon: /' "$dir/daemon.err" 2>/dev/null | tail -20
    exit 1
}
now=$(date +%s)
port=$(free_port)

# span FILE ID TENANT [MODEL]: one export line, one call of 1M input
# tokens for TENANT, now (gpt-4o-mini: $0.15)
span() {
    printf '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x",' \
        "$2" "$2" >> "$1"
    printf '"startTimeUnixNano":"%s000000000","attributes":[' "$now" >> "$1"
    printf '{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},' >> "$1"
    printf '{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},' >> "$1"
    printf '{"key":"gen_ai.request.model","value":{"stringValue":"%s"}},' "${4:-gpt-4o-mini}" >> "$1"
    printf '{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1000000"}},' >> "$1"
    printf '{"key":"gen_ai.usage.output_tokens","value":{"intValue":"10"}},' >> "$1"
    printf '{"key":"tenant.id","value":{"stringValue":"%s"}}]}]}]}]}\n' "$3" >> "$1"
}

# until CONDITION...: poll for up to 20 s while the daemon lives
until_true() {
    i=0
    until "$@"; do
        i=$((i + 1)); [ $i -lt 400 ] || fail "timed out waiting for: $*"
        kill -0 $daemon 2>/dev/null || fail "the daemon died waiting for: $*"
        sleep 0.05
    done
}
logged() { grep -q -- "$1" "$dir/daemon.err"; }
lines() { if [ -f "$1" ]; then grep -c -- "$2" "$1" || true; else echo 0; fi; }
has_line() { [ "$(lines "$1" "$2")" -ge 1 ]; }

# status_says SOURCE N: the next status summary (SIGUSR1) says SOURCE counted N
status_says() {
    seen=$(wc -l < "$dir/daemon.err")
    kill -USR1 $daemon
    j=0  # until the summary is out (its own counter: this runs inside until_true)
    until logged_after "$seen" "status: source $1 ([a-z_]*)"; do
        j=$((j + 1)); [ $j -lt 400 ] || fail "SIGUSR1: no status summary"
        sleep 0.05
    done
    logged_after "$seen" "status: source $1 ([a-z_]*): ok, $2 records"
}
# logged_after N TEXT: a line after the first N says TEXT
logged_after() { tail -n "+$(($1 + 1))" "$dir/daemon.err" | grep -q -- "$2"; }

hook() { # hook NAME FILE [SHELL-BEFORE]
    cat <<TOML
[[hook]]
name = "$1"
kinds = ["budget"]
shell = '${3:-}echo "\$SPENDTOP_ALERT_STATE \$SPENDTOP_ALERT_SCOPE" >> $2'
TOML
}
tenant() { printf '[[tenant]]\nname = "%s"\ndaily_budget_usd = 0.01\n' "$1"; }
source_block() { printf '[[source]]\nname = "%s"\ntype = "otel_file"\npath = "%s"\n' "$1" "$2"; }
receiver() { # receiver TENANT-ATTRIBUTE (TOML): an OTLP/HTTP source on $port
    printf '[[source]]\nname = "rx"\ntype = "otlp_http"\nlisten = "127.0.0.1:%s"\n' "$port"
    printf 'tenant_attribute = %s\n' "$1"
}
# post_span ID TENANT: one span to the receiver, answered 200
post_span() {
    rm -f "$dir/post.json"
    span "$dir/post.json" "$1" "$2"
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary @"$dir/post.json" "http://127.0.0.1:$port/v1/traces")" = 200 ]
}

# v1: source a, budgets for acme; hooks kept and removed
{
    printf '[alerts]\nfor = "0s"\n'
    tenant acme
    source_block a "$dir/a.json"
    receiver '"tenant.id"'
    hook kept "$dir/kept"
    hook removed "$dir/removed"
} > "$dir/config.toml"
span "$dir/a.json" 1 acme
span "$dir/a.json" 2 globex
span "$dir/a.json" 3 initech
: > "$dir/b.json"

# systemd's side of NOTIFY_SOCKET: each datagram, one line
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    with open(sys.argv[2], "a") as f:
        f.write(s.recv(4096).decode().replace("\n", " ") + "\n")
' "$dir/notify" "$dir/notified" &
listener=$!
i=0
until [ -S "$dir/notify" ]; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "the notify listener did not start"
    sleep 0.05
done
NOTIFY_SOCKET="$dir/notify" WATCHDOG_USEC=200000 \
    "$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/state.db" 2>"$dir/daemon.err" &
daemon=$!
until_true has_line "$dir/notified" "^READY=1 STATUS=collecting from 2 sources$"
until_true has_line "$dir/notified" "^WATCHDOG=1$"
until_true has_line "$dir/kept" "firing tenant:acme"
until_true has_line "$dir/removed" "firing tenant:acme"

# ---- SIGHUP: source b added, hook removed dropped, globex budgeted ------------
{
    printf '[alerts]\nfor = "0s"\n'
    tenant acme
    tenant globex
    source_block a "$dir/a.json"
    source_block b "$dir/b.json"
    receiver '["tenant.id", "enduser.id"]'
    hook kept "$dir/kept"
} > "$dir/config.new"
mv "$dir/config.new" "$dir/config.toml"
span "$dir/b.json" 10 acme
kill -HUP $daemon
until_true logged "reload: .*config.toml: 3 sources (1 added, 1 changed, 0 removed, 1 unchanged), 1 hooks, 2 tenants"
until_true has_line "$dir/notified" "^RELOADING=1 MONOTONIC_USEC=[0-9]*$"
until_true has_line "$dir/kept" "firing tenant:globex"
until_true status_says b 1
status_says a 3 || fail "source a lost its count over the reload"
# the changed receiver listens again on its port
until_true post_span 20 acme
until_true status_says rx 1
[ "$(lines "$dir/kept" "firing tenant:acme")" = 1 ] || fail "acme was paged again: $(cat "$dir/kept")"
[ "$(lines "$dir/removed" "tenant:globex")" = 0 ] || fail "the removed hook ran"

# ---- SIGHUP with a broken config: logged, the running one kept ----------------
cp "$dir/config.toml" "$dir/config.good"
printf '[[source]]\nname = "c"\ntype = "otel_flie"\npath = "x"\n[general\n' >> "$dir/config.toml"
kill -HUP $daemon
until_true logged "reload: the new config is refused, the running one is kept"
logged "reload: .*config.toml:[0-9]*:[0-9]*: " || fail "the error does not name its place"
span "$dir/a.json" 4 acme
until_true status_says a 4

# ---- SIGHUP with a price for a model stored unpriced: the stored usage is
# priced at once (prices apply at read, issue 14), and a dashboard attached
# to the daemon shows it
span "$dir/a.json" 5 acme mystery-model-9000
until_true status_says a 5
printf '[pricing.models."mystery-model-9000"]\ninput_cost_per_token = 0.000002\noutput_cost_per_token = 0.000004\n' \
    >> "$dir/config.good"
cp "$dir/config.good" "$dir/config.toml"
kill -HUP $daemon
until_true logged "reload: prices: 1 stored minutes priced again"
# mystery_priced: a viewer's snapshot prices the model at 1M x $2/M + 10 x $4/M
mystery_priced() {
    "$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" > "$dir/view.json" \
        2>"$dir/view.err" || return 1
    python3 - "$dir/view.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
m = [m for m in out["models"] if m["model"] == "mystery-model-9000"]
sys.exit(0 if m and m[0]["window_usd"] is not None and abs(m[0]["window_usd"] - 2.00004) < 1e-6
         and not any(u["model"] == "mystery-model-9000" for u in out["unpriced"]) else 1)
PY
}
until_true mystery_priced

# ---- SIGUSR2 polls, SIGUSR1 reports: neither ends it ---------------------------
kill -USR2 $daemon
until_true logged "SIGUSR2: polling every source now"
kill -0 $daemon || fail "SIGUSR2 killed the daemon"

# ---- SIGTERM while a hook runs, just after a record was read --------------------
# (and source b changed: it starts again where it was in its file)
sed "s|$dir/b.json|$dir/b*.json|" "$dir/config.good" > "$dir/config.toml"
{
    tenant initech
    hook slow "$dir/slow" "echo started >> $dir/slow; sleep 2; "
} >> "$dir/config.toml"
kill -HUP $daemon
until_true logged "reload: .*config.toml: 3 sources (0 added, 1 changed, 0 removed, 2 unchanged), 2 hooks, 3 tenants"
until_true has_line "$dir/slow" "started"
span "$dir/b.json" 11 acme
# the changed source counted the new record only (it resumed at its position)
until_true status_says b 1
kill -TERM $daemon
i=0
while kill -0 $daemon 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 400 ] || fail "SIGTERM: still running after 20 s"
    sleep 0.05
done
rc=0
wait $daemon || rc=$?
daemon=""
[ $rc = 0 ] || fail "SIGTERM: exit status $rc"
has_line "$dir/notified" "^STOPPING=1$" || fail "no STOPPING=1"
has_line "$dir/slow" "firing tenant:initech" || fail "SIGTERM killed the running hook"
logged "hook slow: delivered" || fail "the running hook's notification is not done"
[ "$(lines "$dir/kept" "firing tenant:acme")" = 1 ] || fail "acme was paged again"
[ "$(lines "$dir/kept" "firing tenant:globex")" = 1 ] || fail "globex was paged again"

# the database alone (a config whose one source has nothing): 4 records of
# a, 2 of b and 1 of rx, $0.15 each, and the mystery model's (unpriced by
# this config: it reprices it as unpriced)
: > "$dir/none.json"
source_block other "$dir/none.json" > "$dir/other.toml"
"$SPENDTOP" --once --json -c "$dir/other.toml" --db "$dir/state.db" > "$dir/once.json" \
    2>"$dir/once.err" || fail "--once after the daemon: $(cat "$dir/once.err")"
python3 - "$dir/once.json" <<'PY' || fail "the database lost records"
import json, sys
out = json.load(open(sys.argv[1]))
reqs = sum(m["requests"] for m in out["models"])
assert reqs == 8, (reqs, out["models"])
assert abs(out["spend"]["today_usd"] - 7 * 0.15) < 0.01, out["spend"]
PY
echo "signals: ok"

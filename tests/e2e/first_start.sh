#!/bin/sh
# first_start.sh - spendtops started at the same moment on a new database
# (one owns it, the others become its viewers) each print the figures the
# data holds: never "$0.00, all quiet" from a viewer that came before its
# owner had started, nor an error about the database a spendtop is making
# ("schema version 0", "not a spendtop database").
#  - an owner stopped at each step of its start (SPENDTOP_TEST_PAUSE, see
#    core/lockfile.h: its first lock taken; its schema made; its row
#    written) while a --once starts: the --once waits for it, then prints
#    the owner's figures;
#  - an owner that never finishes its start: the --once says so, in 10 s;
#  - ROUNDS times three --once started at once on a new database, and
#    DAEMON_ROUNDS times a daemon's first start with a --once: every
#    snapshot has the figures;
#  - a daemon started while a --once holds the database (stopped as it
#    takes it, or after its start) waits for it to end, then owns it; one
#    still reading after 60 s is said, with its pid;
#  - a start that fails after taking a new database (a full disk, a price
#    table that does not load) leaves no file behind, and a --once that
#    waited for it says so;
#  - a database directory that cannot be made is named, with the reason.
#
# Waiting is on conditions (a process stopped, a line said, a process
# ended), polled every 0.05 s up to a deadline - never a sleep standing in
# for "it is probably done".
set -eu
ROUNDS=10
DAEMON_ROUNDS=3
dir=$(mktemp -d)
chmod 755 "$dir" # the unprivileged run below reads the config here
pids=""
trap 'for p in $pids; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
export HOME="$dir/home" XDG_STATE_HOME="$dir/home/state"

# 7 days of one call at 11:30, then today's incident: ten calls of one
# tenant and one of an unpriced model - spend alerts fire
NOW=2026-12-01T12:00:00Z
python3 - "$dir/spans.json" <<'PY'
import json, sys
now = 1796126400  # 2026-12-01T12:00:00Z
n = 0
def span(t, tenant, model, inp, out):
    global n
    n += 1
    a = [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "openai"),
         ("gen_ai.request.model", model), ("gen_ai.usage.input_tokens", inp),
         ("gen_ai.usage.output_tokens", out), ("tenant.id", tenant)]
    return {"traceId": "%032x" % n, "spanId": "%016x" % n, "startTimeUnixNano": str(t * 10**9),
            "attributes": [{"key": k, "value": {"intValue": str(v)} if isinstance(v, int)
                            else {"stringValue": v}} for k, v in a]}
def line(spans):
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]})
lines = [line([span(now - d * 86400 - 1800, "acme", "gpt-4o-mini", 10**7, 10**6)])
         for d in range(7, 0, -1)]
lines.append(line([span(now - 1800, "acme", "gpt-4o-mini", 10**7, 10**6)]))
lines.append(line([span(now - 1500 + i, "evil", "gpt-4o-mini", 10**7, 10**6) for i in range(10)]))
lines.append(line([span(now - 1200, "acme", "house-llm-7", 1000, 500)]))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/spans.json"
tenant_attribute = "tenant.id"
TOML
chmod 644 "$dir/config.toml" "$dir/spans.json"
# --once --json at NOW: "$SPENDTOP" $ONCE --db DB (run as a command of its
# own, not through a function: $! is then spendtop's pid, to stop and continue)
ONCE="-c $dir/config.toml --now $NOW --once --json --no-hooks"
# await CMD...: until CMD succeeds, at most 10 s
await() {
    _i=0
    until "$@"; do
        _i=$((_i + 1)); [ $_i -lt 200 ] || return 1; sleep 0.05
    done
}
stopped() { [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = T ]; }
# said_or_ended FILE PID: the viewer said it waits, or it has ended
said_or_ended() { grep -q "waiting for the spendtop that owns" "$1" || ! kill -0 "$2" 2>/dev/null; }
# same JSON...: each snapshot has the figures of the first (the truth)
same() {
    python3 - "$@" <<'PY'
import json, math, sys
def same(a, b, path):
    if isinstance(a, float) or isinstance(b, float):
        ok = a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        assert ok, (path, a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), (path, a.keys(), b.keys())
        for k in a:
            same(a[k], b[k], path + "." + k)
    elif isinstance(a, list):
        assert len(a) == len(b), (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (path, i))
    else:
        assert a == b, (path, a, b)
truth = json.load(open(sys.argv[1]))
assert truth["spend"]["window_usd"] > 20 and len(truth["alerts"]) >= 4, truth["spend"]
for f in sys.argv[2:]:
    try:
        s = json.load(open(f))
        for k in ("generated_at", "window", "spend", "cache", "reasoning", "tenants", "models",
                  "mix", "unpriced", "budgets", "prices"):
            same(truth[k], s[k], k)
        key = lambda a: (a["id"], a["kind"], a["state"], a["severity"], a["scope"],
                         a["window"], a["started_at"])
        assert [key(a) for a in s["alerts"]] == [key(a) for a in truth["alerts"]], "alerts"
        # (the sources as a --once owner left them when it ended: its row
        # says what it read; a --once that found the database free once an
        # earlier one had ended owns it, and reads nothing new: 0 records)
        src = lambda x: (x["name"], x["status"])
        assert [src(x) for x in s["sources"]] == [src(x) for x in truth["sources"]], "sources"
        for x, t in zip(s["sources"], truth["sources"]):
            assert x["records"] in (t["records"], 0), ("records", x["records"], t["records"])
    except Exception as e:
        sys.exit("%s: %r" % (f, e))
PY
}

"$SPENDTOP" $ONCE --db "$dir/truth.db" >"$dir/truth.json" 2>"$dir/truth.err" || fail "the truth: $(cat "$dir/truth.err")"
# said_or_ended FILE PID TEXT: the log has TEXT, or PID has ended
logged_or_ended() { grep -q "$3" "$1" || ! kill -0 "$2" 2>/dev/null; }
# DAEMON DB: a daemon on DB, in the background ($! its pid)
DAEMON="--daemon -c $dir/config.toml --now $NOW --no-hooks"

# (in the background while the rest runs: it takes 60 s) a --once that
# never ends: a daemon waits for it 60 s, then says so and what to do
SPENDTOP_TEST_PAUSE=published "$SPENDTOP" $ONCE --db "$dir/slow.db" >/dev/null 2>"$dir/slow.once.err" &
slow_once=$!
pids="$pids $slow_once"
await stopped $slow_once || fail "the slow --once did not stop: $(cat "$dir/slow.once.err")"
"$SPENDTOP" $DAEMON --db "$dir/slow.db" 2>"$dir/slow.err" &
slow_daemon=$!
pids="$pids $slow_daemon"

echo "first_start: an owner stopped at each step of its start, a --once started then"
for step in locked created published; do
    db="$dir/$step.db" o="$dir/$step.owner" v="$dir/$step.viewer"
    SPENDTOP_TEST_PAUSE=$step "$SPENDTOP" $ONCE --db "$db" >"$o.json" 2>"$o.err" &
    owner=$!
    pids="$pids $owner"
    await stopped $owner || fail "$step: the owner did not stop there: $(cat "$o.err")"
    "$SPENDTOP" $ONCE --db "$db" >"$v.json" 2>"$v.err" &
    viewer=$!
    pids="$pids $viewer"
    await said_or_ended "$v.err" $viewer || fail "$step: the --once neither waited nor ended"
    grep -q "waiting for the spendtop that owns" "$v.err" ||
        fail "$step: the --once did not wait for the owner's start: $(cat "$v.err")"
    kill -CONT $owner
    rc=0; wait $viewer || rc=$?
    [ $rc -eq 0 ] || fail "$step: the --once exited $rc: $(cat "$v.err")"
    rc=0; wait $owner || rc=$?
    [ $rc -eq 0 ] || fail "$step: the owner exited $rc: $(cat "$o.err")"
    same "$dir/truth.json" "$o.json" "$v.json" || fail "$step: not the figures"
done

echo "first_start: an owner that never finishes its start is said, in 10 s"
db="$dir/never.db"
SPENDTOP_TEST_PAUSE=created "$SPENDTOP" $ONCE --db "$db" >/dev/null 2>"$dir/never.owner.err" &
owner=$!
pids="$pids $owner"
await stopped $owner || fail "the owner did not stop: $(cat "$dir/never.owner.err")"
rc=0
"$SPENDTOP" $ONCE --db "$db" >"$dir/never.json" 2>"$dir/never.err" || rc=$?
[ $rc -eq 1 ] || fail "a --once on an owner that never started exited $rc"
grep -q "its owner (pid $owner) has not finished starting in 10 s" "$dir/never.err" ||
    fail "no clear message: $(cat "$dir/never.err")"
[ ! -s "$dir/never.json" ] || fail "a snapshot was printed: $(head -c 300 "$dir/never.json")"
kill -9 $owner

echo "first_start: $ROUNDS times three --once at once on a new database"
r=0
while [ $r -lt $ROUNDS ]; do
    r=$((r + 1))
    db="$dir/round$r.db"
    p=""
    for i in 1 2 3; do
        "$SPENDTOP" $ONCE --db "$db" >"$dir/r$r.$i.json" 2>"$dir/r$r.$i.err" &
        p="$p $!"
    done
    pids="$pids $p"
    i=0
    for pid in $p; do
        i=$((i + 1))
        rc=0; wait $pid || rc=$?
        [ $rc -eq 0 ] || fail "round $r, run $i exited $rc: $(cat "$dir/r$r.$i.err")"
    done
    same "$dir/truth.json" "$dir/r$r.1.json" "$dir/r$r.2.json" "$dir/r$r.3.json" ||
        fail "round $r: not the figures"
done

echo "first_start: $DAEMON_ROUNDS times a daemon's first start and a --once at once"
r=0
while [ $r -lt $DAEMON_ROUNDS ]; do
    r=$((r + 1))
    db="$dir/daemon$r.db"
    "$SPENDTOP" --daemon -c "$dir/config.toml" --db "$db" --now "$NOW" --no-hooks \
        2>"$dir/d$r.err" &
    daemon=$!
    pids="$pids $daemon"
    rc=0
    "$SPENDTOP" $ONCE --db "$db" >"$dir/d$r.json" 2>"$dir/d$r.once.err" || rc=$?
    [ $rc -eq 0 ] || fail "round $r: the --once exited $rc: $(cat "$dir/d$r.once.err")"
    # the daemon owns the database: at once, or when the --once that took
    # it first has ended (it used to be refused then, exit 1)
    await logged_or_ended "$dir/d$r.err" $daemon "collecting from 1 sources" || fail "round $r: the daemon neither started nor ended"
    kill -TERM $daemon 2>/dev/null || true
    rc=0; wait $daemon || rc=$?
    [ $rc -eq 0 ] || fail "round $r: the daemon exited $rc: $(cat "$dir/d$r.err")"
    # the daemon's figures as far as it has read: all of them, or (its
    # source not read yet) not known - never $0.00 with no source
    python3 - "$dir/truth.json" "$dir/d$r.json" <<'PY' || fail "round $r: $(cat "$dir/d$r.json")"
import json, math, sys
t, s = (json.load(open(p)) for p in sys.argv[1:3])
assert [x["name"] for x in s["sources"]] == [x["name"] for x in t["sources"]], s["sources"]
w = s["spend"]["window_usd"]
assert w is None or math.isclose(w, t["spend"]["window_usd"], rel_tol=1e-9), w
PY
done

echo "first_start: a daemon started while a --once holds the database waits for it, then owns it"
for step in locked published; do
    db="$dir/dw-$step.db" o="$dir/dw-$step.once" d="$dir/dw-$step.daemon"
    SPENDTOP_TEST_PAUSE=$step "$SPENDTOP" $ONCE --db "$db" >"$o.json" 2>"$o.err" &
    once=$!
    pids="$pids $once"
    await stopped $once || fail "$step: the --once did not stop there: $(cat "$o.err")"
    "$SPENDTOP" $DAEMON --db "$db" 2>"$d.err" &
    daemon=$!
    pids="$pids $daemon"
    if [ $step = locked ]; then # (its start not done: who it is is not known yet)
        wait_for="waiting for the spendtop that owns $db (pid $once) to finish starting"
    else
        wait_for="$db is in use by a spendtop --once (pid $once): waiting up to 60 s for it to finish"
    fi
    await logged_or_ended "$d.err" $daemon "$wait_for" || fail "$step: the daemon neither waited nor ended"
    grep -q "$wait_for" "$d.err" || fail "$step: the daemon did not wait: $(cat "$d.err")"
    kill -CONT $once
    rc=0; wait $once || rc=$?
    [ $rc -eq 0 ] || fail "$step: the --once exited $rc: $(cat "$o.err")"
    same "$dir/truth.json" "$o.json" || fail "$step: not the figures"
    await logged_or_ended "$d.err" $daemon "collecting from 1 sources" || fail "$step: the daemon neither started nor ended"
    grep -q "(pid $once) that held $db has finished: starting" "$d.err" ||
        fail "$step: the daemon did not say it started after the --once: $(cat "$d.err")"
    [ "$(cat "$db.lock")" = $daemon ] || fail "$step: the daemon does not own the database"
    kill -TERM $daemon
    rc=0; wait $daemon || rc=$?
    [ $rc -eq 0 ] || fail "$step: the daemon exited $rc: $(cat "$d.err")"
done

echo "first_start: a start that fails after taking a new database leaves no file behind"
echo "not a price table" > "$dir/bad-prices.json"
{ cat "$dir/config.toml"; printf '[pricing]\nfile = "%s"\n' "$dir/bad-prices.json"; } > "$dir/bad-prices.toml"
mkdir "$dir/failed"
rc=0
"$SPENDTOP" -c "$dir/bad-prices.toml" --now $NOW --once --no-hooks --db "$dir/failed/state.db" \
    >/dev/null 2>"$dir/failed.err" || rc=$?
[ $rc -eq 2 ] || fail "a price table that does not load exited $rc: $(cat "$dir/failed.err")"
grep -q "bad-prices.json: not a LiteLLM price table" "$dir/failed.err" || fail "no clear message: $(cat "$dir/failed.err")"
[ -z "$(ls -A "$dir/failed")" ] || fail "a failed start left files: $(ls -A "$dir/failed")"
# ... while another waited for it to make the database: that one says so
SPENDTOP_TEST_PAUSE=locked "$SPENDTOP" -c "$dir/bad-prices.toml" --now $NOW --once --no-hooks \
    --db "$dir/failed/state.db" >/dev/null 2>"$dir/failed.err" &
owner=$!
pids="$pids $owner"
await stopped $owner || fail "the failing start did not stop: $(cat "$dir/failed.err")"
"$SPENDTOP" -c "$dir/bad-prices.toml" --now $NOW --once --no-hooks --db "$dir/failed/state.db" \
    >/dev/null 2>"$dir/failed.viewer.err" &
viewer=$!
pids="$pids $viewer"
await logged_or_ended "$dir/failed.viewer.err" $viewer "waiting for the spendtop that owns" ||
    fail "the viewer neither waited nor ended"
kill -CONT $owner
rc=0; wait $viewer || rc=$?
[ $rc -eq 1 ] || fail "a viewer of a failed start exited $rc: $(cat "$dir/failed.viewer.err")"
grep -q "state.db: the spendtop that was making it (pid $owner) ended without making it" \
    "$dir/failed.viewer.err" || fail "no clear message: $(cat "$dir/failed.viewer.err")"
[ -z "$(ls -A "$dir/failed")" ] || fail "a failed start left files: $(ls -A "$dir/failed")"
# a full disk: the schema cannot be made (a 4 MiB tmpfs, filled)
mkdir "$dir/full"
if mount -t tmpfs -o size=4m tmpfs "$dir/full" 2>/dev/null; then
    trap 'for p in $pids; do kill -9 "$p" 2>/dev/null || true; done; umount "$dir/full" 2>/dev/null || true; rm -rf "$dir"' EXIT
    dd if=/dev/zero of="$dir/full/fill" bs=4096 2>/dev/null || true
    rc=0
    "$SPENDTOP" $ONCE --db "$dir/full/state.db" >/dev/null 2>"$dir/full.err" || rc=$?
    [ $rc -eq 1 ] || fail "a full disk exited $rc: $(cat "$dir/full.err")"
    grep -q "cannot open the database: $dir/full/state.db: database or disk is full" "$dir/full.err" ||
        fail "no clear message: $(cat "$dir/full.err")"
    [ "$(ls -A "$dir/full")" = fill ] || fail "a full disk: files left: $(ls -A "$dir/full")"
    # room again: the next start makes the database
    rm "$dir/full/fill"
    "$SPENDTOP" $ONCE --db "$dir/full/state.db" >"$dir/full.json" 2>"$dir/full.err" ||
        fail "after the full disk: $(cat "$dir/full.err")"
    [ -s "$dir/full/state.db" ] || fail "after the full disk: the database was not kept"
    umount "$dir/full"
else
    echo "first_start: (cannot mount a tmpfs: the full disk is not tried)"
fi

echo "first_start: a database directory that cannot be made is named, with the reason"
: > "$dir/file"
rc=0
"$SPENDTOP" $ONCE --db "$dir/file/sub/state.db" >/dev/null 2>"$dir/notdir.err" || rc=$?
[ $rc -eq 1 ] || fail "a database under a file exited $rc"
grep -q "cannot create directory $dir/file/sub: Not a directory" "$dir/notdir.err" ||
    fail "no clear message: $(cat "$dir/notdir.err")"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    mkdir -m 755 "$dir/ro"
    rc=0
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$SPENDTOP" -c "$dir/config.toml" --db "$dir/ro/sub/state.db" --now "$NOW" --once \
        --no-hooks >/dev/null 2>"$dir/ro.err" || rc=$?
    [ $rc -eq 1 ] || fail "an unwritable directory exited $rc: $(cat "$dir/ro.err")"
    grep -q "cannot create directory $dir/ro/sub: Permission denied" "$dir/ro.err" ||
        fail "no clear message: $(cat "$dir/ro.err")"
    # a directory made read-only once the database was taken: the schema
    # cannot be made (SQLite's -wal goes beside it), and what was made
    # cannot be removed - the next start, allowed to write, makes it
    NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
    mkdir -m 755 "$dir/late" && chown 65534:65534 "$dir/late"
    SPENDTOP_TEST_PAUSE=locked $NOBODY "$SPENDTOP" $ONCE --db "$dir/late/state.db" \
        >/dev/null 2>"$dir/late.err" &
    late=$!
    pids="$pids $late"
    await stopped $late || fail "the start did not stop: $(cat "$dir/late.err")"
    chmod 555 "$dir/late"
    kill -CONT $late
    rc=0; wait $late || rc=$?
    [ $rc -eq 1 ] || fail "a directory read-only after the lock exited $rc: $(cat "$dir/late.err")"
    grep -q "late/state.db: attempt to write a readonly database (its directory is not writable: Permission denied" \
        "$dir/late.err" || fail "no clear message: $(cat "$dir/late.err")"
    chmod 755 "$dir/late"
    $NOBODY "$SPENDTOP" $ONCE --db "$dir/late/state.db" >"$dir/late.json" 2>"$dir/late.err" ||
        fail "the next start: $(cat "$dir/late.err")"
    same "$dir/truth.json" "$dir/late.json" || fail "the next start: not the figures"
else
    echo "first_start: (not root or no setpriv: the permission case is not run)"
fi
echo "first_start: a --once still reading after 60 s: the daemon that waited for it says so"
rc=0; wait $slow_daemon || rc=$?
[ $rc -eq 1 ] || fail "a daemon on a --once that never ends exited $rc: $(cat "$dir/slow.err")"
grep -q "slow.db is in use by another spendtop (--once, pid $slow_once), still reading after 60 s" \
    "$dir/slow.err" || fail "no clear message: $(cat "$dir/slow.err")"
kill -9 $slow_once
echo "first_start: ok"

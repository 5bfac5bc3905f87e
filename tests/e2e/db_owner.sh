#!/bin/sh
# db_owner.sh - one process owns a state database: while a daemon runs,
# a second daemon on the same database refuses with the owner's pid
# instead of collecting and paging a second time, and so does one that
# names the database by a symlink, by a hard link or after the lock file
# was deleted (the lock is on the database file's identity); --once
# attaches to it as a viewer; a database of its own works alongside; a
# daemon killed with SIGKILL leaves no stale lock. A daemon refused by a
# dashboard (in real tmux) says it is a dashboard and to quit it first. A
# daemon started while another takes the database waits for its start,
# then refuses, naming it.
set -eu
dir=$(mktemp -d)
daemon=""
T="tmux -L spendtop-db-owner-$$ -f /dev/null"
trap '[ -n "$daemon" ] && kill -9 $daemon 2>/dev/null; $T kill-server 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/spans*.json"
TOML
: > "$dir/spans.json"

start_daemon() {
    "$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/state.db" 2>"$dir/daemon.err" &
    daemon=$!
    i=0  # until the daemon owns the database (its pid in the lock file)
    until [ "$(cat "$dir/state.db.lock" 2>/dev/null)" = "$daemon" ]; do
        i=$((i + 1)); [ $i -lt 200 ] || fail "the daemon did not take the database"
        kill -0 $daemon 2>/dev/null || fail "the daemon died: $(cat "$dir/daemon.err")"
        sleep 0.05
    done
}
start_daemon

# a second daemon on the same database refuses, naming the owner
rc=0
"$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/state.db" \
    >"$dir/second.out" 2>"$dir/second.err" || rc=$?
[ $rc -eq 1 ] || fail "a second daemon on the database exited $rc"
grep -q "state.db is in use by another spendtop (pid $daemon)" "$dir/second.err" ||
    fail "no clear message: $(cat "$dir/second.err")"

# --once attaches to the owner instead of collecting (tests/e2e/viewers.sh
# checks its figures)
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" \
    >"$dir/once.out" 2>"$dir/once.err" || fail "--once on the daemon's database: $(cat "$dir/once.err")"
grep -q "attached to daemon (pid $daemon)" "$dir/once.err" || fail "--once: $(cat "$dir/once.err")"
grep -q '"sources"' "$dir/once.out" || fail "--once printed no snapshot"

# a typo in the config does not keep a viewer from the running daemon: the
# errors are said, then the owner's figures shown; with no owner they stand
{ cat "$dir/config.toml"; printf '[general]\nwindwo = "1h"\n'; } > "$dir/typo.toml"
"$SPENDTOP" --once --json -c "$dir/typo.toml" --db "$dir/state.db" \
    >"$dir/typo.out" 2>"$dir/typo.err" || fail "--once with a typo'd config on the daemon's database: $(cat "$dir/typo.err")"
grep -q "windwo" "$dir/typo.err" || fail "the config error was not said: $(cat "$dir/typo.err")"
grep -q "attached to daemon (pid $daemon)" "$dir/typo.err" || fail "typo: $(cat "$dir/typo.err")"
grep -q '"sources"' "$dir/typo.out" || fail "--once with a typo'd config printed no snapshot"
rc=0
"$SPENDTOP" --once --json -c "$dir/typo.toml" --db "$dir/other.db" >/dev/null 2>"$dir/typo2.err" || rc=$?
[ $rc -eq 2 ] || fail "a typo'd config with no daemon to view exited $rc"
grep -q "windwo" "$dir/typo2.err" || fail "no daemon: the config error was not said"

# the same database by another name, or with its .lock file gone
ln -s "$dir/state.db" "$dir/symlink.db"
ln "$dir/state.db" "$dir/hardlink.db"
for db in "$dir/symlink.db" "$dir/hardlink.db" deleted; do
    [ "$db" = deleted ] && { rm "$dir/state.db.lock"; db="$dir/state.db"; }
    rc=0  # (a second owner would run on: the timeout ends it, 124)
    timeout 10 "$SPENDTOP" --daemon -c "$dir/config.toml" --db "$db" \
        >"$dir/once.out" 2>"$dir/once.err" || rc=$?
    [ $rc -eq 1 ] || fail "a second daemon on $db (the daemon's database) exited $rc"
    grep -q "is in use by another spendtop" "$dir/once.err" ||
        fail "$db: no clear message: $(cat "$dir/once.err")"
    # a symlink finds the owner's pid beside the file it names
    [ "$db" != "$dir/symlink.db" ] || grep -q "(pid $daemon)" "$dir/once.err" ||
        fail "the symlink's message: $(cat "$dir/once.err")"
done
rm "$dir/symlink.db" "$dir/hardlink.db"

# a database of its own works while the daemon runs
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/other.db" >/dev/null 2>&1 ||
    fail "--once with its own database failed"

# SIGKILL: the kernel drops the lock with the process
kill -9 $daemon
wait $daemon 2>/dev/null || true
daemon=""
"$SPENDTOP" --once --json -c "$dir/config.toml" --db "$dir/state.db" >/dev/null 2>"$dir/after.err" ||
    fail "the database stayed locked after the owner died: $(cat "$dir/after.err")"

# a dashboard owns the database: a daemon says so, and what to do
$T new-session -d -s dash -x 100 -y 30 \
    "TERM=xterm-256color $SPENDTOP -c $dir/config.toml --db $dir/dash.db; exec cat"
i=0  # until the dashboard has written its owner row
until [ "$(python3 -c 'import sqlite3, sys
try: print(sqlite3.connect(sys.argv[1]).execute("SELECT mode FROM owner").fetchone()[0])
except Exception: pass' "$dir/dash.db" 2>/dev/null)" = dashboard ]; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "the dashboard did not take its database"
    sleep 0.05
done
dash=$(cat "$dir/dash.db.lock")
rc=0
timeout 10 "$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/dash.db" \
    >"$dir/second.out" 2>"$dir/second.err" || rc=$?
[ $rc -eq 1 ] || fail "a daemon on a dashboard's database exited $rc"
grep -q "dash.db is in use by another spendtop (a dashboard, pid $dash: quit it first)" \
    "$dir/second.err" || fail "no clear message: $(cat "$dir/second.err")"
# two daemons started at once: the second waits for the first's start
# (stopped as it takes the database), then refuses with its pid
SPENDTOP_TEST_PAUSE=locked "$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/two.db" \
    2>"$dir/two1.err" &
daemon=$!
i=0  # until it has stopped there
until [ "$(cut -d' ' -f3 "/proc/$daemon/stat" 2>/dev/null)" = T ]; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "the first daemon did not stop: $(cat "$dir/two1.err")"
    sleep 0.05
done
timeout 30 "$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/two.db" 2>"$dir/two2.err" &
second=$!
i=0  # until it says it waits (or has ended)
until grep -q "waiting for the spendtop that owns" "$dir/two2.err" || ! kill -0 $second 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 200 ] || fail "the second daemon neither waited nor ended"
    sleep 0.05
done
grep -q "waiting for the spendtop that owns $dir/two.db (pid $daemon) to finish starting" \
    "$dir/two2.err" || fail "the second daemon did not wait: $(cat "$dir/two2.err")"
kill -CONT $daemon
rc=0
wait $second || rc=$?
[ $rc -eq 1 ] || fail "a second daemon started at once exited $rc: $(cat "$dir/two2.err")"
grep -q "two.db is in use by another spendtop (pid $daemon), which collects and alerts" \
    "$dir/two2.err" || fail "no clear message: $(cat "$dir/two2.err")"
kill -TERM $daemon
rc=0
wait $daemon || rc=$?
daemon=""
[ $rc -eq 0 ] || fail "the first daemon exited $rc: $(cat "$dir/two1.err")"
echo "db_owner: ok"

#!/bin/sh
# check_hooks.sh - a [[hook]] whose command cannot start (a path that is
# not an executable file, a bare name on no directory of $PATH) fails
# --check-config with FILE:LINE:COL and exit status 2, rather than "ok"
# and a typo found during an incident; a daemon starts (or reloads on
# SIGHUP) and logs it. What
# can start (a name on $PATH, an executable file, a shell hook) passes.
set -eu
. "$(dirname "$0")/lib/daemon.sh"
dir=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $1"; exit 1; }
printf '#!/bin/sh\nexit 0\n' > "$dir/page"
chmod +x "$dir/page"
printf '#!/bin/sh\nexit 0\n' > "$dir/notexec"
mkdir "$dir/adir"
# config HOOK_LINE - a config with one source and the hook on line 6
config() {
    printf '[[source]]\nname = "spans"\ntype = "otel_file"\npath = "%s/none*.json"\n' "$dir"
    printf '[[hook]]\n%s\n' "$1"
}
check() { "$SPENDTOP" --check-config -c "$dir/config.toml" > "$dir/out.txt" 2> "$dir/err.txt"; }
# bad HOOK_LINE WHY - refused, at line 6, naming the program and why
bad() {
    config "$1" > "$dir/config.toml"
    rc=0; check || rc=$?
    [ "$rc" = 2 ] || fail "$1: exit $rc: $(cat "$dir/out.txt" "$dir/err.txt")"
    grep -q "config.toml:6:11: \[\[hook\]\] .*command '.*' $2" "$dir/err.txt" \
        || fail "$1 said: $(cat "$dir/err.txt")"
}
bad 'command = ["/nonexistent/page", "--team", "llm"]' "is not an executable file$"
bad "command = [\"$dir/notexec\"]" "is not an executable file$"
bad "command = [\"$dir/adir\"]" "is not an executable file$"
bad 'command = ["no-such-program-spendtop"]' 'is not an executable file in any directory of \$PATH'
(cd "$dir" && bad 'command = ["./notexec"]' "is not an executable file$")
for good in 'command = ["true"]' "command = [\"$dir/page\"]" 'shell = "no-such-program-spendtop"'; do
    config "$good" > "$dir/config.toml"
    check || fail "$good: $(cat "$dir/err.txt")"
    grep -q ": ok (1 sources, 0 tenants, 1 hooks)" "$dir/out.txt" || fail "$good: $(cat "$dir/out.txt")"
done
(cd "$dir" && config 'command = ["./page"]' > config.toml && check) || fail "./page: $(cat "$dir/err.txt")"
# the daemon starts, and its log says which hook will not run
config 'command = ["/nonexistent/page"]' > "$dir/config.toml"
"$SPENDTOP" --daemon -c "$dir/config.toml" --db "$dir/state.db" 2> "$dir/daemon.err" &
pid=$!
await_line "$dir/daemon.err" "collecting from" || fail "the daemon: $(cat "$dir/daemon.err")"
grep -q "warn: .*config.toml:6:11: \[\[hook\]\] .*'/nonexistent/page' is not an executable file" \
    "$dir/daemon.err" || fail "the daemon's log: $(cat "$dir/daemon.err")"
# a reload to another hook that cannot start is taken, and said the same way
config 'command = ["/nonexistent/other-page"]' > "$dir/config.toml"
kill -HUP "$pid"
await_line "$dir/daemon.err" "warn: reload: .*config.toml:6:11: \[\[hook\]\] .*'/nonexistent/other-page' is not an executable file" \
    || fail "the reload's log: $(cat "$dir/daemon.err")"
kill "$pid"
wait "$pid" || fail "the daemon exited $?"
pid=
echo "check_hooks: ok"

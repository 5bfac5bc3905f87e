#!/bin/sh
# once_json.sh - `spendtop --once --json -c CONFIG --now T` over a span
# export matches a hand computation to 1e-6 relative (issue: foundation).
# The expected figures are worked out in tests/e2e/once_json_check.py from
# the published prices, independently of the program.
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 tests/e2e/once_json_check.py write "$dir"
cat > "$dir/config.toml" <<TOML
[[source]]
name = "spans"
type = "otel_file"
path = "$dir/export*.json"
[[tenant]]
name = "acme"
daily_budget_usd = 0.01
[alerts]
min_spend_usd = 0.01  # the export is cents: its mix shift must still page
TOML
"$SPENDTOP" --check-config -c "$dir/config.toml" >/dev/null
"$SPENDTOP" --once --json -c "$dir/config.toml" --now 2026-11-20T12:00:00Z \
    --db "$dir/state.db" > "$dir/out.json" 2> "$dir/err.txt"
python3 tests/e2e/once_json_check.py check "$dir/out.json"
# the malformed line was reported with its file and line number
grep -q "export-1.json:4: skipped" "$dir/err.txt"
# a second run on the same database counts nothing twice
"$SPENDTOP" --once --json -c "$dir/config.toml" --now 2026-11-20T12:00:00Z \
    --db "$dir/state.db" > "$dir/out2.json" 2>/dev/null
python3 tests/e2e/once_json_check.py check "$dir/out2.json" --rerun
# the readable table shows the same money
"$SPENDTOP" --once -c "$dir/config.toml" --now 2026-11-20T12:00:00Z \
    --db "$dir/state.db" 2>/dev/null | grep -q 'window \$0.04 '
# with nothing configured there is nothing to report: an error, not $0.00
rc=0
env -u SPENDTOP_CONFIG HOME="$dir/empty" "$SPENDTOP" --once --json --db "$dir/none.db" \
    >"$dir/none.out" 2>"$dir/none.err" || rc=$?
[ $rc -eq 2 ] || { echo "FAIL: --once with no config exited $rc"; exit 1; }
grep -q "no config file found" "$dir/none.err" || { echo "FAIL: $(cat "$dir/none.err")"; exit 1; }
[ -s "$dir/none.out" ] && { echo "FAIL: a snapshot of nothing was printed"; exit 1; }
# and it leaves nothing behind: neither a database nor its lock file, here
# or in the default state directory
[ ! -e "$dir/none.db" ] && [ ! -e "$dir/none.db.lock" ] ||
    { echo "FAIL: --once with no config created $(ls "$dir" | grep none.db)"; exit 1; }
env -u SPENDTOP_CONFIG HOME="$dir/empty" XDG_STATE_HOME="$dir/xdg" "$SPENDTOP" --once     >/dev/null 2>&1 && { echo "FAIL: --once with no config succeeded"; exit 1; }
[ ! -e "$dir/xdg" ] || { echo "FAIL: --once with no config made $(find "$dir/xdg")"; exit 1; }
# a source that never succeeded (the export is not there): money unknown,
# not $0.00, and the source says why; every source failed, so exit status
# 1 (a cron job must not take unknown for quiet), the snapshot printed
sed "s|export\*.json|missing-*.json|" "$dir/config.toml" > "$dir/missing.toml"
rc=0
"$SPENDTOP" --once --json -c "$dir/missing.toml" --db "$dir/missing.db" \
    > "$dir/missing.json" 2>"$dir/missing.err" || rc=$?
[ $rc -eq 1 ] || { echo "FAIL: --once with its only source failing exited $rc"; exit 1; }
grep -q "^spendtop: every source failed: nothing was collected$" "$dir/missing.err" ||
    { echo "FAIL: --once with every source failing said: $(cat "$dir/missing.err")"; exit 1; }
python3 - "$dir/missing.json" <<'PY' || { echo "FAIL: a never-successful source reads as money"; exit 1; }
import json, sys
snap = json.load(open(sys.argv[1]))
# every amount (no_usage is a count of calls, and there were none)
assert all(v is None for k, v in snap["spend"].items() if k != "no_usage"), snap["spend"]
assert snap["spend"]["no_usage"] == 0, snap["spend"]
assert [t["today_usd"] for t in snap["tenants"]] == [None], snap["tenants"]
assert snap["sources"][0]["status"] == "error", snap["sources"]
assert "no file matches" in snap["sources"][0]["last_error"], snap["sources"]
PY
"$SPENDTOP" --once -c "$dir/missing.toml" --db "$dir/missing.db" 2>/dev/null \
    | grep -q 'today n/a   projected n/a   burn n/a$' || { echo "FAIL: unknown spend as text"; exit 1; }
# one source of two failing: what the other read is known, exit status 0
{ cat "$dir/config.toml"; printf '[[source]]\nname = "gone"\ntype = "otel_file"\npath = "%s"\n' \
    "$dir/missing-*.json"; } > "$dir/half.toml"
"$SPENDTOP" --once --json -c "$dir/half.toml" --now 2026-11-20T12:00:00Z --db "$dir/half.db" \
    > "$dir/half.json" 2>/dev/null || { echo "FAIL: --once with one source of two failing"; exit 1; }
python3 - "$dir/half.json" <<'PY' || { echo "FAIL: one source of two failing"; exit 1; }
import json, sys
snap = json.load(open(sys.argv[1]))
src = {s["name"]: s["status"] for s in snap["sources"]}
assert src["spans"] == "ok" and src["gone"] == "error", src
assert snap["spend"]["window_usd"] is not None, snap["spend"]
PY
# a source in error that still read records (a glob with one file that
# cannot be read: a frame over 16 MiB): it collected, exit status 0
mkdir "$dir/part"
cp "$dir"/export*.json "$dir/part/"
printf '\001\377\377\377' > "$dir/part/export-9.json"
sed "s|$dir/export\*.json|$dir/part/export*.json|" "$dir/config.toml" > "$dir/part.toml"
"$SPENDTOP" --once --json -c "$dir/part.toml" --now 2026-11-20T12:00:00Z --db "$dir/part.db" \
    > "$dir/part.json" 2>"$dir/part.err" ||
    { echo "FAIL: --once with a source that read but is in error: $(cat "$dir/part.err")"; exit 1; }
python3 - "$dir/part.json" <<'PY' || { echo "FAIL: a source that read, in error"; exit 1; }
import json, sys
snap = json.load(open(sys.argv[1]))
src = snap["sources"][0]
assert src["status"] == "error" and src["records"] > 0, src
assert snap["spend"]["window_usd"] is not None, snap["spend"]
PY
# a demo source run by --once again goes on from where it stopped: the
# same minute twice is the same figures, ten minutes later ten minutes more
printf '[[source]]\nname = "demo"\ntype = "demo"\n' > "$dir/demo.toml"
demo() { "$SPENDTOP" --once --json --no-hooks -c "$dir/demo.toml" --db "$dir/demo.db" --now "$1" \
    2>/dev/null | python3 -c 'import json,sys; print("%.6f" % json.load(sys.stdin)["spend"]["last_7d_usd"])'; }
a=$(demo 1795348860); b=$(demo 1795348860); c=$(demo 1795349460)
[ "$a" = "$b" ] || { echo "FAIL: a demo source counted its history again: $a, then $b"; exit 1; }
python3 -c "import sys; a, c = float(sys.argv[1]), float(sys.argv[2]); assert a < c < a * 1.02, (a, c)" \
    "$a" "$c" || { echo "FAIL: ten demo minutes more: $a, then $c"; exit 1; }
echo "once_json: ok"

#!/bin/sh
# grpc.sh - lib/grpc_server against a real gRPC client: @grpc/grpc-js
# (the version pinned in tests/e2e/grpc/package-lock.json) calls
# tests/grpc_echo: OK, gzip, RESOURCE_EXHAUSTED (plain and inflated),
# a handler's status, UNIMPLEMENTED, 200 concurrent calls.
#
# The client is installed with `npm ci` into a cache directory
# ($XDG_CACHE_HOME/spendtop-tests/npm/grpc, or ~/.cache/...), reused while
# the lock file is unchanged. Without npm, or without the registry, the
# test is skipped with a message saying so.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-build}
echo_bin=$PWD/$build/tests/grpc_echo
skip() { echo "SKIP e2e/grpc.sh: $1"; exit 0; }
command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"
[ -x "$echo_bin" ] || { echo "FAIL: no $echo_bin (make test builds it)"; exit 1; }

cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/spendtop-tests/npm/grpc
mkdir -p "$cache"
if ! cmp -s "$here/grpc/package-lock.json" "$cache/package-lock.json" || \
   [ ! -d "$cache/node_modules/@grpc/grpc-js" ]; then
    cp "$here/grpc/package.json" "$here/grpc/package-lock.json" "$cache/"
    # no install scripts: grpc-js needs none
    (cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
        > "$cache/npm.log" 2>&1 || {
        rm -f "$cache/package-lock.json"
        skip "npm ci failed (offline?): $(tail -1 "$cache/npm.log")"
    }
fi

dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$echo_bin" --max-message 65536 > "$dir/out" 2> "$dir/err" &
pid=$!
i=0
until grep -q "listening on" "$dir/out"; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "FAIL: grpc_echo did not start"; cat "$dir/err"; exit 1; }
    sleep 0.1
done
port=$(awk '{print $3}' "$dir/out")
NODE_PATH="$cache/node_modules" node "$here/grpc/client.js" "$port" || {
    echo "FAIL: the gRPC client"; exit 1; }
kill -TERM $pid
wait $pid || { echo "FAIL: grpc_echo did not close cleanly"; cat "$dir/err"; exit 1; }
pid=""
cat "$dir/err"

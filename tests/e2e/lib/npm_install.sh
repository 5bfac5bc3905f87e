#!/bin/sh
# lib/npm_install.sh DIR - install the npm packages pinned by DIR/package.json
# and DIR/package-lock.json into a cache directory outside the repository,
# and print that directory's node_modules path.
#
# The cache is ${XDG_CACHE_HOME:-$HOME/.cache}/spendtop-tests/npm/<hash>,
# the hash of the lock file: an unchanged lock is installed once and reused
# by every later run (and by CI on the same machine); a changed one gets a
# directory of its own. `npm ci` installs exactly what the lock says, with
# no install scripts (none of the test packages needs one).
#
# Exit status: 0 with the path on stdout; 2 when the packages cannot be
# had (no node or npm, or the registry unreachable), with the reason on
# stdout, so a test can skip clearly: `nm=$(sh tests/e2e/lib/npm_install.sh DIR) || skip "$nm"`.
set -eu
dir=$1
command -v node >/dev/null 2>&1 || { echo "node is not installed"; exit 2; }
command -v npm >/dev/null 2>&1 || { echo "npm is not installed"; exit 2; }
hash=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/spendtop-tests/npm/$(basename "$dir")-$hash
if [ ! -f "$cache/.installed" ]; then
    mkdir -p "$cache"
    cp "$dir/package.json" "$dir/package-lock.json" "$cache/"
    if ! (cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
        > "$cache/npm.log" 2>&1; then
        echo "npm ci failed (offline?): $(tail -1 "$cache/npm.log")"
        exit 2
    fi
    touch "$cache/.installed"
fi
echo "$cache/node_modules"

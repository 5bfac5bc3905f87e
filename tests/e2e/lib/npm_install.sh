#!/bin/sh
# lib/npm_install.sh DIR - install the npm packages pinned by DIR/package.json
# and DIR/package-lock.json for an end-to-end test, and print the
# node_modules folder to use (NODE_PATH).
#
# The packages go to a cache outside the repository,
#   ${XDG_CACHE_HOME:-$HOME/.cache}/spendtop-tests/npm/<name>-<hash of the lock>
# installed once with `npm ci --ignore-scripts` and reused while the lock is
# unchanged (an interrupted install is never taken for a finished one).
# Exit status 0 with the folder on stdout; 3 with the reason on stderr when
# node or npm is missing or the registry cannot be reached: the caller
# skips its test, saying so.
set -eu
src=$(cd "$1" && pwd)
command -v node >/dev/null 2>&1 || { echo "node is not installed" >&2; exit 3; }
command -v npm >/dev/null 2>&1 || { echo "npm is not installed" >&2; exit 3; }
[ -f "$src/package-lock.json" ] || { echo "no $src/package-lock.json" >&2; exit 1; }
hash=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
root=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/spendtop-tests/npm
dest=$root/$(basename "$src")-$hash
if [ ! -f "$dest/.installed" ]; then
    mkdir -p "$root"
    tmp=$(mktemp -d "$root/.install-XXXXXX")
    cp "$src/package.json" "$src/package-lock.json" "$tmp/"
    if ! (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
            > "$tmp/npm.log" 2>&1; then
        echo "npm ci failed (offline?): $(tail -1 "$tmp/npm.log")" >&2
        rm -rf "$tmp"
        exit 3
    fi
    touch "$tmp/.installed"
    # another run may have finished first: keep its folder
    mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp"
fi
echo "$dest/node_modules"

#!/bin/sh
# deps.sh - the Debian packages spendtop needs to build and test.
#
#   tools/deps.sh check     exit 0 if everything is installed
#   tools/deps.sh install   install them (apt-get; through sudo when not root)
set -eu

PACKAGES="gcc make pkg-config libuv1-dev libcurl4-openssl-dev libcjson-dev \
libsqlite3-dev libncurses-dev libcmocka-dev zlib1g-dev tmux python3 curl \
ca-certificates bsdutils"
PKGCONFIG="libuv libcurl libcjson sqlite3 ncursesw zlib cmocka"
COMMANDS="cc make pkg-config tmux python3 curl script"

check() {
    for c in $COMMANDS; do
        command -v "$c" >/dev/null 2>&1 || { echo "missing command: $c"; return 1; }
    done
    for p in $PKGCONFIG; do
        pkg-config --exists "$p" || { echo "missing library: $p"; return 1; }
    done
    return 0
}

install() {
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "deps.sh: not root and no sudo: install as root: $PACKAGES" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $PACKAGES
}

case "${1:-check}" in
    check) check ;;
    install) install ;;
    *) echo "usage: $0 check|install" >&2; exit 2 ;;
esac

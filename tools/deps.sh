#!/bin/sh
# deps.sh - the Debian packages spendtop needs, in three lists: what it needs
# to build and test (make test), and the extra tools of make fuzz and make
# lint, which make test does not need.
#
#   tools/deps.sh check [LIST]     exit 0 if everything in LIST is installed
#   tools/deps.sh install [LIST]   install it (apt-get; through sudo when not root)
#
# LIST is test (the default), fuzz or lint.
set -eu

case "${2:-test}" in
    test)
        PACKAGES="gcc make pkg-config libuv1-dev libcurl4-openssl-dev libcjson-dev \
libsqlite3-dev libncurses-dev libcmocka-dev zlib1g-dev libnghttp2-dev tmux python3 curl \
ca-certificates bsdutils man-db groff-base systemd python3-grpcio"
        PKGCONFIG="libuv libcurl libcjson sqlite3 ncursesw zlib libnghttp2 cmocka"
        # man and systemd-analyze: tests/make/install.sh renders spendtop(1)
        # and verifies the systemd unit; python3-grpcio: gRPC's C core as a
        # client (tests/e2e/grpc_python.sh)
        COMMANDS="cc make pkg-config tmux python3 curl script man systemd-analyze" ;;
    fuzz)
        # libFuzzer and clang's sanitizer runtimes are libclang-rt-dev, only
        # recommended by clang
        PACKAGES="clang libclang-rt-dev"
        PKGCONFIG=""
        COMMANDS="clang" ;;
    lint)
        PACKAGES="pmccabe cppcheck clang-tools"
        PKGCONFIG=""
        COMMANDS="pmccabe cppcheck scan-build" ;;
    *) echo "usage: $0 check|install [test|fuzz|lint]" >&2; exit 2 ;;
esac
LIST=${2:-test}

# clang is there but can it link a libFuzzer target? (asked of the compiler,
# as the runtime's path depends on clang's version)
links_fuzzer() {
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' |
        clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null - >/dev/null 2>&1
}

check() {
    for c in $COMMANDS; do
        command -v "$c" >/dev/null 2>&1 || { echo "missing command: $c"; return 1; }
    done
    for p in $PKGCONFIG; do
        pkg-config --exists "$p" || { echo "missing library: $p"; return 1; }
    done
    if [ "$LIST" = test ] && ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
        echo "missing Python module: grpc (python3-grpcio)"
        return 1
    fi
    if [ "$LIST" = fuzz ] && ! links_fuzzer; then
        echo "clang cannot link a libFuzzer target"
        return 1
    fi
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
    *) echo "usage: $0 check|install [test|fuzz|lint]" >&2; exit 2 ;;
esac

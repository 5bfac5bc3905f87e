#!/bin/sh
# make install puts the binary, spendtop(1), the example config, the
# systemd unit and the sysusers.d entry under DESTDIR+PREFIX, and make
# uninstall takes them away; the man page renders without warnings and
# describes every option app/main.c parses and every signal the daemon
# handles; the unit passes systemd-analyze verify. man and systemd-analyze
# come with tools/deps.sh's list (man-db, groff-base, systemd): without
# them those checks are skipped, saying so.
set -u
# a make of its own, not a part of the make that runs the tests
unset MAKEFLAGS MFLAGS MAKELEVEL
BUILD=${BUILD:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

make -s install BUILD="$BUILD" DESTDIR="$dir/root" PREFIX=/usr >"$dir/out" 2>&1 ||
    fail "make install: $(tail -5 "$dir/out")"
for f in usr/bin/spendtop usr/share/man/man1/spendtop.1 \
         usr/share/doc/spendtop/config.example.toml usr/share/doc/spendtop/README.md \
         usr/lib/systemd/system/spendtop.service usr/lib/sysusers.d/spendtop.conf; do
    [ -f "$dir/root/$f" ] || fail "make install did not install /$f"
done
[ "$(find "$dir/root" -type f | wc -l)" = 6 ] || fail "make install installed more: $(find "$dir/root" -type f)"
[ -x "$dir/root/usr/bin/spendtop" ] || fail "the binary is not executable"
"$dir/root/usr/bin/spendtop" --version | grep -q '^spendtop ' || fail "the installed binary does not run"
cmp -s config.example.toml "$dir/root/usr/share/doc/spendtop/config.example.toml" ||
    fail "the installed example config differs"
unit="$dir/root/usr/lib/systemd/system/spendtop.service"
grep -qx 'ExecStart=/usr/bin/spendtop --daemon -c /etc/spendtop/config.toml' "$unit" ||
    fail "the unit does not start the installed binary: $(grep ExecStart= "$unit")"
for want in User=spendtop StateDirectory=spendtop ProtectSystem=strict NoNewPrivileges=yes \
            Restart=on-failure Type=notify 'WatchdogSec=.*' SyslogLevel=err; do
    grep -qx "$want" "$unit" || fail "the unit has no $want"
done

# every long option of main.c and every signal of the daemon, in the page
page=dist/spendtop.1
sed -n 's/^ *{"\([a-z-]*\)", [a-z_]*, NULL, .*/\1/p' app/main.c > "$dir/options"
[ "$(wc -l < "$dir/options")" -ge 10 ] || fail "cannot read the options of app/main.c"
while read -r opt; do
    roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    grep -q -e "\\\\-\\\\-$roff\\b" "$page" || fail "spendtop(1) does not describe --$opt"
done < "$dir/options"
# and `spendtop prices`: its options, its commands, the tables it stores
grep -o '{"[a-z-]*", [a-z_]*, NULL' app/prices.c | sed 's/{"\([a-z-]*\)".*/\1/' > "$dir/options"
[ "$(wc -l < "$dir/options")" -ge 6 ] || fail "cannot read the options of app/prices.c"
while read -r opt; do
    roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    grep -q -e "\\\\-\\\\-$roff\\b" "$page" || fail "spendtop(1) does not describe prices --$opt"
done < "$dir/options"
grep -q '^\.B spendtop prices update' "$page" || fail "spendtop(1) has no prices in its SYNOPSIS"
for f in prices.json prices.previous.json; do
    sed -n '/^\.SH FILES/,/^\.SH [A-Z]/p' "$page" | grep -q "^\.I $f\$" ||
        fail "spendtop(1) has no $f under FILES"
done
for sig in SIGHUP SIGTERM SIGINT SIGUSR1 SIGUSR2; do
    grep -q "$sig" "$page" || fail "spendtop(1) does not describe $sig"
done
for section in NAME SYNOPSIS DESCRIPTION OPTIONS CONFIGURATION SIGNALS FILES "EXIT STATUS" EXAMPLES; do
    grep -q "^\.SH \"*$section" "$page" || fail "spendtop(1) has no $section section"
done

if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man --warnings -l "$dir/root/usr/share/man/man1/spendtop.1" \
        >"$dir/man.txt" 2>"$dir/man.err" || fail "man -l failed: $(cat "$dir/man.err")"
    [ -s "$dir/man.err" ] && fail "man -l warns: $(cat "$dir/man.err")"
    grep -q '^EXIT STATUS' "$dir/man.txt" && grep -q 'SIGUSR2' "$dir/man.txt" ||
        fail "man -l did not render the page: $(head -5 "$dir/man.txt")"
else
    echo "SKIP: man -l (no man here; tools/deps.sh installs man-db)"
fi

if command -v systemd-analyze >/dev/null 2>&1; then
    # verify wants ExecStart's binary and the Documentation= page where
    # the unit says: installed under a PREFIX of their own
    make -s install BUILD="$BUILD" PREFIX="$dir/prefix" >"$dir/out" 2>&1 ||
        fail "make install PREFIX: $(tail -5 "$dir/out")"
    MANPATH="$dir/prefix/share/man" systemd-analyze verify \
        "$dir/prefix/lib/systemd/system/spendtop.service" >"$dir/verify" 2>&1 ||
        fail "systemd-analyze verify: $(cat "$dir/verify")"
    [ -s "$dir/verify" ] && fail "systemd-analyze verify warns: $(cat "$dir/verify")"
else
    echo "SKIP: systemd-analyze verify (no systemd here; tools/deps.sh installs it)"
fi

make -s uninstall BUILD="$BUILD" DESTDIR="$dir/root" PREFIX=/usr >"$dir/out" 2>&1 ||
    fail "make uninstall: $(tail -5 "$dir/out")"
left=$(find "$dir/root" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "install: ok"

# SPDX-License-Identifier: ISC
#
# install.sh: "make install DESTDIR=..." from the build folder puts the
# binaries, manual pages, the OpenAPI document of the HTTP API, the
# example configuration (pagerd.conf, people.conf, rota.d), the systemd
# unit and the sysusers.d entry in place with sane modes and the
# configured paths; the installed pagerd accepts the installed
# configuration ("pagerd -t"), also with the key files its comments
# describe, and then takes an alert and answers pagerctl as the README
# says; a second "make install" keeps an edited pagerd.conf and does not
# bring back a deleted rota file; the unit passes "systemd-analyze
# verify" and the sysusers entry "systemd-sysusers --dry-run" when those
# tools exist.
. "$E2E_LIB"
need stat

build=$top_builddir
dest=$TEST_TMP/dest
[ -f "$build/Makefile" ] || fail "no Makefile in $build"

# make, run from a test that make itself runs: its jobserver and flags
# are not ours to share.
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$build" "$@"
}

# The installation folders as configure set them (expanded by make).
cat >dirs.mk <<'MK'
print-dirs:
	@echo "sbindir='$(sbindir)'"
	@echo "bindir='$(bindir)'"
	@echo "sysconfdir='$(sysconfdir)'"
	@echo "localstatedir='$(localstatedir)'"
	@echo "mandir='$(mandir)'"
	@echo "docdir='$(docdir)'"
	@echo "unitdir='$(systemdsystemunitdir)'"
	@echo "sysusersdir='$(sysusersdir)'"
MK
submake -s --no-print-directory -f Makefile -f "$TEST_TMP/dirs.mk" \
    print-dirs >dirs.sh 2>dirs.err || fail "cannot read the folders"
. ./dirs.sh
note "sbindir $sbindir, sysconfdir $sysconfdir, unit in $unitdir"

submake install DESTDIR="$dest" >install.out 2>&1 ||
    fail "make install DESTDIR=$dest failed"
pass "make install DESTDIR"

etc=$dest$sysconfdir/pagerd
# expect_file PATH MODE: a regular file with that mode.
expect_file() {
	[ -f "$1" ] || fail "not installed: $1"
	expect_eq "$2" "$(stat -c %a "$1")" "mode of ${1#"$dest"}"
}
expect_file "$dest$sbindir/pagerd" 755
expect_file "$dest$bindir/pagerctl" 755
expect_file "$dest$mandir/man8/pagerd.8" 644
expect_file "$dest$mandir/man5/pagerd.conf.5" 644
expect_file "$dest$docdir/openapi.yaml" 644
cmp -s "$top_srcdir/doc/openapi.yaml" "$dest$docdir/openapi.yaml" ||
    fail "the installed openapi.yaml differs from doc/openapi.yaml"
grep -q "^\.It Pa $docdir/openapi.yaml\$" "$dest$mandir/man8/pagerd.8" ||
    fail "pagerd(8) does not name $docdir/openapi.yaml"
expect_file "$etc/pagerd.conf" 644
expect_file "$etc/people.conf" 644
for f in "$top_srcdir"/conf/rota.d/*.conf; do
	expect_file "$etc/rota.d/$(basename "$f")" 644
	cmp -s "$f" "$etc/rota.d/$(basename "$f")" ||
	    fail "rota.d/$(basename "$f") differs from the example"
done
[ -z "$(find "$etc" -name '*.key' -o -name '*.secret')" ] ||
    fail "make install put a secret in $etc"
unit=$dest$unitdir/pagerd.service
sysusers=$dest$sysusersdir/pagerd.conf
expect_file "$unit" 644
expect_file "$sysusers" 644
for f in "$unit" "$sysusers" "$etc/pagerd.conf" "$dest$mandir/man8/pagerd.8"; do
	! grep -n '@[A-Z_]*@' "$f" || fail "$f has a placeholder left"
done
grep -qx "ExecStart=$sbindir/pagerd -f -c $sysconfdir/pagerd/pagerd.conf" \
    "$unit" || fail "the unit's ExecStart is not the configured paths"
grep -qx 'User=pagerd' "$unit" || fail "the unit runs as another user"
grep -q "^state_dir = \"$localstatedir/lib/pagerd\";" "$etc/pagerd.conf" ||
    fail "the installed state_dir is not $localstatedir/lib/pagerd"
# systemd makes (and, under ProtectSystem=strict, lets pagerd write)
# only /var/lib/<StateDirectory>: the installed state_dir must be it
sd=$(sed -n 's/^StateDirectory=//p' "$unit")
[ "/var/lib/$sd" = "$localstatedir/lib/pagerd" ] ||
    fail "the unit's StateDirectory (/var/lib/$sd) is not the installed state_dir ($localstatedir/lib/pagerd)"
grep -q "^u pagerd - .* $localstatedir/lib/pagerd\$" "$sysusers" ||
    fail "the sysusers entry does not make the pagerd account"
pass "files in place, modes 755/644, configured paths"

# The installed configuration names user = "pagerd", which pagerd -t
# looks up: where there is no such account (a build machine), the test
# names the account it runs as instead, and that is all it changes.
if ! id pagerd >/dev/null 2>&1; then
	me=$(id -un)
	myg=$(id -gn)
	note "no pagerd account here: checking as $me:$myg"
	sed -i -e "s/^user = \"pagerd\";/user = \"$me\";/" \
	    -e "s/^group = \"pagerd\";/group = \"$myg\";/" "$etc/pagerd.conf"
fi
"$dest$sbindir/pagerd" -t -c "$etc/pagerd.conf" >check.out 2>check.err ||
    { cat check.err; fail "installed pagerd -t rejects the installed pagerd.conf"; }
expect_match 'configuration OK' "$(cat check.out)" "pagerd -t on the installed configuration"
[ ! -e "$dest$localstatedir/lib/pagerd" ] || fail "pagerd -t made the state folder"
pass "the installed pagerd -t accepts the installed configuration"

# The keys, as the comments of pagerd.conf say to write them.
(
	umask 077
	for k in helpdesk viewer responder; do
		printf '%s\n' "$(new_key)" >"$etc/$k.key"
	done
)
sed -i -e 's/^#\(	{ name = "helpdesk"; key_file\)/\1/' \
    -e 's/^#\(	{ name = "ops-viewer";\)/\1/' \
    -e 's/^#\(	{ name = "ops-responder";\)/\1/' \
    -e 's/^#\(	  key_file = "responder.key"; }\)/\1/' "$etc/pagerd.conf"
grep -c 'key_file = "[a-z]*.key"' "$etc/pagerd.conf" | grep -qx 3 ||
    fail "the key_file lines of pagerd.conf were not found"
"$dest$sbindir/pagerd" -t -c "$etc/pagerd.conf" >check.out 2>check.err ||
    { cat check.err; fail "pagerd -t rejects the keys of the comments"; }
pass "pagerd -t accepts the installed configuration with its key files"

# The README's last steps against the installed daemon: an alert posted
# with the integration key file, pagerctl oncall with the responder's.
# Only the state folder and the port differ from the installation.
PORT=$(free_port)
sed -e "s|^state_dir = .*|state_dir = \"$TEST_TMP/state\";|" \
    -e "s|\"127.0.0.1:8080\"|\"127.0.0.1:$PORT\"|" \
    "$etc/pagerd.conf" >"$etc/running.conf"
PAGERD=$dest$sbindir/pagerd start_pagerd "$etc/running.conf"
post_alert "$(cat "$etc/helpdesk.key")" \
    '{"summary":"pagerd test alert","priority":"P4","dedup_key":"pagerd-test"}'
expect_status 202
"$dest$bindir/pagerctl" -u "http://127.0.0.1:$PORT" \
    --token-file "$etc/responder.key" oncall >oncall.out 2>oncall.err ||
    { cat oncall.err; fail "pagerctl oncall with the responder key failed"; }
grep -q 'ops' oncall.out || { cat oncall.out; fail "pagerctl oncall shows no rota"; }
PAGERD_TOKEN=$(cat "$etc/viewer.key") "$dest$bindir/pagerctl" \
    -u "http://127.0.0.1:$PORT" alerts >alerts.out 2>alerts.err ||
    { cat alerts.err; fail "pagerctl alerts with PAGERD_TOKEN failed"; }
grep -q 'pagerd test alert' alerts.out || { cat alerts.out; fail "the test alert is not listed"; }
stop_pagerd
rm -f "$etc/running.conf"
pass "the installed daemon takes an alert with its keys; pagerctl reads"

# A second install: the edited pagerd.conf stays, a deleted rota file
# stays deleted, a deleted people.conf comes back.
echo '# edited by install.sh' >>"$etc/pagerd.conf"
cp "$etc/pagerd.conf" edited.conf
rm "$etc/rota.d/dba.conf" "$etc/people.conf"
submake install DESTDIR="$dest" >install2.out 2>&1 ||
    fail "the second make install failed"
cmp -s edited.conf "$etc/pagerd.conf" ||
    fail "make install overwrote the edited pagerd.conf"
[ ! -e "$etc/rota.d/dba.conf" ] || fail "make install brought back a deleted rota"
cmp -s "$top_srcdir/conf/people.conf" "$etc/people.conf" ||
    fail "make install did not put back the missing people.conf"
grep -q "keeping .*pagerd.conf" install2.out ||
    fail "make install did not say it kept pagerd.conf"
pass "a second make install keeps what was edited or deleted"

# systemd's own checks of the unit and the sysusers entry.  verify
# wants ExecStart's program where the unit says; it is under DESTDIR
# here, so a copy of the unit points there, and nothing else changes.
# It works without systemd running (as in a container).
if command -v systemd-analyze >/dev/null 2>&1; then
	sed -e "s|^ExecStart=$sbindir/|ExecStart=$dest$sbindir/|" "$unit" \
	    >pagerd.service
	# Documentation= is checked with man(1), on the installed pages.
	man_check=--man=no
	if command -v man >/dev/null 2>&1; then
		man_check=--man=yes
		MANPATH=$dest$mandir
		export MANPATH
	fi
	systemd-analyze verify "$man_check" "$TEST_TMP/pagerd.service" \
	    >verify.out 2>&1 ||
	    { cat verify.out; fail "systemd-analyze verify rejects the unit"; }
	if grep -v 'network-online.target' verify.out | grep -q .; then
		cat verify.out
		fail "systemd-analyze verify warns about the unit"
	fi
	pass "systemd-analyze verify accepts pagerd.service"
else
	note "SKIP: systemd-analyze is missing (Debian package systemd)"
fi
if command -v systemd-sysusers >/dev/null 2>&1; then
	mkdir -p sysroot/etc
	systemd-sysusers --root="$TEST_TMP/sysroot" --dry-run "$sysusers" \
	    >sysusers.out 2>&1 ||
	    { cat sysusers.out; fail "systemd-sysusers rejects the entry"; }
	grep -q "pagerd" sysusers.out ||
	    { cat sysusers.out; fail "systemd-sysusers would not make pagerd"; }
	pass "systemd-sysusers --dry-run makes the pagerd account"
else
	note "SKIP: systemd-sysusers is missing (Debian package systemd)"
fi
exit 0

# SPDX-License-Identifier: ISC
#
# host-user.sh: dropping root.  Started as root with user = "nobody",
# pagerd binds its port and reads its secrets as root, then runs as
# nobody (all of /proc/PID/status Uid and Gid), its store belongs to
# nobody, and SIGHUP still reloads (the secret file belongs to nobody).
# Without "user" it refuses to run as root and says why; a state folder
# that belongs to someone else is refused with what to run.
. "$E2E_LIB"
need curl jq python3 stat

# Needing root is not a missing peer: skip_host, even under
# PAGERD_TEST_REQUIRE_PEERS=1.
[ "$(id -u)" = 0 ] || skip_host "not root: cannot test dropping root"
id nobody >/dev/null 2>&1 || skip_missing "the user nobody" "no user nobody"
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)

# pagerd must reach its config and state folder once it is nobody.
chmod 755 "$TEST_TMP"

# 1. No "user" while root: refused, with the reason.
write_config
sed -e '/^user = /d' "$CONFIG" >"$TEST_TMP/nouser.conf"
rc=0
timeout 60 $PAGERD_WRAPPER "$PAGERD" -f -c "$TEST_TMP/nouser.conf" \
    >"$TEST_TMP/nouser.out" 2>"$TEST_TMP/nouser.err" || rc=$?
cat "$TEST_TMP/nouser.err"
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "pagerd ran as root (status $rc) without user"
grep -q 'refusing to run as root: .*nouser.conf names no user; set user = "NAME"' \
    "$TEST_TMP/nouser.err" || fail "no clear message when root runs without user"
[ ! -e "$STATE_DIR" ] || fail "the refused start created $STATE_DIR"
pass "without user, pagerd refuses to run as root"

# 2. user = "nobody".
KEY_FILE_KEY=$(new_key)
printf '%s\n' "$KEY_FILE_KEY" >"$TEST_TMP/int.key"
chmod 600 "$TEST_TMP/int.key"
chown nobody "$TEST_TMP/int.key"
EXTRA_INTEGRATIONS=",
	{ name = \"filekey\"; key_file = \"$TEST_TMP/int.key\"; }"
PAGERD_USER=nobody
write_config
start_pagerd
grep -q "running as user nobody (uid $NOBODY_UID, gid $NOBODY_GID)" "$PAGERD_ERR" ||
    fail "pagerd did not say it runs as nobody"
expect_eq "Uid:	$NOBODY_UID	$NOBODY_UID	$NOBODY_UID	$NOBODY_UID" \
    "$(grep '^Uid:' "/proc/$PAGERD_PID/status")" "the Uid line of /proc/PID/status"
expect_eq "Gid:	$NOBODY_GID	$NOBODY_GID	$NOBODY_GID	$NOBODY_GID" \
    "$(grep '^Gid:' "/proc/$PAGERD_PID/status")" "the Gid line of /proc/PID/status"
expect_eq "Groups:	$NOBODY_GID" "$(grep '^Groups:' "/proc/$PAGERD_PID/status" |
    sed -e 's/[[:space:]]*$//')" "the Groups line of /proc/PID/status"
pass "pagerd runs as nobody, with no other group"
post_alert "$KEY_FILE_KEY" '{"summary":"as nobody","priority":"P3","dedup_key":"n1"}'
expect_status 202
for f in . pagerd.db pagerd.db-wal pagerd.db-shm pagerd.lock; do
	expect_eq "$NOBODY_UID" "$(stat -c %u "$STATE_DIR/$f")" "the owner of state/$f"
done
pass "the state folder and store files belong to nobody"
reload_pagerd
expect_eq reloaded "$RELOAD_RESULT" "SIGHUP as nobody"
post_alert "$KEY_FILE_KEY" '{"summary":"as nobody","priority":"P3","dedup_key":"n2"}'
expect_status 202
pass "SIGHUP reloads after dropping root (the key file is nobody's)"
stop_pagerd

# 3. A state folder that belongs to someone else is refused.
chown -R root "$STATE_DIR"
rc=0
timeout 60 $PAGERD_WRAPPER "$PAGERD" -f -c "$CONFIG" >"$TEST_TMP/owner.out" \
    2>"$TEST_TMP/owner.err" || rc=$?
cat "$TEST_TMP/owner.err"
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "pagerd ran (status $rc) on root's state folder"
grep -q "state_dir $STATE_DIR belongs to uid 0, not to the user pagerd runs as (uid $NOBODY_UID): chown -R $NOBODY_UID $STATE_DIR" \
    "$TEST_TMP/owner.err" || fail "no clear message for a state folder of another user"
pass "a state folder of another user is refused"

# 4. An unknown user is a configuration error, found by -t too.
sed -e 's/^user = .*/user = "no-such-user-pagerd";/' "$CONFIG" >"$TEST_TMP/bad.conf"
rc=0
"$PAGERD" -t -c "$TEST_TMP/bad.conf" >"$TEST_TMP/bad.out" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "pagerd -t accepted an unknown user"
grep -q 'user "no-such-user-pagerd": no such user' "$TEST_TMP/bad.out" ||
    fail "pagerd -t: no clear message for an unknown user: $(cat "$TEST_TMP/bad.out")"
pass "pagerd -t finds an unknown user"

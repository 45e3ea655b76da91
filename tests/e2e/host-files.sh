# SPDX-License-Identifier: ISC
#
# host-files.sh: the files pagerd opens as root.  The store and its WAL
# and SHM files are mode 0600 even in a state folder that already exists
# with mode 0755 and under umask 022.  A pidfile that is a symbolic link
# is refused and its target left alone.  A secret file group or others
# may read is refused at start, and on reload the running configuration
# is kept with the error logged.
. "$E2E_LIB"
need curl jq python3

umask 022

# 1. Store modes in a pre-existing 0755 folder.
mkdir -p "$STATE_DIR"
chmod 755 "$STATE_DIR"
write_config
cp "$CONFIG" "$TEST_TMP/base.conf"
start_pagerd
post_alert "$INT_KEY" '{"summary":"modes","priority":"P3","dedup_key":"modes"}'
expect_status 202
for f in pagerd.db pagerd.db-wal pagerd.db-shm; do
	[ -e "$STATE_DIR/$f" ] || fail "$STATE_DIR/$f does not exist"
	expect_eq 600 "$(stat -c %a "$STATE_DIR/$f")" "the mode of $f"
done
pass "pagerd.db, -wal and -shm are 0600 in a 0755 state folder"
stop_pagerd

# An older pagerd left them 0644: they are made 0600 at start.
chmod 644 "$STATE_DIR/pagerd.db"
start_pagerd
expect_eq 600 "$(stat -c %a "$STATE_DIR/pagerd.db")" "the mode of an old 0644 pagerd.db"
pass "a 0644 pagerd.db is made 0600 at start"
stop_pagerd

# 2. A pidfile that is a symbolic link is refused, its target untouched.
printf 'precious\n' >"$TEST_TMP/target"
ln -s "$TEST_TMP/target" "$TEST_TMP/pagerd.pid"
{ cat "$TEST_TMP/base.conf"; printf 'pidfile = "%s";\n' "$TEST_TMP/pagerd.pid"; } \
    >"$CONFIG"
rc=0
timeout 60 $PAGERD_WRAPPER "$PAGERD" -f -c "$CONFIG" >"$TEST_TMP/symlink.out" \
    2>"$TEST_TMP/symlink.err" || rc=$?
cat "$TEST_TMP/symlink.err"
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "pagerd ran (status $rc) with a symlinked pidfile"
grep -q "pagerd.pid: is a symbolic link: refusing to follow it" \
    "$TEST_TMP/symlink.err" || fail "no clear message for a symlinked pidfile"
expect_eq precious "$(cat "$TEST_TMP/target")" "the symlink's target"
pass "a symlinked pidfile is refused and its target left alone"
# A plain pidfile works.
rm "$TEST_TMP/pagerd.pid"
start_pagerd
expect_eq "$PAGERD_PID" "$(cat "$TEST_TMP/pagerd.pid")" "the pidfile"
stop_pagerd

# 3. A secret file readable by others: refused at start ...
KEY_FILE_KEY=$(new_key)
printf '%s\n' "$KEY_FILE_KEY" >"$TEST_TMP/int.key"
chmod 644 "$TEST_TMP/int.key"
EXTRA_INTEGRATIONS=",
	{ name = \"filekey\"; key_file = \"$TEST_TMP/int.key\"; }"
write_config
rc=0
timeout 60 $PAGERD_WRAPPER "$PAGERD" -f -c "$CONFIG" >"$TEST_TMP/secret.out" \
    2>"$TEST_TMP/secret.err" || rc=$?
cat "$TEST_TMP/secret.err"
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "pagerd ran (status $rc) with a 0644 key file"
grep -q "int.key: key file is open to group or others (mode 0644): chmod 600 it" \
    "$TEST_TMP/secret.err" || fail "no clear message for a 0644 key file"
pass "a key file readable by others is refused at start"

# ... and at reload, where the running configuration is kept.
chmod 600 "$TEST_TMP/int.key"
start_pagerd
post_alert "$KEY_FILE_KEY" '{"summary":"file key","priority":"P3","dedup_key":"fk1"}'
expect_status 202
chmod 640 "$TEST_TMP/int.key"
reload_pagerd
expect_eq rejected "$RELOAD_RESULT" "the reload with a 0640 key file"
grep -q "int.key: key file is open to group or others (mode 0640)" "$PAGERD_ERR" ||
    fail "the reload did not log why"
post_alert "$KEY_FILE_KEY" '{"summary":"file key","priority":"P3","dedup_key":"fk2"}'
expect_status 202 "an alert with the key of the kept configuration"
pass "a key file readable by the group is refused at reload; the running configuration stays"
chmod 600 "$TEST_TMP/int.key"
reload_pagerd
expect_eq reloaded "$RELOAD_RESULT" "the reload once the key file is 0600"
stop_pagerd

# SPDX-License-Identifier: ISC
#
# rota-reload.sh: rotas are reloaded file by file, by the inotify watch
# on rota_dir and by SIGHUP.  A broken edit is refused, shows its
# file:line error in /api/v1/rotas and leaves the previous version in
# force, and so does an edit that brings a coverage gap; a good edit
# takes effect; a deleted file removes its rota; a
# replaced folder is watched again.
. "$E2E_LIB"
. "$E2E_DIR/rota-lib.sh"

write_config
rota_fixtures
start_pagerd

oncall_is() { # ROTA AT PEOPLE
	api_get "/api/v1/oncall?rota=$1&at=$2"
	[ "$HTTP_STATUS" = 200 ] &&
	    [ "$(json_get '[.rotas[0].oncall[].person] | sort | join(",")')" = "$3" ]
}

expect_eq ok "$(rota_field web status)" "web status at start"
oncall_is web 2026-03-16T12:00:00Z ann || fail "ann should be on call on 16 March"

# 1. A syntax error (inotify): refused, the previous web stays.
sed -i -e 's/members = \[ "ann", "ben" \]; } );/members = [ "ben", "ann" ; } );/' \
    "$ROTA_DIR/web.conf"
wait_until "$E2E_WAIT" "web to be refused" rota_state_is web stale
expect_match '^.*/web\.conf:5: ' "$(rota_field web error)" "the error of web"
expect_eq web "$(rota_field web name)" "the rota in force from web.conf"
oncall_is web 2026-03-16T12:00:00Z ann || fail "the previous web is not in force"
grep -q 'web.conf:5: ' "$PAGERD_ERR" || fail "the error was not logged"
pass "a broken edit keeps the previous version, with file:line in /api/v1/rotas"

# 2. An unknown person is refused too.
sed -i -e 's/members = \[ "ben", "ann" ; } );/members = [ "ben", "zed" ]; } );/' \
    "$ROTA_DIR/web.conf"
wait_until "$E2E_WAIT" "the unknown person to be reported" eval \
    '[ -n "$(rota_field web error | grep "unknown person \"zed\"")" ]'
expect_eq stale "$(rota_field web status)" "web status"
oncall_is web 2026-03-16T12:00:00Z ann || fail "the previous web is not in force"
pass "an unknown person is refused"

# 2b. A zero-length shift ("0d") divided by zero and killed the daemon
# (SIGFPE) on reload: it is refused with file, line and key, and the
# daemon keeps paging on the previous version.
sed -i -e 's/shift = "1w";/shift = "0d";/' "$ROTA_DIR/web.conf"
wait_until "$E2E_WAIT" "the zero shift to be reported" eval \
    '[ -n "$(rota_field web error | grep "web\.conf:4: .*shift \"0d\" is zero")" ]'
kill -0 "$PAGERD_PID" || fail "pagerd died on a zero-length shift"
expect_eq stale "$(rota_field web status)" "web status after a 0d shift"
oncall_is web 2026-03-16T12:00:00Z ann || fail "the previous web is not in force"
sed -i -e 's/shift = "0d";/shift = "1w";/' "$ROTA_DIR/web.conf"
pass "a zero-length shift is refused and the daemon keeps running"

# 3. A good edit takes effect: ben and ann swap weeks.
before=$(rota_field web loaded_at)
sed -i -e 's/members = \[ "ben", "zed" \]; } );/members = [ "ben", "ann" ]; } );/' \
    "$ROTA_DIR/web.conf"
wait_until "$E2E_WAIT" "web to load" rota_state_is web ok
expect_eq null "$(rota_field web error)" "web error after a good edit"
[ "$(rota_field web loaded_at)" != "$before" ] || fail "loaded_at did not change"
oncall_is web 2026-03-16T12:00:00Z ben || fail "the edit did not take effect"
pass "a good edit takes effect"

# 3b. Coverage, checked over the next 90 days like pagerd -t: an edit
# that brings a gap into a rota that had none is refused...
printf 'coverage = { minimum = 2; };\n' >>"$ROTA_DIR/web.conf"
wait_until "$E2E_WAIT" "the gap to refuse web" rota_state_is web stale
expect_match '/web\.conf:[0-9]+: coverage gap from .*: 1 of 2 on call' \
    "$(rota_field web error)" "the coverage error of web"
expect_eq 0 "$(rota_field web 'errors | length')" "the web in force has no errors"
oncall_is web 2026-03-16T12:00:00Z ben || fail "the previous web is not in force"
grep -q 'web.conf:[0-9]*: coverage gap from' "$PAGERD_ERR" || fail "the gap was not logged"
sed -i -e '/^coverage = { minimum = 2; };$/d' "$ROTA_DIR/web.conf"
wait_until "$E2E_WAIT" "web to load again" rota_state_is web ok
# ... while a rota that has gaps anyway (here a new file) is put in
# force, its errors listed: a rota with a gap pages better than none.
cat >"$ROTA_DIR/gap.conf" <<'ROTA'
name = "gap";
timezone = "UTC";
layers = ( { name = "day"; start = "2026-01-05 09:00"; shift = "1d";
	members = [ "ann" ]; when = "Mon-Fri 09:00-17:00"; } );
ROTA
wait_until "$E2E_WAIT" "gap.conf to load" rota_state_is gap ok
expect_match '/gap\.conf:3: coverage gap from ' "$(rota_field gap 'errors[0]')" \
    "the gap of a new file is listed"
expect_eq null "$(rota_field gap error)" "a new file with a gap is not refused"
oncall_is gap 2026-03-16T12:00:00Z ann || fail "gap is not in force"
rm "$ROTA_DIR/gap.conf"
wait_until "$E2E_WAIT" "gap.conf to go" eval '[ "$(rota_field gap status)" = null ]'
pass "an edit that brings a coverage gap is refused; a rota with gaps anyway stays"

# 4. A new broken file that never loaded: failed, no rota.
printf 'name = "new";\ntimezone = "Mars/Olympus";\n' >"$ROTA_DIR/new.conf"
wait_until "$E2E_WAIT" "new.conf to be refused" rota_state_is new failed
expect_eq null "$(rota_field new name)" "name of a file that never loaded"
api_get '/api/v1/oncall?rota=new'
expect_status 404
rm "$ROTA_DIR/new.conf"
wait_until "$E2E_WAIT" "new.conf to go" eval '[ "$(rota_field new status)" = null ]'
pass "a broken new file is listed as failed, and goes when deleted"

# 5. A deleted file removes its rota; db's backup is then gone.
rm "$ROTA_DIR/mgr.conf"
wait_until "$E2E_WAIT" "mgr to go" eval '[ "$(rota_field mgr status)" = null ]'
api_get '/api/v1/oncall?rota=mgr'
expect_error 404 'no rota "mgr"'
oncall_is db 2026-03-14T12:00:00Z "" || fail "db still has its backup"
# db's file did not change, so it stays in force, with its errors.
expect_eq ok "$(rota_field db status)" "db without its backup"
expect_match 'db\.conf:5: backup rota "mgr" not found' "$(rota_field db 'errors[0]')" "db's first error"
expect_match 'db\.conf:3: coverage gap from ' "$(rota_field db 'errors[1]')" "db's gaps without a backup"
grep -q 'rota mgr: .*mgr.conf is gone, rota removed' "$PAGERD_ERR" ||
    fail "the removal was not logged"
pass "a deleted file removes its rota"

# 6. SIGHUP: the people file is not watched; dropping cat makes web's
# override name an unknown person, so web is refused and kept.
write_mgr
wait_until "$E2E_WAIT" "mgr to come back" rota_state_is mgr ok
sed -i -e '/id = "cat"/d' "$PEOPLE"
reload_pagerd
expect_eq reloaded "$RELOAD_RESULT" "SIGHUP outcome"
expect_eq stale "$(rota_field web status)" "web after cat left"
expect_match 'unknown person "cat"' "$(rota_field web error)" "web error"
oncall_is web 2026-03-16T12:00:00Z ben || fail "the previous web is not in force"
expect_eq stale "$(rota_field db status)" "db after cat left"
write_people
reload_pagerd
expect_eq ok "$(rota_field web status)" "web after cat came back"
expect_eq ok "$(rota_field db status)" "db after cat came back"
pass "SIGHUP reloads people and rotas, with the same rules"

# 7. The folder is replaced: the watch follows the path.
mv "$ROTA_DIR" "$TEST_TMP/rota.d.old"
mkdir "$TEST_TMP/rota.d.new"
cp "$TEST_TMP/rota.d.old/mgr.conf" "$TEST_TMP/rota.d.new/"
mv "$TEST_TMP/rota.d.new" "$ROTA_DIR"
wait_until "$E2E_WAIT" "the new folder to be read" eval \
    'api_get /api/v1/rotas; [ "$(json_get "[.rotas[].name] | join(\",\")")" = mgr ]'
write_web
wait_until "$E2E_WAIT" "web in the new folder" rota_state_is web ok
pass "a replaced folder is watched again"

# 8. A file of 1-minute shifts is checked over what 20,000 turns cover
# (the daemon checks on its loop: 90 days of them took 80 ms and more),
# and the rota in force says so among its warnings.
cat >"$ROTA_DIR/tick.conf" <<'ROTA'
name = "tick";
timezone = "UTC";
layers = ( { name = "minutes"; start = "2026-01-05 00:00"; shift = "1m";
	members = [ "ann", "ben" ]; } );
ROTA
wait_until "$E2E_WAIT" "tick.conf to load" rota_state_is tick ok
expect_match 'tick\.conf:3: warning: layer "minutes": with shifts of 1m, coverage and fatigue are checked over the next 1w6d21h only' \
    "$(rota_field tick 'warnings | join("; ")')" "the warning of tick"
pass "1-minute shifts are checked over 20,000 turns, and the rota says so"

stop_pagerd

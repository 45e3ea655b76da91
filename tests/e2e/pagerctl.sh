# SPDX-License-Identifier: ISC
#
# pagerctl.sh: the command-line client.  "oncall" and "rota show NAME"
# ask the running daemon (URL from -u or PAGERD_URL, token from
# PAGERD_TOKEN or --token-file); "rota check", and "rota show" of a file
# or with --files, work offline from the files pagerd.conf names.
. "$E2E_LIB"
. "$E2E_DIR/rota-lib.sh"
: "${PAGERCTL:=$top_builddir/src/pagerctl}"

write_config
rota_fixtures
start_pagerd
export PAGERD_URL=http://127.0.0.1:$PORT

# ctl ARGS...: run pagerctl; sets CTL_RC, CTL_OUT, CTL_ERR.
ctl() {
	"$PAGERCTL" "$@" >"$TEST_TMP/ctl.out" 2>"$TEST_TMP/ctl.err"
	CTL_RC=$?
	CTL_OUT=$(cat "$TEST_TMP/ctl.out")
	CTL_ERR=$(cat "$TEST_TMP/ctl.err")
}

# 1. oncall, with the token in the environment.
PAGERD_TOKEN=$VIEWER_KEY ctl oncall --rota web --at 2026-03-10T12:00+01:00
expect_eq 0 "$CTL_RC" "pagerctl oncall status ($CTL_ERR)"
expect_eq 'ROTA         PERSON     NAME                     UNTIL                     WHY
web          cat        Cat Cole                 2026-03-12 00:00 +01:00   override line 7: replaces ben in layer "weekly" (sick)' \
    "$CTL_OUT" "pagerctl oncall --rota web"
# eve is mgr's only member: her shift ends, as far as anyone can say,
# at the duty layer's next handoff (Monday 09:00 in Adelaide).
PAGERD_TOKEN=$VIEWER_KEY ctl oncall --at 2026-03-14T12:00:00Z
expect_eq 'ROTA         PERSON     NAME                     UNTIL                     WHY
db           eve        Eve East                 2026-03-16 09:00 -04:00   backup rota "mgr": layer "duty"
mgr          eve        Eve East                 2026-03-16 09:00 +10:30   layer "duty"
web          ben        Ben Bell                 2026-03-16 09:00 +01:00   layer "weekly"' \
    "$CTL_OUT" "pagerctl oncall (every rota)"
pass "pagerctl oncall prints a table"

# 2. --json, and the token from a file.
printf '%s\n' "$VIEWER_KEY" >"$TEST_TMP/token"
env -u PAGERD_TOKEN "$PAGERCTL" --token-file "$TEST_TMP/token" --json oncall \
    --rota db --at 2026-03-10T14:00:00Z >"$TEST_TMP/ctl.json" ||
    fail "pagerctl --json oncall failed"
expect_eq 'cat 2026-03-10T21:00:00.000Z' \
    "$(jq -r '.rotas[0].oncall[0] | "\(.person) \(.end)"' "$TEST_TMP/ctl.json")" \
    "pagerctl --json oncall"
pass "pagerctl --json and --token-file"

# 3. Errors: no token, a bad time, a wrong key, nobody listening.
env -u PAGERD_TOKEN "$PAGERCTL" oncall >/dev/null 2>"$TEST_TMP/ctl.err" &&
    fail "pagerctl oncall without a token succeeded"
expect_match 'no token' "$(cat "$TEST_TMP/ctl.err")" "no token message"
PAGERD_TOKEN=$VIEWER_KEY ctl oncall --at 2026-03-10T12:00
expect_eq 1 "$CTL_RC" "pagerctl oncall with a bad time"
expect_match '400: at: .*no offset' "$CTL_ERR" "bad time message"
PAGERD_TOKEN=wrong-key ctl oncall
expect_eq 1 "$CTL_RC" "pagerctl oncall with a wrong key"
expect_match '401: unknown key' "$CTL_ERR" "wrong key message"
PAGERD_TOKEN=$VIEWER_KEY ctl -u "http://127.0.0.1:$(free_port)" oncall
expect_eq 1 "$CTL_RC" "pagerctl oncall with nobody listening"
ctl frobnicate
expect_eq 2 "$CTL_RC" "pagerctl with an unknown command"
expect_match 'unknown command "frobnicate"' "$CTL_ERR" "unknown command message"
pass "pagerctl errors exit non-zero with a message"

# 4. rota check, offline.
ctl -c "$CONFIG" rota check "$ROTA_DIR/web.conf" "$ROTA_DIR/mgr.conf"
expect_eq 0 "$CTL_RC" "rota check of good files ($CTL_OUT)"
expect_eq "2 files, 0 errors, 0 warnings" "$CTL_OUT" "rota check output"
# db's backup (mgr, not named) is found in rota_dir: warnings only.
ctl -c "$CONFIG" rota check "$ROTA_DIR/db.conf"
expect_eq 0 "$CTL_RC" "rota check of db"
expect_match '1 file, 0 errors, [1-9][0-9]* warnings$' "$CTL_OUT" "rota check of db"
cp "$ROTA_DIR/web.conf" "$TEST_TMP/web2.conf"
sed -i -e 's/"ann", "ben"/"ann", "bob"/; s/name = "web"/name = "web2"/' \
    "$TEST_TMP/web2.conf"
ctl -c "$CONFIG" rota check "$TEST_TMP/web2.conf"
expect_eq 1 "$CTL_RC" "rota check of a file with an unknown person"
expect_eq "$TEST_TMP/web2.conf:5: layer \"weekly\": unknown person \"bob\"
1 file, 1 error, 0 warnings" "$CTL_OUT" "rota check findings"
# Global options anywhere, as git and systemctl take them: -c after the
# command read as a file name ("rota check FILE -c CONF"), and "rota
# show X -c CONF" said "invalid option".
ctl rota check "$ROTA_DIR/web.conf" -c "$CONFIG"
expect_eq 0 "$CTL_RC" "rota check FILE -c CONF ($CTL_ERR)"
expect_eq "1 file, 0 errors, 0 warnings" "$CTL_OUT" "rota check FILE -c CONF"
pass "pagerctl rota check"

# Without -c and with no default configuration, the pagerd.conf above
# the rota's folder is used, and said (it used to report the shipped
# example's backup rota as missing); and rota show of a file the daemon
# would refuse (an unknown person) prints the error and exits 1 (it
# printed a timeline naming a stranger and exited 0).
mkdir -p "$TEST_TMP/site/rota.d"
cp "$PEOPLE" "$TEST_TMP/site/people.conf"
cp "$ROTA_DIR/db.conf" "$ROTA_DIR/mgr.conf" "$TEST_TMP/site/rota.d/"
printf 'user = "root";\npeople = "people.conf";\nrota_dir = "rota.d";\n' \
    >"$TEST_TMP/site/pagerd.conf"
ctl rota check "$TEST_TMP/site/rota.d/db.conf"
case $CTL_ERR in
*"using $TEST_TMP/site/pagerd.conf ("*)
	expect_eq 0 "$CTL_RC" "rota check without -c ($CTL_OUT)"
	expect_match '^1 file, 0 errors' "$CTL_OUT" "rota check without -c"
	;;
*"using "*) fail "rota check used another configuration: $CTL_ERR" ;;
*) note "a default configuration exists here: $CTL_ERR" ;;
esac
sed -e 's/"cat", "dan"/"cat", "zed"/' "$ROTA_DIR/db.conf" \
    >"$TEST_TMP/site/rota.d/db.conf"
ctl -c "$TEST_TMP/site/pagerd.conf" rota show "$TEST_TMP/site/rota.d/db.conf" \
    --days 1
expect_eq 1 "$CTL_RC" "rota show of a file with an unknown person"
expect_match 'db\.conf:[0-9]+: layer "hours": unknown person "zed"' "$CTL_ERR" \
    "the error of rota show"
expect_eq "" "$CTL_OUT" "no timeline for a file the daemon refuses"
pass "rota check finds the configuration near the file; rota show refuses what the daemon would"

# 5. rota show NAME: the daemon's rota in force, as a timeline of the
# rota's local days.  On 29 March 02:00-03:00 does not exist in Berlin:
# its cell is blank.  No -c: nothing is read from the files.
WEB_TIMELINE='web (Europe/Berlin), 2026-03-28 to 2026-03-30 (3 days):
                  0     6     12    18    24
Sat 2026-03-28
  ben            |########################| 00:00-24:00
  dan            |......................##| 22:00-24:00
Sun 2026-03-29
  ben            |## #####################| 00:00-24:00
  dan            |## #....................| 00:00-04:00
Mon 2026-03-30
  ben            |#########...............| 00:00-09:00
  ann            |.........###############| 09:00-24:00
(* from the backup rota; # on call the whole hour, + part of it)'
show_web() {
	ctl "$@" rota show web --days 3 --from 2026-03-28T12:00:00Z
}
PAGERD_TOKEN=$VIEWER_KEY show_web
expect_eq 0 "$CTL_RC" "rota show status ($CTL_ERR)"
expect_eq "$WEB_TIMELINE" "$CTL_OUT" "pagerctl rota show web"
# A global option after the command's own ("invalid option" before).
PAGERD_TOKEN=$VIEWER_KEY ctl rota show web --days 3 \
    --from 2026-03-28T12:00:00Z -u "$PAGERD_URL" --json
expect_eq 0 "$CTL_RC" "rota show ... -u URL --json ($CTL_ERR)"
expect_eq web "$(printf '%s' "$CTL_OUT" | jq -r .rota)" "rota show with --json last"
# --json: the daemon's reply, for the local days shown (Berlin's
# midnights: CET on the 28th, CEST on the 31st).
PAGERD_TOKEN=$VIEWER_KEY ctl --json rota show web --days 3 \
    --from 2026-03-28T12:00:00Z
expect_eq 0 "$CTL_RC" "rota show --json status ($CTL_ERR)"
expect_eq 'web Europe/Berlin
2026-03-27T23:00:00.000Z 2026-03-30T22:00:00.000Z
ben,dan,ann' "$(printf '%s' "$CTL_OUT" | jq -r '"\(.rota) \(.timezone)",
    "\(.from) \(.to)", ([.shifts[].person] | join(","))')" \
    "pagerctl --json rota show web"
# The same rota, as the files say.
env -u PAGERD_TOKEN "$PAGERCTL" -c "$CONFIG" -u http://127.0.0.1:1 rota show \
    web --files --days 3 --from 2026-03-28T12:00:00Z >"$TEST_TMP/ctl.out" \
    2>"$TEST_TMP/ctl.err" ||
    fail "rota show --files: $(cat "$TEST_TMP/ctl.err")"
expect_eq "$WEB_TIMELINE" "$(cat "$TEST_TMP/ctl.out")" \
    "pagerctl rota show web --files"
# db's weekend and nights are mgr's (its backup): eve, marked "*".
DB_TIMELINE='db (America/New_York), 2026-03-13 to 2026-03-14 (2 days):
                  0     6     12    18    24
Fri 2026-03-13
  eve*           |#########........#######| 00:00-09:00 17:00-24:00
  dan            |.........########.......| 09:00-17:00
Sat 2026-03-14
  eve*           |########################| 00:00-24:00
(* from the backup rota; # on call the whole hour, + part of it)'
PAGERD_TOKEN=$VIEWER_KEY ctl rota show db --days 2 --from 2026-03-13T12:00:00Z
expect_eq 0 "$CTL_RC" "rota show db status ($CTL_ERR)"
expect_eq "$DB_TIMELINE" "$CTL_OUT" "pagerctl rota show db"
# A file is read offline: no daemon, no token.
env -u PAGERD_TOKEN "$PAGERCTL" -c "$CONFIG" -u http://127.0.0.1:1 rota show \
    "$ROTA_DIR/db.conf" --days 2 --from 2026-03-13T12:00:00Z \
    >"$TEST_TMP/ctl.out" 2>"$TEST_TMP/ctl.err" ||
    fail "rota show of a file: $(cat "$TEST_TMP/ctl.err")"
expect_eq "$DB_TIMELINE" "$(cat "$TEST_TMP/ctl.out")" "rota show of a file"
PAGERD_TOKEN=$VIEWER_KEY ctl rota show nope
expect_eq 1 "$CTL_RC" "rota show of an unknown rota"
expect_match '404: no rota "nope"' "$CTL_ERR" "rota show of an unknown rota"
ctl -c "$CONFIG" rota show nope --files
expect_eq 1 "$CTL_RC" "rota show --files of an unknown rota"
expect_match "no rota \"nope\" in $ROTA_DIR" "$CTL_ERR" \
    "rota show --files of an unknown rota"
ctl rota show web --days 0
expect_eq 2 "$CTL_RC" "rota show --days 0"
ctl --json -c "$CONFIG" rota show web --files
expect_eq 2 "$CTL_RC" "rota show --json --files"
pass "pagerctl rota show"

# 6. The daemon's version wins: a broken edit of web.conf is refused
# and the previous web stays in force; the files no longer have a web.
sed -i -e 's/members = \[ "ann", "ben" \]; } );/members = [ "ann", "ben" ; } );/' \
    "$ROTA_DIR/web.conf"
wait_until "$E2E_WAIT" "web to be refused" rota_state_is web stale
PAGERD_TOKEN=$VIEWER_KEY show_web
expect_eq 0 "$CTL_RC" "rota show of a stale rota ($CTL_ERR)"
expect_eq "$WEB_TIMELINE" "$CTL_OUT" "rota show web while web.conf is broken"
ctl -c "$CONFIG" rota show web --files --days 3 --from 2026-03-28T12:00:00Z
expect_eq 1 "$CTL_RC" "rota show --files of a broken file"
expect_eq '' "$CTL_OUT" "rota show --files of a broken file: no timeline"
expect_match "^$ROTA_DIR/web\\.conf:5: " "$CTL_ERR" \
    "rota show --files: the parse error"
expect_match "no rota \"web\" in $ROTA_DIR" "$CTL_ERR" \
    "rota show --files: no web"
write_web
wait_until "$E2E_WAIT" "web to load again" rota_state_is web ok
pass "pagerctl rota show: the daemon's rota in force, --files the files'"

# 7. Nobody listening: the URL, and how to go offline.
PAGERD_TOKEN=$VIEWER_KEY ctl -u http://127.0.0.1:1 rota show web
expect_eq 1 "$CTL_RC" "rota show with nobody listening"
expect_eq '' "$CTL_OUT" "rota show with nobody listening: no timeline"
expect_match 'cannot reach pagerd at http://127\.0\.0\.1:1; .*--files' \
    "$CTL_ERR" "rota show with nobody listening: message"
env -u PAGERD_TOKEN "$PAGERCTL" rota show web >/dev/null \
    2>"$TEST_TMP/ctl.err" && fail "rota show without a token succeeded"
expect_match 'no token.*--files' "$(tr '\n' ' ' <"$TEST_TMP/ctl.err")" \
    "rota show without a token: message"
pass "pagerctl rota show: errors say how to read the files instead"

stop_pagerd

# SPDX-License-Identifier: ISC
#
# pagerctl.sh: the command-line client.  "oncall" asks the running
# daemon (URL from -u or PAGERD_URL, token from PAGERD_TOKEN or
# --token-file); "rota check" and "rota show" work offline from the
# files pagerd.conf names.
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
pass "pagerctl rota check"

# 5. rota show: a timeline, by name or by file.  On 29 March 02:00-03:00
# does not exist in Berlin: its cell is blank.
ctl -c "$CONFIG" rota show web --days 3 --from 2026-03-28T12:00:00Z
expect_eq 0 "$CTL_RC" "rota show status ($CTL_ERR)"
expect_eq 'web (Europe/Berlin), next 3 days:
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
(* from the backup rota; # on call the whole hour, + part of it)' \
    "$CTL_OUT" "pagerctl rota show web"
ctl -c "$CONFIG" rota show "$ROTA_DIR/db.conf" --days 1 --from 2026-03-14T12:00:00Z
expect_match '  eve\* +\|#{24}\| 00:00-24:00' "$CTL_OUT" "rota show of a file"
ctl -c "$CONFIG" rota show nope
expect_eq 1 "$CTL_RC" "rota show of an unknown rota"
ctl -c "$CONFIG" rota show web --days 0
expect_eq 2 "$CTL_RC" "rota show --days 0"
pass "pagerctl rota show"

stop_pagerd

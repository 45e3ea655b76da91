# SPDX-License-Identifier: ISC
#
# rota-check.sh: "pagerd -t" checks every rota file: syntax, unknown
# people, contradictory overrides, coverage gaps and fatigue over the
# next 90 days, each printed as file:line: message, then a table of the
# next 14 days per rota.  Errors exit 1; fatigue is a warning (exit 0)
# unless the rota is strict.
. "$E2E_LIB"
. "$E2E_DIR/rota-lib.sh"

write_config
rota_fixtures

# run_check CONFIG: run pagerd -t, keep stdout, stderr and the status.
run_check() {
	"$PAGERD" -t -c "$1" >"$TEST_TMP/check.out" 2>"$TEST_TMP/check.err"
	CHECK_RC=$?
	CHECK_OUT=$(cat "$TEST_TMP/check.out")
	CHECK_ERR=$(cat "$TEST_TMP/check.err")
}

# 1. The good fixtures: no findings, a table per rota, exit 0.
run_check "$CONFIG"
expect_eq 0 "$CHECK_RC" "pagerd -t status on good rotas (stderr: $CHECK_ERR)"
# db leaves nights and weekends to its backup: warnings, not errors.
expect_eq "" "$(printf '%s\n' "$CHECK_ERR" | grep -v '/db\.conf:3: warning: ')" \
    "findings on good rotas other than db's backup warnings"
expect_match "db\.conf:3: warning: coverage from 20[0-9-]+ 17:00 -0[45]:00 to 20[0-9-]+ 09:00 -0[45]:00 only through backup rota \"mgr\" \(0 of 1 on call\)" \
    "$CHECK_ERR" "db's backup warning"
expect_match "^db \(America/New_York\), [0-9-]{10} to [0-9-]{10} \(14 days\):" "$CHECK_OUT" "db table"
expect_match "^mgr \(Australia/Adelaide\), [0-9-]{10} to [0-9-]{10} \(14 days\):" "$CHECK_OUT" "mgr table"
expect_match "^web \(Europe/Berlin\), [0-9-]{10} to [0-9-]{10} \(14 days\):" "$CHECK_OUT" "web table"
expect_match "3 rota files, 0 errors, [1-9][0-9]* warnings" "$CHECK_OUT" "summary"
expect_match "configuration OK" "$CHECK_OUT" "OK line"
expect_eq 14 "$(printf '%s\n' "$CHECK_OUT" | sed -n '/^web /,/^[^ ]/p' |
    grep -Ec '^  (Mon|Tue|Wed|Thu|Fri|Sat|Sun) 20[0-9]{2}-[0-9]{2}-[0-9]{2}  (ann|ben)( |$)')" \
    "day lines of the web table"
# The first line is today in Berlin, and names who is on call now.
today=$(TZ=Europe/Berlin date +%F)
line=$(printf '%s\n' "$CHECK_OUT" | sed -n '/^web /{n;p;}')
expect_match "^  [A-Z][a-z]{2} $today  " "$line" "first day of the web table"
# Weekends in New York: only the backup, all day.
expect_match '  Sat [0-9-]+  eve \(backup\)' "$CHECK_OUT" "db table on Saturday"
pass "good rotas: exit 0 (backup coverage is a warning), a 14-day table per rota"

# 2. A folder of broken rotas.
mkdir "$TEST_TMP/bad.d"
printf 'name = "syntax";\ntimezone = "Europe/Berlin"\nlayers = ( { name = "x"; start = "2026-01-05 09:00"; shift = "1w"; members = [ "ann" ] ) );\n' \
    >"$TEST_TMP/bad.d/syntax.conf"
cat >"$TEST_TMP/bad.d/unknown.conf" <<'ROTA'
name = "unknown";
timezone = "Europe/Berlin";
layers = ( { name = "weekly"; start = "2026-01-05 09:00"; shift = "1w";
	members = [ "ann", "zed" ]; } );
ROTA
cat >"$TEST_TMP/bad.d/contra.conf" <<'ROTA'
name = "contra";
timezone = "Europe/Berlin";
layers = ( { name = "weekly"; start = "2026-01-05 09:00"; shift = "1w";
	members = [ "ann", "ben" ]; } );
overrides = (
	{ kind = "replace"; who = "ann"; with = "cat"; from = "2030-01-01"; to = "2030-01-05"; },
	{ kind = "replace"; who = "ann"; with = "ben"; from = "2030-01-03"; to = "2030-01-09"; }
);
ROTA
cat >"$TEST_TMP/bad.d/gap.conf" <<'ROTA'
name = "gap";
timezone = "America/New_York";
layers = ( { name = "hours"; start = "2026-01-05 09:00"; shift = "1d";
	members = [ "ann", "ben" ]; when = "Mon-Fri 09:00-17:00"; } );
ROTA
cat >"$TEST_TMP/bad.d/tired.conf" <<'ROTA'
name = "tired";
timezone = "Asia/Kolkata";
layers = ( { name = "daily"; start = "2026-01-05 09:00"; shift = "1d";
	members = [ "cat" ]; } );
fatigue = { max_consecutive_shifts = 3; };
ROTA
sed -e "s|^rota_dir = .*|rota_dir = \"$TEST_TMP/bad.d\";|" "$CONFIG" >"$TEST_TMP/bad.conf"
run_check "$TEST_TMP/bad.conf"
printf '%s\n' "$CHECK_ERR"
expect_eq 1 "$CHECK_RC" "pagerd -t status on broken rotas"
B=$TEST_TMP/bad.d
for want in \
    "$B/syntax.conf:3: syntax error" \
    "$B/unknown.conf:4: layer \"weekly\": unknown person \"zed\"" \
    "$B/contra.conf:7: override replaces ann with ben but line 6 replaces ann with cat from 2030-01-03 00:00 +01:00"; do
	printf '%s\n' "$CHECK_ERR" | grep -qxF -- "$want" ||
	    fail "pagerd -t did not print: $want"
done
expect_match "^$B/gap\.conf:3: coverage gap from 20[0-9-]+ 17:00 -0[45]:00 to 20[0-9-]+ 09:00 -0[45]:00: 0 of 1 on call" \
    "$CHECK_ERR" "coverage gap"
expect_match "^$B/tired\.conf:5: warning: layer \"daily\": cat has more than 3 shifts in a row from " \
    "$CHECK_ERR" "fatigue warning"
expect_match "5 rota files, [0-9]+ errors, 1 warning" "$CHECK_OUT" "summary"
printf '%s\n' "$CHECK_OUT" | grep -q "configuration OK" && fail "broken rotas said OK"
pass "broken rotas: file:line findings, exit 1"

# 3. Fatigue alone is a warning, unless the rota is strict.
mkdir "$TEST_TMP/tired.d"
cp "$B/tired.conf" "$TEST_TMP/tired.d/"
sed -e "s|^rota_dir = .*|rota_dir = \"$TEST_TMP/tired.d\";|" "$CONFIG" >"$TEST_TMP/tired.conf"
run_check "$TEST_TMP/tired.conf"
expect_eq 0 "$CHECK_RC" "fatigue only, not strict"
expect_match "tired\.conf:5: warning: " "$CHECK_ERR" "fatigue warning"
sed -i -e 's/max_consecutive_shifts = 3;/max_consecutive_shifts = 3; strict = true;/' \
    "$TEST_TMP/tired.d/tired.conf"
run_check "$TEST_TMP/tired.conf"
expect_eq 1 "$CHECK_RC" "fatigue in a strict rota"
expect_match "tired\.conf:5: layer \"daily\": cat has more than 3" "$CHECK_ERR" "fatigue error"
pass "fatigue: a warning, an error when strict"

# 4. What a manager's slips say, through pagerd -t (each used to say
# something untrue or unhelpful, or crash): a zero shift, a fraction, an
# override inside the hour skipped by daylight saving time, and 1-minute
# shifts, checked over what 20,000 turns cover with a warning saying so.
mkdir "$TEST_TMP/slips.d"
cat >"$TEST_TMP/slips.d/zero.conf" <<'ROTA'
name = "zero";
timezone = "Europe/Berlin";
layers = ( { name = "daily"; start = "2026-01-05 09:00"; shift = "0d";
	members = [ "ann" ]; } );
ROTA
cat >"$TEST_TMP/slips.d/half.conf" <<'ROTA'
name = "half";
timezone = "Europe/Berlin";
layers = ( { name = "halfday"; start = "2026-01-05 09:00"; shift = "0.5d";
	members = [ "ann" ]; } );
ROTA
cat >"$TEST_TMP/slips.d/dst.conf" <<'ROTA'
name = "dst";
timezone = "Europe/Berlin";
layers = ( { name = "weekly"; start = "2026-01-05 09:00"; shift = "1w";
	members = [ "ann", "ben" ]; } );
overrides = ( { kind = "off"; who = "ann"; reason = "nap";
	from = "2026-03-29 02:10"; to = "2026-03-29 02:50"; } );
ROTA
cat >"$TEST_TMP/slips.d/tick.conf" <<'ROTA'
name = "tick";
timezone = "UTC";
layers = ( { name = "minutes"; start = "2026-01-05 00:00"; shift = "1m";
	members = [ "ann", "ben" ]; } );
ROTA
S=$TEST_TMP/slips.d
sed -e "s|^rota_dir = .*|rota_dir = \"$S\";|" "$CONFIG" >"$TEST_TMP/slips.conf"
run_check "$TEST_TMP/slips.conf"
printf '%s\n' "$CHECK_ERR"
expect_eq 1 "$CHECK_RC" "pagerd -t status on the slips (not a crash)"
expect_match "^$S/zero\.conf:3: layer \"daily\": shift \"0d\" is zero" \
    "$CHECK_ERR" "a zero shift"
expect_match "^$S/half\.conf:3: layer \"halfday\": shift: bad duration \"0\.5d\": lengths are whole numbers: use a smaller unit \(\"12h\" for half a day" \
    "$CHECK_ERR" "a fraction of a day"
expect_match "^$S/dst\.conf:6: override 1: 2026-03-29 02:10 to 02:50 falls in the hour skipped when daylight saving time begins in Europe/Berlin on that date" \
    "$CHECK_ERR" "an override in the DST gap"
expect_match "^$S/tick\.conf:3: warning: layer \"minutes\": with shifts of 1m, coverage and fatigue are checked over the next 1w6d21h only, not 12w6d" \
    "$CHECK_ERR" "1-minute shifts"
pass "a zero or fractional shift, a DST-gap override and 1-minute shifts say what is wrong"

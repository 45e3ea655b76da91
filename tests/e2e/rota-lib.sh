# SPDX-License-Identifier: ISC
#
# rota-lib.sh: fixtures for the rota end-to-end tests, sourced after
# lib.sh.  rota_fixtures writes a people file and three rota files into
# $TEST_TMP and appends people/rota_dir/calendar_secret_file to $CONFIG
# (call write_config first).
#
#   web  Europe/Berlin, weekly from Mon 2026-01-05 09:00: ann, ben;
#        line 7: ben is replaced by cat from 2026-03-10 to 2026-03-12;
#        line 9: dan is added 2026-03-28 22:00 to 2026-03-29 04:00,
#        across the spring-forward night.
#   db   America/New_York, daily 09:00 handoffs, on call Mon-Fri
#        09:00-17:00: cat, dan; backup "mgr".
#   mgr  Australia/Adelaide (+09:30/+10:30), weekly: eve.

ROTA_DIR=$TEST_TMP/rota.d
PEOPLE=$TEST_TMP/people.conf
CAL_SECRET=$TEST_TMP/calendar.secret

write_people() {
	cat >"$PEOPLE" <<'PEOPLE'
people = (
	{ id = "ann"; name = "Ann Arbor"; email = "ann@example.org"; },
	{ id = "ben"; name = "Ben Bell"; email = "ben@example.org"; },
	{ id = "cat"; name = "Cat Cole"; email = "cat@example.org"; },
	{ id = "dan"; name = "Dan Dorn"; email = "dan@example.org"; },
	{ id = "eve"; name = "Eve East"; email = "eve@example.org"; }
);
PEOPLE
}

write_web() {
	cat >"$ROTA_DIR/web.conf.tmp" <<'ROTA'
# web: the fixture of rota-lib.sh
name = "web";
timezone = "Europe/Berlin";
layers = ( { name = "weekly"; start = "2026-01-05 09:00"; shift = "1w";
	members = [ "ann", "ben" ]; } );
overrides = (
	{ kind = "replace"; who = "ben"; with = "cat";
	  from = "2026-03-10 00:00"; to = "2026-03-12 00:00"; reason = "sick"; },
	{ kind = "add"; who = "dan";
	  from = "2026-03-28 22:00"; to = "2026-03-29 04:00"; reason = "release"; }
);
ROTA
	mv "$ROTA_DIR/web.conf.tmp" "$ROTA_DIR/web.conf"
}

write_db() {
	cat >"$ROTA_DIR/db.conf" <<'ROTA'
name = "db";
timezone = "America/New_York";
layers = ( { name = "hours"; start = "2026-01-05 09:00"; shift = "1d";
	members = [ "cat", "dan" ]; when = "Mon-Fri 09:00-17:00"; } );
backup = "mgr";
ROTA
}

write_mgr() {
	cat >"$ROTA_DIR/mgr.conf" <<'ROTA'
name = "mgr";
timezone = "Australia/Adelaide";
layers = ( { name = "duty"; start = "2026-01-05 09:00"; shift = "1w";
	members = [ "eve" ]; } );
ROTA
}

rota_fixtures() {
	mkdir -p "$ROTA_DIR"
	write_people
	write_web
	write_db
	write_mgr
	new_key >"$CAL_SECRET"
	chmod 600 "$CAL_SECRET"
	cat >>"$CONFIG" <<CONF
people = "$PEOPLE";
rota_dir = "$ROTA_DIR";
calendar_secret_file = "$CAL_SECRET";
CONF
}

# rota_status NAME-OR-FILE FIELD: a field of /api/v1/rotas for the entry
# whose file ends in NAME.conf.
rota_field() {
	api_get /api/v1/rotas
	json_get "[.rotas[] | select(.file | endswith(\"/$1.conf\"))][0].$2"
}

# rota_state_is NAME STATE: for wait_until.
rota_state_is() {
	[ "$(rota_field "$1" status)" = "$2" ]
}

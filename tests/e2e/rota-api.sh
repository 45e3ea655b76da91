# SPDX-License-Identifier: ISC
#
# rota-api.sh: GET /api/v1/oncall, /api/v1/oncall/schedule and
# /api/v1/rotas against real rota files (rota-lib.sh), with exact people
# and instants: an override replacing someone, an added person across
# the spring-forward night, a weekly handoff across DST, backup duty
# from a rota in a zone with a 30-minute offset, and bad input.
. "$E2E_LIB"
. "$E2E_DIR/rota-lib.sh"

write_config
rota_fixtures
start_pagerd

# expect_oncall ROTA AT WANT: "person end why" per person on call,
# sorted, joined by ";".
expect_oncall() {
	api_get "/api/v1/oncall?rota=$1&at=$2"
	expect_status 200
	expect_json '[.rotas[0].oncall[] | "\(.person) \(.end) \(.why)"] | sort | join(";")' \
	    "$3" "$1 at $2"
}

# The override: cat replaces ben until 2026-03-12 00:00 Berlin time.
expect_oncall web 2026-03-10T12:00:00%2B01:00 \
    'cat 2026-03-11T23:00:00.000Z override line 7: replaces ben in layer "weekly" (sick)'
expect_json '.at' '2026-03-10T11:00:00.000Z'
expect_json '.rotas[0].at_local' '2026-03-10 12:00 +01:00'
expect_json '.rotas[0].oncall[0].name' 'Cat Cole'
expect_json '.rotas[0].oncall[0].override' '{"kind":"replace","line":7,"reason":"sick"}'
expect_json '.rotas[0].oncall[0].end_local' '2026-03-12 00:00 +01:00'
# The same instant written in UTC, in New York time, and with a "+"
# that was not percent-encoded (it arrives as a space).
for at in 2026-03-10T11:00:00Z 2026-03-10T07:00:00-04:00 \
    2026-03-10T12:00+01:00 2026-03-10T16:30:00.000%2B05:30; do
	api_get "/api/v1/oncall?rota=web&at=$at"
	expect_status 200
	expect_json '.rotas[0].oncall[0].person' cat "web at $at"
	expect_json '.at' '2026-03-10T11:00:00.000Z' "web at $at"
done
pass "override: cat replaces ben, until the override's end"

# ben again after the override, until the next weekly handoff.
expect_oncall web 2026-03-11T23:00:00Z \
    'ben 2026-03-16T08:00:00.000Z layer "weekly"'
expect_oncall web 2026-03-11T22:59:59.999Z \
    'cat 2026-03-11T23:00:00.000Z override line 7: replaces ben in layer "weekly" (sick)'
pass "shift ends are exact to the millisecond"

# dan is added across the night clocks go forward (02:00 CET -> 03:00
# CEST on 29 March); ben's week ends at 09:00 CEST, 07:00 UTC.
expect_oncall web 2026-03-29T00:30:00Z \
    'ben 2026-03-30T07:00:00.000Z layer "weekly";dan 2026-03-29T02:00:00.000Z override line 9: added (release)'
expect_json '.rotas[0].at_local' '2026-03-29 01:30 +01:00'
expect_oncall web 2026-03-30T07:00:00Z \
    'ann 2026-04-06T07:00:00.000Z layer "weekly"'
pass "handoffs across DST at 09:00 local time"

# db: New York business hours (EDT since 8 March), backup outside them.
expect_oncall db 2026-03-10T14:00:00Z \
    'cat 2026-03-10T21:00:00.000Z layer "hours"'
expect_oncall db 2026-03-11T13:00:00Z \
    'dan 2026-03-11T21:00:00.000Z layer "hours"'
api_get '/api/v1/oncall?rota=db&at=2026-03-14T12:00:00Z'
expect_json '[.rotas[0].oncall[] | [.person, .backup, .layer]]' '[["eve","mgr","duty"]]'
pass "backup rota on a Saturday"

# Every rota when none is named, in file order.
api_get '/api/v1/oncall?at=2026-03-10T14:00:00Z'
expect_status 200
expect_json '[.rotas[] | .rota + ":" + ([.oncall[].person] | join(","))] | join(" ")' \
    'db:cat mgr:eve web:cat'
expect_json '[.rotas[].timezone] | join(" ")' \
    'America/New_York Australia/Adelaide Europe/Berlin'
pass "all rotas at once"

# The shifts of a window (the data of the calendar), each with its true
# start and end: the first began before the window.
api_get '/api/v1/oncall/schedule?rota=web&from=2026-03-02T00:00:00Z&to=2026-03-17T00:00:00Z'
expect_status 200
expect_json '[.shifts[] | "\(.person) \(.start) \(.end)"] | join("; ")' \
    'ben 2026-02-23T08:00:00.000Z 2026-03-02T08:00:00.000Z; ann 2026-03-02T08:00:00.000Z 2026-03-09T08:00:00.000Z; ben 2026-03-09T08:00:00.000Z 2026-03-09T23:00:00.000Z; cat 2026-03-09T23:00:00.000Z 2026-03-11T23:00:00.000Z; ben 2026-03-11T23:00:00.000Z 2026-03-16T08:00:00.000Z; ann 2026-03-16T08:00:00.000Z 2026-03-23T08:00:00.000Z'
expect_json '.from' '2026-03-02T00:00:00.000Z'
expect_json '.to' '2026-03-17T00:00:00.000Z'
api_get '/api/v1/oncall/schedule?rota=web&from=2026-03-02T00:00:00Z&to=2026-03-17T00:00:00Z&person=cat'
expect_json '[.shifts[] | "\(.person) \(.start_local) \(.end_local)"] | join("; ")' \
    'cat 2026-03-10 00:00 +01:00 2026-03-12 00:00 +01:00'
pass "schedule of a window, and of one person"

# Status of every rota file.
api_get /api/v1/rotas
expect_status 200
expect_json '[.rotas[] | "\(.name):\(.status)"] | join(" ")' 'db:ok mgr:ok web:ok'
expect_json '[.rotas[] | .error] | unique' '[null]'
expect_json '.rotas[2].layers' '["weekly"]'
expect_json '.rotas[2].overrides' '2'
expect_json '.rotas[0].backup' 'mgr'
expect_match '^/api/v1/rotas/web\.ics\?sig=[0-9a-f]{64}$' "$(json_get .rotas[2].ics_url)" "ics_url"
expect_match '^20[0-9-]+T[0-9:.]+Z$' "$(json_get .rotas[2].loaded_at)" "loaded_at"
pass "/api/v1/rotas"

# Bad input: 400 naming the parameter, 404 for unknown rotas, 401.
api_get '/api/v1/oncall?rota=web&at=2026-03-10T12:00:00'
expect_error 400 'at: '
expect_error 400 'no offset'
api_get '/api/v1/oncall?at=2026-02-30T12:00Z'
expect_error 400 'at: no such date'
api_get '/api/v1/oncall?at=yesterday'
expect_error 400 'at: '
api_get '/api/v1/oncall?at=2026-03-10T12:00%2B25:00'
expect_error 400 'at: '
api_get '/api/v1/oncall?rota=nope'
expect_error 404 'no rota "nope"'
api_get '/api/v1/oncall?team=web'
expect_error 400 'unknown parameter "team"'
api_get '/api/v1/oncall/schedule?from=2026-03-02T00:00:00Z'
expect_error 400 'rota: missing'
api_get '/api/v1/oncall/schedule?rota=web&from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z'
expect_error 400 'to: must be after from'
api_get '/api/v1/oncall/schedule?rota=web&from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z'
expect_error 400 'to: the window may be at most 186 days'
api_get '/api/v1/oncall/schedule?rota=web&from=2026-03-02T25:00Z'
expect_error 400 'from: '
api_get '/api/v1/oncall?rota=web' ''
expect_error 401 'Authorization'
api_get '/api/v1/rotas' "$INT_KEY"
expect_error 403 'may not'
pass "bad input is refused with the parameter named"

stop_pagerd

# SPDX-License-Identifier: ISC
#
# heartbeat.sh: heartbeat monitors.  A job pings every interval; when it
# misses one, pagerd raises one alert (not one a period); the next ping
# resolves it.  Pings are durable across a restart, unknown monitors
# get 404, and a ping needs an integration key.
. "$E2E_LIB"
need curl jq sqlite3

write_config
cat >>"$CONFIG" <<'CONF'
heartbeats = (
	{ name = "nightly-backup"; interval = "6s"; priority = "P2";
	  service = "backups"; summary = "nightly backup did not report"; },
	{ name = "cron"; interval = "1h"; }
);
CONF
start_pagerd

ping() {
	http POST "/api/v1/heartbeat/$1" -H "Authorization: Bearer ${2:-$INT_KEY}"
}
open_alert() {
	api_get "/api/v1/alerts?service=backups&status=$1"
	[ "$(json_get '.alerts | length')" -ge 1 ]
}

ping nightly-backup
expect_status 200
expect_json .status ok
expect_json .name nightly-backup
expect_json '.next_due | test("^20[0-9-]+T")' true
ping no-such-job
expect_error 404 'no heartbeat monitor named "no-such-job"'
ping nightly-backup "$VIEWER_KEY"
expect_status 403
http POST /api/v1/heartbeat/nightly-backup
expect_status 401
pass "pings: 200 with the next due time; unknown 404; keys checked"

# keep pinging for more than an interval (8 s), every 0.5 s: no alert.
# Each ping has 5.5 s of slack before it is missed, for a busy machine
# (with 3 s, a loaded machine once took longer between two pings).
for i in $(seq 1 16); do
	ping nightly-backup
	expect_status 200
	sleep 0.5
done
api_get "/api/v1/alerts?service=backups"
expect_json '.alerts | length' 0
pass "a job that keeps pinging raises nothing"

# stop pinging: one alert, P2, on the service, however long it stays silent
wait_until 30 "the missed-heartbeat alert" open_alert triggered
api_get "/api/v1/alerts?service=backups"
expect_json '.alerts | length' 1
expect_json '.alerts[0].priority' P2
expect_json '.alerts[0].summary' "nightly backup did not report"
expect_json '.alerts[0].dedup_key' "heartbeat:nightly-backup"
expect_json '.alerts[0].source' heartbeat
ID=$(json_get '.alerts[0].id')
sleep 12.5 # two more intervals of silence: a bug would raise more
api_get "/api/v1/alerts?service=backups"
expect_json '.alerts | length' 1
pass "a silent job raised one alert ($ID)"

# the next ping resolves it
ping nightly-backup
expect_status 200
api_get "/api/v1/alerts/$ID"
expect_json .status resolved
expect_json '[.events[] | select(.kind == "resolve")][0].detail.via' heartbeat
pass "the next ping resolved alert $ID"

# durable: a ping, kill -9, restart, silence: missed again.  The
# stored ping is read from the store itself (the due time after a
# restart looks the same whether or not the ping was kept).
T_PING=$(date +%s%3N)
ping nightly-backup
expect_status 200
kill9_pagerd
LAST=$(sqlite3 "$STATE_DIR/pagerd.db" \
    "SELECT last_ping_ms FROM heartbeats WHERE name = 'nightly-backup'")
[ -n "$LAST" ] && [ "$LAST" -ge "$T_PING" ] ||
    fail "the ping answered 200 was not in the store after kill -9 ($LAST < $T_PING)"
start_pagerd
wait_until 30 "a new missed-heartbeat alert after the restart" open_alert triggered
api_get "/api/v1/alerts?service=backups&status=triggered"
[ "$(json_get '.alerts[0].id')" != "$ID" ] || fail "the resolved alert came back"
pass "pings and monitors survive a restart"
stop_pagerd

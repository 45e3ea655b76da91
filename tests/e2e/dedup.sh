# SPDX-License-Identifier: ISC
#
# dedup.sh: a post whose dedup_key matches an open alert of the same
# service is folded into it (same id, "duplicate":true, count up, a
# "duplicate" audit event, no new console page); a higher priority is
# raised and recorded ("priority_raised"), a lower one is not; the same key on another service, or from another integration
# bound to another service, is a new alert.
. "$E2E_LIB"

INT2_KEY=$(new_key)
EXTRA_INTEGRATIONS=",
	{
		name = \"e2e-web\";
		key_sha256 = \"$(sha256_hex "$INT2_KEY")\";
		service = \"web\";
	}"
write_config
start_pagerd

# The intake's own audit events of the last reply, in order (the
# escalation engine adds events of its own, not checked here).
INTAKE_EVENTS='[.events[] | select(.kind == "triggered" or .kind == "duplicate" or .kind == "priority_raised")]'
kinds() {
	expect_json "[$INTAKE_EVENTS[].kind]" "$1"
}
intake_event() { # N DETAIL: the Nth intake event's detail
	expect_json "$INTAKE_EVENTS[$1].detail" "$2"
}
console_count() {
	grep -c " console: .*alert #$1 " "$PAGERD_OUT"
}
console_has() {
	[ "$(console_count "$1")" -ge 1 ]
}

post_alert "$INT_KEY" '{"summary": "db1 slow", "service": "db", "dedup_key": "db1-slow", "priority": "P3"}'
expect_status 202
expect_json .id 1
expect_json .duplicate false
expect_json .dedup_key db1-slow

# The same again: folded.
post_alert "$INT_KEY" '{"summary": "db1 slow (again)", "service": "db", "dedup_key": "db1-slow", "priority": "P3"}'
expect_status 202
expect_json .id 1
expect_json .duplicate true
expect_json .dedup_key db1-slow
expect_json .status triggered
api_get /api/v1/alerts/1
expect_status 200
expect_json .count 2
expect_json .priority P3
expect_json .summary "db1 slow"
kinds '["triggered","duplicate"]'
intake_event 1 '{"count":2,"priority":"P3"}'
expect_json "$INTAKE_EVENTS[1].actor" e2e-integration
pass "duplicate folded: same id, count 2, duplicate event"

# A higher priority raises it and says so.
post_alert "$INT_KEY" '{"summary": "db1 very slow", "service": "db", "dedup_key": "db1-slow", "priority": "critical"}'
expect_status 202
expect_json .id 1
expect_json .duplicate true
api_get /api/v1/alerts/1
expect_json .count 3
expect_json .priority P1
kinds '["triggered","duplicate","duplicate","priority_raised"]'
intake_event 2 '{"count":3,"priority":"P1"}'
intake_event 3 '{"from":"P3","to":"P1"}'
pass "priority raise recorded: P3 -> P1"

# A lower priority is counted but does not lower it.
post_alert "$INT_KEY" '{"summary": "db1 slow", "service": "db", "dedup_key": "db1-slow", "priority": "P4"}'
expect_status 202
expect_json .id 1
expect_json .duplicate true
api_get /api/v1/alerts/1
expect_json .count 4
expect_json .priority P1
kinds '["triggered","duplicate","duplicate","priority_raised","duplicate"]'
intake_event 4 '{"count":4,"priority":"P4"}'
pass "a lower priority is counted, not applied"

# The same key for another service is another alert.
post_alert "$INT_KEY" '{"summary": "web slow", "service": "web", "dedup_key": "db1-slow"}'
expect_status 202
expect_json .id 2
expect_json .duplicate false
api_get /api/v1/alerts/2
expect_json .service web
expect_json .count 1
kinds '["triggered"]'
# ... and a key bound to service web folds into that one, not into db's.
post_alert "$INT2_KEY" '{"summary": "web slow", "dedup_key": "db1-slow"}'
expect_status 202
expect_json .id 2
expect_json .duplicate true
api_get /api/v1/alerts/2
expect_json .count 2
expect_json "$INTAKE_EVENTS[1].actor" e2e-web
api_get /api/v1/alerts/1
expect_json .count 4
pass "same dedup_key on another service is a separate alert"

# No dedup_key: never folded.
post_alert "$INT_KEY" '{"summary": "no key", "service": "db"}'
expect_status 202
expect_json .id 3
k3=$(json_get .dedup_key)
post_alert "$INT_KEY" '{"summary": "no key", "service": "db"}'
expect_status 202
expect_json .id 4
expect_json .duplicate false
k4=$(json_get .dedup_key)
[ "$k3" != "$k4" ] || fail "two alerts without dedup_key got the same key $k3"
# A generated key, when posted back, folds like any other.
post_alert "$INT_KEY" "{\"summary\": \"no key\", \"service\": \"db\", \"dedup_key\": \"$k3\"}"
expect_status 202
expect_json .id 3
expect_json .duplicate true
pass "alerts without dedup_key get distinct keys"

# Duplicates inside one batch (concurrent posts) fold too: 20 at once.
burst_pids=()
for i in $(seq 1 20); do
	curl -sS --max-time "$E2E_HTTP_MAX_TIME" -o "$TEST_TMP/burst.$i.json" \
	    -w '%{http_code}\n' -H "Authorization: Bearer $INT_KEY" \
	    --data-binary '{"summary": "burst", "service": "batch", "dedup_key": "burst-1"}' \
	    "http://127.0.0.1:$PORT/api/v1/alerts" >"$TEST_TMP/burst.$i.status" &
	burst_pids+=($!)
done
# (not a bare "wait": that would wait for pagerd too)
wait "${burst_pids[@]}"
for i in $(seq 1 20); do
	expect_eq 202 "$(cat "$TEST_TMP/burst.$i.status")" "burst post $i status"
done
ids=$(for i in $(seq 1 20); do
	jq -r .id "$TEST_TMP/burst.$i.json"
done | sort -u | tr '\n' ' ')
expect_eq "5 " "$ids" "the ids given to 20 concurrent posts of one key"
nfirst=$(cat "$TEST_TMP"/burst.*.json | jq -s '[.[] | select(.duplicate == false)] | length')
expect_eq 1 "$nfirst" "how many of the 20 were not duplicates"
api_get /api/v1/alerts/5
expect_json .count 20
expect_json '[.events[] | select(.kind == "duplicate")] | length' 19
expect_json '[.events[] | select(.kind == "triggered")] | length' 1
pass "20 concurrent posts of one key: one alert, count 20"

# Totals.
load_alert_ids
expect_eq "5 4 3 2 1" "${ALERT_IDS[*]}" "every alert id"

# Console: every new alert was paged; plain duplicates paged nobody
# again.  Delivery is asynchronous, so a console count right after a
# POST proves nothing; but a page is a row of the outbox written in the
# same commit as the alert, before the 202: the rows are settled.
pages_of() {
	sqlite3 "$STATE_DIR/pagerd.db" \
	    "SELECT count(*) FROM notifications WHERE alert_id = $1"
}
for id in 2 3 4 5; do
	wait_until "$E2E_WAIT" "a console line for alert #$id" console_has $id
done
n5=$(console_count 5)
r5=$(pages_of 5)
[ "$r5" -ge 1 ] || fail "alert 5 has no page in the outbox"
post_alert "$INT_KEY" '{"summary": "burst", "service": "batch", "dedup_key": "burst-1"}'
expect_status 202
expect_json .id 5
expect_json .duplicate true
api_get /api/v1/alerts/5
expect_json .count 21
expect_eq "$r5" "$(pages_of 5)" "pages of alert 5 after a plain duplicate"
expect_eq "$n5" "$(console_count 5)" "console lines for alert 5 after a plain duplicate"
pass "console paged each new alert; plain duplicates paged nobody"

# Dedup survives a restart.
stop_pagerd
start_pagerd
post_alert "$INT_KEY" '{"summary": "db1 slow", "service": "db", "dedup_key": "db1-slow"}'
expect_status 202
expect_json .id 1
expect_json .duplicate true
api_get /api/v1/alerts/1
expect_json .count 5
stop_pagerd
pass "dedup holds across a restart"

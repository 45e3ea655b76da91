# SPDX-License-Identifier: ISC
#
# callback.sh: the state changes of an integration's alerts posted back
# to its callback (callback.c), through the real daemon, to a receiver
# (tests/fake/callback-sink.py) that checks each Standard Webhooks
# signature.  An escalation, an ack, a note and a resolve of one alert
# arrive in that order, signed, with their content, each once; /metrics
# and the audit log show them.  A receiver that answers 500 gets them
# all, in order, once it recovers, and the audit log says so once, not
# per attempt.  A change committed while the receiver fails survives a
# kill -9 of pagerd and is delivered after the restart.  A receiver that
# hangs delays neither intake, the API nor another integration's
# callbacks.  A change still failing give_up after it was queued is
# dropped, audited, and the alert's next change goes.  A reload that
# removes a
# callback drops what waited for it, with an audit event.
. "$E2E_LIB"
need curl jq python3

SINK_LOG=$TEST_TMP/sink.jsonl
SECRET=whsec_$(head -c 24 /dev/urandom | base64)
"$PYTHON" "$top_srcdir/tests/fake/callback-sink.py" "$TEST_TMP/port" \
    "$SINK_LOG" "$SECRET" >"$TEST_TMP/sink.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
wait_until 20 "the receiver" test -s "$TEST_TMP/port"
P=$(cat "$TEST_TMP/port")
printf '%s\n' "$SECRET" >"$TEST_TMP/callback.secret"
chmod 600 "$TEST_TMP/callback.secret"

make_keys
DESK_KEY=$(new_key)
FLAKY_KEY=$(new_key)
SLOW_KEY=$(new_key)
GONE_KEY=$(new_key)
EXTRA_INTEGRATIONS=",
	{ name = \"desk\"; key_sha256 = \"$(sha256_hex "$DESK_KEY")\";
	  service = \"support\";
	  callback = { url = \"http://127.0.0.1:$P/desk\";
	    headers = ( [ \"X-Desk-Token\", \"t0k\" ] );
	    secret_file = \"$TEST_TMP/callback.secret\";
	    backoff = \"200ms\"; backoff_max = \"1s\"; timeout = \"5s\"; }; },
	{ name = \"flaky\"; key_sha256 = \"$(sha256_hex "$FLAKY_KEY")\";
	  service = \"support\";
	  callback = { url = \"http://127.0.0.1:$P/flaky\";
	    secret_file = \"$TEST_TMP/callback.secret\";
	    backoff = \"100ms\"; backoff_max = \"400ms\"; }; },
	{ name = \"gone\"; key_sha256 = \"$(sha256_hex "$GONE_KEY")\";
	  service = \"support\";
	  callback = { url = \"http://127.0.0.1:$P/gone\";
	    backoff = \"100ms\"; backoff_max = \"400ms\"; give_up = \"1s\"; }; },
	{ name = \"slow\"; key_sha256 = \"$(sha256_hex "$SLOW_KEY")\";
	  service = \"support\";
	  callback = { url = \"http://127.0.0.1:$P/slow\";
	    secret_file = \"$TEST_TMP/callback.secret\";
	    timeout = \"20s\"; backoff = \"100ms\"; }; }"
write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "ann"; name = "Ann"; email = "ann@example.org"; },
	{ id = "bob"; name = "Bob"; email = "bob@example.org"; }
);
PEOPLE
cat >>"$CONFIG" <<CONF
people = "$TEST_TMP/people.conf";
policies = (
	{ name = "default";
	  stages = (
		{ targets = [ "person:ann" ]; ack_within = "1h"; },
		{ targets = [ "person:bob" ]; ack_within = "1h"; } ); }
);
CONF
"$PAGERD" -t -c "$CONFIG" >"$TEST_TMP/check.out" 2>&1 ||
    { cat "$TEST_TMP/check.out"; fail "pagerd -t on the callback config"; }
start_pagerd

# act ID WHAT [JSON]: POST /api/v1/alerts/ID/WHAT as the responder.
act() {
	local body='{}'
	[ $# -lt 3 ] || body=$3
	http POST "/api/v1/alerts/$1/$2" -H "Authorization: Bearer $RESPONDER_KEY" \
	    -H 'Content-Type: application/json' -d "$body"
	expect_status 200 "$2 of alert $1"
}

# delivered PATH: the bodies answered 2xx at PATH, one JSON a line.
delivered() {
	[ -f "$SINK_LOG" ] || return 0
	jq -c --arg p "$1" 'select(.path == $p and .status < 300)' "$SINK_LOG"
}
ndelivered() {
	[ "$(delivered "$1" | wc -l)" -ge "$2" ]
}
metric() {
	curl -sf "http://127.0.0.1:$PORT/metrics" -H "Authorization: Bearer $VIEWER_KEY" |
	    awk -v m="$1" '$1 == m { print $2 }'
}

# 1. An escalation, an ack, a note and a resolve, in order, signed.
post_alert "$DESK_KEY" '{"summary": "printer on fire", "dedup_key": "T-1"}'
expect_status 202
A=$(json_get .id)
act "$A" escalate
act "$A" ack '{"on_behalf_of": "ann"}'
act "$A" notes '{"text": "toner \"swapped\""}'
act "$A" resolve
wait_until "$E2E_WAIT" "four callbacks at /desk" ndelivered /desk 4
delivered /desk >"$TEST_TMP/desk.jsonl"
expect_eq 4 "$(wc -l <"$TEST_TMP/desk.jsonl")" "callbacks delivered to /desk"
expect_eq "alert.escalated alert.acknowledged alert.note alert.resolved" \
    "$(jq -r .body.type "$TEST_TMP/desk.jsonl" | tr '\n' ' ' | sed 's/ $//')" \
    "callback order"
expect_eq "true" "$(jq -s 'all(.[]; .sig_ok and (.problems | length) == 0)' \
    "$SINK_LOG")" "every callback signed and well formed"
expect_eq 4 "$(jq -r .id "$TEST_TMP/desk.jsonl" | sort -u | wc -l)" \
    "distinct webhook-ids"
# when the change was queued is in the id: a new state folder's row 1
# is not a repeat of an old one's
expect_eq 4 "$(jq -r .id "$TEST_TMP/desk.jsonl" |
    grep -cE '^pagerd-callback-[0-9]{13}-[0-9]+$')" "webhook-id shape"
expect_eq "t0k" "$(jq -r .x_desk "$TEST_TMP/desk.jsonl" | sort -u)" \
    "the configured header"
expect_eq "$A T-1 desk" "$(jq -r '.body.data.alert | "\(.id) \(.dedup_key) \(.integration)"' \
    "$TEST_TMP/desk.jsonl" | sort -u)" "the alert in every body"
expect_eq 2 "$(jq -r 'select(.body.type == "alert.escalated") | .body.data.detail.to' \
    "$TEST_TMP/desk.jsonl")" "escalated to stage 2"
expect_eq "e2e-responder ann" "$(jq -r 'select(.body.type == "alert.acknowledged") |
    "\(.body.data.actor) \(.body.data.detail.on_behalf_of)"' "$TEST_TMP/desk.jsonl")" \
    "acknowledged by whom"
expect_eq 'toner "swapped"' "$(jq -r 'select(.body.type == "alert.note") |
    .body.data.detail.text' "$TEST_TMP/desk.jsonl")" "the note's text"
api_get "/api/v1/alerts/$A"
expect_json '[.events[] | select(.kind == "callback_delivered")] | length' 4 \
    "callback_delivered in the audit log"
expect_eq 4 "$(metric pagerd_integration_callbacks_sent_total)" "metric: sent"
pass "escalate, ack, note, resolve: four signed callbacks, in order"

# 2. A receiver that answers 500, then recovers: all of them, in order.
touch "$SINK_LOG.fail.flaky"
post_alert "$FLAKY_KEY" '{"summary": "disk full", "dedup_key": "T-2"}'
expect_status 202
B=$(json_get .id)
act "$B" ack
act "$B" notes '{"text": "cleaning up"}'
act "$B" resolve
nfailed() {
	[ "$(jq -c 'select(.path == "/flaky" and .status == 500)' "$SINK_LOG" |
	    wc -l)" -ge "$1" ]
}
wait_until "$E2E_WAIT" "three failed attempts at /flaky" nfailed 3
expect_eq "" "$(delivered /flaky)" "nothing delivered while failing"
# in order: only the first change of the alert is tried while it fails
expect_eq "alert.acknowledged" "$(jq -r 'select(.path == "/flaky") | .body.type' \
    "$SINK_LOG" | sort -u)" "only the first callback tried while failing"
pending=$(metric pagerd_integration_callbacks_pending)
[ "${pending:-0}" -ge 3 ] || fail "metric pending is ${pending:-none}, want 3"
failed=$(metric pagerd_integration_callbacks_failed_total)
[ "${failed:-0}" -ge 3 ] || fail "metric failed is ${failed:-none}, want >= 3"
rm -f "$SINK_LOG.fail.flaky"
wait_until "$E2E_WAIT" "three callbacks at /flaky" ndelivered /flaky 3
expect_eq "alert.acknowledged alert.note alert.resolved" \
    "$(delivered /flaky | jq -r .body.type | tr '\n' ' ' | sed 's/ $//')" \
    "order after recovery"
expect_eq 3 "$(delivered /flaky | jq -r .id | sort -u | wc -l)" \
    "each delivered once"
api_get "/api/v1/alerts/$B"
expect_json '[.events[] | select(.kind == "callback_failed")] | length' 1 \
    "one callback_failed in the audit log, not one per attempt"
expect_json '[.events[] | select(.kind == "callback_recovered")] | length' 1 \
    "callback_recovered in the audit log"
pass "500 then recovery: every callback once, in order; audit not flooded"

# 3. kill -9 between the commit and the callback loses none.
touch "$SINK_LOG.fail.flaky"
post_alert "$FLAKY_KEY" '{"summary": "fan noise", "dedup_key": "T-3"}'
expect_status 202
C=$(json_get .id)
act "$C" ack
act "$C" resolve
nfailed_c() {
	[ "$(jq -c --argjson c "$C" 'select(.path == "/flaky" and .status == 500
	    and .body.data.alert.id == $c)' "$SINK_LOG" | wc -l)" -ge 1 ]
}
wait_until "$E2E_WAIT" "a failed attempt for alert $C" nfailed_c
kill9_pagerd
rm -f "$SINK_LOG.fail.flaky"
start_pagerd
got_c() {
	[ "$(delivered /flaky | jq -c --argjson c "$C" \
	    'select(.body.data.alert.id == $c)' | wc -l)" -ge 2 ]
}
wait_until "$E2E_WAIT" "alert $C's callbacks after the restart" got_c
expect_eq "alert.acknowledged alert.resolved" \
    "$(delivered /flaky | jq -r --argjson c "$C" \
    'select(.body.data.alert.id == $c) | .body.type' | tr '\n' ' ' |
    sed 's/ $//')" "alert $C's callbacks after kill -9"
wait_until "$E2E_WAIT" "no callback pending" \
    test "$(metric pagerd_integration_callbacks_pending)" = 0
pass "kill -9 with callbacks pending: all delivered after the restart"

# 4. A receiver that hangs holds its share of the callback slots;
# intake, the API, the pages and other integrations' callbacks do not
# wait for it.
touch "$SINK_LOG.hang.slow"
ids=
for i in 1 2 3 4 5 6 7 8 9 10; do
	post_alert "$SLOW_KEY" "{\"summary\": \"slow $i\", \"dedup_key\": \"S-$i\"}"
	expect_status 202
	ids="$ids $(json_get .id)"
done
for id in $ids; do
	act "$id" ack
done
nhanging() {
	[ "$(curl -sf "http://127.0.0.1:$PORT/metrics" \
	    -H "Authorization: Bearer $VIEWER_KEY" |
	    awk '$1 == "pagerd_integration_callbacks_pending" { print $2 }')" -ge 10 ]
}
wait_until "$E2E_WAIT" "ten callbacks waiting on the hanging receiver" nhanging
t0=$(date +%s%N)
post_alert "$INT_KEY" '{"summary": "while the receiver hangs"}'
expect_status 202
D=$(json_get .id)
act "$D" ack
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 3000 ] || fail "an alert and its ack took ${ms} ms while a callback receiver hung"
api_get "/api/v1/alerts/$D"
expect_json .status acknowledged "the alert acknowledged while the receiver hangs"
post_alert "$DESK_KEY" '{"summary": "another desk ticket", "dedup_key": "T-4"}'
expect_status 202
act "$(json_get .id)" ack
wait_until "$E2E_WAIT" "desk's callback while slow's receiver hangs" \
    ndelivered /desk 5
rm -f "$SINK_LOG.hang.slow"
wait_until "$E2E_WAIT" "the ten callbacks of the slow receiver" ndelivered /slow 10
pass "a hanging receiver delays neither intake, acks (${ms} ms) nor another integration's callbacks"

# 5. A change that still fails give_up (1s) after it was queued is
# dropped with an audit event; the alert's next change is not held back.
touch "$SINK_LOG.fail.gone"
post_alert "$GONE_KEY" '{"summary": "ticket deleted", "dedup_key": "T-6"}'
expect_status 202
G=$(json_get .id)
act "$G" ack
gave_up() {
	api_get "/api/v1/alerts/$G"
	[ "$(printf '%s' "$HTTP_BODY" |
	    jq '[.events[] | select(.kind == "callback_dropped")] | length')" = 1 ]
}
wait_until "$E2E_WAIT" "alert $G's ack callback given up" gave_up
expect_json '.events[] | select(.kind == "callback_dropped") | .detail.reason |
    test("^not delivered after [0-9]+ attempts in 1s: HTTP 500$")' true     "the give-up reason"
ngone=$(jq -c 'select(.path == "/gone")' "$SINK_LOG" | wc -l)
[ "$ngone" -ge 3 ] || fail "only $ngone attempts at /gone before giving up"
rm -f "$SINK_LOG.fail.gone"
act "$G" notes '{"text": "ticket was deleted"}'
wait_until "$E2E_WAIT" "the note's callback at /gone" ndelivered /gone 1
expect_eq "alert.note" "$(delivered /gone | jq -r .body.type)" \
    "only the next change delivered after the give-up"
pass "a change failing past give_up is dropped, audited; the next one goes"

# 6. A reload that takes an integration's callback away drops what its
# alerts still had to tell, with an audit event.
touch "$SINK_LOG.fail.flaky"
post_alert "$FLAKY_KEY" '{"summary": "going away", "dedup_key": "T-5"}'
expect_status 202
E=$(json_get .id)
act "$E" ack
nfailed_e() {
	[ "$(jq -c --argjson e "$E" 'select(.path == "/flaky" and .status == 500
	    and .body.data.alert.id == $e)' "$SINK_LOG" | wc -l)" -ge 1 ]
}
wait_until "$E2E_WAIT" "a failed attempt for alert $E" nfailed_e
perl -0pi -e 's/(name = "flaky";[^{]*?)callback = \{[^}]*\};/$1/s' "$CONFIG"
grep -q '/flaky' "$CONFIG" && fail "the flaky callback is still in $CONFIG"
reload_pagerd
expect_eq reloaded "$RELOAD_RESULT" "reload without the flaky callback"
dropped() {
	api_get "/api/v1/alerts/$E"
	[ "$(printf '%s' "$HTTP_BODY" |
	    jq '[.events[] | select(.kind == "callback_dropped")] | length')" = 1 ]
}
wait_until "$E2E_WAIT" "callback_dropped in alert $E's audit log" dropped
wait_until "$E2E_WAIT" "no callback pending" \
    test "$(metric pagerd_integration_callbacks_pending)" = 0
stop_pagerd
pass "a reload without the callback drops its waiting changes, audited"

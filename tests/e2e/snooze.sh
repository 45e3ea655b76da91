# SPDX-License-Identifier: ISC
#
# snooze.sh: POST /api/v1/alerts/ID/snooze against the real daemon.  Bad
# input (a viewer's key, no duration, one out of 1m..7d, an alert not
# acknowledged, no such alert) is answered 4xx and changes nothing.  An
# acknowledged alert snoozed for 1m, with the daemon restarted in
# between, is triggered again and its stage paged again ("snooze
# ended") when the snooze ends, not before; the snooze is audited under
# the key's name.  Acknowledging again ends a snooze, and so does
# resolving: neither alert pages when its snooze would have ended.
# pagerctl snooze does the same from the command line.  The decisions
# themselves are checked on a fake clock in tests/unit/test-esc.c and
# test-engine.c.
. "$E2E_LIB"
need curl jq
: "${PAGERCTL:=$top_builddir/src/pagerctl}"

# A receiver of the callbacks of the integration alert A comes from.
SINK_LOG=$TEST_TMP/sink.jsonl
"$PYTHON" "$top_srcdir/tests/fake/callback-sink.py" "$TEST_TMP/port" \
    "$SINK_LOG" "" >"$TEST_TMP/sink.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
wait_until 20 "the callback receiver" test -s "$TEST_TMP/port"
make_keys
DESK_KEY=$(new_key)
EXTRA_INTEGRATIONS=",
	{ name = \"desk\"; key_sha256 = \"$(sha256_hex "$DESK_KEY")\";
	  service = \"db\";
	  callback = { url = \"http://127.0.0.1:$(cat "$TEST_TMP/port")/desk\";
	    backoff = \"100ms\"; }; }"
write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; email = "alice@example.org"; }
);
PEOPLE
write_rota primary alice
cat >>"$CONFIG" <<CONF
people = "$TEST_TMP/people.conf";
rota_dir = "$TEST_TMP/rota.d";
policies = (
	{ name = "default"; stages = (
		{ targets = [ "rota:primary" ]; ack_within = "1h"; }
	); }
);
CONF
start_pagerd

# act ID WHAT [JSON] [KEY]: POST an action, the responder's key by default.
act() {
	local id=$1 what=$2 json=${3-} key=${4-$RESPONDER_KEY}
	printf '%s' "$json" >"$TEST_TMP/http.request"
	http POST "/api/v1/alerts/$id/$what" -H "Authorization: Bearer $key" \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$TEST_TMP/http.request"
}

# snooze_pages ID: how many "snooze ended" pages alert ID had, in any
# run's log.
snooze_pages() {
	cat "$TEST_TMP"/pagerd.*.out | grep -c -- "^.*snooze ended, stage 1: alert #$1 " || true
}

raise() {
	post_alert "${2-$INT_KEY}" "{\"summary\":\"$1\",\"service\":\"db\"}"
	expect_status 202
	json_get .id
}

A=$(raise "disk full" "$DESK_KEY")
B=$(raise "replica lag")
C=$(raise "backup late")

# 1. Bad input: refused, nothing changed.
act "$A" snooze '{"for":"30m"}'
expect_error 409 "is triggered"
act "$A" ack
expect_status 200
for body in '{}' '{"for":"30s"}' '{"for":"8d"}' '{"for":"soon"}' \
    '{"for":30}' '{"for":"30m","colour":"red"}'; do
	act "$A" snooze "$body"
	expect_status 400 "snooze $body"
done
act "$A" snooze '{"for":"30m"}' "$VIEWER_KEY"
expect_status 403
act 999999 snooze '{"for":"30m"}'
expect_status 404
api_get "/api/v1/alerts/$A"
expect_json .snoozed_until null
expect_json '[.events[] | select(.kind == "snooze")] | length' 0
pass "bad snoozes are refused and change nothing"

# 2. Snoozed for 1m, across a restart: paged again at its end.
act "$A" snooze '{"for":"1m","on_behalf_of":"alice"}'
expect_status 200
expect_json .status acknowledged
UNTIL=$(json_get .snoozed_until)
expect_match '^20[0-9-]+T[0-9:.]+Z$' "$UNTIL" "snoozed_until"
api_get "/api/v1/alerts/$A"
expect_json '[.events[] | select(.kind == "snooze")][0] |
    [.actor, .on_behalf_of, .detail.for, .detail.until]' \
    "[\"e2e-responder\",\"alice\",\"1m\",\"$UNTIL\"]"
stop_pagerd
start_pagerd
api_get "/api/v1/alerts/$A"
expect_json .snoozed_until "$UNTIL" "snoozed_until after a restart"
expect_eq 0 "$(snooze_pages "$A")" "pages before the snooze ends"
snooze_ended() {
	[ "$(snooze_pages "$A")" -ge 1 ]
}
wait_until 120 "alert $A to page again when its snooze ends" snooze_ended
paged_at=$(date -u +%s)
[ "$paged_at" -ge "$(date -u -d "$UNTIL" +%s)" ] ||
    fail "paged again before the snooze ended ($UNTIL)"
api_get "/api/v1/alerts/$A"
expect_json .status triggered
expect_json .snoozed_until null
expect_json '[.events[] | select(.kind == "page") | .detail.reason] | last' \
    "snooze ended"
expect_json '[.events[] | select(.kind == "retrigger")] | length' 1 \
    "one retrigger event"
# the integration's ticket follows: acknowledged, snoozed, triggered
desk_types() {
	jq -r 'select(.path == "/desk" and .status < 300) | .body.type' \
	    "$SINK_LOG" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}
wait_until "$E2E_WAIT" "alert $A's callbacks" eval \
    '[ "$(desk_types | wc -w)" -ge 3 ]'
expect_eq "alert.acknowledged alert.snoozed alert.triggered" \
    "$(desk_types)" "callbacks of the ack, the snooze and its end"
expect_eq "1m snooze ended" "$(jq -r 'select(.path == "/desk") |
    .body.data.detail | .for // .reason // empty' "$SINK_LOG" |
    tr '\n' ' ' | sed 's/ $//')" "the snooze's and its end's detail"
pass "a snoozed alert pages again when the snooze ends, across a restart"

# 3. Acknowledging again, or resolving, ends a snooze.
act "$A" ack
expect_status 200
for id in "$B" "$C"; do
	act "$id" ack
	expect_status 200
done
PAGERD_URL=http://127.0.0.1:$PORT PAGERD_TOKEN=$RESPONDER_KEY \
    "$PAGERCTL" snooze "$B" 1m >"$TEST_TMP/pagerctl.out" 2>&1 ||
    { cat "$TEST_TMP/pagerctl.out"; fail "pagerctl snooze failed"; }
grep -q "^alert $B: snoozed until 20" "$TEST_TMP/pagerctl.out" ||
    fail "pagerctl snooze printed: $(cat "$TEST_TMP/pagerctl.out")"
act "$C" snooze '{"for":"1m"}'
expect_status 200
act "$B" ack
expect_status 200
expect_json .snoozed_until null
act "$B" ack
expect_error 409 "is acknowledged"
act "$C" resolve
expect_status 200
# A third alert snoozed for 1m after them: once it pages again, the
# snoozes of B and C would have ended too.
act "$A" snooze '{"for":"1m"}'
expect_status 200
snooze_ended_again() {
	[ "$(snooze_pages "$A")" -ge 2 ]
}
wait_until 120 "alert $A to page again" snooze_ended_again
expect_eq 0 "$(snooze_pages "$B")" "pages of $B after its snooze was acked"
expect_eq 0 "$(snooze_pages "$C")" "pages of $C after it was resolved"
api_get "/api/v1/alerts/$B"
expect_json .status acknowledged
pass "acknowledging again or resolving ends a snooze; pagerctl snooze"
stop_pagerd

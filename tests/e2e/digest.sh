# SPDX-License-Identifier: ISC
#
# digest.sh: many alerts to one person, through the real daemon and a
# webhook receiver that holds a message until the test lets it go.
#
#   1. The first page to an idle address leaves at once: its row is due
#      when it was written (no bundle wait; the old default waited 2 s).
#   2. While that message is held in flight, alerts #2..#4 page alice;
#      then #2 is acknowledged, #3 resolved, #4 acknowledged.  Released,
#      the next message carries #2, #3 and #4 each with its own event
#      (the old outbox labelled all by the first row's reason: #4
#      "resolved", though it was only acknowledged), and the alerts
#      still open keep their pages.
#   3. No notice about an alert never paged: #5 pages alice while a
#      message is held, and is acknowledged before its page leaves; the
#      page is cancelled, and alice never hears of #5 at all.
#   4. A rate limit counts messages that went out: bob's channel allows
#      one message an hour, and its first attempt is refused (429); the
#      retry still goes out (it used to wait the hour).
. "$E2E_LIB"
need curl jq python3 sqlite3

GATE_LOG=$TEST_TMP/chat.jsonl
"$PYTHON" "$top_srcdir/tests/fake/chat-sink.py" "$TEST_TMP/port" \
    "$GATE_LOG" >"$TEST_TMP/sink.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
wait_until 20 "the chat receiver" test -s "$TEST_TMP/port"
P=$(cat "$TEST_TMP/port")

PORT=$(free_port)
make_keys
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; chat = "@alice";
	  notify = ( { channel = "hook"; } ); },
	{ id = "bob"; name = "Bob"; chat = "@bob";
	  notify = ( { channel = "limited"; } ); }
);
PEOPLE
cat >"$CONFIG" <<CONF
state_dir = "$STATE_DIR";
user = "root";	# the tests run as root, see pagerd.conf(5)
people = "$TEST_TMP/people.conf";
http = { listen = "127.0.0.1:$PORT"; public_url = "http://127.0.0.1:$PORT/"; };
integrations = ( { name = "e2e"; key_sha256 = "$(sha256_hex "$INT_KEY")"; } );
tokens = (
	{ name = "viewer"; role = "viewer";
	  key_sha256 = "$(sha256_hex "$VIEWER_KEY")"; },
	{ name = "e2e-responder"; role = "responder";
	  key_sha256 = "$(sha256_hex "$RESPONDER_KEY")"; }
);
channels = (
	{ name = "hook"; driver = "webhook-chat";
	  url = "http://127.0.0.1:$P/gate"; rate_limit = 0; },
	{ name = "limited"; driver = "webhook-chat";
	  url = "http://127.0.0.1:$P/429/1"; rate_limit = 1; rate_window = "1h";
	  backoff = "100ms"; }
);
policies = (
	{ name = "default";
	  stages = ( { targets = [ "person:alice" ]; ack_within = "1h"; } ); },
	{ name = "lim"; services = [ "lim" ];
	  stages = ( { targets = [ "person:bob" ]; ack_within = "1h"; } ); }
);
CONF

# messages: how many requests reached the receiver.
messages() {
	[ -e "$GATE_LOG" ] || { echo 0; return; }
	wc -l <"$GATE_LOG" | tr -d ' '
}
# events N: "id:event" of every alert in message N (1-based), sorted.
events() {
	sed -n "${1}p" "$GATE_LOG" | jq -r '.body | fromjson | .alerts[] |
	    "\(.id):\(.event)"' | sort -n | paste -sd' ' -
}
sql() {
	sqlite3 "$STATE_DIR/pagerd.db" "$1"
}
act() { # ID ack|resolve
	http POST "/api/v1/alerts/$1/$2" \
	    -H "Authorization: Bearer $RESPONDER_KEY" -d '{"actor":"bob"}'
	expect_status 200 "$2 of alert $1"
}
post() { # SUMMARY: sets ID
	post_alert "$INT_KEY" "{\"summary\":\"$1\",\"priority\":\"P1\",\"service\":\"db\"}"
	expect_status 202
	ID=$(json_get .id)
}

start_pagerd

# 1. Held: the gate file keeps the receiver from answering.
touch "$GATE_LOG.gate"
post "disk full"
A1=$ID
wait_until "$E2E_WAIT" "the first page at the receiver" \
    eval '[ "$(messages)" -ge 1 ]'
expect_eq "$A1:page" "$(events 1)" "the first message"
expect_eq 0 "$(sql "SELECT due_ms - created_ms FROM notifications
    WHERE alert_id = $A1")" "the first page's wait before sending"
pass "the first page to an idle address leaves at once"

# 2. Three more while it is held, then each settled its own way.
post "cpu high"
A2=$ID
post "queue stuck"
A3=$ID
post "latency"
A4=$ID
# Their pages wait behind the message in flight: none has left.
expect_eq 1 "$(messages)" "messages while one is in flight"
# Acknowledging a page that has not left cancels it: release the first
# message, wait for the three pages to leave, then settle them.
rm "$GATE_LOG.gate"
wait_until "$E2E_WAIT" "the digest of three pages" \
    eval '[ "$(messages)" -ge 2 ]'
expect_eq "$A2:page $A3:page $A4:page" "$(events 2)" "the digest of pages"
touch "$GATE_LOG.gate"
wait_until "$E2E_WAIT" "the digest's outcome" eval \
    '[ "$(sql "SELECT count(*) FROM notifications WHERE state = '"'sent'"'")" = 4 ]'
# Hold a message in flight so the notices gather: one more page first.
post "held"
A5=$ID
wait_until "$E2E_WAIT" "the held page" eval '[ "$(messages)" -ge 3 ]'
act "$A2" ack
act "$A3" resolve
act "$A4" ack
rm "$GATE_LOG.gate"
wait_until "$E2E_WAIT" "the notices" eval '[ "$(messages)" -ge 4 ]'
expect_eq "$A2:acknowledged $A3:resolved $A4:acknowledged" "$(events 4)" \
    "each alert's own event in one message"
B=$(sed -n 4p "$GATE_LOG" | jq -r .body)
expect_eq digest "$(echo "$B" | jq -r .event)" "the message's event"
expect_eq 3 "$(echo "$B" | jq -r '.alerts | length')" "alerts listed"
expect_match "acknowledged by e2e-responder for bob via API: .*#$A4 " "$(echo "$B" | jq -r .text)" \
    "the text of #$A4"
expect_eq "null" "$(echo "$B" | jq -r ".alerts[] | select(.id == $A4) | .ack_url")" \
    "an ack link on a notice"
api_get "/api/v1/alerts/$A4"
expect_json .status acknowledged
pass "a digest tells each alert's own event"

# 3. An alert acknowledged before its page left: no notice about it.
touch "$GATE_LOG.gate"
post "blip"
A6=$ID
wait_until "$E2E_WAIT" "a held message" eval '[ "$(messages)" -ge 5 ]'
post "flap"
A7=$ID
act "$A7" ack
rm "$GATE_LOG.gate"
wait_until "$E2E_WAIT" "the outbox to settle" eval \
    '[ "$(sql "SELECT count(*) FROM notifications WHERE state IN
        ('"'pending'"', '"'sending'"')")" = 0 ]'
expect_eq cancelled "$(sql "SELECT group_concat(state) FROM notifications
    WHERE alert_id = $A7")" "the rows of #$A7"
[ -z "$(jq -r ".body | fromjson | .alerts[] | select(.id == $A7) | .id" \
    "$GATE_LOG")" ] || fail "alice heard of #$A7, never paged for it"
pass "no notice about an alert that was never paged"

# 4. Refused once, then sent: the refusal did not use up the limit.
post_alert "$INT_KEY" '{"summary":"limited","priority":"P1","service":"lim"}'
expect_status 202
B1=$(json_get .id)
wait_until "$E2E_WAIT" "bob's page after a 429" eval \
    '[ "$(sql "SELECT state FROM notifications WHERE alert_id = $B1")" = sent ]'
expect_eq 2 "$(jq -r 'select(.path == "/429/1") | .path' "$GATE_LOG" | wc -l | tr -d ' ')" \
    "requests to the rate-limited channel"
pass "a refused attempt does not count against the rate limit"

stop_pagerd

# SPDX-License-Identifier: ISC
#
# later-kill9.sh: a page's later rules across kill -9 in the middle of a
# storm.  alice's rules are a chat webhook at once, then a second
# webhook after AFTER (a page's later rule is a row only once it falls
# due, kept until then on the page's first row).  Clients post alerts as
# fast as they can (tests/e2e/kill9-client.py); once MIN_ACKED have been
# answered 202, pagerd is killed with SIGKILL while they post, with
# first-rule messages in flight and every later rule still to come.  It
# is restarted on the same state_dir.  Then every alert in the store is
# named on the first webhook (at least once: a message cut short by the
# crash may go again) and on the second exactly once: the later rules
# that fell due while pagerd was down are written and sent after the
# restart, none lost, none twice; and no later rule is left waiting.
. "$E2E_LIB"
need curl jq python3 sqlite3

THREADS=${THREADS:-4}
MIN_ACKED=${MIN_ACKED:-200}
AFTER_S=20
CLIENT=$E2E_DIR/kill9-client.py
ACKED=$TEST_TMP/acked.txt
: >"$ACKED"

LOG=$TEST_TMP/chat.jsonl
"$PYTHON" "$top_srcdir/tests/fake/chat-sink.py" "$TEST_TMP/port" \
    "$LOG" >"$TEST_TMP/sink.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
wait_until 20 "the chat receiver" test -s "$TEST_TMP/port"
P=$(cat "$TEST_TMP/port")

PORT=$(free_port)
make_keys
cat >"$TEST_TMP/people.conf" <<PEOPLE
people = (
	{ id = "alice"; name = "Alice"; chat = "@alice";
	  notify = ( { channel = "first"; after = "0m"; },
	             { channel = "second"; after = "${AFTER_S}s"; } ); }
);
PEOPLE
cat >"$CONFIG" <<CONF
state_dir = "$STATE_DIR";
user = "root";	# the tests run as root, see pagerd.conf(5)
people = "$TEST_TMP/people.conf";
http = { listen = "127.0.0.1:$PORT"; };
integrations = ( { name = "e2e"; key_sha256 = "$(sha256_hex "$INT_KEY")"; } );
tokens = ( { name = "viewer"; role = "viewer";
	key_sha256 = "$(sha256_hex "$VIEWER_KEY")"; } );
channels = (
	{ name = "first"; driver = "webhook-chat";
	  url = "http://127.0.0.1:$P/generic"; },
	{ name = "second"; driver = "webhook-chat";
	  url = "http://127.0.0.1:$P/status/200"; }
);
policies = ( { name = "default";
	stages = ( { targets = [ "person:alice" ]; ack_within = "1h"; } ); } );
CONF

sql() {
	sqlite3 "$STATE_DIR/pagerd.db" "$1"
}
# named PATH: the alert ids named in messages to PATH, one a line, sorted
# as comm(1) wants (an id twice if two messages named it).
named() {
	[ -e "$LOG" ] || return 0
	jq -r --arg p "$1" 'select(.path == $p) | .body | fromjson |
	    .alerts[] | .id' "$LOG" | LC_ALL=C sort
}
enough_acked() {
	[ "$(wc -l <"$ACKED")" -ge "$MIN_ACKED" ]
}
clients_gone() {
	! kill -0 "$client_pid" 2>/dev/null
}

start_pagerd
t0=$(date +%s)
rm -f "$TEST_TMP/stop"
"$PYTHON" "$CLIENT" post "$PORT" "$INT_KEY" "lk9" "$THREADS" "$ACKED" \
    "$TEST_TMP/stop" >"$TEST_TMP/client.log" 2>&1 &
client_pid=$!
echo "$client_pid" >>"$TEST_TMP/.pids"
wait_until 120 "$MIN_ACKED alerts answered 202" enough_acked
kill9_pagerd
tkill=$(date +%s)
note "killed pagerd with SIGKILL after $(wc -l <"$ACKED") alerts answered" \
    "202, $(named /generic | wc -l) named on the first webhook, $((tkill - t0)) s in"
[ $((tkill - t0)) -lt "$AFTER_S" ] ||
    fail "the storm took longer than the later rule's delay ($AFTER_S s)"
touch "$TEST_TMP/stop"
wait_until "$E2E_WAIT" "the posting clients to stop" clients_gone
wait "$client_pid" || { cat "$TEST_TMP/client.log"; fail "the clients reported errors"; }
[ -z "$(named /status/200)" ] || fail "a later rule went out before its time"
later_left=$(sql "SELECT count(*) FROM notifications WHERE later_ms IS NOT NULL")
[ "$later_left" -gt 0 ] || fail "no later rule waits in the store at the crash"
note "later rules waiting in the store at the crash: $later_left"

start_pagerd
nalerts=$(sql "SELECT count(*) FROM alerts")
[ "$nalerts" -ge "$MIN_ACKED" ] || fail "only $nalerts alerts in the store"
all_second() {
	[ "$(named /status/200 | sort -u | wc -l)" -ge "$nalerts" ]
}
all_first() {
	[ "$(named /generic | sort -u | wc -l)" -ge "$nalerts" ]
}
wait_until 120 "every alert named on the first webhook" all_first
wait_until $((AFTER_S + 120)) "every alert named on the second webhook" \
    all_second
# let anything that would go twice arrive
settled() {
	[ "$(sql "SELECT count(*) FROM notifications WHERE state IN
	    ('pending', 'sending') OR later_ms IS NOT NULL")" -eq 0 ]
}
wait_until "$E2E_WAIT" "the outbox to settle" settled

sql "SELECT id FROM alerts" | LC_ALL=C sort >"$TEST_TMP/ids"
named /status/200 >"$TEST_TMP/second"
named /generic | LC_ALL=C sort -u >"$TEST_TMP/first"
expect_eq "" "$(LC_ALL=C comm -23 "$TEST_TMP/ids" "$TEST_TMP/first" |
    head -5)" \
    "alerts never named on the first webhook"
expect_eq "" "$(LC_ALL=C sort -u "$TEST_TMP/second" |
    LC_ALL=C comm -23 "$TEST_TMP/ids" - | head -5)" \
    "alerts never named on the second webhook"
expect_eq "" "$(uniq -d "$TEST_TMP/second" | head -5)" \
    "alerts named twice on the second webhook"
expect_eq "$nalerts" "$(sql "SELECT count(*) FROM notifications WHERE
    channel = 'second' AND state = 'sent'")" "second-rule rows sent"
note "first webhook: $(named /generic | wc -l) entries for $nalerts alerts" \
    "(a repeat is a message the crash cut short)"
stop_pagerd
pass "$nalerts alerts across kill -9: each named on its later rule once, none lost"

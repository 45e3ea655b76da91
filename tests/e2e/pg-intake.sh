# SPDX-License-Identifier: ISC
#
# pg-intake.sh: the real daemon on PostgreSQL (a throwaway cluster from
# tests/fake/pg.sh), with store.database a postgresql:// URI.  pagerd -t
# reaches it and reads its schema version; intake answers 202, folds
# duplicates, an acknowledgement through the API stops an alert's walk
# and an unacknowledged one escalates; kill -9 under a stream of posts
# and a restart lose nothing answered 202.  The password in the URI is
# never in the log nor in pagerd -t's output, and pagerd -t says so
# plainly when the database cannot be reached.
. "$E2E_LIB"
. "$E2E_DIR/ha-lib.sh"

ha_pg_start
# trust authentication ignores the password: it is here to be hidden
URI="postgresql://pagerd:s3cr3t-pw@/pagerd?host=$pgdir&port=$pgport"

STEP=2
write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; email = "alice@example.org"; },
	{ id = "bob"; name = "Bob"; email = "bob@example.org"; }
);
PEOPLE
cat >>"$CONFIG" <<CONF
store = {
	database = "$URI";
	timeout = "2s";
};
people = "$TEST_TMP/people.conf";
policies = (
	{
		name = "default";
		stages = (
			{ targets = [ "person:alice" ]; ack_within = "${STEP}s"; },
			{ targets = [ "person:bob" ]; ack_within = "${STEP}s"; }
		);
	}
);
CONF

# 1. pagerd -t reaches the database (not yet migrated).
"$PAGERD" -t -c "$CONFIG" >"$TEST_TMP/t.out" 2>"$TEST_TMP/t.err" ||
    { cat "$TEST_TMP/t.out" "$TEST_TMP/t.err"; fail "pagerd -t failed"; }
expect_match 'store postgresql://pagerd:\*\*\*@/pagerd\?host=.*: reachable, schema version 0' \
    "$(cat "$TEST_TMP/t.out")" "pagerd -t on a new database"
pass "pagerd -t reaches PostgreSQL and reads its schema version"

# 2. The daemon on it: intake, dedup.
start_pagerd
http GET /healthz
expect_json .store ok
post_alert "$INT_KEY" '{"summary":"db slow","service":"db","dedup_key":"pg-1","priority":"P1"}'
expect_status 202
ID1=$(json_get .id)
expect_json .duplicate false
post_alert "$INT_KEY" '{"summary":"db slow","service":"db","dedup_key":"pg-1","priority":"P1"}'
expect_status 202
expect_json .id "$ID1"
expect_json .duplicate true
expect_eq 2 "$(sql "SELECT count FROM alerts WHERE id = $ID1")" \
    "the alert's count in PostgreSQL"
pass "intake commits to PostgreSQL and folds a duplicate (alert $ID1)"

# 3. An acknowledgement through the API; the other alert escalates.
seen() {
	[ "$(cat "$TEST_TMP"/pagerd.*.out | grep -c -- "$2")" -ge "$1" ]
}
post_alert "$INT_KEY" '{"summary":"disk full","service":"db","dedup_key":"pg-2","priority":"P1"}'
expect_status 202
ID2=$(json_get .id)
wait_until 10 "the stage 1 page of alert $ID2" seen 1 "to alice: page, stage 1: alert #$ID2 "
http POST "/api/v1/alerts/$ID2/ack" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"actor":"alice"}'
expect_status 200
expect_eq acknowledged "$(sql "SELECT status FROM alerts WHERE id = $ID2")" \
    "alert $ID2's status in PostgreSQL"
wait_until 15 "alert $ID1 escalated to stage 2" seen 1 \
    "to bob: escalated to stage 2 (not acknowledged in time): alert #$ID1 "
expect_eq 2 "$(sql "SELECT stage FROM alerts WHERE id = $ID1")" \
    "alert $ID1's stage in PostgreSQL"
seen 1 "to bob: escalated to stage 2 (not acknowledged in time): alert #$ID2 " &&
    fail "acknowledged alert $ID2 escalated"
pass "an ack through the API stops alert $ID2; alert $ID1 escalated to stage 2"

# 4. kill -9 under a stream of posts: nothing answered 202 is lost.
ACKED=$TEST_TMP/acked.txt
: >"$ACKED"
THREADS=4
rm -f "$TEST_TMP/stop"
"$PYTHON" "$E2E_DIR/kill9-client.py" post "$PORT" "$INT_KEY" k9pg "$THREADS" \
    "$ACKED" "$TEST_TMP/stop" >"$TEST_TMP/client.log" 2>&1 &
client_pid=$!
echo "$client_pid" >>"$TEST_TMP/.pids"
acked() {
	[ "$(wc -l <"$ACKED")" -ge 100 ]
}
clients_gone() {
	! kill -0 "$client_pid" 2>/dev/null
}
wait_until 120 "100 alerts answered 202" acked
kill9_pagerd
touch "$TEST_TMP/stop"
wait_until "$E2E_WAIT" "the posting clients to stop" clients_gone
wait "$client_pid" || { cat "$TEST_TMP/client.log"; fail "the clients failed"; }
cat "$TEST_TMP/client.log"
nacked=$(wc -l <"$ACKED")
cut -d' ' -f1 "$ACKED" | sort -n >"$TEST_TMP/acked.ids"
sql "SELECT id FROM alerts WHERE service = 'kill9' ORDER BY id" |
    sort -n >"$TEST_TMP/stored.ids"
missing=$(comm -23 "$TEST_TMP/acked.ids" "$TEST_TMP/stored.ids" | wc -l)
expect_eq 0 "$missing" "alerts answered 202 but not in PostgreSQL"
start_pagerd
"$PYTHON" "$E2E_DIR/kill9-client.py" check "$PORT" "$VIEWER_KEY" "$ACKED" \
    "$THREADS" || fail "acknowledged alerts were lost"
post_alert "$INT_KEY" '{"summary":"db slow","service":"db","dedup_key":"pg-1"}'
expect_status 202
expect_json .id "$ID1"
expect_json .duplicate true
pass "kill -9 lost none of the $nacked alerts answered 202; dedup holds after"

# 5. The password is in no log line, and pagerd -t says when the
# database is down.
grep -l 's3cr3t-pw' "$TEST_TMP"/pagerd.*.err "$TEST_TMP"/pagerd.*.out \
    "$TEST_TMP/t.out" "$TEST_TMP/t.err" && fail "the password is in a log"
stop_pagerd
sh "$PG_SH" stop "$pgdir"
if "$PAGERD" -t -c "$CONFIG" >"$TEST_TMP/t2.out" 2>"$TEST_TMP/t2.err"; then
	fail "pagerd -t succeeded with the database stopped"
fi
expect_match 'store postgresql://pagerd:\*\*\*@.*: cannot reach PostgreSQL' \
    "$(cat "$TEST_TMP/t2.err")" "pagerd -t with the database down"
grep -q 's3cr3t-pw' "$TEST_TMP/t2.out" "$TEST_TMP/t2.err" &&
    fail "the password is in pagerd -t's output"
pass "no password in the logs; pagerd -t says it cannot reach the database"

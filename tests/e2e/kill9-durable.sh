# SPDX-License-Identifier: ISC
#
# kill9-durable.sh: an alert answered 202 survives a crash.  In each of
# two rounds, THREADS clients post distinct alerts as fast as they can
# (tests/e2e/kill9-client.py records every id answered 202); once enough
# have been answered, pagerd is killed with SIGKILL while they post.  It
# is restarted on the same state_dir, and every acknowledged alert must
# be there with its id and dedup_key, no key stored twice, and at most
# one unanswered alert per client thread.  The restarted daemon must go
# on accepting, with new ids after the old ones, and still fold
# duplicates of the alerts from before the crash.
. "$E2E_LIB"

THREADS=${THREADS:-8}
ROUNDS=2
MIN_ACKED=${MIN_ACKED:-300}
CLIENT=$E2E_DIR/kill9-client.py
ACKED=$TEST_TMP/acked.txt
: >"$ACKED"

write_config
start_pagerd

acked_in_round() {
	[ "$(grep -c " k9r$1-" "$ACKED")" -ge "$MIN_ACKED" ]
}
clients_gone() {
	! kill -0 "$client_pid" 2>/dev/null
}

for round in $(seq 1 $ROUNDS); do
	rm -f "$TEST_TMP/stop"
	"$PYTHON" "$CLIENT" post "$PORT" "$INT_KEY" "k9r$round" "$THREADS" \
	    "$ACKED" "$TEST_TMP/stop" >"$TEST_TMP/client.$round.log" 2>&1 &
	client_pid=$!
	echo "$client_pid" >>"$TEST_TMP/.pids"
	wait_until 120 "$MIN_ACKED alerts answered 202 in round $round" \
	    acked_in_round "$round"
	kill9_pagerd
	note "round $round: killed pagerd with SIGKILL after" \
	    "$(grep -c " k9r$round-" "$ACKED") acknowledged alerts"
	# The clients are still posting (and now failing); stop them.
	touch "$TEST_TMP/stop"
	wait_until "$E2E_WAIT" "the posting clients to stop" clients_gone
	wait "$client_pid"
	rc=$?
	cat "$TEST_TMP/client.$round.log"
	[ $rc -eq 0 ] || fail "round $round: the posting clients reported errors"
	start_pagerd
done

nacked=$(wc -l <"$ACKED")
note "acknowledged over $ROUNDS rounds: $nacked"
"$PYTHON" "$CLIENT" check "$PORT" "$VIEWER_KEY" "$ACKED" \
    $((THREADS * ROUNDS)) || fail "acknowledged alerts were lost"
pass "every alert answered 202 survived kill -9 ($nacked over $ROUNDS rounds)"

# The restarted daemon accepts, with ids after the old ones, and still
# folds duplicates of alerts from before the crashes.
maxid=$(sort -n "$ACKED" | tail -n 1 | cut -d' ' -f1)
load_alert_ids
storemax=${ALERT_IDS[0]}
post_alert "$INT_KEY" '{"summary": "after the crash", "service": "other"}'
expect_status 202
expect_json .duplicate false
newid=$(json_get .id)
[ "$newid" -gt "$storemax" ] && [ "$storemax" -ge "$maxid" ] ||
    fail "new id $newid is not after the stored ids (max $storemax, max acknowledged $maxid)"
read -r oldid oldkey < <(head -n 1 "$ACKED")
post_alert "$INT_KEY" "{\"summary\": \"again\", \"service\": \"kill9\", \"dedup_key\": \"$oldkey\"}"
expect_status 202
expect_json .id "$oldid"
expect_json .duplicate true
api_get "/api/v1/alerts/$oldid"
expect_json .count 2
expect_json .dedup_key "$oldkey"
http GET /readyz
expect_status 200
stop_pagerd
pass "the restarted daemon accepts (id $newid) and folds old keys (id $oldid)"

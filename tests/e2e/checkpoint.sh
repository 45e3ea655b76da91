# SPDX-License-Identifier: ISC
#
# checkpoint.sh: the SQLite store's WAL is checkpointed off the event
# loop and stays bounded (store-checkpoint.c).  THREADS clients post
# distinct alerts as fast as they can; meanwhile the checkpointing
# thread must run (pagerd_store_checkpoints_total{kind="passive"} counts
# up) and the -wal file, sampled all along, must stay within its bound
# (64 MB, and the TRUNCATE that enforces it is logged if it ever runs).
# Once the clients stop, a few more alerts must find the WAL reused from
# its start (pagerd_store_wal_frames falls below 1000).  Then pagerd is
# killed with SIGKILL and restarted: every alert answered 202 is there,
# checkpoints notwithstanding.
. "$E2E_LIB"

THREADS=4
MIN_ACKED=${MIN_ACKED:-3000}
CLIENT=$E2E_DIR/kill9-client.py
ACKED=$TEST_TMP/acked.txt
WAL=$STATE_DIR/pagerd.db-wal
MAXWAL=$TEST_TMP/maxwal
BOUND=$((72 * 1024 * 1024))	# 64 MB and the frames of one commit
: >"$ACKED"
echo 0 >"$MAXWAL"

write_config
start_pagerd

# metric NAME: its value in /metrics (NAME may carry labels), or 0.
metric() {
	curl -sf --max-time 5 -H "Authorization: Bearer $VIEWER_KEY" \
	    "http://127.0.0.1:$PORT/metrics" |
	    awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }'
}
sample_wal() {
	local sz
	sz=$(stat -c %s "$WAL" 2>/dev/null || echo 0)
	[ "$sz" -le "$(cat "$MAXWAL")" ] || echo "$sz" >"$MAXWAL"
}
busy_enough() {
	sample_wal
	[ "$(wc -l <"$ACKED")" -ge "$MIN_ACKED" ] &&
	    [ "$(metric 'pagerd_store_checkpoints_total{kind="passive"}')" -ge 3 ]
}
clients_gone() {
	! kill -0 "$client_pid" 2>/dev/null
}

rm -f "$TEST_TMP/stop"
"$PYTHON" "$CLIENT" post "$PORT" "$INT_KEY" "ck" "$THREADS" "$ACKED" \
    "$TEST_TMP/stop" >"$TEST_TMP/client.log" 2>&1 &
client_pid=$!
echo "$client_pid" >>"$TEST_TMP/.pids"
wait_until 120 "$MIN_ACKED alerts and 3 checkpoints off the loop" busy_enough
touch "$TEST_TMP/stop"
wait_until "$E2E_WAIT" "the posting clients to stop" clients_gone
wait "$client_pid" || { cat "$TEST_TMP/client.log"; fail "the posting clients reported errors"; }
sample_wal
note "$(wc -l <"$ACKED") alerts answered 202;" \
    "checkpoints: $(metric 'pagerd_store_checkpoints_total{kind="passive"}') passive," \
    "$(metric 'pagerd_store_checkpoints_total{kind="truncate"}') truncate;" \
    "largest -wal file $(cat "$MAXWAL") bytes;" \
    "longest COMMIT on the loop $(metric pagerd_store_commit_loop_max_seconds) s"
[ "$(cat "$MAXWAL")" -le "$BOUND" ] ||
    fail "the -wal file reached $(cat "$MAXWAL") bytes (bound $BOUND)"
[ "$(metric pagerd_store_commit_loop_seconds_count)" -gt 0 ] ||
    fail "pagerd_store_commit_loop_seconds counted no COMMIT"
pass "checkpoints ran off the loop; the -wal file stayed within $BOUND bytes"

# Quiet now: the thread copies what is left, and the next write starts
# the WAL again from its start.
n=0
wal_reused() {
	n=$((n + 1))
	post_alert "$INT_KEY" "{\"summary\": \"after the storm $n\", \"service\": \"ck\", \"dedup_key\": \"after-$n\"}"
	[ "$HTTP_STATUS" = 202 ] || fail "alert after the storm: status $HTTP_STATUS"
	[ "$(metric pagerd_store_wal_frames)" -lt 1000 ]
}
wait_until 60 "the WAL to be reused from its start" wal_reused
pass "the WAL was reused from its start after $n more alerts"

kill9_pagerd
start_pagerd
"$PYTHON" "$CLIENT" check "$PORT" "$VIEWER_KEY" "$ACKED" "$THREADS" ||
    fail "acknowledged alerts were lost"
stop_pagerd
pass "every alert answered 202 survived kill -9 after the checkpoints"

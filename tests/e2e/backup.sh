# SPDX-License-Identifier: ISC
#
# backup.sh: the backup and restore that pagerd(8) documents.  sqlite3's
# .backup copies the store while pagerd runs and alerts keep coming in
# (clients posting all along); the copy passes SQLite's integrity check
# and holds every alert answered 202 before the copy began.  Restored
# into a fresh state folder, the daemon starts on it, serves those alerts
# as they were (one acknowledged), folds a repeat of an old key into its
# alert, and gives new alerts ids after the old ones: an id people may
# still type in an SMS reply is never given twice.
. "$E2E_LIB"

need sqlite3
THREADS=4
CLIENT=$E2E_DIR/kill9-client.py
ACKED=$TEST_TMP/acked.txt
BACKUP=$TEST_TMP/backup.db
: >"$ACKED"

write_config
start_pagerd

post_alert "$INT_KEY" '{"summary": "before the backup", "service": "db",
    "dedup_key": "kept-1"}'
expect_status 202
kept=$(json_get .id)
http POST "/api/v1/alerts/$kept/ack" -H "Authorization: Bearer $RESPONDER_KEY"
expect_status 200

acked_some() {
	[ "$(wc -l <"$ACKED")" -ge 200 ]
}
clients_gone() {
	! kill -0 "$client_pid" 2>/dev/null
}
rm -f "$TEST_TMP/stop"
"$PYTHON" "$CLIENT" post "$PORT" "$INT_KEY" "bk" "$THREADS" "$ACKED" \
    "$TEST_TMP/stop" >"$TEST_TMP/client.log" 2>&1 &
client_pid=$!
echo "$client_pid" >>"$TEST_TMP/.pids"
wait_until 120 "200 alerts answered 202" acked_some

# The backup, while the clients post: what was answered before it began
# must be in it.
cp "$ACKED" "$TEST_TMP/acked-before"
sqlite3 "$STATE_DIR/pagerd.db" ".backup '$BACKUP'" ||
    fail "sqlite3 .backup failed while pagerd ran"
touch "$TEST_TMP/stop"
wait_until "$E2E_WAIT" "the posting clients to stop" clients_gone
wait "$client_pid" || { cat "$TEST_TMP/client.log"; fail "the clients failed"; }
stop_pagerd

expect_eq ok "$(sqlite3 "$BACKUP" 'PRAGMA integrity_check')" \
    "integrity of the backup"
before=$(wc -l <"$TEST_TMP/acked-before")
missing=0
while read -r id key; do
	n=$(sqlite3 "$BACKUP" "SELECT count(*) FROM alerts WHERE id = $id AND dedup_key = '$key'")
	[ "$n" = 1 ] || missing=$((missing + 1))
done <"$TEST_TMP/acked-before"
expect_eq 0 "$missing" "alerts answered 202 before the backup, not in it"
inbackup=$(sqlite3 "$BACKUP" "SELECT count(*) FROM alerts")
maxid=$(sqlite3 "$BACKUP" "SELECT max(id) FROM alerts")
pass "an online backup holds all $before alerts answered before it ($inbackup in all)"

# Restore, as pagerd(8) says: the daemon stopped, the store and its
# -wal and -shm files replaced by the copy.
rm -f "$STATE_DIR/pagerd.db" "$STATE_DIR/pagerd.db-wal" \
    "$STATE_DIR/pagerd.db-shm"
cp "$BACKUP" "$STATE_DIR/pagerd.db"
chmod 600 "$STATE_DIR/pagerd.db"
start_pagerd
api_get "/api/v1/alerts/$kept"
expect_status 200
expect_json .status acknowledged
expect_json .dedup_key kept-1
read -r oldid oldkey < <(head -n 1 "$TEST_TMP/acked-before")
post_alert "$INT_KEY" "{\"summary\": \"again\", \"service\": \"kill9\",
    \"dedup_key\": \"$oldkey\"}"
expect_status 202
expect_json .id "$oldid"
expect_json .duplicate true
post_alert "$INT_KEY" '{"summary": "after the restore", "service": "db"}'
expect_status 202
newid=$(json_get .id)
[ "$newid" -gt "$maxid" ] ||
    fail "new alert id $newid is not after the restored ids (max $maxid)"
stop_pagerd
pass "the restored store serves its alerts, folds old keys (id $oldid), and new ids follow (id $newid after $maxid)"

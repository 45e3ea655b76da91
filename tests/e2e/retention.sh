# SPDX-License-Identifier: ISC
#
# retention.sh: store.retention.  A store is seeded with 60 resolved
# alerts of 500 days ago (with audit events, pages, outbox rows and
# breaches), 6 older ones still open, and 3 recent ones.  pagerd with
# retention "0s" reports the old period's stats and /metrics' counters;
# restarted with the default retention (400 days), it removes the old
# resolved alerts in batches and logs it, and then: each of them answers
# 404 with nothing left of it in the store, the old open alerts and the
# recent ones stay, the old period's stats and the counters are exactly
# as before, and the audit log still refuses a delete.
. "$E2E_LIB"
need curl jq python3 sqlite3

write_config
cp "$CONFIG" "$TEST_TMP/base.conf"
keep_all() {
	cp "$TEST_TMP/base.conf" "$CONFIG"
	printf 'store = { retention = "%s"; };\n' "$1" >>"$CONFIG"
}
keep_all 0s
start_pagerd
stop_pagerd # the schema now exists

"$PYTHON" - "$STATE_DIR/pagerd.db" <<'PY'
import random, sqlite3, sys, time
random.seed(11)
db = sqlite3.connect(sys.argv[1])
MIN = 60000
now = int(time.time() * 1000)
T0 = now - 500 * 86400000
def alert(i, created, status):
    ack = created + random.randint(1, 30) * MIN
    res = ack + random.randint(5, 600) * MIN if status == "resolved" else None
    # an open alert has no SLA targets: nothing of it changes while the
    # test runs (no breach falls due at start)
    d = [created + x * MIN if res else None for x in (5, 15, 240)]
    breached = (1 if res and ack > d[0] else 0) | (4 if res and res > d[2] else 0)
    service = random.choice(["db", "web"])
    cur = db.execute("""INSERT INTO alerts (dedup_key, service, priority,
        summary, integration, status, stage, max_stage, count, created_ms,
        updated_ms, acknowledged_ms, first_response_ms, resolved_ms,
        sla_response_due_ms, sla_first_response_due_ms,
        sla_resolution_due_ms, sla_breached, policy, stage_started_ms)
        VALUES (?,?,?,?,?,?,1,?,?,?,?,?,?,?,?,?,?,?,'default',?)""",
        ("key-%d" % (i % 7), service, random.choice([1, 2, 3]),
         "problem %d" % (i % 7), random.choice(["helpdesk", "monitoring"]),
         status, random.choice([1, 2]), random.randint(1, 3), created,
         res or ack, ack, ack, res, d[0], d[1], d[2], breached, created))
    a = cur.lastrowid
    for c, clock in enumerate(("response", "first_response", "resolution")):
        if breached & (1 << c):
            db.execute("INSERT INTO breaches VALUES (?,?,?,?,?)",
                (a, clock, d[c], d[c] + 1000, ack if c == 0 else res))
    db.execute("INSERT INTO events (alert_id, at_ms, actor, kind, detail)"
        " VALUES (?,?,'e2e','triggered','{}')", (a, created))
    db.execute("INSERT INTO pages VALUES (?,?,?)", (a, "alice", created))
    for ch, state in (("chat", "sent"), ("sms", random.choice(
            ["sent", "failed", "cancelled"]))):
        db.execute("""INSERT INTO notifications (alert_id, person, channel,
            address, state, due_ms, created_ms, updated_ms)
            VALUES (?,?,?,?,?,?,?,?)""", (a, "alice", ch, "x", state,
            created, created, created))
    db.execute("INSERT INTO events (alert_id, at_ms, actor, kind, detail)"
        " VALUES (?,?,'e2e','ack','{}')", (a, ack))
    if res:
        db.execute("INSERT INTO events (alert_id, at_ms, actor, kind,"
            " detail) VALUES (?,?,'e2e','resolve','{}')", (a, res))
    return a
for i in range(60):
    alert(i, T0 + i * 37 * MIN, "resolved")
# old but open: kept, and outside the reported period
for i in range(6):
    alert(200 + i, T0 - 20 * 86400000 + i * MIN, "acknowledged")
for i in range(3):
    alert(100 + i, now - (3 - i) * 3600000, "resolved")
db.commit()
PY
ids() {
	sqlite3 "$STATE_DIR/pagerd.db" "SELECT id FROM alerts WHERE $1 ORDER BY id"
}
OLD_RESOLVED=$(ids "status = 'resolved' AND created_ms < $(($(date +%s) - 400 * 86400))000")
OLD_OPEN=$(ids "status != 'resolved'")
RECENT=$(ids "created_ms >= $(($(date +%s) - 86400))000")
[ "$(echo "$OLD_RESOLVED" | wc -l)" = 60 ] || fail "seeded $(echo "$OLD_RESOLVED" | wc -l) old resolved alerts, not 60"
[ "$(echo "$OLD_OPEN" | wc -l)" = 6 ] || fail "seeded $(echo "$OLD_OPEN" | wc -l) old open alerts, not 6"

FROM=$(date -u -d '@'$(($(date +%s) - 510 * 86400)) +%Y-%m-%dT%H:%M:%SZ)
TO=$(date -u -d '@'$(($(date +%s) - 450 * 86400)) +%Y-%m-%dT%H:%M:%SZ)
report() {
	api_get "/api/v1/stats?from=$FROM&to=$TO"
	expect_status 200
	printf '%s' "$HTTP_BODY" | jq -S 'del(.generated_at, .now)' >"$1.stats"
	api_get "/api/v1/stats?from=$FROM&to=$TO&service=web&priority=P1"
	expect_status 200
	printf '%s' "$HTTP_BODY" | jq -S 'del(.generated_at, .now)' >"$1.web"
	api_get /metrics
	expect_status 200
	printf '%s\n' "$HTTP_BODY" | grep -E '^pagerd_(pages|sla_breaches)_total' >"$1.metrics"
}

# 1. Everything kept ("0s"): the figures of the old period.
start_pagerd
report "$TEST_TMP/before"
expect_match '"alerts": 60' "$(cat "$TEST_TMP/before.stats")" "the old period's alerts"
stop_pagerd

# 2. The default retention: the old resolved alerts go, in batches.
cp "$TEST_TMP/base.conf" "$CONFIG"
start_pagerd
wait_until 60 "the retention's log line" \
    grep -q 'retention: removed 60 alert(s) resolved before' "$PAGERD_ERR"
pass "the default retention (400d) removed the 60 old resolved alerts and said so"

for id in $(echo "$OLD_RESOLVED" | head -n 5); do
	api_get "/api/v1/alerts/$id"
	expect_status 404 "GET of removed alert $id"
done
left=$(sqlite3 "$STATE_DIR/pagerd.db" "SELECT
    (SELECT count(*) FROM alerts WHERE id IN ($(echo $OLD_RESOLVED | tr ' ' ,)))
  + (SELECT count(*) FROM events WHERE alert_id IN ($(echo $OLD_RESOLVED | tr ' ' ,)))
  + (SELECT count(*) FROM notifications WHERE alert_id IN ($(echo $OLD_RESOLVED | tr ' ' ,)))
  + (SELECT count(*) FROM pages WHERE alert_id IN ($(echo $OLD_RESOLVED | tr ' ' ,)))
  + (SELECT count(*) FROM breaches WHERE alert_id IN ($(echo $OLD_RESOLVED | tr ' ' ,)))")
expect_eq 0 "$left" "rows left of the removed alerts"
for id in $OLD_OPEN $RECENT; do
	api_get "/api/v1/alerts/$id"
	expect_status 200 "GET of kept alert $id"
done
pass "removed alerts answer 404 and left nothing; old open and recent alerts stay"

report "$TEST_TMP/after"
for f in stats web metrics; do
	cmp -s "$TEST_TMP/before.$f" "$TEST_TMP/after.$f" || {
		diff -u "$TEST_TMP/before.$f" "$TEST_TMP/after.$f" | head -n 40
		fail "the $f report changed when the old alerts went"
	}
done
pass "the old period's stats and /metrics' counters are as before"

if sqlite3 "$STATE_DIR/pagerd.db" "DELETE FROM events" 2>"$TEST_TMP/del.err"; then
	fail "the audit log let a delete through"
fi
expect_match 'append-only' "$(cat "$TEST_TMP/del.err")" "the audit log's refusal"
pass "outside the retention the audit log still refuses deletes"
stop_pagerd

# SPDX-License-Identifier: ISC
#
# ha-fence.sh: two real daemons on one PostgreSQL (a throwaway cluster
# from tests/fake/pg.sh), pagerd(8) HIGH AVAILABILITY.  One leads, the
# other stands by (/healthz role).  The leader pages stage 1 of an
# alert and is stopped (SIGSTOP) past its lease, its stage 2 timer
# still armed; the standby takes the lease and pages stage 2 and 3.
# The old leader, woken (SIGCONT), stands down at once: it pages nobody
# (each node's pages go to its own console, its stdout: a page is seen
# by which node sent it), escalates nothing, says "standby", and takes
# intake as a standby (the leader pages what it took in) and passes an
# ack, a note and refusals to the leader and back (the commands table).  A clean stop
# of the leader lets the lease go: the standby leads long before the
# lease would have expired.
. "$E2E_LIB"
. "$E2E_DIR/ha-lib.sh"

PID_a=
PID_b=
ha_pg_start 'kill -CONT $PID_a $PID_b 2>/dev/null'

STEP=4
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; email = "alice@example.org"; },
	{ id = "bob"; name = "Bob"; email = "bob@example.org"; },
	{ id = "carol"; name = "Carol"; email = "carol@example.org"; }
);
PEOPLE

# node a's lease is 2s, node b's 6s
ha_conf() {
	local lease=2s
	[ "$1" = a ] || lease=6s
	cat >>"$2" <<CONF
store = { database = "$URI"; timeout = "2s"; };
ha = { lease = "$lease"; };
people = "$TEST_TMP/people.conf";
policies = (
	{
		name = "default";
		stages = (
			{ targets = [ "person:alice" ]; ack_within = "${STEP}s"; },
			{ targets = [ "person:bob" ]; ack_within = "${STEP}s"; },
			{ targets = [ "person:carol" ]; ack_within = "${STEP}s"; }
		);
	}
);
CONF
}

ha_node a
ha_node b

# 1. The first node leads, the second stands by.
start_node a
wait_until 30 "node a to lead" is_role a leader
start_node b
wait_until 10 "node b to say standby" is_role b standby
expect_eq standby "$(role b)" "node b's role"
expect_eq leader "$(role a)" "node a's role"
pass "one leader (a), one standby (b): /healthz role"

# 2. The leader pages stage 1, then stops past its lease.
PORT=$PORT_a
post_alert "$INT_KEY" '{"summary":"db down","service":"db","dedup_key":"f-1","priority":"P1"}'
expect_status 202
ID1=$(json_get .id)
wait_until 15 "node a's stage 1 page of alert $ID1" seen a 1 \
    "to alice: page, stage 1: alert #$ID1 "
kill -STOP "$PID_a"
stopped_at=$SECONDS
note "node a (pid $PID_a) stopped"
wait_until 30 "node b to lead" is_role b leader
note "node b leads after $((SECONDS - stopped_at))s"
EPOCH=$(sql "SELECT epoch FROM lease WHERE name = 'leader'")
HOLDER=$(sql "SELECT holder FROM lease WHERE name = 'leader'")
expect_match ":$PID_b:" "$HOLDER" "the lease's holder"
wait_until 30 "node b's stage 2 page of alert $ID1" seen b 1 \
    "to bob: escalated to stage 2 (not acknowledged in time): alert #$ID1 "
pass "node a stopped past its lease: b leads (epoch $EPOCH) and pages stage 2"

# 3. The old leader wakes: it stands down and pages nobody.
before=$(pages a)
[ "$before" -ge 1 ] || fail "no page of node a's counted before SIGCONT"
kill -CONT "$PID_a"
wait_until 30 "node a to say standby" is_role a standby
logged a "lease: standing down" || fail "node a did not log standing down"
# past the instant node a's own stage 2 and 3 timers were due, and b's
# stage 3: node a has had every chance to page
wait_until 30 "node b's stage 3 page of alert $ID1" seen b 1 \
    "to carol: escalated to stage 3 (not acknowledged in time): alert #$ID1 "
expect_eq "$before" "$(pages a)" "pages sent by node a after SIGCONT"
seen a 1 "alert #$ID1 .*stage 2" && fail "node a escalated alert $ID1"
expect_eq 3 "$(sql "SELECT stage FROM alerts WHERE id = $ID1")" \
    "alert $ID1's stage in the store"
for s in 2 3; do
	expect_eq 1 "$(sql "SELECT count(*) FROM events WHERE alert_id = $ID1
	    AND kind = 'stage' AND (detail::json->>'to')::int = $s")" \
	    "audit events of alert $ID1 reaching stage $s"
done
expect_eq "$EPOCH" "$(sql "SELECT epoch FROM lease WHERE name = 'leader'")" \
    "the lease's epoch (node a did not take it back)"
# each audit event a leader wrote carries its epoch: b's stages b's,
# and none of a's older epoch came after b's first
expect_eq 2 "$(sql "SELECT count(*) FROM events WHERE alert_id = $ID1
    AND kind = 'stage' AND epoch = $EPOCH")" \
    "alert $ID1's stage events at node b's epoch"
expect_eq 0 "$(sql "SELECT count(*) FROM events WHERE epoch < $EPOCH AND
    at_ms > (SELECT min(at_ms) FROM events WHERE epoch = $EPOCH)")" \
    "events of an older epoch written after node b's first"
[ "$(sql "SELECT count(*) FROM events WHERE epoch < $EPOCH")" -ge 1 ] ||
    fail "no event carries node a's epoch"
PORT=$PORT_a
api_get /metrics
expect_match 'pagerd_leader 0' "$HTTP_BODY" "node a's pagerd_leader"
expect_match 'pagerd_lease_changes_total 2' "$HTTP_BODY" \
    "node a's lease changes (led, stood down)"
PORT=$PORT_b
api_get /metrics
expect_match 'pagerd_leader 1' "$HTTP_BODY" "node b's pagerd_leader"
pass "node a, woken, stood down: no page, no escalation, role standby"

# 4. The standby takes intake; the leader pages it.
PORT=$PORT_a
post_alert "$INT_KEY" '{"summary":"disk full","service":"db","dedup_key":"f-2","priority":"P1"}'
expect_status 202
ID2=$(json_get .id)
wait_until 15 "node b's stage 1 page of alert $ID2 (taken in by a)" seen b 1 \
    "to alice: page, stage 1: alert #$ID2 "
seen a 1 "alert #$ID2 " && fail "standby a paged alert $ID2"
pass "standby a took in alert $ID2; leader b paged it"

# 4a. What is asked of an alert at a standby is written for the leader
# (the commands table), carried out by it, and answered with its
# result: an ack, a note, a second ack (409), an unknown alert (404).
act_a() {
	PORT=$PORT_a
	printf '%s' "${3-}" >"$TEST_TMP/http.request"
	http POST "/api/v1/alerts/$1/$2" -H "Authorization: Bearer $RESPONDER_KEY" \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$TEST_TMP/http.request"
}
act_a "$ID2" ack '{"on_behalf_of":"alice"}'
expect_status 200 "an ack at standby a"
expect_json .status acknowledged
expect_eq acknowledged "$(sql "SELECT status FROM alerts WHERE id = $ID2")" \
    "alert $ID2's status after an ack at the standby"
expect_eq "alice" "$(sql "SELECT detail::json->>'on_behalf_of' FROM events
    WHERE alert_id = $ID2 AND kind = 'ack'")" "the ack's audit event"
act_a "$ID2" notes '{"text":"on it, from a standby"}'
expect_status 200 "a note at standby a"
expect_eq 1 "$(sql "SELECT count(*) FROM events WHERE alert_id = $ID2
    AND kind = 'note' AND detail::json->>'text' = 'on it, from a standby'")" \
    "the note in the audit log, once"
act_a "$ID2" ack
expect_status 409 "a second ack at standby a"
act_a 999999 ack
expect_status 404 "an ack of no alert at standby a"
expect_eq "0 4" "$(sql "SELECT count(*) FILTER (WHERE done_ms IS NULL),
    count(*) FROM commands" | tr '|' ' ')" "commands pending, written"
seen a 1 "alert #$ID2 .*acknowledged" && fail "standby a told of the ack itself"
pass "at standby a: ack 200, note 200, ack again 409, no alert 404; done by b"

# 4b. A silence holds what a standby took in: the leader starts it
# held, and nobody is paged for it.
PORT=$PORT_b
END=$(date -u -d "@$(($(date +%s) + 3600))" +%Y-%m-%dT%H:%M:%SZ)
printf '%s' "{\"matchers\":{\"service\":\"quiet\"},\"ends_at\":\"$END\",\"comment\":\"ha\"}" \
    >"$TEST_TMP/http.request"
http POST /api/v1/silences -H "Authorization: Bearer $RESPONDER_KEY" \
    -H 'Content-Type: application/json' --data-binary @"$TEST_TMP/http.request"
expect_status 201
PORT=$PORT_a
post_alert "$INT_KEY" '{"summary":"hush","service":"quiet","dedup_key":"f-3","priority":"P1"}'
expect_status 202
ID3=$(json_get .id)
post_alert "$INT_KEY" '{"summary":"loud","service":"db","dedup_key":"f-4","priority":"P1"}'
expect_status 202
ID4=$(json_get .id)
held() {
	[ "$(sql "SELECT count(*) FROM alert_silences WHERE alert_id = $ID3")" = 1 ]
}
wait_until 15 "alert $ID3 held by the silence" held
wait_until 15 "node b's stage 1 page of alert $ID4" seen b 1 \
    "to alice: page, stage 1: alert #$ID4 "
seen b 1 "alert #$ID3 " && fail "silenced alert $ID3 was paged by b"
seen a 1 "alert #$ID3 " && fail "silenced alert $ID3 was paged by a"
expect_eq 1 "$(sql "SELECT count(*) FROM events WHERE alert_id = $ID3
    AND kind = 'silenced'")" "silenced events of alert $ID3"
pass "alert $ID3, taken in by standby a, is held by b's silence, not paged"

# 5. A clean stop lets the lease go: a leads at once (b's lease is 6s,
# renewed every 2s: it would expire 4s after the stop at the soonest).
PAGERD_PID=$PID_b
PORT=$PORT_b
kill -TERM "$PID_b"
t0=$(date +%s%N)
wait_until 10 "node a to lead after b's clean stop" is_role a leader
ms=$((($(date +%s%N) - t0) / 1000000))
note "node a leads ${ms} ms after node b's SIGTERM"
wait_until "$E2E_WAIT" "node b to exit" pagerd_gone
wait "$PID_b" || fail "node b exited with an error"
logged b "lease: let go" || fail "node b did not let the lease go"
[ "$ms" -lt 4000 ] || fail "node a took ${ms} ms to lead after b let go"
pass "b stopped cleanly, let the lease go; a led in ${ms} ms"

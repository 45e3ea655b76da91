# SPDX-License-Identifier: ISC
#
# ha-failover.sh: three real daemons on one PostgreSQL (a throwaway
# cluster from tests/fake/pg.sh), pagerd(8) HIGH AVAILABILITY.  A client
# posts alerts round-robin to all three while the leader is killed
# (kill -9) at a random moment, again and again (KILLS times, at least
# 10), and restarted as a standby.  Each time another node leads within
# 5 s (/healthz role).  At the end: every alert any node answered 202
# is in the store; every alert (none is acknowledged) reached its last
# stage, each stage exactly once in the audit and in order (none
# skipped), each stage paged by some node (at least once: a page in
# flight at a kill may be sent again), late by at most the failover.
. "$E2E_LIB"
. "$E2E_DIR/ha-lib.sh"

KILLS=${HA_KILLS:-10}
[ "$KILLS" -ge 10 ] || KILLS=10
STEP=6		# ack_within of stages 1 and 2, seconds
FAILOVER=5	# the most a failover may take, seconds

ha_pg_start 'touch "$TEST_TMP/stop"'
HA_ROLE_WAIT=2

cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; email = "alice@example.org"; },
	{ id = "bob"; name = "Bob"; email = "bob@example.org"; },
	{ id = "carol"; name = "Carol"; email = "carol@example.org"; }
);
PEOPLE

NODES="a b c"
ha_conf() {
	cat >>"$2" <<CONF
store = { database = "$URI"; timeout = "2s"; };
ha = { lease = "2s"; };
people = "$TEST_TMP/people.conf";
policies = (
	{
		name = "default";
		stages = (
			{ targets = [ "person:alice" ]; ack_within = "${STEP}s"; },
			{ targets = [ "person:bob" ]; ack_within = "${STEP}s"; },
			{ targets = [ "person:carol" ]; ack_within = "1h"; }
		);
	}
);
CONF
}

for n in $NODES; do
	ha_node "$n"
done
for n in $NODES; do
	start_node "$n"
done
wait_until 30 "a leader among a, b, c" has_leader
pass "three nodes, one leader ($LEADER)"

# The client: round-robin over the three ports, one alert at a time,
# each id answered 202 written to acked.txt; anything else (a node
# killed, a 503) moves on to the next node.
ACKED=$TEST_TMP/acked.txt
: >"$ACKED"
rm -f "$TEST_TMP/stop"
"$PYTHON" - "$ACKED" "$TEST_TMP/stop" "$INT_KEY" "$PORT_a" "$PORT_b" \
    "$PORT_c" >"$TEST_TMP/client.log" 2>&1 <<'PY' &
import http.client, json, os, sys, time
acked, stop, key = sys.argv[1:4]
ports = [int(p) for p in sys.argv[4:]]
i = n = refused = 0
with open(acked, "a") as out:
    while not os.path.exists(stop):
        port = ports[i % len(ports)]
        i += 1
        body = json.dumps({"summary": "failover %d" % i, "service": "db",
            "dedup_key": "ha-%d" % i, "priority": "P1"})
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("POST", "/api/v1/alerts", body, {"Authorization":
                "Bearer " + key, "Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            c.close()
        except (OSError, http.client.HTTPException):
            refused += 1
            continue
        if r.status == 202:
            out.write("%d\n" % json.loads(data)["id"])
            out.flush()
            n += 1
        else:
            refused += 1
        time.sleep(0.05)
print("client: %d answered 202, %d not" % (n, refused))
PY
client_pid=$!
echo "$client_pid" >>"$TEST_TMP/.pids"

nacked() {
	wc -l <"$ACKED"
}
some_acked() {
	[ "$(nacked)" -ge "$1" ]
}
wait_until 60 "the first alerts answered 202" some_acked 10

# Kill the leader at a random moment, KILLS times.
worst=0
k=0
while [ $k -lt $KILLS ]; do
	k=$((k + 1))
	wait_until 30 "a leader before kill $k" has_leader
	old=$LEADER
	# a random moment: 0.5 to 3 s from now
	sleep "$(awk -v r="$(od -An -N2 -tu2 /dev/urandom)" \
	    'BEGIN { printf "%.2f", 0.5 + (r % 250) / 100 }')"
	kill -KILL "$(eval echo "\$PID_$old")"
	t0=$(date +%s%N)
	wait "$(eval echo "\$PID_$old")" 2>/dev/null
	new_leader() {
		has_leader && [ "$LEADER" != "$old" ]
	}
	wait_until 30 "a new leader after kill $k" new_leader
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "kill $k: $old killed, $LEADER leads after $ms ms ($(nacked) acked)"
	[ $ms -gt $worst ] && worst=$ms
	[ $ms -le $((FAILOVER * 1000)) ] ||
	    fail "kill $k: $LEADER led only after $ms ms (more than ${FAILOVER}s)"
	start_node "$old"
done
touch "$TEST_TMP/stop"
clients_gone() {
	! kill -0 "$client_pid" 2>/dev/null
}
wait_until 60 "the client to stop" clients_gone
wait "$client_pid" || { cat "$TEST_TMP/client.log"; fail "the client failed"; }
cat "$TEST_TMP/client.log"
N=$(nacked)
pass "$KILLS kills of the leader: a new leader each time, at worst after $worst ms"

# Every 202 is in the store.
sort -n "$ACKED" | uniq >"$TEST_TMP/ids.txt"
expect_eq "$N" "$(wc -l <"$TEST_TMP/ids.txt")" "distinct ids answered 202"
ids=$(paste -sd, "$TEST_TMP/ids.txt")
expect_eq "$N" "$(sql "SELECT count(*) FROM alerts WHERE id IN ($ids)")" \
    "alerts answered 202 found in the store"
pass "all $N alerts answered 202 are in the store"

# Every alert reaches stage 3: its stages fire although leaders died.
all_at_3() {
	[ "$(sql "SELECT count(*) FROM alerts WHERE id IN ($ids) AND
	    (stage IS NULL OR stage < 3 OR stage_started_ms IS NULL)")" = 0 ]
}
wait_until $((3 * STEP + 60)) "every alert to reach stage 3" all_at_3

# Each stage exactly once in the audit, in order: none skipped, none
# twice (two leaders never decided the same step).
bad=$(sql "SELECT a.id FROM alerts a WHERE a.id IN ($ids) AND
    (SELECT count(*) FROM events e WHERE e.alert_id = a.id AND
      e.kind = 'stage' AND (e.detail::json->>'to')::int = 2 AND
      (e.detail::json->>'from')::int = 1) <> 1 OR
    (SELECT count(*) FROM events e WHERE e.alert_id = a.id AND
      e.kind = 'stage' AND (e.detail::json->>'to')::int = 3 AND
      (e.detail::json->>'from')::int = 2) <> 1 OR
    (SELECT count(*) FROM events e WHERE e.alert_id = a.id AND
      e.kind = 'stage') <> 2 LIMIT 5")
[ -z "$bad" ] || fail "alerts whose stages are not 1, 2, 3 once each: $bad"
pass "every alert went through stages 2 and 3, once each, in order"

# Each stage was paged by some node (at least once).
cat "$TEST_TMP"/pagerd.*.out >"$TEST_TMP/pages.txt"
for s in 1 2 3; do
	case $s in
	1) pat='to alice: page, stage 1: alert #\([0-9]*\) .*' ;;
	2) pat='to bob: escalated to stage 2 (not acknowledged in time): alert #\([0-9]*\) .*' ;;
	3) pat='to carol: escalated to stage 3 (not acknowledged in time): alert #\([0-9]*\) .*' ;;
	esac
	sed -n "s/^.*$pat\$/\\1/p" "$TEST_TMP/pages.txt" | sort -n | uniq \
	    >"$TEST_TMP/paged-$s.txt"
	missing=$(comm -23 "$TEST_TMP/ids.txt" "$TEST_TMP/paged-$s.txt" |
	    head -5 | paste -sd' ')
	[ -z "$missing" ] || fail "stage $s never paged for alerts: $missing"
done
repeats=$(sed -n 's/^.*to bob: escalated to stage 2 (not acknowledged in time): alert #\([0-9]*\) .*$/\1/p' \
    "$TEST_TMP/pages.txt" | sort | uniq -d | wc -l)
note "stage 2 pages sent more than once (at least once across a kill): $repeats"
pass "stages 1, 2 and 3 were paged for every alert"

# Late by at most the failover: each step against its due instant.
late=$(sql "SELECT coalesce(max(greatest(s2.at_ms - a.created_ms,
    s3.at_ms - s2.at_ms)) - $STEP * 1000, 0) FROM alerts a
    JOIN events s2 ON s2.alert_id = a.id AND s2.kind = 'stage' AND
      (s2.detail::json->>'to')::int = 2
    JOIN events s3 ON s3.alert_id = a.id AND s3.kind = 'stage' AND
      (s3.detail::json->>'to')::int = 3
    WHERE a.id IN ($ids)")
note "the latest stage was $late ms after its due instant"
[ "$late" -le $(((FAILOVER + 2) * 1000)) ] ||
    fail "a stage fired $late ms late (more than the failover and 2 s)"
pass "no stage later than the failover time ($late ms at worst)"

# SPDX-License-Identifier: ISC
#
# ha-dbrestart.sh: two real daemons on one PostgreSQL (ha-lib.sh), and
# the database restarts (pg_ctl stop, then start) under a stream of
# alerts posted round-robin to both, pagerd(8) HIGH AVAILABILITY.
# While it is down both nodes answer intake 503 with Retry-After, never
# 202; once it is back both answer 202 again within seconds, without a
# restart, and exactly one node leads.  Every alert any node answered
# 202 is in the store, and every one (none is acknowledged) escalates
# to stage 2 and is paged there: escalations carry on across the
# restart.
. "$E2E_LIB"
. "$E2E_DIR/ha-lib.sh"

STEP=5	# stage 1's ack_within, seconds
ha_pg_start 'touch "$TEST_TMP/stop"'
NODES="a b"

cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; email = "alice@example.org"; },
	{ id = "bob"; name = "Bob"; email = "bob@example.org"; }
);
PEOPLE
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
			{ targets = [ "person:bob" ]; ack_within = "1h"; }
		);
	}
);
CONF
}
ha_node a
ha_node b
start_node a
wait_until 30 "node a to lead" is_role a leader
start_node b
wait_until 10 "node b to say standby" is_role b standby
pass "two nodes, one leader"

# The client: round-robin over both ports, one alert at a time; each
# reply a line "port status id-or-retry-after" in replies.txt.
REPLIES=$TEST_TMP/replies.txt
: >"$REPLIES"
rm -f "$TEST_TMP/stop"
"$PYTHON" - "$REPLIES" "$TEST_TMP/stop" "$INT_KEY" "$PORT_a" "$PORT_b" \
    >"$TEST_TMP/client.log" 2>&1 <<'PY' &
import http.client, json, os, sys, time
out, stop, key = sys.argv[1:4]
ports = [int(p) for p in sys.argv[4:]]
i = 0
with open(out, "a") as f:
    while not os.path.exists(stop):
        port = ports[i % len(ports)]
        i += 1
        body = json.dumps({"summary": "db restart %d" % i, "service": "db",
            "dedup_key": "dbr-%d" % i})
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            c.request("POST", "/api/v1/alerts", body, {"Authorization":
                "Bearer " + key, "Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            c.close()
        except (OSError, http.client.HTTPException) as e:
            f.write("%d err %s\n" % (port, type(e).__name__))
            f.flush()
            time.sleep(0.05)
            continue
        if r.status == 202:
            what = str(json.loads(data)["id"])
        elif r.status == 503:
            what = r.getheader("Retry-After") or "none"
        else:
            what = "-"
        f.write("%d %d %s\n" % (port, r.status, what))
        f.flush()
        time.sleep(0.02)
PY
client_pid=$!
echo "$client_pid" >>"$TEST_TMP/.pids"

count() { # STATUS [PORT]
	awk -v s="$1" -v p="${2:-}" '$2 == s && (p == "" || $1 == p)' \
	    "$REPLIES" | wc -l
}
at_least() {
	[ "$(count "$1" "${3:-}")" -ge "$2" ]
}
wait_until 60 "40 alerts answered 202" at_least 202 40

# 1. Down: both nodes answer 503 with Retry-After.
pg_stop
note "PostgreSQL stopped after $(count 202) alerts answered 202"
for n in a b; do
	p=$(eval echo "\$PORT_$n")
	wait_until 30 "node $n to answer 503" at_least 503 $(($(count 503 "$p") + 3)) "$p"
done
pass "while PostgreSQL is down both nodes answer intake 503"

# 2. Back: both answer 202 again, and exactly one leads.
pg_start
up=$SECONDS
for n in a b; do
	p=$(eval echo "\$PORT_$n")
	wait_until 20 "node $n to answer 202 again" at_least 202 $(($(count 202 "$p") + 5)) "$p"
done
note "both nodes answered 202 again $((SECONDS - up))s after PostgreSQL was back"
wait_until 20 "one leader" has_leader
note "node $LEADER leads"
for n in a b; do
	kill -0 "$(eval echo "\$PID_$n")" || fail "node $n died"
done
pass "both nodes resume, without a restart, and one leads ($LEADER)"

wait_until 60 "20 more alerts answered 202" at_least 202 $(($(count 202) + 20))
touch "$TEST_TMP/stop"
client_gone() {
	! kill -0 "$client_pid" 2>/dev/null
}
wait_until "$E2E_WAIT" "the client to stop" client_gone
wait "$client_pid" || { cat "$TEST_TMP/client.log"; fail "the client failed"; }

# 3. Nothing but 202 and 503 (or a refused connection); each 503 says
# when to retry; every 202 is in the store.
other=$(awk '$2 != 202 && $2 != 503 && $2 != "err"' "$REPLIES" | wc -l)
[ "$other" -eq 0 ] || { awk '$2 != 202 && $2 != 503 && $2 != "err"' \
    "$REPLIES" | head; fail "$other replies were neither 202 nor 503"; }
expect_eq 0 "$(awk '$2 == 503 && $3 !~ /^[0-9]+$/' "$REPLIES" | wc -l)" \
    "503 replies without Retry-After"
awk '$2 == 202 { print $3 }' "$REPLIES" | sort -n | uniq >"$TEST_TMP/ids.txt"
N=$(wc -l <"$TEST_TMP/ids.txt")
ids=$(paste -sd, "$TEST_TMP/ids.txt")
expect_eq "$N" "$(sql "SELECT count(*) FROM alerts WHERE id IN ($ids)")" \
    "alerts answered 202 found in the store"
note "$N answered 202, $(count 503) answered 503, $(count err) connection errors"
pass "none of the $N alerts answered 202 is lost; every 503 had Retry-After"

# 4. Every alert escalates to stage 2, once, and bob is paged for it.
all_at_2() {
	[ "$(sql "SELECT count(*) FROM alerts WHERE id IN ($ids) AND
	    (stage IS NULL OR stage < 2 OR stage_started_ms IS NULL)")" = 0 ]
}
wait_until $((STEP + 60)) "every alert to reach stage 2" all_at_2
bad=$(sql "SELECT a.id FROM alerts a WHERE a.id IN ($ids) AND
    (SELECT count(*) FROM events e WHERE e.alert_id = a.id AND
      e.kind = 'stage') <> 1 LIMIT 5")
[ -z "$bad" ] || fail "alerts not escalated exactly once: $bad"
paged2() {
	cat "$TEST_TMP"/pagerd.*.out |
	    sed -n 's/^.*to bob: escalated to stage 2 (not acknowledged in time): alert #\([0-9]*\) .*$/\1/p' |
	    sort -n | uniq >"$TEST_TMP/paged-2.txt"
	[ -z "$(comm -23 "$TEST_TMP/ids.txt" "$TEST_TMP/paged-2.txt" | head -1)" ]
}
wait_until 30 "bob to be paged for every alert's stage 2" paged2
pass "every alert escalated to stage 2 once and was paged there"

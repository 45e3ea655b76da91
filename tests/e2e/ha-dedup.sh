# SPDX-License-Identifier: ISC
#
# ha-dedup.sh: two pagerd nodes on one PostgreSQL (a throwaway cluster
# from tests/fake/pg.sh) take the same dedup_key at the same moment,
# 1,000 times, a fresh key each round: each round makes exactly one
# alert, both posts are answered 202 with its id (one new, one a
# duplicate), and the store holds nothing else.  The one policy pages
# person:nobody, so neither node pages anyone (which node drives is
# issue 15's lease, not this test's).
. "$E2E_LIB"
. "$E2E_DIR/ha-lib.sh"

ROUNDS=${HA_DEDUP_ROUNDS:-1000}

ha_pg_start

# Node A, then node B: each its own port, state folder and config.
store_conf="store = { database = \"$URI\"; timeout = \"5s\"; };
policies = ( { name = \"nobody\"; stages = (
	{ targets = [ \"person:nobody\" ]; ack_within = \"1d\"; } ); } );"
write_config
echo "$store_conf" >>"$CONFIG"
start_pagerd
PID_A=$PAGERD_PID
PORT_A=$PORT

PORT=$(free_port)
STATE_DIR=$TEST_TMP/state-b
CONFIG_B=$TEST_TMP/pagerd-b.conf
write_config "$CONFIG_B"
echo "$store_conf" >>"$CONFIG_B"
PAGERD_PID=
start_pagerd "$CONFIG_B"
PORT_B=$PORT
note "node A: pid $PID_A port $PORT_A; node B: pid $PAGERD_PID port $PORT_B"

# Each round: one thread per node, released together, posting the
# round's key; one line per round: "key idA dupA idB dupB" (status
# other than 202: the round fails at once).
"$PYTHON" - "$PORT_A" "$PORT_B" "$INT_KEY" "$ROUNDS" \
    >"$TEST_TMP/rounds.txt" 2>"$TEST_TMP/rounds.err" <<'PY' ||
import http.client, json, sys, threading

port_a, port_b, key, rounds = sys.argv[1], sys.argv[2], sys.argv[3], \
    int(sys.argv[4])
conns = [http.client.HTTPConnection("127.0.0.1", int(p), timeout=30)
         for p in (port_a, port_b)]
barrier = threading.Barrier(2)
out = [None, None]

def post(i, k):
    body = json.dumps({"summary": "race " + k, "service": "race",
                       "dedup_key": k, "priority": "P3"})
    barrier.wait()
    c = conns[i]
    c.request("POST", "/api/v1/alerts", body, {
        "Authorization": "Bearer " + key,
        "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    out[i] = (r.status, data)

for n in range(rounds):
    k = "race-%d" % n
    ts = [threading.Thread(target=post, args=(i, k)) for i in (0, 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    line = [k]
    for st, data in out:
        if st != 202:
            sys.exit("round %d: status %d: %s" % (n, st, data[:200]))
        j = json.loads(data)
        line += [str(j["id"]), "1" if j["duplicate"] else "0"]
    print(" ".join(line))
PY
    { cat "$TEST_TMP/rounds.err"; fail "a post was not answered 202"; }

expect_eq "$ROUNDS" "$(wc -l <"$TEST_TMP/rounds.txt")" "rounds posted"
# Both answers name the same alert, exactly one of them new.
bad=$(awk '$2 != $4 || $3 + $5 != 1' "$TEST_TMP/rounds.txt" | head -n 3)
[ -z "$bad" ] || fail "rounds with two alerts or two new ones: $bad"
nids=$(cut -d' ' -f2 "$TEST_TMP/rounds.txt" | sort -u | wc -l)
expect_eq "$ROUNDS" "$nids" "distinct alert ids over the rounds"
# Which node made the alert varies: both must have won some rounds.
wins_b=$(awk '$3 == 1' "$TEST_TMP/rounds.txt" | wc -l)
note "node B's post was the duplicate in $wins_b of $ROUNDS rounds"
pass "$ROUNDS rounds: both posts 202 with one alert id, one new each round"

expect_eq "$ROUNDS" "$(sql "SELECT count(*) FROM alerts")" \
    "alerts in PostgreSQL"
expect_eq "$ROUNDS" "$(sql "SELECT count(DISTINCT dedup_key) FROM alerts
    WHERE service = 'race'")" "distinct dedup keys in PostgreSQL"
expect_eq 0 "$(sql "SELECT count(*) FROM alerts WHERE count <> 2")" \
    "alerts not counted twice"
cut -d' ' -f2 "$TEST_TMP/rounds.txt" | sort -n >"$TEST_TMP/answered.ids"
sql "SELECT id FROM alerts ORDER BY id" | sort -n >"$TEST_TMP/stored.ids"
cmp -s "$TEST_TMP/answered.ids" "$TEST_TMP/stored.ids" ||
    fail "the stored ids are not the ids answered"
pass "PostgreSQL holds exactly the $ROUNDS alerts, each counted twice"

# Neither node paged (no policy), and both stop cleanly.
grep -h -- ': page, stage' "$TEST_TMP"/pagerd.*.out | head -n 3 | grep . &&
    fail "a node paged"
stop_pagerd
PAGERD_PID=$PID_A
PORT=$PORT_A
stop_pagerd
pass "no page, both nodes stop cleanly"

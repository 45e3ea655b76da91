# SPDX-License-Identifier: ISC
#
# pg-dbrestart.sh: PostgreSQL stops and starts again (pg_ctl) under a
# stream of posts to the daemon running on it.  While it is down,
# intake answers 503 with Retry-After (never 202), /healthz says the
# store is unreachable and /metrics has pagerd_store_up 0; once it is
# back, intake answers 202 again within a few seconds, without a
# restart of pagerd; every alert answered 202, before, during or after,
# is in the database.
. "$E2E_LIB"
. "$E2E_DIR/ha-lib.sh"

ha_pg_start

write_config
cat >>"$CONFIG" <<CONF
store = "postgresql://pagerd@/pagerd?host=$pgdir&port=$pgport";
CONF
start_pagerd

# The stream: THREADS clients post distinct alerts until TEST_TMP/stop;
# each reply is a line "epoch_ms status id-or-retry-after dedup_key".
THREADS=4
REPLIES=$TEST_TMP/replies.txt
: >"$REPLIES"
rm -f "$TEST_TMP/stop"
"$PYTHON" - "$PORT" "$INT_KEY" "$THREADS" "$REPLIES" "$TEST_TMP/stop" \
    >"$TEST_TMP/client.log" 2>&1 <<'PY' &
import http.client, json, os, sys, threading, time
port, key, nthreads, out, stop = (int(sys.argv[1]), sys.argv[2],
    int(sys.argv[3]), sys.argv[4], sys.argv[5])
lock = threading.Lock()
f = open(out, "a")
def worker(t):
    conn, n = None, 0
    while not os.path.exists(stop):
        n += 1
        dk = "dbr-t%d-%d" % (t, n)
        body = json.dumps({"summary": "db restart %s" % dk,
                           "dedup_key": dk, "service": "dbrestart"})
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port,
                                                  timeout=20)
            conn.request("POST", "/api/v1/alerts", body, {
                "Authorization": "Bearer " + key,
                "Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            if conn is not None:
                conn.close()
            conn = None
            with lock:
                f.write("%d err %s %s\n" % (time.time() * 1000,
                        type(e).__name__, dk))
                f.flush()
            time.sleep(0.05)
            continue
        if r.status == 202:
            what = str(json.loads(data)["id"])
        elif r.status == 503:
            what = r.getheader("Retry-After") or "none"
            time.sleep(0.05)
        else:
            what = "-"
        with lock:
            f.write("%d %d %s %s\n" % (time.time() * 1000, r.status, what,
                    dk))
            f.flush()
for th in [threading.Thread(target=worker, args=(t,))
           for t in range(nthreads)]:
    th.start()
PY
client_pid=$!
echo "$client_pid" >>"$TEST_TMP/.pids"

count() {
	awk -v s="$1" '$2 == s' "$REPLIES" | wc -l
}
at_least() {
	[ "$(count "$1")" -ge "$2" ]
}
store_is() {
	curl -sf --max-time 5 "http://127.0.0.1:$PORT/healthz" |
	    jq -e --arg s "$1" '.store == $s' >/dev/null
}
wait_until 60 "50 alerts answered 202" at_least 202 50
before=$(count 202)

# 1. Down: 503 with Retry-After, /healthz and /metrics say so.
pg_stop
note "PostgreSQL stopped after $before alerts answered 202"
wait_until 20 "/healthz to say the store is unreachable" store_is unreachable
n503=$(count 503)
wait_until 20 "intake to answer 503" at_least 503 $((n503 + 5))
http GET /metrics -H "Authorization: Bearer $VIEWER_KEY"
expect_match 'pagerd_store_up 0' "$HTTP_BODY" "pagerd_store_up while down"
expect_match 'pagerd_store_errors_total [1-9]' "$HTTP_BODY" \
    "pagerd_store_errors_total while down"
pass "while PostgreSQL is down intake answers 503, /healthz and /metrics say so"

# 2. Back: 202 again within a few seconds, no restart of pagerd.
n202=$(count 202)
pg_start
up=$SECONDS
wait_until 10 "intake to answer 202 again" at_least 202 $((n202 + 20))
note "intake answered 202 again $((SECONDS - up))s after PostgreSQL was back"
wait_until 10 "/healthz to say the store is ok" store_is ok
http GET /metrics -H "Authorization: Bearer $VIEWER_KEY"
expect_match 'pagerd_store_up 1' "$HTTP_BODY" "pagerd_store_up once back"
pass "intake carries on once PostgreSQL is back, pagerd still the same process"

touch "$TEST_TMP/stop"
client_gone() {
	! kill -0 "$client_pid" 2>/dev/null
}
wait_until "$E2E_WAIT" "the posting clients to stop" client_gone
pagerd_alive || fail "pagerd died"

# 3. Nothing else was answered; every 503 said when to retry; every 202
# is in the database.
other=$(awk '$2 != 202 && $2 != 503 && $2 != "err"' "$REPLIES" | wc -l)
[ "$other" -eq 0 ] || { awk '$2 != 202 && $2 != 503 && $2 != "err"' \
    "$REPLIES" | head; fail "$other replies were neither 202 nor 503"; }
expect_eq 0 "$(awk '$2 == 503 && $3 !~ /^[0-9]+$/' "$REPLIES" | wc -l)" \
    "503 replies without Retry-After"
awk '$2 == 202 { print $3 }' "$REPLIES" | sort -n >"$TEST_TMP/acked.ids"
sql "SELECT id FROM alerts WHERE service = 'dbrestart' ORDER BY id" |
    sort -n >"$TEST_TMP/stored.ids"
n=$(wc -l <"$TEST_TMP/acked.ids")
missing=$(comm -23 "$TEST_TMP/acked.ids" "$TEST_TMP/stored.ids" | wc -l)
expect_eq 0 "$missing" "alerts answered 202 but not in PostgreSQL"
note "$n answered 202, $(count 503) answered 503, $(count err) connection errors"
lines=$(grep -c 'cannot reach PostgreSQL' "$PAGERD_ERR")
[ "$lines" -le 40 ] || fail "$lines log lines about the lost database"
stop_pagerd
pass "none of the $n alerts answered 202 is lost; every 503 had Retry-After"

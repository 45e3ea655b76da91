# SPDX-License-Identifier: ISC
# chan-faults.sh: providers that misbehave: refusing connections,
# answering 500, answering 429 with Retry-After, and hanging past the
# timeout.  Retries follow the backoff, then the person's next channel
# is paged at once; every attempt is recorded; and a 100 ms timer keeps
# ticking on time all along (nothing blocks the loop).
. "$E2E_LIB"

SEND_PAGE=$top_builddir/tests/fake/send-page
[ -x "$SEND_PAGE" ] || fail "$SEND_PAGE is missing (make check builds it)"
"$PYTHON" "$top_srcdir/tests/fake/chat-sink.py" "$TEST_TMP/port" \
    "$TEST_TMP/chat.jsonl" >"$TEST_TMP/sink.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
wait_until 20 "the receiver" test -s "$TEST_TMP/port"
P=$(cat "$TEST_TMP/port")
DEAD=$(free_port) # nothing listens there
cat >"$TEST_TMP/chan.conf" <<CONF
state_dir = "$TEST_TMP/state";
user = "root";	# the tests run as root, see pagerd.conf(5)
channels = (
  { name = "refused"; driver = "webhook-chat"; url = "http://127.0.0.1:$DEAD/";
    max_attempts = 3; backoff = "200ms"; },
  { name = "err500"; driver = "webhook-chat"; url = "http://127.0.0.1:$P/status/500";
    max_attempts = 3; backoff = "200ms"; },
  { name = "err404"; driver = "webhook-chat"; url = "http://127.0.0.1:$P/status/404";
    max_attempts = 3; backoff = "200ms"; },
  { name = "slow"; driver = "webhook-chat"; url = "http://127.0.0.1:$P/429/2";
    max_attempts = 3; backoff = "100ms"; backoff_max = "5s"; },
  { name = "hang"; driver = "webhook-chat"; url = "http://127.0.0.1:$P/hang";
    max_attempts = 1; timeout = "1s"; },
  { name = "console"; driver = "console"; }
);
CONF
"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 40 -t 100 \
    -p "person=ann;rules=refused,console@10m" \
    -p "person=ben;rules=err500,console@10m" \
    -p "person=cat;rules=err404,console@10m" \
    -p "person=dan;rules=slow,console@10m" \
    -p "person=eve;rules=hang,console@10m" \
    -p "person=fay;rules=err404" \
    >"$TEST_TMP/send.out" 2>"$TEST_TMP/send.err" || fail "send-page failed"
grep -q 'settled=1' "$TEST_TMP/send.out" || fail "pages did not settle"
row() { grep "person=$1 channel=$2 " "$TEST_TMP/send.out"; }
expect_match 'state=failed attempt=3 .*error=.*(refused|connect)' "$(row ann refused)" "refused: 3 attempts"
expect_match 'state=sent' "$(row ann console)" "refused: failover"
expect_match 'state=failed attempt=3 .*error=HTTP 500' "$(row ben err500)" "500: 3 attempts"
expect_match 'state=sent' "$(row ben console)" "500: failover"
expect_eq 3 "$(jq -r 'select(.path == "/status/500") | .path' "$TEST_TMP/chat.jsonl" | wc -l)" "500: requests"
expect_match 'state=failed attempt=1 .*error=HTTP 404' "$(row cat err404)" "404: not retried"
expect_match 'state=sent' "$(row cat console)" "404: failover"
expect_match 'state=sent attempt=3' "$(row dan slow)" "429: sent on the third try"
# no failover: the later rule (console after 10m) is not even a row yet
expect_eq "" "$(row dan console)" "429: no failover needed"
# Retry-After: 1 was honoured: the tries are at least a second apart.
expect_eq 3 "$(jq -r 'select(.path == "/429/2") | .at' "$TEST_TMP/chat.jsonl" | wc -l | tr -d ' ')" \
    "429: requests (two refused, one sent)"
gaps=$(jq -r 'select(.path == "/429/2") | .at' "$TEST_TMP/chat.jsonl" |
    awk 'NR > 1 { printf "%d\n", ($1 - prev) * 1000 } { prev = $1 }')
expect_eq 2 "$(echo "$gaps" | wc -l | tr -d ' ')" "gaps between the 429 tries"
for g in $gaps; do
	[ "$g" -ge 950 ] || fail "a retry came ${g} ms after a 429 with Retry-After: 1"
done
expect_match 'state=failed attempt=1 .*error=.*(timed out|Timeout)' "$(row eve hang)" "hang: timeout"
expect_match 'state=sent' "$(row eve console)" "hang: failover"
expect_match '^unreachable alert=[0-9]+ person=fay$' "$(grep unreachable "$TEST_TMP/send.out")" \
    "a person with no channel left is reported"
late=$(sed -n 's/.*max_late_ms=\([0-9]*\).*/\1/p' "$TEST_TMP/send.out")
ticks=$(sed -n 's/.*ticks=\([0-9]*\).*/\1/p' "$TEST_TMP/send.out")
[ "$ticks" -ge 1 ] || fail "the timer never ticked while sending"
# A send that blocked the loop would hold it for the hang channel's 1 s
# timeout at least; scheduling on a busy machine is far below that.
# (How late timers run is measured by tests/bench, not judged here.)
[ "$late" -lt 1000 ] || fail "the loop stalled: a 100 ms timer was $late ms late"
pass "refused, 500, 404, 429+Retry-After and hang: retries, failover, loop never stalled (max lateness ${late} ms)"

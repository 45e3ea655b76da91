# SPDX-License-Identifier: ISC
#
# escalation.sh: the four-stage walk with timers in seconds, against real
# rota files.  A P1 alert nobody acknowledges pages stage 1 (rota
# primary), 2 (rota secondary), 3 (person carol) and 4 (rota vendor), in
# order, each within a second of its due time, then repeats stage 4
# once.  Acknowledging by API stops the walk.  A kill -9 in the middle
# of stage 2 and a restart continue the walk where it was: nobody is
# skipped and no stage is paged twice.  The API records the key as the
# actor and the body's "actor" (or on_behalf_of) as for whom it acted,
# in the audit and the notices; control characters are refused (400).
. "$E2E_LIB"
need curl jq python3

STEP=2 # seconds per stage
write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; email = "alice@example.org"; },
	{ id = "bob"; name = "Bob"; email = "bob@example.org"; },
	{ id = "carol"; name = "Carol"; email = "carol@example.org"; },
	{ id = "dave"; name = "Dave"; email = "dave@example.org"; }
);
PEOPLE
write_rota primary alice
write_rota secondary bob
write_rota vendor dave
cat >>"$CONFIG" <<CONF
people = "$TEST_TMP/people.conf";
rota_dir = "$TEST_TMP/rota.d";
sla = {
	P1 = { response = "1h"; first_response = "2h"; resolution = "4h"; };
};
policies = (
	{
		name = "default";
		repeats = 1;
		stages = (
			{ targets = [ "rota:primary" ]; ack_within = "${STEP}s"; },
			{ targets = [ "rota:secondary" ]; ack_within = "${STEP}s"; },
			{ targets = [ "person:carol" ]; ack_within = "${STEP}s"; },
			{ targets = [ "rota:vendor" ]; ack_within = "${STEP}s"; }
		);
	}
);
CONF
start_pagerd

# page_times ID: "person stage reason epoch_ms" per console page line of
# alert ID, from every daemon log of this test.
page_times() {
	cat "$TEST_TMP"/pagerd.*.out | "$PYTHON" -c '
import re, sys, datetime
want = "#%s " % sys.argv[1]
for line in sys.stdin:
    m = re.match(r"(\S+) console: to (\S+): (?:(page|repeat page), stage (\d)|(escalated) to stage (\d) \([^)]*\)): alert (#\d+) ", line.strip())
    if not m or m.group(7) + " " != want:
        continue
    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%fZ")
    ms = int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
    kind = m.group(3) or m.group(5)
    print(m.group(2), m.group(4) or m.group(6), kind.replace(" ", "-"), ms)
' "$1"
}

created_ms() {
	api_get "/api/v1/alerts/$1"
	echo "$HTTP_BODY" | "$PYTHON" -c '
import json, sys, datetime
a = json.load(sys.stdin)
t = datetime.datetime.strptime(a["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
print(int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000))'
}

npages() {
	page_times "$1" | wc -l
}

# seen N PATTERN: N or more console lines of every run match PATTERN.
seen() {
	[ "$(cat "$TEST_TMP"/pagerd.*.out | grep -c -- "$2")" -ge "$1" ]
}

# 1. Nobody acknowledges: the whole walk, on time, in order.
post_alert "$INT_KEY" '{"summary":"payments down","priority":"P1","service":"pay"}'
expect_status 202
ID1=$(json_get .id)
T0=$(created_ms "$ID1")
wait_until 30 "5 pages of alert $ID1" seen 5 "alert #$ID1 "
page_times "$ID1" >"$TEST_TMP/walk"
cat "$TEST_TMP/walk"
"$PYTHON" - "$T0" "$STEP" "$TEST_TMP/walk" <<'PY' || fail "walk of alert $ID1 is wrong"
import sys
t0, step = int(sys.argv[1]), int(sys.argv[2]) * 1000
got = [l.split() for l in open(sys.argv[3])]
want = [("alice", "1", "page", 0), ("bob", "2", "escalated", 1),
        ("carol", "3", "escalated", 2), ("dave", "4", "escalated", 3),
        ("dave", "4", "repeat-page", 4)]
if len(got) != len(want):
    sys.exit("want %d pages, got %d" % (len(want), len(got)))
for (p, s, r, k), (gp, gs, gr, gt) in zip(want, got):
    late = int(gt) - (t0 + k * step)
    print("%-6s stage %s %-11s due +%ds, sent %+dms from due" % (gp, gs, gr, k * step // 1000, late))
    if (p, s, r) != (gp, gs, gr):
        sys.exit("want %s stage %s %s, got %s stage %s %s" % (p, s, r, gp, gs, gr))
    if not -50 <= late <= 1000:
        sys.exit("page to %s is %dms off its due time" % (p, late))
PY
pass "unacknowledged P1 walked stages 1-4 and repeated once, each within 1s"
api_get "/api/v1/alerts/$ID1"
expect_json .stage 4
expect_json '[.events[] | select(.kind == "stage")] | length' 3
expect_json '[.events[] | select(.kind == "page")] | map(.detail.to) | join(",")' \
    "alice,bob,carol,dave,dave"
expect_json '[.events[] | select(.kind == "page" and .detail.target == "rota:primary")][0].detail.why' \
    'layer "always"'

# 2. Acknowledged in stage 2: the walk stops there.
post_alert "$INT_KEY" '{"summary":"queue stuck","priority":"P1","service":"pay"}'
expect_status 202
ID2=$(json_get .id)
wait_until 10 "stage 2 page of alert $ID2" seen 1 "to bob: escalated to stage 2 (not acknowledged in time): alert #$ID2 "
http POST "/api/v1/alerts/$ID2/ack" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"actor":"bob"}'
expect_status 200
expect_json .status acknowledged
# stage 3 was due 2s after stage 2; wait past it (a bounded wait for a
# thing that must not happen) and check that nothing more went out
T2=$(created_ms "$ID2")
while [ $(($(date +%s%3N) - T2)) -lt $((3 * STEP * 1000 + 1500)) ]; do
	sleep 0.2
done
expect_eq 2 "$(npages "$ID2")" "pages of acknowledged alert $ID2"
api_get "/api/v1/alerts/$ID2"
expect_json .stage 2
# the key acted ("actor" is taken as for whom, as older clients send it)
expect_json '[.events[] | select(.kind == "ack")][0].actor' e2e-responder
expect_json '[.events[] | select(.kind == "ack")][0].on_behalf_of' bob
expect_json '[.events[] | select(.kind == "ack")][0].detail.on_behalf_of' bob
grep -q "acknowledged by e2e-responder for bob via API: alert #$ID2 " "$PAGERD_OUT" ||
    fail "the ack was not told to those already paged"
pass "acknowledging in stage 2 stopped the walk"

# 3. kill -9 in the middle of stage 2, restart: the walk goes on.
post_alert "$INT_KEY" '{"summary":"ledger lag","priority":"P1","service":"pay"}'
expect_status 202
ID3=$(json_get .id)
wait_until 10 "stage 2 page of alert $ID3" seen 1 "to bob: escalated to stage 2 (not acknowledged in time): alert #$ID3 "
kill9_pagerd
note "killed pagerd in stage 2 of alert $ID3"
sleep 1
start_pagerd
wait_until 30 "the walk of alert $ID3 to finish" seen 5 "alert #$ID3 "
api_get "/api/v1/alerts/$ID3"
expect_json .stage 4
expect_json '[.events[] | select(.kind == "page")] | map(.detail.stage) | join(",")' \
    "1,2,3,4,4"
expect_json '[.events[] | select(.kind == "page")] | map(.detail.to) | join(",")' \
    "alice,bob,carol,dave,dave"
expect_json '[.events[] | select(.kind == "stage")] | map(.detail.to) | join(",")' \
    "2,3,4"
grep -q "engine: 3 open alert(s)" "$PAGERD_ERR" ||
    fail "the restarted engine did not load the 3 open alerts"
pass "after kill -9 in stage 2 the walk continued: nobody skipped, nothing twice"

# 4. Resolving tells everyone who was paged, and stops everything.
http POST "/api/v1/alerts/$ID1/resolve" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"actor":"carol"}'
expect_status 200
expect_json .status resolved
for p in alice bob carol dave; do
	grep -q "to $p: resolved by e2e-responder for carol via API: alert #$ID1 " "$PAGERD_OUT" ||
	    fail "$p was not told alert $ID1 was resolved"
done
http POST "/api/v1/alerts/$ID1/ack" -H "Authorization: Bearer $RESPONDER_KEY"
expect_error 409 "is resolved"
http POST "/api/v1/alerts/999/ack" -H "Authorization: Bearer $RESPONDER_KEY"
expect_error 404 "no alert 999"
http POST "/api/v1/alerts/$ID2/notes" -H "Authorization: Bearer $VIEWER_KEY" \
    -d '{"text":"x"}'
expect_status 403
http POST "/api/v1/alerts/$ID2/notes" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"actor":"bob"}'
expect_error 400 "text is required"
# Attribution: the key is the actor, whatever the body says; control
# characters (forged log or notice lines) are refused; nothing changes.
api_get "/api/v1/alerts/$ID2"
NEV=$(json_get '.events | length')
http POST "/api/v1/alerts/$ID2/notes" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"on_behalf_of":"bob\nalert 1: resolved by root","text":"x"}'
expect_error 400 "on_behalf_of must not contain control characters"
http POST "/api/v1/alerts/$ID2/notes" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"actor":"bob\u001b[2J","text":"x"}'
expect_error 400 "actor must not contain control characters"
http POST "/api/v1/alerts/$ID2/notes" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"text":"fixed\rresolved by carol"}'
expect_error 400 "text must not contain control characters"
http POST "/api/v1/alerts/$ID2/notes" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"text":"a C1 \u0085 next line"}'
expect_error 400 "text must not contain control characters"
http POST "/api/v1/alerts/$ID2/escalate" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"actor":"bob","on_behalf_of":"carol"}'
expect_error 400 "not both"
api_get "/api/v1/alerts/$ID2"
expect_json '.events | length' "$NEV"
http POST "/api/v1/alerts/$ID2/notes" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"on_behalf_of":"Bob Ng (phone call)","text":"restarted the consumer"}'
expect_status 200
expect_json '.first_response_at | type' string
api_get "/api/v1/alerts/$ID2"
expect_json '[.events[] | select(.kind == "note")][0] | "\(.actor)|\(.on_behalf_of)|\(.detail.text)"' \
    "e2e-responder|Bob Ng (phone call)|restarted the consumer"
pass "resolve notified everyone paged; lifecycle errors are 404/409/403/400; the key is the actor"
stop_pagerd

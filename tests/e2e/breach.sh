# SPDX-License-Identifier: ISC
#
# breach.sh: breaches tell the truth.  A P1 alert misses its 2 s
# response deadline; while nobody answers, its breach grows "so far".
# It is acknowledged once it is at least 3 s late: from then on the
# API, the stats, the dashboard (headless Chromium) and pagerctl show
# the lateness at the ack, and it does not grow: not when the 10 s
# first-response deadline breaches afterwards, not after a note, a
# resolve or a restart.  The first-response breach becomes final at the
# note.  Every wait is on an event, with a deadline.
. "$E2E_LIB"
need curl jq python3

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	skip_missing Chromium "$CHROMIUM is missing: install the Debian package chromium"
fi

write_config
cat >>"$CONFIG" <<'CONF'
sla = {
	P1 = { response = "2s"; first_response = "10s"; resolution = "1h"; };
};
CONF
start_pagerd

post_alert "$INT_KEY" '{"summary":"checkout down","priority":"P1","service":"shop"}'
expect_status 202
ID=$(json_get .id)

# ms ISO-8601: epoch milliseconds of a time the API wrote.
ms() {
	"$PYTHON" -c '
import datetime, sys
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ")
print(int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000))' "$1"
}

# breach CLOCK FIELD: that field of the alert's breach of CLOCK, from
# the reply in HTTP_BODY ("" if there is no such breach).
breach() {
	json_get ".breaches[] | select(.clock == \"$1\") | .$2"
}

# late_at_least CLOCK MS: the alert's CLOCK breach is MS or more late.
late_at_least() {
	local v
	api_get "/api/v1/alerts/$ID"
	v=$(breach "$1" late_ms)
	[ -n "$v" ] && [ "$v" -ge "$2" ]
}

# 1. Missed and unanswered: the breach runs, and its lateness grows.
wait_until 30 "the response breach of alert $ID" late_at_least response 0
expect_json '.breaches | length' 1
expect_json '.breaches[0].clock' response
expect_json '.breaches[0].final' false
expect_json '.breaches[0].stopped_at' null
expect_eq "$(json_get .sla.response.due_at)" "$(breach response due_at)" \
    "the breach's deadline"
[ "$(ms "$(breach response breached_at)")" -ge "$(ms "$(breach response due_at)")" ] ||
    fail "breached before the deadline: $HTTP_BODY"
wait_until 30 "the running breach to be 3 s late" late_at_least response 3000
pass "an unanswered breach is late so far, and grows"

# 2. Acknowledged: final at the lateness of the ack.
http POST "/api/v1/alerts/$ID/ack" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"actor":"bob"}'
expect_status 200
expect_json '.breaches[0].final' true
ACKED=$(ms "$(json_get .acknowledged_at)")
DUE=$(ms "$(breach response due_at)")
LATE=$((ACKED - DUE))
[ "$LATE" -ge 3000 ] || fail "acknowledged only $LATE ms late"
expect_json '.breaches[0].stopped_at' "$(json_get .acknowledged_at)"
expect_json '.breaches[0].late_ms' "$LATE"
note "acknowledged $LATE ms after the response deadline"

# The first-response deadline (10 s) passes after the ack: a new breach,
# running, and the response breach has not moved.
wait_until 30 "the first-response breach of alert $ID" \
    late_at_least first_response 0
expect_json '.breaches | map(.clock) | join(",")' "response,first_response"
expect_json '.breaches[0].late_ms' "$LATE"
expect_json '.breaches[0].final' true
expect_json '.breaches[1].final' false
expect_json '.breaches[1].stopped_at' null
FR_DUE=$(ms "$(breach first_response due_at)")
[ "$FR_DUE" -gt "$ACKED" ] || fail "the first-response deadline came before the ack"
pass "the ack made the response breach final at $LATE ms; later breaches run on"

# 3. The stats and the dashboard say the same.
api_get /api/v1/stats
expect_status 200
expect_json .breaches.response.count 1
expect_json .breaches.response.final 1
expect_json .breaches.first_response.count 1
expect_json .breaches.first_response.final 0
expect_json .breaches.resolution.count 0
expect_json .breaches.resolution.late_max_seconds null
"$PYTHON" - "$HTTP_BODY" "$LATE" <<'PY' || fail "stats: wrong lateness"
import json, sys
st, late = json.loads(sys.argv[1]), int(sys.argv[2]) / 1000
r = st["breaches"]["response"]
for k in ("late_mean_seconds", "late_median_seconds", "late_max_seconds"):
    print("%-22s want %.3f got %s" % (k, late, r[k]))
    if abs(r[k] - late) > 0.0005:
        sys.exit("stats: response %s is %s, the ack made it %.3f" % (k, r[k], late))
PY
pass "stats: the response breach is final at the ack's lateness"

# dom OUT: the DOM Chromium rendered for the dashboard.
dom() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$(mktemp -d "$TEST_TMP/chromium.XXXXXX")" \
	    --virtual-time-budget=10000 \
	    --dump-dom "http://127.0.0.1:$PORT/#token=$VIEWER_KEY" \
	    >"$1" 2>>"$TEST_TMP/chromium.err" ||
	    fail "chromium could not load the page (see chromium.err)"
	grep -q 'data-state="ready"' "$1" ||
	    fail "the page did not get to data-state=ready"
}

# check_dom FILE LATE_MS FR_FINAL: the alert's response cell says it was
# LATE_MS late, final; its first-response cell is final or so far.
check_dom() {
	"$PYTHON" - "$1" "$ID" "$2" "$3" <<'PY'
import sys
from html.parser import HTMLParser
path, aid, late, fr_final = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.row, self.cell, self.cells, self.li, self.lis = False, None, {}, None, {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr":
            self.row = a.get("data-alert-id") == aid
        elif tag == "td" and self.row and "data-clock" in a:
            self.cell = a["data-clock"]
            self.cells[self.cell] = [a, ""]
        elif tag == "li" and "data-clock" in a:
            self.li = a["data-clock"]
            self.lis[self.li] = [a, ""]
    def handle_endtag(self, tag):
        if tag == "td":
            self.cell = None
        elif tag == "li":
            self.li = None
    def handle_data(self, d):
        if self.cell:
            self.cells[self.cell][1] += d
        if self.li:
            self.lis[self.li][1] += d
p = P()
p.feed(open(path).read())
def dur(sec):
    s = round(abs(sec))
    if s < 60: return "%ds" % s
    return "%dm %ds" % (s // 60, s % 60)
bad = []
def check(what, want, got):
    print("%-34s want %-28r got %r" % (what, want, got))
    if want != got:
        bad.append(what)
a, text = p.cells.get("response", [{}, None])
check("response cell", "late " + dur(late / 1000), text)
check("response data-final", "true", a.get("data-final"))
check("response data-late-seconds", str(round(late / 1000)), a.get("data-late-seconds"))
check("response highlighted", True, "late" in a.get("class", "").split())
a, text = p.cells.get("first_response", [{}, ""])
check("first response data-final", fr_final, a.get("data-final"))
check("first response 'so far' while it runs", fr_final == "false",
      text.endswith(" so far"))
a, text = p.lis.get("response", [{}, ""])
check("breach card: response breaches", "1", a.get("data-count"))
check("breach card: final", "1", a.get("data-final"))
check("breach card: at most", "%g" % (late / 1000), a.get("data-late-max-seconds"))
check("breach card text", True, text.startswith("response: 1 breach, late by " + dur(late / 1000)))
if bad:
    sys.exit("the dashboard is wrong: " + ", ".join(bad))
PY
}

dom "$TEST_TMP/dom-acked.html"
check_dom "$TEST_TMP/dom-acked.html" "$LATE" false ||
    fail "the dashboard does not show the true lateness"
pass "the dashboard: response late by the ack's lateness, final; first response so far"

# pagerctl show says the same in its SLA table.
PAGERD_URL=http://127.0.0.1:$PORT PAGERD_TOKEN=$VIEWER_KEY \
    "${PAGERCTL:-$top_builddir/src/pagerctl}" show "$ID" >"$TEST_TMP/show.out" ||
    fail "pagerctl show $ID failed"
SECS=$(((LATE + 500) / 1000))
grep -Eq "^response +[0-9-]+ [0-9:]+  breached, late by ${SECS}s$" "$TEST_TMP/show.out" ||
    { cat "$TEST_TMP/show.out"; fail "pagerctl show: the response breach is not final at ${SECS}s"; }
grep -Eq "^first_response +[0-9-]+ [0-9:]+  breached, late by [0-9]+s so far$" \
    "$TEST_TMP/show.out" ||
    { cat "$TEST_TMP/show.out"; fail "pagerctl show: the first-response breach is not late so far"; }
pass "pagerctl show: late by ${SECS}s, final; first response late so far"

# 4. A note stops the first-response clock; resolving stops the rest.
http POST "/api/v1/alerts/$ID/notes" -H "Authorization: Bearer $RESPONDER_KEY" \
    -d '{"actor":"bob","text":"rolling back the deploy"}'
expect_status 200
NOTED=$(ms "$(json_get .first_response_at)")
expect_json '.breaches[1].final' true
expect_json '.breaches[1].late_ms' "$((NOTED - FR_DUE))"
expect_json '.breaches[0].late_ms' "$LATE"
dom "$TEST_TMP/dom-noted.html"
check_dom "$TEST_TMP/dom-noted.html" "$LATE" true ||
    fail "the dashboard does not show the note's breach as final"
http POST "/api/v1/alerts/$ID/resolve" -H "Authorization: Bearer $RESPONDER_KEY"
expect_status 200
expect_json '.breaches | map("\(.clock) \(.final) \(.late_ms)") | join(",")' \
    "response true $LATE,first_response true $((NOTED - FR_DUE))"
pass "a note makes the first-response breach final; resolving adds none"

# 5. After a restart: the same, read from the store.
stop_pagerd
start_pagerd
api_get "/api/v1/alerts/$ID"
expect_json '.breaches | map("\(.clock) \(.final) \(.late_ms)") | join(",")' \
    "response true $LATE,first_response true $((NOTED - FR_DUE))"
expect_json '[.events[] | select(.kind == "breach")] | length' 2
api_get /metrics
expect_status 200
expect_match '^pagerd_sla_breaches_total\{target="response"\} 1$' \
    "$(printf '%s\n' "$HTTP_BODY" | grep '^pagerd_sla_breaches_total{target="response"}')" \
    "the response breaches in /metrics"
api_get /api/v1/stats
expect_json '.breaches.response.late_max_seconds * 1000 | round' "$LATE"
pass "after a restart the breaches, stats and /metrics are unchanged"
stop_pagerd

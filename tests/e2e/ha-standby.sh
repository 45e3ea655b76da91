# SPDX-License-Identifier: ISC
#
# ha-standby.sh: two real daemons on one PostgreSQL (ha-lib.sh),
# pagerd(8) HIGH AVAILABILITY: what reaches the standby and only the
# leader may carry out is written as a command for it (the commands
# table), and answered as the leader would.
#   1. A silence created at the standby (201 with its id, once the
#      leader holds it) silences an alert posted to the leader at once
#      after: nobody is paged.  Expired at the standby (200), the next
#      such alert pages.  An overlapping one is refused 400, an unknown
#      one 404, an ended one 409, as on the leader.
#   2. A signed delivery report (a fake Twilio: the leader's SMS went
#      out to it) posted to the standby is answered 204 and lands: the
#      leader marks the page delivered.
#   3. A heartbeat ping at the standby resolves the alert the leader
#      raised for its missed pings.
. "$E2E_LIB"
. "$E2E_DIR/ha-lib.sh"

ha_pg_start
NODES="a b"

# A fake Twilio: every POST is a message accepted with a fresh sid.
"$PYTHON" - "$TEST_TMP/twilio.port" "$TEST_TMP/twilio.log" \
    >"$TEST_TMP/twilio.err" 2>&1 <<'PY' &
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
portfile, log = sys.argv[1], sys.argv[2]
lock, n = threading.Lock(), [0]
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            n[0] += 1
            sid = "SM%032x" % n[0]
            with open(log, "a") as f:
                f.write(sid + "\n")
        body = json.dumps({"sid": sid, "status": "queued"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
echo $! >>"$TEST_TMP/.pids"
wait_until 30 "the fake Twilio to listen" test -s "$TEST_TMP/twilio.port"
TWILIO_PORT=$(cat "$TEST_TMP/twilio.port")

SID=AC0123456789abcdef0123456789abcdef
TOKEN=e2e-auth-token-$(new_key)
printf '%s\n' "$TOKEN" >"$TEST_TMP/token"
chmod 600 "$TEST_TMP/token"
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; notify = ( { channel = "console"; } ); },
	{ id = "sam"; name = "Sam"; sms = "+15558675310";
	  notify = ( { channel = "sms"; } ); }
);
PEOPLE

ha_conf() {
	sed -i "s|listen = \"127.0.0.1:$PORT\";|&\n\tpublic_url = \"http://127.0.0.1:$PORT\";|" "$2"
	cat >>"$2" <<CONF
store = { database = "$URI"; timeout = "2s"; };
ha = { lease = "2s"; };
people = "$TEST_TMP/people.conf";
channels = (
  { name = "sms"; driver = "twilio-sms"; api_url = "http://127.0.0.1:$TWILIO_PORT";
    account_sid = "$SID"; auth_token_file = "$TEST_TMP/token"; from = "+15005550006";
    max_attempts = 1; rate_limit = 0; },
  { name = "console"; driver = "console"; }
);
heartbeats = ( { name = "job"; interval = "3s"; service = "cron"; } );
policies = (
	{ name = "default"; stages = (
		{ targets = [ "person:alice" ]; ack_within = "1h"; } ); },
	{ name = "texts"; services = [ "texts" ]; stages = (
		{ targets = [ "person:sam" ]; ack_within = "1h"; } ); }
);
CONF
}
ha_node a
ha_node b
start_node a
wait_until 30 "node a to lead" is_role a leader
start_node b
wait_until 10 "node b to say standby" is_role b standby
pass "one leader (a), one standby (b)"

at() { # an instant N seconds from now, ISO 8601 UTC
	date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ
}
silence_req() { # NODE METHOD PATH [JSON]
	PORT=$(eval echo "\$PORT_$1")
	if [ -n "${4-}" ]; then
		printf '%s' "$4" >"$TEST_TMP/http.request"
		http "$2" "$3" -H "Authorization: Bearer $RESPONDER_KEY" \
		    -H 'Content-Type: application/json' \
		    --data-binary @"$TEST_TMP/http.request"
	else
		http "$2" "$3" -H "Authorization: Bearer $RESPONDER_KEY"
	fi
}

# 1. A silence made at the standby holds what the leader takes in.
SIL="{\"matchers\":{\"service\":\"quiet\"},\"ends_at\":\"$(at 3600)\",\"comment\":\"deploy\",\"page_on_expiry\":false}"
silence_req b POST /api/v1/silences "$SIL"
expect_status 201
SID1=$(json_get .id)
expect_eq deploy "$(json_get .comment)" "the silence's comment"
expect_eq 1 "$(sql "SELECT count(*) FROM silences WHERE id = $SID1")" "silence $SID1 stored"
PORT=$PORT_a
post_alert "$INT_KEY" '{"summary":"quiet one","service":"quiet","dedup_key":"s-1"}'
expect_status 202
Q1=$(json_get .id)
silenced() {
	[ "$(sql "SELECT count(*) FROM events WHERE alert_id = $1 AND kind = 'silenced'")" = 1 ]
}
wait_until 15 "alert $Q1 to be silenced" silenced "$Q1"
# the same through the standby's intake
PORT=$PORT_b
post_alert "$INT_KEY" '{"summary":"quiet two","service":"quiet","dedup_key":"s-2"}'
expect_status 202
Q2=$(json_get .id)
wait_until 15 "alert $Q2 to be silenced" silenced "$Q2"
silence_req b POST /api/v1/silences "$SIL"
expect_error 400 "same matchers"
silence_req b DELETE /api/v1/silences/999999
expect_status 404
silence_req b DELETE "/api/v1/silences/$SID1"
expect_status 200
expect_eq "$SID1" "$(json_get .id)" "the expired silence's id"
silence_req b DELETE "/api/v1/silences/$SID1"
expect_status 409
PORT=$PORT_a
post_alert "$INT_KEY" '{"summary":"loud one","service":"quiet","dedup_key":"s-3"}'
expect_status 202
Q3=$(json_get .id)
wait_until 15 "alert $Q3 to page alice" seen a 1 "to alice: page, stage 1: alert #$Q3 "
seen a 1 "alert #$Q1 " && fail "silenced alert $Q1 was paged"
seen a 1 "alert #$Q2 " && fail "silenced alert $Q2 was paged"
expect_eq 0 "$(pages b)" "pages sent by the standby"
pass "a silence made and expired at the standby holds, then lets go, what the leader starts"

# 2. A delivery report posted to the standby lands.
PORT=$PORT_a
post_alert "$INT_KEY" '{"summary":"text me","service":"texts","dedup_key":"t-1"}'
expect_status 202
T1=$(json_get .id)
sent_row() {
	[ "$(sql "SELECT count(*) FROM notifications WHERE alert_id = $T1
	    AND channel = 'sms' AND state = 'sent' AND provider_id LIKE 'SM%'")" = 1 ]
}
wait_until "$E2E_WAIT" "the SMS of alert $T1 to go out" sent_row
PSID=$(sql "SELECT provider_id FROM notifications WHERE alert_id = $T1 AND channel = 'sms'")
post_report() { # NODE path key value ...
	local port path=$2
	port=$(eval echo "\$PORT_$1")
	shift 2
	"$PYTHON" - "$TOKEN" "http://127.0.0.1:$port$path" "$@" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse, urllib.request
token, url = sys.argv[1], sys.argv[2]
kv = sys.argv[3:]
params = dict(zip(kv[0::2], kv[1::2]))
params.update({"AccountSid": "AC0123456789abcdef0123456789abcdef"})
s = url + "".join(k + params[k] for k in sorted(params))
sig = base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()
req = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
    headers={"X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded"})
try:
    print(urllib.request.urlopen(req).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}
expect_eq 204 "$(post_report b /hooks/sms/twilio/status MessageSid "$PSID" MessageStatus delivered)" \
    "a signed report at the standby"
delivered() {
	[ "$(sql "SELECT state FROM notifications WHERE alert_id = $T1 AND channel = 'sms'")" = delivered ]
}
wait_until 15 "the SMS of alert $T1 to be delivered" delivered
expect_eq 1 "$(sql "SELECT count(*) FROM events WHERE alert_id = $T1 AND kind = 'notify.delivered'")" \
    "notify.delivered events"
expect_eq 1 "$(sql "SELECT count(*) FROM commands WHERE kind = 'report' AND done_ms IS NOT NULL AND result = 0")" \
    "report commands carried out"
pass "a delivery report posted to the standby lands"

# 3. A heartbeat ping at the standby resolves the leader's alert.
hb_alert() {
	HB=$(sql "SELECT id FROM alerts WHERE dedup_key = 'heartbeat:job' AND status != 'resolved'")
	[ -n "$HB" ]
}
wait_until 30 "the leader to raise the missed heartbeat's alert" hb_alert
PORT=$PORT_b
http POST /api/v1/heartbeat/job -H "Authorization: Bearer $INT_KEY"
expect_status 200
resolved() {
	[ "$(sql "SELECT status FROM alerts WHERE id = $HB")" = resolved ]
}
wait_until 15 "alert $HB to be resolved" resolved
expect_eq 1 "$(sql "SELECT count(*) FROM commands WHERE kind = 'resolve' AND alert_id = $HB AND via = 'heartbeat' AND done_ms IS NOT NULL")" \
    "the heartbeat's resolve, carried out by the leader"
pass "a heartbeat ping at the standby resolves its missed-ping alert"

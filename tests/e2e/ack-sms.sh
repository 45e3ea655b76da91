# SPDX-License-Identifier: ISC
#
# ack-sms.sh: acknowledging by SMS reply and by voice keypress.  Pages
# go to Prism serving Twilio's own spec (alice by SMS, carol by call);
# then the test posts what Twilio would post, signed as Twilio signs it
# (HMAC-SHA1 over http.public_url + path + sorted parameters, computed
# here in Python, in both port forms):
#  - a forged signature and a reply from a number not in the people file
#    change nothing;
#  - "<id>a" from alice acknowledges, answered with TwiML "Acknowledged
#    #<id> by Alice", one audit event naming alice and "sms", and the cc
#    channel is told "acknowledged by alice via SMS";
#  - "aa" acknowledges all her open pages; garbage gets a help text;
#  - a gather with Digits=1 under carol's token acknowledges by voice;
#  - answers to one number stop at ack.sms_reply_limit (<Response/>);
#  - the same signed SMS (MessageSid) or keypress (CallSid and digits)
#    delivered again is answered 200 with no effect and one audit event;
#  - the log shows keypress tokens cut to 6 characters;
#  - an address sending bad signatures gets 403, then 429 with
#    Retry-After, while signed callbacks from it still act.
. "$E2E_LIB"
need curl jq python3

SPEC=$TWILIO_SPEC
PRISM=$top_builddir/tests/node_modules/.bin/prism
if [ ! -f "$SPEC" ]; then
	skip_missing "the Twilio spec" "$SPEC is absent: no Twilio spec to validate against"
fi
if [ ! -x "$PRISM" ]; then
	skip_missing Prism "prism is not installed: run tests/e2e/peers-setup.sh in the build folder"
fi
PRISM_PORT=$(free_port)
"$PRISM" mock "$SPEC" -h 127.0.0.1 -p "$PRISM_PORT" --errors \
    >"$TEST_TMP/prism.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
prism_up() {
	curl -s -o /dev/null "http://127.0.0.1:$PRISM_PORT/" 2>/dev/null
}
wait_until 90 "Prism to listen" prism_up

SID=AC0123456789abcdef0123456789abcdef
TOKEN=e2e-auth-token-$(new_key)
printf '%s\n' "$TOKEN" >"$TEST_TMP/token"
printf 'ack-secret-%s\n' "$(new_key)" >"$TEST_TMP/ack.secret"
chmod 600 "$TEST_TMP/token" "$TEST_TMP/ack.secret"
ALICE=+15558675310
CAROL=+15558675312
PORT=$(free_port)
make_keys
cat >"$TEST_TMP/people.conf" <<PEOPLE
people = (
	{ id = "alice"; name = "Alice"; sms = "$ALICE";
	  notify = ( { channel = "sms"; } ); },
	{ id = "carol"; name = "Carol"; voice = "$CAROL";
	  notify = ( { channel = "voice"; } ); },
	{ id = "bob"; name = "Bob"; sms = "+15558675311"; }
);
PEOPLE
cat >"$CONFIG" <<CONF
state_dir = "$STATE_DIR";
user = "root";	# the tests run as root, see pagerd.conf(5)
people = "$TEST_TMP/people.conf";
http = { listen = "127.0.0.1:$PORT"; public_url = "http://127.0.0.1:$PORT"; };
ack = { secret_file = "$TEST_TMP/ack.secret"; sms_reply_limit = 4;
	sms_reply_window = "15m"; };
integrations = ( { name = "e2e"; key_sha256 = "$(sha256_hex "$INT_KEY")"; } );
tokens = ( { name = "viewer"; role = "viewer";
	key_sha256 = "$(sha256_hex "$VIEWER_KEY")"; } );
channels = (
  { name = "sms"; driver = "twilio-sms"; api_url = "http://127.0.0.1:$PRISM_PORT";
    account_sid = "$SID"; auth_token_file = "$TEST_TMP/token"; from = "+15005550006";
    max_attempts = 1; rate_limit = 0; },
  { name = "voice"; driver = "twilio-voice"; api_url = "http://127.0.0.1:$PRISM_PORT";
    account_sid = "$SID"; auth_token_file = "$TEST_TMP/token"; from = "+15005550006";
    max_attempts = 1; rate_limit = 0; },
  { name = "supportcc"; driver = "console"; }
);
policies = ( {
	name = "default";
	cc = "supportcc";
	stages = (
		{ targets = [ "person:alice", "person:carol" ]; ack_within = "1h"; },
		{ targets = [ "person:bob" ]; ack_within = "1h"; }
	);
} );
CONF
start_pagerd
BASE=http://127.0.0.1:$PORT

# twilio_post PATH good|bad|noport KEY VALUE ...: post a form as Twilio
# would, signed over the public URL; prints the status, the body goes to
# $TEST_TMP/reply.
twilio_post() {
	local path=$1
	shift
	"$PYTHON" - "$TOKEN" "$BASE$path" "$TEST_TMP/reply" "$@" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse, urllib.request
token, url, out, mode = sys.argv[1:5]
kv = sys.argv[5:]
params = dict(zip(kv[0::2], kv[1::2]))
params.update({"AccountSid": "AC0123456789abcdef0123456789abcdef",
    "ApiVersion": "2010-04-01", "To": "+15005550006"})
signed = url
if mode == "noport":  # Twilio sometimes signs without the port
    u = urllib.parse.urlsplit(url)
    signed = urllib.parse.urlunsplit((u.scheme, u.hostname, u.path, u.query, ""))
s = signed + "".join(k + params[k] for k in sorted(params))
sig = base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()
if mode == "bad":
    sig = base64.b64encode(hmac.new(b"not the token", s.encode(), hashlib.sha1).digest()).decode()
req = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
    headers={"X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded"})
try:
    r = urllib.request.urlopen(req)
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
open(out, "wb").write(body)
print(code)
PY
}
sms() { # sms good|bad|noport FROM BODY
	twilio_post /hooks/sms/twilio "$1" From "$2" Body "$3" \
	    MessageSid "SM$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
	    SmsStatus received NumMedia 0
}
reply() {
	cat "$TEST_TMP/reply"
}
status_of() {
	api_get "/api/v1/alerts/$1"
	json_get .status
}
# sent ID PERSON CHANNEL: the outbox sent a page of ID to PERSON by CHANNEL
sent() {
	"$PYTHON" - "$STATE_DIR/pagerd.db" "$@" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
n = db.execute("SELECT count(*) FROM notifications WHERE alert_id = ? AND"
    " person = ? AND channel = ? AND state = 'sent'", sys.argv[2:5]).fetchone()[0]
sys.exit(0 if n > 0 else 1)
PY
}

post_alert "$INT_KEY" '{"summary":"disk full on db1","priority":"P1","service":"db"}'
expect_status 202
ID=$(json_get .id)
wait_until 20 "the SMS page of alert $ID to pass Prism" sent "$ID" alice sms
wait_until 20 "the call about alert $ID to pass Prism" sent "$ID" carol voice
pass "SMS and call pages were taken by Twilio's spec (Prism)"

# Nothing changes without a valid signature, or from a stranger.
expect_eq 403 "$(sms bad "$ALICE" "${ID}a")" "a reply with a forged signature"
expect_eq triggered "$(status_of "$ID")" "status after a forged reply"
curl -s -o /dev/null -w '%{http_code}' -d "From=$ALICE&Body=${ID}a" \
    "$BASE/hooks/sms/twilio" >"$TEST_TMP/code"
expect_eq 403 "$(cat "$TEST_TMP/code")" "a reply without a signature"
expect_eq 200 "$(sms good +15550000000 "${ID}a")" "a reply from an unknown number"
expect_match '<Response/>' "$(reply)" "the answer to an unknown number"
expect_eq triggered "$(status_of "$ID")" "status after a reply from a stranger"
pass "forged signatures (403) and unknown numbers (no answer) change nothing"

# The real reply, signed without the port as Twilio sometimes does.
expect_eq 200 "$(sms noport "$ALICE" " ${ID} A ")" "alice's reply"
expect_match "^<\?xml version=\"1.0\" encoding=\"UTF-8\"\?><Response><Message>Acknowledged #$ID by Alice</Message></Response>$" \
    "$(reply)" "the TwiML answer"
api_get "/api/v1/alerts/$ID"
expect_json .status acknowledged
expect_json '[.events[] | select(.kind == "ack")] | length' 1
expect_json '[.events[] | select(.kind == "ack")][0].actor' alice
expect_json '[.events[] | select(.kind == "ack")][0].detail.via' sms
wait_until 10 "the cc channel to hear of it" \
    grep -q "to chat:supportcc: acknowledged by alice via SMS: alert #$ID " "$PAGERD_OUT"
expect_eq 200 "$(sms good "$ALICE" "${ID}a")" "the same reply again"
expect_match "#$ID not changed: alert $ID is acknowledged" "$(reply)" "the answer to a repeat"
pass "an SMS reply acknowledged, answered by TwiML, audited and told to the cc channel"

# "aa": all of alice's open pages; garbage: help.
post_alert "$INT_KEY" '{"summary":"cpu high","priority":"P2","service":"web"}'
ID2=$(json_get .id)
post_alert "$INT_KEY" '{"summary":"queue stuck","priority":"P2","service":"mq"}'
ID3=$(json_get .id)
wait_until 20 "pages of alerts $ID2 and $ID3" eval "sent $ID2 alice sms && sent $ID3 alice sms"
expect_eq 200 "$(sms good "$ALICE" "AA")" "aa"
expect_match "Acknowledged #$ID2 by Alice; Acknowledged #$ID3 by Alice" "$(reply)" "the answer to aa"
expect_eq acknowledged "$(status_of "$ID2")" "alert $ID2 after aa"
expect_eq acknowledged "$(status_of "$ID3")" "alert $ID3 after aa"
pass "aa acknowledged all of alice's open pages"

# A keypress: carol presses 1 during the call about a new alert.
post_alert "$INT_KEY" '{"summary":"payments down","priority":"P1","service":"pay"}'
ID4=$(json_get .id)
wait_until 20 "the call about alert $ID4" sent "$ID4" carol voice
ACK_URL=$("$PYTHON" - "$STATE_DIR/pagerd.db" "$ID4" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT ack_url FROM notifications WHERE alert_id = ? AND"
    " channel = 'voice'", (sys.argv[2],)).fetchone()[0])
PY
)
GATHER=/hooks/voice/twilio/gather/${ACK_URL##*/}
CALL="CallSid CA0123456789abcdef0123456789abcdef From +15005550006 CallStatus in-progress Direction outbound-api"
# shellcheck disable=SC2086
expect_eq 403 "$(twilio_post "$GATHER" bad $CALL Digits 1)" "a keypress with a forged signature"
# shellcheck disable=SC2086
expect_eq 200 "$(twilio_post "$GATHER" good $CALL Digits 7)" "an unknown key"
expect_match "<Gather [^>]*action=\"$BASE$GATHER\"" "$(reply)" "asked again"
expect_eq triggered "$(status_of "$ID4")" "status after key 7"
# shellcheck disable=SC2086
expect_eq 200 "$(twilio_post "$GATHER" good $CALL Digits 1 FinishedOnKey '')" "key 1"
expect_match "<Say [^>]*>Alert $ID4 acknowledged. Goodbye.</Say><Hangup/></Response>$" \
    "$(reply)" "the spoken confirmation"
api_get "/api/v1/alerts/$ID4"
expect_json .status acknowledged
expect_json '[.events[] | select(.kind == "ack")][0].actor' carol
expect_json '[.events[] | select(.kind == "ack")][0].detail.via' voice
# shellcheck disable=SC2086
expect_eq 200 "$(twilio_post "$GATHER" good $CALL Digits 3)" "the same gather again"
expect_match 'already used' "$(reply)" "a used keypress token"
expect_eq acknowledged "$(status_of "$ID4")" "status after a reused gather"
pass "voice: key 1 acknowledged by carol via voice, confirmed by voice; the token acts once"

# The cap: alice has had 3 answers in this window (limit 4): one more
# help text, then silence, though each request is still answered 200.
expect_eq 200 "$(sms good "$ALICE" "I am out of the office")" "auto-reply 1"
expect_match '<Message>Reply 12a to acknowledge' "$(reply)" "help text"
for i in 2 3 4; do
	expect_eq 200 "$(sms good "$ALICE" "I am out of the office")" "auto-reply $i"
	expect_match '^<\?xml version="1.0" encoding="UTF-8"\?><Response/>$' "$(reply)" \
	    "answer $i over the cap"
done
grep -q "ack: SMS answer to $ALICE held back" "$PAGERD_ERR" ||
    fail "the cap was not logged"
pass "automatic answers to one number stop at ack.sms_reply_limit"

# Replays: Twilio's signature covers the request, not when it is sent,
# so a captured SMS could be posted again later.  Each MessageSid acts
# once: "aa" from alice acknowledges alert ID5; replayed after a new
# alert ID6 was paged to her, it is answered 200 with no effect and one
# audit event, on the alert the first delivery acted on.
post_alert "$INT_KEY" '{"summary":"cache cold","priority":"P2","service":"cache"}'
ID5=$(json_get .id)
wait_until 20 "the page of alert $ID5" sent "$ID5" alice sms
SMSID=SM$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
aa_again() {
	twilio_post /hooks/sms/twilio good From "$ALICE" Body aa MessageSid "$SMSID" \
	    SmsStatus received NumMedia 0
}
expect_eq 200 "$(aa_again)" "aa with MessageSid $SMSID"
expect_eq acknowledged "$(status_of "$ID5")" "alert $ID5 after aa"
post_alert "$INT_KEY" '{"summary":"cache cold again","priority":"P2","service":"cache2"}'
ID6=$(json_get .id)
wait_until 20 "the page of alert $ID6" sent "$ID6" alice sms
expect_eq 200 "$(aa_again)" "the same SMS delivered again"
expect_match '^<\?xml version="1.0" encoding="UTF-8"\?><Response/>$' "$(reply)" \
    "the answer to a replay"
expect_eq triggered "$(status_of "$ID6")" "alert $ID6 after a replayed aa"
expect_eq 200 "$(aa_again)" "the same SMS a third time"
expect_eq triggered "$(status_of "$ID6")" "alert $ID6 after a second replay"
api_get "/api/v1/alerts/$ID5"
expect_json '[.events[] | select(.kind == "ack")] | length' 1
expect_json '[.events[] | select(.kind == "callback_replayed")] | length' 2
expect_json '[.events[] | select(.kind == "callback_replayed")][0].actor' alice
expect_json '[.events[] | select(.kind == "callback_replayed")][0].detail.callback' "sms:$SMSID"
api_get "/api/v1/alerts/$ID6"
expect_json '[.events[] | select(.kind == "callback_replayed" or .kind == "ack")] | length' 0
pass "a replayed SMS (same MessageSid) is answered 200 with no effect, one audit event each"

# The keypress that acknowledged ID4, delivered again: no effect, one
# audit event; the SID and digits are remembered in the store.
# shellcheck disable=SC2086
expect_eq 200 "$(twilio_post "$GATHER" good $CALL Digits 1 FinishedOnKey '')" "key 1 again"
expect_match '<Response><Hangup/></Response>$' "$(reply)" "the answer to a replayed keypress"
api_get "/api/v1/alerts/$ID4"
expect_json '[.events[] | select(.kind == "callback_replayed")] | map(.detail.callback) | join(",")' \
    "voice:CA0123456789abcdef0123456789abcdef:1"
expect_json '[.events[] | select(.kind == "ack_refused")] | length' 1
"$PYTHON" - "$STATE_DIR/pagerd.db" "$SMSID" <<'PY' || fail "the callbacks are not in the store"
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
keys = {k for (k,) in db.execute("SELECT hook_key FROM hook_deliveries")}
assert "sms:" + sys.argv[2] in keys, keys
assert "voice:CA0123456789abcdef0123456789abcdef:1" in keys, keys
PY
pass "a replayed keypress (same CallSid and digits) has no effect, one audit event"

# -v logs each request, but never a whole token: the gather URL's token
# is cut to its first 6 characters.
GTOK=${GATHER##*/}
grep -q "http: /hooks/voice/twilio/gather/${GTOK:0:6}\.\.\." "$PAGERD_ERR" ||
    fail "the gather request was not logged in its short form"
grep -F -q "$GTOK" "$PAGERD_ERR" && fail "the log holds a whole keypress token"
pass "the log shows only the first 6 characters of a keypress token"

# Bad signatures from one address: 403 each, counted in /metrics and
# logged at most once a minute; once it has sent too many, 429 with
# Retry-After.  Twilio's own signed callbacks from the same address are
# never throttled.
n403=0 n429=0
for i in $(seq 1 30); do
	c=$(sms bad "$ALICE" "${ID6}a")
	case $c in
	403) n403=$((n403 + 1)) ;;
	429) n429=$((n429 + 1)); break ;;
	*) fail "a forged reply was answered $c" ;;
	esac
done
[ "$n429" -eq 1 ] || fail "30 forged replies were never answered 429"
[ "$n403" -ge 10 ] || fail "only $n403 forged replies before 429"
curl -s -D "$TEST_TMP/h429" -o /dev/null -d "From=$ALICE&Body=${ID6}a" \
    "$BASE/hooks/sms/twilio"
grep -qi '^Retry-After: [1-9][0-9]*' "$TEST_TMP/h429" ||
    fail "no Retry-After on 429: $(cat "$TEST_TMP/h429")"
head -1 "$TEST_TMP/h429" | grep -q ' 429 ' || fail "not 429: $(cat "$TEST_TMP/h429")"
expect_eq triggered "$(status_of "$ID6")" "alert $ID6 after forged replies"
expect_eq 200 "$(sms good "$ALICE" "${ID6}a")" "a signed reply from a throttled address"
expect_eq acknowledged "$(status_of "$ID6")" "alert $ID6 after the signed reply"
# shellcheck disable=SC2086
expect_eq 200 "$(twilio_post "$GATHER" good $CALL Digits 9)" "a signed keypress from a throttled address"
api_get /metrics
expect_match 'pagerd_callbacks_refused_total\{reason="signature"\} ([2-9][0-9])' "$HTTP_BODY" \
    "bad signatures in /metrics"
expect_match 'pagerd_callbacks_throttled_total [1-9]' "$HTTP_BODY" "429s in /metrics"
expect_match 'pagerd_callbacks_replayed_total\{kind="sms"\} 2' "$HTTP_BODY" "SMS replays in /metrics"
expect_match 'pagerd_callbacks_replayed_total\{kind="voice"\} 1' "$HTTP_BODY" "keypress replays in /metrics"
nlines=$(grep -c 'bad or missing X-Twilio-Signature' "$PAGERD_ERR")
[ "$nlines" -le 3 ] || fail "$nlines log lines for bad signatures: not rate-limited"
pass "bad signatures: 403, then 429 with Retry-After; signed callbacks still act; logged sparingly"

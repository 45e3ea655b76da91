# SPDX-License-Identifier: ISC
#
# openapi.sh: doc/openapi.yaml against the real daemon.  Every request
# goes through Prism run as a validating proxy (lib.sh openapi_proxy):
# each reply must match the document (status, media type, headers,
# body), each request meant to be valid must match it too, and each one
# meant to be refused must be refused by the document as well as by
# pagerd.  Every operation of the document is driven at least once to a
# 2xx, and to a 4xx where it documents one; the test fails on an
# operation it did not drive, so a route added to the document without
# a test here fails, as does a route answering what the document does
# not say.
. "$E2E_LIB"
need curl jq python3
if [ ! -x "$PRISM" ]; then
	skip_missing Prism "prism is not installed: run tests/e2e/peers-setup.sh in the build folder"
fi

OPENAPI_STRICT=1
PROXY_PORT=$(free_port)
PORT=$(free_port)
make_keys
LIMITED_KEY=$(new_key)
DESK_KEY=$(new_key)
TWILIO_TOKEN=e2e-auth-token-$(new_key)
printf '%s\n' "$TWILIO_TOKEN" >"$TEST_TMP/twilio.token"
printf 'ack-secret-%s\n' "$(new_key)" >"$TEST_TMP/ack.secret"
printf 'cal-secret-%s\n' "$(new_key)" >"$TEST_TMP/cal.secret"
chmod 600 "$TEST_TMP/twilio.token" "$TEST_TMP/ack.secret" "$TEST_TMP/cal.secret"
ALICE=+15558675310
cat >"$TEST_TMP/people.conf" <<PEOPLE
people = (
	{ id = "alice"; name = "Alice"; sms = "$ALICE";
	  notify = ( { channel = "console"; } ); },
	{ id = "bob"; name = "Bob"; notify = ( { channel = "console"; } ); }
);
PEOPLE
write_rota primary alice
# http.public_url is the proxy's: the links pagerd makes and the URL
# Twilio signs are those of what stands in front of it.
cat >"$CONFIG" <<CONF
state_dir = "$STATE_DIR";
user = "root";	# the tests run as root, see pagerd.conf(5)
people = "$TEST_TMP/people.conf";
rota_dir = "$TEST_TMP/rota.d";
calendar_secret_file = "$TEST_TMP/cal.secret";
http = { listen = "127.0.0.1:$PORT"; public_url = "http://127.0.0.1:$PROXY_PORT";
	max_body = 4096; };
ack = { secret_file = "$TEST_TMP/ack.secret"; ttl = "1h"; };
integrations = (
	{ name = "e2e"; key_sha256 = "$(sha256_hex "$INT_KEY")"; },
	{ name = "limited"; key_sha256 = "$(sha256_hex "$LIMITED_KEY")";
	  rate_limit = 1; rate_burst = 1; service = "batch"; },
	{ name = "desk"; key_sha256 = "$(sha256_hex "$DESK_KEY")";
	  format = "mapped";
	  mapping = { summary = "/title"; dedup_key = "/id";
		action = { pointer = "/state"; map = ( [ "closed", "resolve" ] );
		    default = "trigger"; };
		external_url = { template = "https://desk.example/t/{/id}"; }; }; }
);
tokens = (
	{ name = "viewer"; role = "viewer"; key_sha256 = "$(sha256_hex "$VIEWER_KEY")"; },
	{ name = "responder"; role = "responder";
	  key_sha256 = "$(sha256_hex "$RESPONDER_KEY")"; }
);
heartbeats = ( { name = "cron"; interval = "1h"; } );
channels = (
	{ name = "console"; driver = "console"; },
	{ name = "sms"; driver = "twilio-sms"; api_url = "http://127.0.0.1:9";
	  account_sid = "AC0123456789abcdef0123456789abcdef";
	  auth_token_file = "$TEST_TMP/twilio.token"; from = "+15005550006"; },
	{ name = "voice"; driver = "twilio-voice"; api_url = "http://127.0.0.1:9";
	  account_sid = "AC0123456789abcdef0123456789abcdef";
	  auth_token_file = "$TEST_TMP/twilio.token"; from = "+15005550006"; }
);
policies = ( {
	name = "default";
	stages = (
		{ targets = [ "rota:primary" ]; ack_within = "1h"; },
		{ targets = [ "person:bob" ]; ack_within = "1h"; }
	);
} );
CONF
start_pagerd
openapi_proxy

# op OPERATION-ID [REQUEST-VIOLATION-REGEX]: what the next request is.
op() {
	OPENAPI_OP=$1
	OPENAPI_REQ=${2:-}
}
post_json() { # post_json PATH KEY JSON
	local key=$2
	printf '%s' "$3" >"$TEST_TMP/request.json"
	if [ -n "$key" ]; then
		http POST "$1" -H "Authorization: Bearer $key" \
		    -H 'Content-Type: application/json' \
		    --data-binary @"$TEST_TMP/request.json"
	else
		http POST "$1" -H 'Content-Type: application/json' \
		    --data-binary @"$TEST_TMP/request.json"
	fi
}
get() { # get PATH [KEY]
	api_get "$@"
}
# twilio PATH good|bad NAME VALUE ...: post a form signed as Twilio signs
# (HMAC-SHA1 of http.public_url + path + the sorted parameters).
twilio() {
	local path=$1 mode=$2 sig
	shift 2
	"$PYTHON" - "$TWILIO_TOKEN" "http://127.0.0.1:$PROXY_PORT$path" "$mode" \
	    "$TEST_TMP/form" "$@" >"$TEST_TMP/sig" <<'PY' || fail "cannot sign"
import base64, hashlib, hmac, sys, urllib.parse
token, url, mode, out = sys.argv[1:5]
kv = sys.argv[5:]
params = dict(zip(kv[0::2], kv[1::2]))
s = url + "".join(k + params[k] for k in sorted(params))
key = token.encode() if mode == "good" else b"not the token"
print(base64.b64encode(hmac.new(key, s.encode(), hashlib.sha1).digest()).decode())
open(out, "w").write(urllib.parse.urlencode(params))
PY
	sig=$(cat "$TEST_TMP/sig")
	http POST "$path" -H "X-Twilio-Signature: $sig" \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    --data-binary @"$TEST_TMP/form"
}

# --- health and the dashboard
op healthz; http GET /healthz; expect_status 200
op readyz; http GET /readyz; expect_status 200
op dashboard; http GET /; expect_status 200
op console; http GET /console; expect_status 200
op consoleScript; http GET /console.js; expect_status 200
op consoleStyle; http GET /console.css; expect_status 200
op whoami; get /api/v1/whoami "$RESPONDER_KEY"; expect_status 200
expect_json .role responder
op whoami; get /api/v1/whoami "$INT_KEY"; expect_status 403
op whoami; get /api/v1/whoami "not-a-key"; expect_status 401
pass "health checks, the dashboard and the console"

# --- POST /api/v1/alerts
op postAlert
post_json /api/v1/alerts "$INT_KEY" '{"summary":"disk full on db1","priority":"critical","service":"db","dedup_key":"db1-disk","source":"nagios","details":{"used":"99%"},"links":["https://example.org/db1",{"href":"http://example.org/runbook","text":"runbook"}]}'
expect_status 202
ID=$(json_get .id)
op postAlert
post_json /api/v1/alerts "$INT_KEY" '{"summary":"disk full on db1","priority":"P1","service":"db","dedup_key":"db1-disk"}'
expect_status 202
expect_json .duplicate true
op postAlert
post_json /api/v1/alerts "$INT_KEY" '{"summary":"second","priority":null,"service":null}'
expect_status 202
ID2=$(json_get .id)
op postAlert summary
post_json /api/v1/alerts "$INT_KEY" '{"priority":"P2"}'
expect_error 400 "summary is required"
op postAlert colour
post_json /api/v1/alerts "$INT_KEY" '{"summary":"x","colour":"red"}'
expect_error 400 'unknown field "colour"'
op postAlert priority
post_json /api/v1/alerts "$INT_KEY" '{"summary":"x","priority":"P7"}'
expect_error 400 "priority must be one of"
op postAlert '"code":"?415'
printf '{"summary": "x",' >"$TEST_TMP/request.json"
http POST /api/v1/alerts -H "Authorization: Bearer $INT_KEY" \
    -H 'Content-Type: text/plain' --data-binary @"$TEST_TMP/request.json"
expect_error 400 "malformed JSON"
op postAlert '"code":"?401'
post_json /api/v1/alerts "" '{"summary":"x"}'
expect_error 401 "missing Authorization"
expect_header WWW-Authenticate '^Bearer realm="pagerd"'
op postAlert
post_json /api/v1/alerts "not-a-key" '{"summary":"x"}'
expect_error 401 "unknown key"
op postAlert
post_json /api/v1/alerts "$VIEWER_KEY" '{"summary":"x"}'
expect_error 403 "may not do this"
op postAlert
post_json /api/v1/alerts "$INT_KEY" "{\"summary\":\"big\",\"details\":{\"pad\":\"$(head -c 5000 /dev/zero | tr '\0' x)\"}}"
expect_error 413 "body is larger than 4096 bytes"
pass "POST /api/v1/alerts: 202, duplicate, 400, 401, 403, 413"

# --- reading alerts
op listAlerts; get "/api/v1/alerts"; expect_status 200
op listAlerts; get "/api/v1/alerts?status=triggered&priority=p1&service=db&limit=1"
expect_status 200
expect_json '.alerts[0].id' "$ID"
op listAlerts; get "/api/v1/alerts?limit=1&before=$((ID2 + 1))"
expect_status 200
op listAlerts; get "/api/v1/alerts?paged=nobody"
expect_json '.alerts | length' 0
expect_status 200
op listAlerts status; get "/api/v1/alerts?status=sleeping"
expect_error 400 "status must be"
op listAlerts limit; get "/api/v1/alerts?limit=0"
expect_error 400 "limit must be"
op listAlerts; get "/api/v1/alerts" "$INT_KEY"
expect_status 403
op getAlert; get "/api/v1/alerts/$ID"; expect_status 200
expect_json '.events[0].kind' triggered
op getAlert; get "/api/v1/alerts/999999"
expect_error 404 "no alert 999999"
op getAlert id; get "/api/v1/alerts/abc"
expect_error 400 "positive integer"
op getAlert; get "/api/v1/alerts/$ID" "not-a-key"
expect_status 401
pass "GET /api/v1/alerts[/ID]"

# --- lifecycle
op ackAlert
post_json "/api/v1/alerts/$ID/ack" "$RESPONDER_KEY" '{"on_behalf_of":"alice"}'
expect_status 200
expect_json .status acknowledged
op ackAlert
http POST "/api/v1/alerts/$ID/ack" -H "Authorization: Bearer $RESPONDER_KEY"
expect_error 409 ""
op ackAlert '"code":"?not'
post_json "/api/v1/alerts/$ID2/ack" "$RESPONDER_KEY" '{"on_behalf_of":"a","actor":"b"}'
expect_error 400 "not both"
op ackAlert
post_json "/api/v1/alerts/999999/ack" "$RESPONDER_KEY" '{}'
expect_status 404
op ackAlert
post_json "/api/v1/alerts/$ID2/ack" "$VIEWER_KEY" '{}'
expect_status 403
op noteAlert
post_json "/api/v1/alerts/$ID/notes" "$RESPONDER_KEY" '{"text":"looking at it","actor":"alice"}'
expect_status 200
op noteAlert text
post_json "/api/v1/alerts/$ID/notes" "$RESPONDER_KEY" '{"on_behalf_of":"alice"}'
expect_error 400 "text is required"
op snoozeAlert
post_json "/api/v1/alerts/$ID/snooze" "$RESPONDER_KEY" '{"for":"30m"}'
expect_status 200
expect_match '^20[0-9-]+T' "$(json_get .snoozed_until)" "snoozed_until"
op snoozeAlert
post_json "/api/v1/alerts/$ID/snooze" "$RESPONDER_KEY" '{"for":"8d"}'
expect_error 400 "from 1m to 7d"
op snoozeAlert pattern
post_json "/api/v1/alerts/$ID/snooze" "$RESPONDER_KEY" '{"for":"5"}'
expect_error 400 "from 1m to 7d"
op snoozeAlert for
post_json "/api/v1/alerts/$ID/snooze" "$RESPONDER_KEY" '{}'
expect_error 400 "from 1m to 7d"
op snoozeAlert
post_json "/api/v1/alerts/$ID2/snooze" "$RESPONDER_KEY" '{"for":"30m"}'
expect_error 409 "is triggered"
op snoozeAlert
post_json "/api/v1/alerts/$ID/snooze" "$VIEWER_KEY" '{"for":"30m"}'
expect_status 403
op escalateAlert
post_json "/api/v1/alerts/$ID2/escalate" "$RESPONDER_KEY" '{}'
expect_status 200
expect_json .stage 2
op escalateAlert
post_json "/api/v1/alerts/$ID2/escalate" "$RESPONDER_KEY" '{}'
expect_status 409
op resolveAlert
http POST "/api/v1/alerts/$ID/resolve" -H "Authorization: Bearer $RESPONDER_KEY"
expect_status 200
expect_json .status resolved
op resolveAlert
http POST "/api/v1/alerts/$ID/resolve" -H "Authorization: Bearer $RESPONDER_KEY"
expect_status 409
op resolveAlert maxLength
post_json "/api/v1/alerts/$ID2/resolve" "$RESPONDER_KEY" "{\"on_behalf_of\":\"$(head -c 5000 /dev/zero | tr '\0' x)\"}"
expect_error 413 "larger than"
pass "ack, notes, escalate, resolve: 200, 400, 403, 404, 409, 413"

# --- silences
END=$(date -u -d "@$(($(date +%s) + 3600))" +%Y-%m-%dT%H:%M:%SZ)
op postSilence
post_json /api/v1/silences "$RESPONDER_KEY" "{\"matchers\":{\"service\":\"maint\",\"priority\":\"P2\",\"labels\":{\"env\":\"prod\"}},\"ends_at\":\"$END\",\"comment\":\"upgrade\",\"page_on_expiry\":false}"
expect_status 201
SID=$(json_get .id)
op postSilence matchers
post_json /api/v1/silences "$RESPONDER_KEY" "{\"matchers\":{},\"ends_at\":\"$END\",\"comment\":\"x\"}"
expect_error 400 "at least one"
op postSilence
post_json /api/v1/silences "$VIEWER_KEY" "{\"matchers\":{\"service\":\"x\"},\"ends_at\":\"$END\",\"comment\":\"x\"}"
expect_error 403 "may not do this"
op listSilences; get /api/v1/silences; expect_status 200
expect_json '.silences[0].id' "$SID"
op listSilences; get /api/v1/silences "$INT_KEY"; expect_status 403
op getSilence; get "/api/v1/silences/$SID"; expect_status 200
op getSilence; get /api/v1/silences/999999
expect_error 404 "no silence 999999"
op expireSilence
http DELETE "/api/v1/silences/$SID" -H "Authorization: Bearer $RESPONDER_KEY"
expect_status 200
expect_json .state expired
op expireSilence
http DELETE "/api/v1/silences/$SID" -H "Authorization: Bearer $RESPONDER_KEY"
expect_error 409 "already ended"
pass "silences: 201, 200, 400, 403, 404, 409"

# --- PagerDuty change events (before the trigger below, whose alert
# then shows the change in recent_changes)
op enqueueChange
post_json /v2/change/enqueue "" "{\"routing_key\":\"$INT_KEY\",\"payload\":{\"summary\":\"deployed web 1.2\",\"source\":\"ci\",\"timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"custom_details\":{\"build\":42}},\"links\":[{\"href\":\"https://ci.example.org/42\",\"text\":\"build\"}]}"
expect_status 202
op enqueueChange
post_json /v2/change/enqueue "" '{"routing_key":"nope","payload":{"summary":"x"}}'
expect_status 400
expect_json .status "invalid event"
op enqueueChange payload
post_json /v2/change/enqueue "" "{\"routing_key\":\"$INT_KEY\"}"
expect_status 400
pass "/v2/change/enqueue: 202 and 400 in PagerDuty's shapes"

# --- PagerDuty Events v2
op enqueueEvent
post_json /v2/enqueue "" "{\"routing_key\":\"$INT_KEY\",\"event_action\":\"trigger\",\"dedup_key\":\"pd-1\",\"payload\":{\"summary\":\"pd alert\",\"source\":\"pd\",\"severity\":\"warning\",\"custom_details\":{\"a\":1}},\"links\":[{\"href\":\"https://example.org\"}],\"client\":\"x\"}"
expect_status 202
expect_json .dedup_key pd-1
op enqueueEvent
post_json /v2/enqueue "" "{\"routing_key\":\"$INT_KEY\",\"event_action\":\"acknowledge\",\"dedup_key\":\"pd-1\"}"
expect_status 202
op enqueueEvent
post_json /v2/enqueue "" "{\"routing_key\":\"$INT_KEY\",\"event_action\":\"resolve\",\"dedup_key\":\"no-such\"}"
expect_status 202
op enqueueEvent
post_json /v2/enqueue "" '{"routing_key":"nope","event_action":"resolve","dedup_key":"pd-1"}'
expect_status 400
expect_json .status "invalid event"
op enqueueEvent payload
post_json /v2/enqueue "" "{\"routing_key\":\"$INT_KEY\",\"event_action\":\"trigger\"}"
expect_status 400
op enqueueEvent dedup_key
post_json /v2/enqueue "" "{\"routing_key\":\"$INT_KEY\",\"event_action\":\"resolve\"}"
expect_status 400
ev="{\"routing_key\":\"$LIMITED_KEY\",\"event_action\":\"trigger\",\"payload\":{\"summary\":\"batch\",\"source\":\"b\",\"severity\":\"info\"}}"
op enqueueEvent; post_json /v2/enqueue "" "$ev"; expect_status 202
op enqueueEvent; post_json /v2/enqueue "" "$ev"; expect_status 429
expect_json .status "throttle event"
expect_header Retry-After '^[0-9]+$'
api_get "/api/v1/alerts?limit=500"
[ "$(json_get '[.alerts[] | select(.dedup_key == "pd-1")][0].recent_changes[0].summary')" = "deployed web 1.2" ] ||
    fail "the Events v2 alert does not show the change before it"
pass "/v2/enqueue: 202, 400, 429 in PagerDuty's shapes"

# --- Alertmanager
am() { # am STATUS FINGERPRINT
	printf '{"version":"4","groupKey":"{}:{}","status":"%s","receiver":"pagerd","groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","truncatedAlerts":0,"alerts":[{"status":"%s","labels":{"alertname":"Down","instance":"web1","severity":"critical"},"annotations":{},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom/graph","fingerprint":"%s"}]}' "$1" "$1" "$2"
}
op alertmanagerWebhook
post_json /api/v1/intake/alertmanager "$INT_KEY" "$(am firing fp1)"
expect_status 200
expect_json '.alerts[0].fingerprint' fp1
op alertmanagerWebhook
post_json /api/v1/intake/alertmanager "$INT_KEY" "$(am resolved fp1)"
expect_status 200
expect_json '.alerts | length' 0
op alertmanagerWebhook version
post_json /api/v1/intake/alertmanager "$INT_KEY" '{"version":"3","alerts":[]}'
expect_error 400 'version must be "4"'
op alertmanagerWebhook
post_json /api/v1/intake/alertmanager "$LIMITED_KEY" "$(am firing fp2)"
expect_error 429 "rate limit"
expect_header Retry-After '^[0-9]+$'
op alertmanagerWebhook
post_json /api/v1/intake/alertmanager "$RESPONDER_KEY" "$(am firing fp2)"
expect_status 403
pass "Alertmanager webhook: 200, 400, 403, 429"

# --- the mapped intake
op mappedWebhook
post_json /api/v1/intake/mapped "$DESK_KEY" '{"id":7,"title":"printer on fire","state":"new"}'
expect_status 202
expect_json .action trigger
op mappedWebhook
post_json /api/v1/intake/mapped "$DESK_KEY" '{"id":7,"state":"closed"}'
expect_status 202
expect_json .action resolve
op mappedWebhook
post_json /api/v1/intake/mapped "$DESK_KEY" '{"id":8,"state":"closed"}'
expect_status 202
expect_json .id null
op mappedWebhook
post_json /api/v1/intake/mapped "$DESK_KEY" '{"id":9,"state":"new"}'
expect_error 400 'summary: nothing at "/title"'
op mappedWebhook
post_json /api/v1/intake/mapped "$RESPONDER_KEY" '{"id":9,"title":"x"}'
expect_status 403
pass "mapped webhook: 202, 400, 403"

# --- heartbeats
op heartbeat; http POST /api/v1/heartbeat/cron -H "Authorization: Bearer $INT_KEY"
expect_status 200
op heartbeat; http POST /api/v1/heartbeat/nope -H "Authorization: Bearer $INT_KEY"
expect_error 404 "no heartbeat monitor"
op heartbeat; http POST /api/v1/heartbeat/cron -H "Authorization: Bearer $VIEWER_KEY"
expect_status 403
pass "heartbeat: 200, 403, 404"

# --- on call, rotas, feeds
op oncall; get /api/v1/oncall; expect_status 200
op oncall; get "/api/v1/oncall?rota=primary&at=2026-03-29T03:30:00%2B02:00"
expect_status 200
expect_json '.rotas[0].oncall | length' 1
op oncall; get "/api/v1/oncall?rota=nope"; expect_error 404 'no rota "nope"'
op oncall; get "/api/v1/oncall?at=yesterday"; expect_error 400 "at:"
op schedule; get "/api/v1/oncall/schedule?rota=primary&from=2026-03-20T00:00:00Z&to=2026-04-10T00:00:00Z"
expect_status 200
op schedule; get "/api/v1/oncall/schedule?rota=primary&person=bob"
expect_status 200
op schedule rota; get "/api/v1/oncall/schedule"; expect_error 400 "rota: missing"
op schedule; get "/api/v1/oncall/schedule?rota=primary&from=2026-03-20T00:00:00Z&to=2026-03-01T00:00:00Z"
expect_error 400 "must be after"
op schedule; get "/api/v1/oncall/schedule?rota=nope"; expect_status 404
op rotas; get /api/v1/rotas; expect_status 200
expect_json '.rotas[0].name' primary
op rotas; get /api/v1/rotas "$INT_KEY"; expect_status 403
op feeds; get /api/v1/feeds; expect_status 200
ROTA_URL=$(json_get '.rotas[0].url')
PERSON_URL=$(json_get '.people[] | select(.id == "alice") | .url')
op feeds; get /api/v1/feeds "$INT_KEY"; expect_status 403
op rotaFeed; get /api/v1/rotas/primary.ics; expect_status 200
op rotaFeed; get "${ROTA_URL#http://127.0.0.1:"$PROXY_PORT"}" ""
expect_status 200
expect_match '^BEGIN:VCALENDAR' "$HTTP_BODY" "the rota feed"
op rotaFeed; get "/api/v1/rotas/primary.ics?sig=0000" ""
expect_error 403 "bad signature"
op rotaFeed '"code":"?401'; get /api/v1/rotas/primary.ics ""
expect_error 401 "signed link"
op rotaFeed; get /api/v1/rotas/nope.ics; expect_status 404
op personFeed; get "${PERSON_URL#http://127.0.0.1:"$PROXY_PORT"}" ""
expect_status 200
op personFeed; get /api/v1/people/nobody.ics; expect_error 404 'no person'
op personFeed; get /api/v1/people/alice.ics "$INT_KEY"; expect_status 403
pass "on call, schedule, rotas, feeds"

# --- reports
op stats; get /api/v1/stats; expect_status 200
op stats; get "/api/v1/stats?from=2026-01-01T00:00:00Z&service=db&priority=P1"
expect_status 200
op stats; get "/api/v1/stats?silenced=include"
expect_json .sla_includes_silenced true
op stats; get "/api/v1/stats?from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z"
expect_error 400 "from must be before to"
op stats priority; get "/api/v1/stats?priority=urgent"
expect_error 400 "priority must be"
op metrics; get /metrics; expect_status 200
op metrics; get /metrics ""; expect_error 401 "missing Authorization"
op metrics; get /metrics "$INT_KEY"; expect_status 403
pass "stats and metrics"

# --- acknowledgement links: the page of alice about ID3
op postAlert
post_json /api/v1/alerts "$INT_KEY" '{"summary":"queue stuck","priority":"P2","service":"mq"}'
expect_status 202
ID3=$(json_get .id)
ack_url() { # ack_url ID: the link of the first page of alert ID
	"$PYTHON" - "$STATE_DIR/pagerd.db" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
r = db.execute("SELECT ack_url FROM notifications WHERE alert_id = ? AND"
    " ack_url IS NOT NULL", (sys.argv[2],)).fetchone()
if r is None:
    sys.exit(1)
print(r[0])
PY
}
wait_until 20 "the page of alert $ID3 with its link" eval 'ack_url $ID3 >/dev/null'
TOKEN=$(ack_url "$ID3")
TOKEN=${TOKEN##*/ack/}
op ackLinkPage; http GET "/ack/$TOKEN"; expect_status 200
expect_header Content-Type '^text/html'
op ackLinkPage; http GET "/ack/not-a-token"; expect_status 403
op ackLinkAct action; http POST "/ack/$TOKEN" -d 'what=ever'
expect_status 400
op ackLinkAct; http POST "/ack/$TOKEN" -d 'action=ack'
expect_status 200
op ackLinkAct; http POST "/ack/$TOKEN" -d 'action=ack'
expect_status 410
pass "ack links: 200, 400, 403, 410 as HTML"

# --- Twilio hooks; the keypresses with a token of alert ID2, still unused
GTOKEN=$(ack_url "$ID2") || fail "no link for alert $ID2"
GTOKEN=${GTOKEN##*/ack/}
op smsReply
twilio /hooks/sms/twilio good From "$ALICE" Body "${ID3}r" MessageSid SM0001
expect_status 200
expect_header Content-Type '^text/xml'
expect_match "Resolved #$ID3" "$HTTP_BODY" "the SMS answer"
op smsReply
twilio /hooks/sms/twilio bad From "$ALICE" Body a MessageSid SM0002
expect_error 403 "bad signature"
op voiceKeypress
twilio "/hooks/voice/twilio/gather/$GTOKEN" good CallSid CA0001 Digits 9
expect_status 200
expect_match '<Gather' "$HTTP_BODY" "the keypress answer"
op voiceKeypress
twilio "/hooks/voice/twilio/gather/forged.$GTOKEN" good CallSid CA0001 Digits 1
expect_status 403
expect_header Content-Type '^text/xml'
op voiceKeypress
twilio "/hooks/voice/twilio/gather/$GTOKEN" bad CallSid CA0001 Digits 1
expect_error 403 "bad signature"
op smsStatus
twilio /hooks/sms/twilio/status good MessageSid SM0003 MessageStatus delivered
expect_status 204
op smsStatus MessageStatus
twilio /hooks/sms/twilio/status good MessageSid SM0003
expect_error 400 "the status is missing"
op voiceStatus
twilio /hooks/voice/twilio/status good CallSid CA0002 CallStatus completed
expect_status 204
op voiceStatus
twilio /hooks/voice/twilio/status bad CallSid CA0002 CallStatus completed
expect_status 403
pass "Twilio hooks: 200, 204, 400, 403"

# --- every operation of the document was driven: to a 2xx, and to a 4xx
# when it documents one
"$PYTHON" - "$OPENAPI_SEEN" "$top_builddir/tests/node_modules" "$OPENAPI_DOC" <<'PY' ||
import json, subprocess, sys
seen, modules, doc = sys.argv[1:4]
# the document read by Prism's own YAML parser (no python3-yaml needed)
ops = json.loads(subprocess.check_output(["node", "-e", """
const yaml = require(process.argv[1] + '/@stoplight/yaml');
const d = yaml.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const out = {};
for (const [p, item] of Object.entries(d.paths))
  for (const [m, o] of Object.entries(item))
    if (o && o.operationId)
      out[o.operationId] = Object.keys(o.responses);
console.log(JSON.stringify(out));
""", modules, doc]))
got = {}
for line in open(seen):
    op, status = line.split()
    got.setdefault(op, set()).add(status)
bad = 0
for op, codes in sorted(ops.items()):
    s = got.get(op, set())
    if not any(c.startswith("2") for c in s):
        print("not driven to a 2xx: %s" % op); bad = 1
    if any(c.startswith("4") for c in codes) and \
            not any(c.startswith("4") for c in s):
        print("not driven to a 4xx: %s" % op); bad = 1
for op in sorted(set(got) - set(ops)):
    print("not an operationId of the document: %s" % op); bad = 1
print("%d operations, %d requests" % (len(ops), sum(1 for _ in open(seen))))
sys.exit(bad)
PY
    fail "some operations of doc/openapi.yaml were not driven"
pass "every operation of doc/openapi.yaml answered as documented"

# SPDX-License-Identifier: ISC
#
# intake-compat.sh: drop-in intake.  PagerDuty Events v2 (trigger,
# duplicate trigger, acknowledge, resolve, bad events, rate limit), and a
# real Prometheus Alertmanager (Debian's package) firing and resolving
# alerts into pagerd through its webhook, with pagerd's state following.
. "$E2E_LIB"
need curl jq
AM=$(command -v prometheus-alertmanager || true)

EXTRA_INTEGRATIONS=',
	{ name = "limited"; key_sha256 = "@LIMITED@"; rate_limit = 60;
	  rate_burst = 2; service = "batch"; }'
make_keys
LIMITED_KEY=$(new_key)
write_config
sed -i "s|@LIMITED@|$(sha256_hex "$LIMITED_KEY")|" "$CONFIG"
start_pagerd

enqueue() {
	printf '%s' "$1" >"$TEST_TMP/event.json"
	http POST /v2/enqueue -H 'Content-Type: application/json' \
	    --data-binary @"$TEST_TMP/event.json"
}

# --- Events v2 ---
TRIGGER='{"routing_key":"'$INT_KEY'","event_action":"trigger","dedup_key":"pd-disk","payload":{"summary":"disk 95% on db1","source":"db1","severity":"critical","custom_details":{"free":"5%"}},"links":[{"href":"https://grafana.example/d/1","text":"dashboard"}]}'
enqueue "$TRIGGER"
expect_status 202
expect_json .status success
expect_json .message "Event processed"
expect_json .dedup_key pd-disk
load_alert_ids
ID=${ALERT_IDS[0]}
api_get "/api/v1/alerts/$ID"
expect_json .priority P1
expect_json .summary "disk 95% on db1"
expect_json .source db1
expect_json .details.custom_details.free "5%"
expect_json '.links[0].href' "https://grafana.example/d/1"
expect_json .integration e2e-integration
enqueue "$TRIGGER"
expect_status 202
expect_json .dedup_key pd-disk
api_get "/api/v1/alerts/$ID"
expect_json .count 2
enqueue '{"routing_key":"'$INT_KEY'","event_action":"acknowledge","dedup_key":"pd-disk"}'
expect_status 202
api_get "/api/v1/alerts/$ID"
expect_json .status acknowledged
expect_json '[.events[] | select(.kind == "ack")][0].detail.via' events-v2
enqueue '{"routing_key":"'$INT_KEY'","event_action":"resolve","dedup_key":"pd-disk"}'
expect_status 202
api_get "/api/v1/alerts/$ID"
expect_json .status resolved
# after a resolve, a trigger opens a new alert; ack/resolve of nothing is dropped
enqueue '{"routing_key":"'$INT_KEY'","event_action":"resolve","dedup_key":"never-seen"}'
expect_status 202
enqueue "$TRIGGER"
expect_status 202
load_alert_ids
[ "${ALERT_IDS[0]}" != "$ID" ] || fail "a trigger after resolve reused alert $ID"
pass "Events v2 trigger, duplicate, acknowledge, resolve"

store_snapshot "$TEST_TMP/before.json"
enqueue '{"routing_key":"'$INT_KEY'","event_action":"trigger","payload":{"summary":"x","source":"y","severity":"fatal"}}'
expect_status 400
expect_json .status "invalid event"
expect_json '.errors[0]' "payload.severity must be critical, error, warning or info"
enqueue '{"routing_key":"not-a-key","event_action":"trigger","payload":{"summary":"x","source":"y","severity":"info"}}'
expect_status 400
expect_json '.errors[0]' "routing_key is not a known integration key"
enqueue '{"routing_key":"'$INT_KEY'","event_action":"resolve"}'
expect_status 400
expect_json '.errors[0]' "dedup_key is required to resolve"
enqueue '{"routing_key":"'$INT_KEY'","event_action":"trigger"}'
expect_status 400
enqueue 'not json'
expect_status 400
store_snapshot "$TEST_TMP/after.json"
cmp -s "$TEST_TMP/before.json" "$TEST_TMP/after.json" ||
    fail "a refused event changed the store"
pass "bad events get 400 with the reason and change nothing"

# rate limit: burst 2, then 429 with Retry-After; nothing is stored
for i in 1 2; do
	enqueue '{"routing_key":"'$LIMITED_KEY'","event_action":"trigger","dedup_key":"lim-'$i'","payload":{"summary":"batch '$i'","source":"cron","severity":"info"}}'
	expect_status 202
done
enqueue '{"routing_key":"'$LIMITED_KEY'","event_action":"trigger","dedup_key":"lim-3","payload":{"summary":"batch 3","source":"cron","severity":"info"}}'
expect_status 429
expect_header Retry-After '^[0-9]+$'
expect_json .status "throttle event"
post_alert "$LIMITED_KEY" '{"summary":"native over the limit"}'
expect_status 202 # the native API is not limited
api_get "/api/v1/alerts?service=batch"
expect_json '[.alerts[].dedup_key] | map(select(startswith("lim-"))) | sort | join(",")' "lim-1,lim-2"
pass "rate limit answers 429 with Retry-After and stores nothing"

# --- Alertmanager ---
if [ -z "$AM" ]; then
	skip_missing Alertmanager "prometheus-alertmanager is not installed (Debian package prometheus-alertmanager)"
fi
AM_PORT=$(free_port)
mkdir -p "$TEST_TMP/am"
cat >"$TEST_TMP/am/alertmanager.yml" <<YML
route:
  receiver: pagerd
  group_by: ['alertname']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: pagerd
    webhook_configs:
      - url: http://127.0.0.1:$PORT/api/v1/intake/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: $INT_KEY
YML
"$AM" --config.file="$TEST_TMP/am/alertmanager.yml" \
    --storage.path="$TEST_TMP/am/data" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
    >"$TEST_TMP/am/out" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
am_ready() {
	curl -sf "http://127.0.0.1:$AM_PORT/-/ready" >/dev/null 2>&1
}
wait_until 30 "Alertmanager to start" am_ready
note "Alertmanager $("$AM" --version 2>&1 | head -1 | awk '{print $3}') on port $AM_PORT"

am_post() {
	curl -sf -XPOST -H 'Content-Type: application/json' --data-binary "$1" \
	    "http://127.0.0.1:$AM_PORT/api/v2/alerts" >/dev/null ||
	    fail "Alertmanager refused the alerts"
}
am_alert_status() { # fingerprint-less lookup by summary
	api_get "/api/v1/alerts?service=$1"
	json_get "[.alerts[] | select(.summary == \"$2\")][0].status"
}
has_status() {
	[ "$(am_alert_status "$1" "$2")" = "$3" ]
}

NOW=$(date -u -d '-30 seconds' +%Y-%m-%dT%H:%M:%SZ)
am_post '[{"labels":{"alertname":"DiskFull","instance":"db1:9100","severity":"critical","service":"db"},"annotations":{"summary":"disk full on db1"},"startsAt":"'$NOW'","generatorURL":"http://prom.example:9090/graph"},
	  {"labels":{"alertname":"HighLatency","instance":"web1","severity":"warning","service":"web"},"annotations":{},"startsAt":"'$NOW'"}]'
wait_until 30 "DiskFull to reach pagerd" has_status db "disk full on db1" triggered
wait_until 30 "HighLatency to reach pagerd" has_status web "HighLatency on web1" triggered
api_get "/api/v1/alerts?service=db"
expect_json '.alerts[0].priority' P1
expect_json '.alerts[0].source' alertmanager
expect_json '.alerts[0].dedup_key | test("^[0-9a-f]{16}$")' true
expect_json '.alerts[0].links[0].href' "http://prom.example:9090/graph"
api_get "/api/v1/alerts?service=web"
expect_json '.alerts[0].priority' P3
pass "Alertmanager fired two alerts into pagerd, with priority and service from labels"

# resolve DiskFull: endsAt in the past
PAST=$(date -u -d '-1 second' +%Y-%m-%dT%H:%M:%SZ)
am_post '[{"labels":{"alertname":"DiskFull","instance":"db1:9100","severity":"critical","service":"db"},"annotations":{"summary":"disk full on db1"},"startsAt":"'$NOW'","endsAt":"'$PAST'","generatorURL":"http://prom.example:9090/graph"}]'
wait_until 30 "DiskFull to be resolved in pagerd" has_status db "disk full on db1" resolved
has_status web "HighLatency on web1" triggered || fail "HighLatency should still be open"
api_get "/api/v1/alerts?service=db"
ID=$(json_get '.alerts[0].id')
api_get "/api/v1/alerts/$ID"
expect_json '[.events[] | select(.kind == "resolve")][0].detail.via' alertmanager
pass "Alertmanager resolved DiskFull and pagerd followed"

# a bad webhook body is a 400 (not retried) and changes nothing
http POST /api/v1/intake/alertmanager -H "Authorization: Bearer $INT_KEY" \
    -d '{"version":"3","alerts":[]}'
expect_error 400 'version must be "4"'
http POST /api/v1/intake/alertmanager -d '{"version":"4","alerts":[]}'
expect_status 401
stop_pagerd

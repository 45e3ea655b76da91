# SPDX-License-Identifier: ISC
#
# intake-events-context.sh: PagerDuty Events v2 in full, through the real
# daemon.  A trigger's images, links, client and client_url are kept and
# shown by GET /api/v1/alerts/{id}; change events (POST
# /v2/change/enqueue) are answered 202 as PagerDuty answers them, stored
# for the integration key's service and shown newest first in
# "recent_changes" of that service's alerts raised within the next 24
# hours (not of another service's); a summary of 1,024 multibyte
# characters is taken whole and one of 1,025 refused; the empty strings
# Alertmanager sends for what it was not given are taken as left out;
# bad fields get 400 "invalid event" and store nothing; and the whole
# survives a restart.
. "$E2E_LIB"
need curl jq python3

EXTRA_INTEGRATIONS=',
	{ name = "payments-ci"; key_sha256 = "@PAY_KEY@"; service = "payments"; }'
make_keys
PAY_KEY=$(new_key)
write_config
sed -i "s|@PAY_KEY@|$(sha256_hex "$PAY_KEY")|" "$CONFIG"
start_pagerd

post() {
	printf '%s' "$2" >"$TEST_TMP/event.json"
	http POST "$1" -H 'Content-Type: application/json' \
	    --data-binary @"$TEST_TMP/event.json"
}

# The id of the alert the last 202 made, from its dedup_key.
alert_id_of() {
	local key=$1 id
	load_alert_ids
	for id in "${ALERT_IDS[@]}"; do
		api_get "/api/v1/alerts/$id"
		if [ "$(json_get .dedup_key)" = "$key" ]; then
			printf '%s' "$id"
			return 0
		fi
	done
	fail "no alert with dedup_key $key"
}

# --- change events, before the alerts they explain ---
post /v2/change/enqueue '{"routing_key":"'$INT_KEY'","payload":{"summary":"Deploy web v1.41","timestamp":"'"$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%S.000+0000)"'","source":"ci","custom_details":{"sha":"a1"}},"links":[{"href":"https://ci.example/build/41","text":"build 41"}]}'
expect_status 202
expect_json .status success
expect_json .message "Change event processed"
post /v2/change/enqueue '{"routing_key":"'$INT_KEY'","payload":{"summary":"Deploy web v1.42","source":"ci"}}'
expect_status 202
# a day and more ago: outside the window of alerts raised now
post /v2/change/enqueue '{"routing_key":"'$INT_KEY'","payload":{"summary":"Deploy web v1.30","timestamp":"'"$(date -u -d '-30 hours' +%Y-%m-%dT%H:%M:%SZ)"'"}}'
expect_status 202
# another service's change
post /v2/change/enqueue '{"routing_key":"'$PAY_KEY'","payload":{"summary":"Rotate payments secret"}}'
expect_status 202
pass "change events answered 202 \"Change event processed\""

# --- a trigger with everything PagerDuty's documentation sends ---
TRIGGER='{"routing_key":"'$INT_KEY'","event_action":"trigger","dedup_key":"ctx-1","payload":{"summary":"p99 latency 2 s on web","source":"web1","severity":"error"},"images":[{"src":"https://grafana.example/render/p99.png","href":"https://grafana.example/d/p99","alt":"p99 latency"},{"src":"https://grafana.example/render/cpu.png"}],"links":[{"href":"https://runbook.example/web","text":"runbook"},{"href":"https://logs.example/?q=web1"}],"client":"Grafana","client_url":"https://grafana.example/"}'
post /v2/enqueue "$TRIGGER"
expect_status 202
expect_json .dedup_key ctx-1
ID=$(alert_id_of ctx-1)
check_context() {
	api_get "/api/v1/alerts/$ID"
	expect_status 200
	expect_json '.images | length' 2
	expect_json '.images[0].src' "https://grafana.example/render/p99.png"
	expect_json '.images[0].href' "https://grafana.example/d/p99"
	expect_json '.images[0].alt' "p99 latency"
	expect_json '.images[1]' '{"src":"https://grafana.example/render/cpu.png"}'
	expect_json '.links' '[{"href":"https://runbook.example/web","text":"runbook"},{"href":"https://logs.example/?q=web1"}]'
	expect_json .client Grafana
	expect_json .client_url "https://grafana.example/"
	# the service's changes of the day before it, newest first
	expect_json '[.recent_changes[].summary]' '["Deploy web v1.42","Deploy web v1.41"]'
	expect_json '.recent_changes[1].source' ci
	expect_json '.recent_changes[1].details.sha' a1
	expect_json '.recent_changes[1].links[0].href' "https://ci.example/build/41"
	expect_json '.recent_changes[1].links[0].text' "build 41"
	expect_json '.recent_changes[1].integration' e2e-integration
	expect_match '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$(json_get '.recent_changes[0].at')" "a change's time"
}
check_context
# the same in the list the dashboard reads
api_get "/api/v1/alerts?status=triggered"
expect_json "[.alerts[] | select(.id == $ID) | .client_url][0]" "https://grafana.example/"
expect_json "[.alerts[] | select(.id == $ID) | .recent_changes | length][0]" 2
# a duplicate trigger with other context keeps the first one's
post /v2/enqueue "$(printf '%s' "$TRIGGER" | jq -c '.client = "other" | .images = []')"
expect_status 202
api_get "/api/v1/alerts/$ID"
expect_json .count 2
expect_json .client Grafana
pass "a trigger's images, links and client are shown with the changes before it"

# another service's alert shows that service's changes only
post /v2/enqueue '{"routing_key":"'$PAY_KEY'","event_action":"trigger","dedup_key":"pay-1","payload":{"summary":"card auth errors","source":"pay1","severity":"critical"}}'
expect_status 202
PAY_ID=$(alert_id_of pay-1)
api_get "/api/v1/alerts/$PAY_ID"
expect_json .service payments
expect_json '[.recent_changes[].summary]' '["Rotate payments secret"]'
expect_json .images '[]'
expect_json .client null
pass "changes are kept per service"

# Prometheus Alertmanager's pagerduty_configs send "" for what they were
# not given (an image's alt and href, a link's text, client_url): taken
# as left out, never a refused page.
post /v2/enqueue '{"routing_key":"'$INT_KEY'","dedup_key":"am-1","event_action":"trigger","payload":{"summary":"from Alertmanager","source":"Alertmanager","severity":"error"},"client":"Alertmanager","client_url":"","images":[{"src":"https://grafana.example/x.png","alt":"","href":""}],"links":[{"href":"https://am.example/#/alerts","text":""}]}'
expect_status 202
api_get "/api/v1/alerts/$(alert_id_of am-1)"
expect_json .images '[{"src":"https://grafana.example/x.png"}]'
expect_json .links '[{"href":"https://am.example/#/alerts"}]'
expect_json .client Alertmanager
expect_json .client_url null
pass "Alertmanager's empty strings are taken as left out"

# --- the summary limit counts characters ---
# 1,023 characters of 2 bytes and one of 4: 2,050 bytes
SUM1024=$(python3 -c 'print("\u00e9" * 1023 + "\U0001f525", end="")')
[ "$(printf '%s' "$SUM1024" | wc -c)" -eq 2050 ] ||
    fail "the test's summary is not 2,050 bytes"
post /v2/enqueue '{"routing_key":"'$INT_KEY'","event_action":"trigger","dedup_key":"long-1024","payload":{"summary":"'"$SUM1024"'","source":"s","severity":"info"}}'
expect_status 202
LONG_ID=$(alert_id_of long-1024)
api_get "/api/v1/alerts/$LONG_ID"
expect_json .summary "$SUM1024" "the 1,024-character summary, whole"
store_snapshot "$TEST_TMP/before.json"
post /v2/enqueue '{"routing_key":"'$INT_KEY'","event_action":"trigger","dedup_key":"long-1025","payload":{"summary":"'"${SUM1024}é"'","source":"s","severity":"info"}}'
expect_status 400
expect_json .status "invalid event"
expect_json '.errors[0]' "payload.summary must be a string of 1 to 1024 characters"
post /v2/change/enqueue '{"routing_key":"'$INT_KEY'","payload":{"summary":"'"${SUM1024}é"'"}}'
expect_status 400
expect_json '.errors[0]' "payload.summary must be a string of 1 to 1024 characters"
pass "1,024 characters of 2 and 4 bytes taken, 1,025 refused"

# --- bad fields: 400 "invalid event", nothing stored ---
bad() {
	post "$1" "$2"
	expect_status 400
	expect_json .status "invalid event"
	expect_json .message "Event object is invalid"
	expect_json '.errors[0]' "$3"
}
T='"routing_key":"'$INT_KEY'","event_action":"trigger","dedup_key":"bad","payload":{"summary":"x","source":"y","severity":"info"}'
bad /v2/enqueue "{$T,\"images\":\"https://a.example/p.png\"}" "images must be an array of at most 10 images"
bad /v2/enqueue "{$T,\"images\":[{\"src\":\"http://a.example/p.png\"}]}" "images[0].src must be an https URL of at most 2048 bytes"
bad /v2/enqueue "{$T,\"images\":[{\"src\":\"https://a.example/p.png\",\"alt\":5}]}" "images[0].alt must be a string of at most 255 characters"
bad /v2/enqueue "{$T,\"links\":[{\"href\":\"javascript:alert(1)\"}]}" "links[0].href must be an http or https URL of at most 2048 bytes"
bad /v2/enqueue "{$T,\"links\":{\"href\":\"https://a.example\"}}" "links must be an array of at most 20 links"
bad /v2/enqueue "{$T,\"links\":$(jq -nc '[range(21) | {href: "https://a.example/\(.)"}]')}" "links must be an array of at most 20 links"
bad /v2/enqueue "{$T,\"client\":[\"x\"]}" "client must be a string of 1 to 255 characters"
bad /v2/enqueue "{$T,\"client_url\":\"ftp://a.example\"}" "client_url must be an http or https URL of at most 2048 bytes"
bad /v2/change/enqueue '{"routing_key":"'$INT_KEY'","payload":{"summary":"x","timestamp":"yesterday"}}' "payload.timestamp must be an ISO 8601 time with an offset"
bad /v2/change/enqueue '{"routing_key":"'$INT_KEY'","payload":{"summary":"x","custom_details":[1]}}' "payload.custom_details must be an object of at most 16384 bytes"
bad /v2/change/enqueue '{"routing_key":"'$INT_KEY'","payload":{"summary":"x"},"links":[{"href":7}]}' "links[0].href must be an http or https URL of at most 2048 bytes"
bad /v2/change/enqueue '{"routing_key":"'$INT_KEY'"}' "payload is required"
bad /v2/change/enqueue '{"routing_key":"not-a-key","payload":{"summary":"x"}}' "routing_key is not a known integration key"
store_snapshot "$TEST_TMP/after.json"
expect_same_store "$TEST_TMP/before.json" "$TEST_TMP/after.json" "refused events"
# no refused change shows beside an alert raised after them
post /v2/enqueue '{"routing_key":"'$INT_KEY'","event_action":"trigger","dedup_key":"after-bad","payload":{"summary":"after","source":"s","severity":"info"}}'
expect_status 202
api_get "/api/v1/alerts/$(alert_id_of after-bad)"
expect_json '[.recent_changes[].summary]' '["Deploy web v1.42","Deploy web v1.41"]'
pass "bad fields get 400 \"invalid event\" and store nothing"

# --- it is all in the store: a restart shows the same ---
stop_pagerd
start_pagerd
check_context
pass "context and changes survive a restart"

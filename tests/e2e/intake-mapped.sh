# SPDX-License-Identifier: ISC
#
# intake-mapped.sh: the mapped intake (POST /api/v1/intake/mapped)
# through the real daemon.  A generic mapping: a trigger with every
# field mapped (template, value maps, named details, external_url) is
# stored and shown by the API with its ticket link; a repeat folds into
# it; acknowledge and resolve by the ticket's state act on it; a body
# that does not fit is answered 400 naming the field and the pointer,
# and stores nothing; an integration without a mapping, a missing key
# and the rate limit are refused.  Then each example mapping of
# conf/mapped/ (a helpdesk's webhook) is fed the documented payload of
# tests/e2e/mapped/NAME.json and the stored alert is checked against
# tests/e2e/mapped/NAME.expect (lines "jq-filter<TAB>value").
. "$E2E_LIB"
need curl jq
shopt -s nullglob

MAPPED_DIR=$top_srcdir/conf/mapped
FIXTURES=$E2E_DIR/mapped
EXTRA_INTEGRATIONS=',
	{ name = "desk"; key_sha256 = "@DESK_KEY@"; service = "support";
	  rate_limit = 600; rate_burst = 100;
	  format = "mapped";
	  mapping = {
		summary = { template = "#{/ticket/number} {/ticket/title}"; };
		priority = { pointer = "/ticket/priority/name";
			map = ( [ "3 high", "P1" ], [ "1 low", "P4" ] );
			default = "P3"; };
		service = { pointer = "/ticket/group/name";
			map = ( [ "Users", "support" ], [ "Network", "netops" ] );
			default = "support"; };
		dedup_key = { template = "ticket-{/ticket/id}"; };
		action = { pointer = "/ticket/state";
			map = ( [ "closed", "resolve" ], [ "merged", "resolve" ],
			    [ "pending close", "acknowledge" ] );
			default = "trigger"; };
		external_url = { template = "https://desk.example/#ticket/zoom/{/ticket/id}"; };
		details = { customer = "/ticket/customer/email"; tags = "/ticket/tags"; };
	  };
	},
	{ name = "tight"; key_sha256 = "@TIGHT_KEY@"; rate_limit = 60;
	  rate_burst = 1; format = "mapped";
	  mapping = { summary = "/title"; }; }'
# every example mapping of conf/mapped, under its file name, included
# as its comments say (@include takes a path from pagerd.conf's folder)
mkdir -p "$TEST_TMP/mapped"
for f in "$MAPPED_DIR"/*.conf; do
	n=$(basename "$f" .conf)
	cp "$f" "$TEST_TMP/mapped/"
	EXTRA_INTEGRATIONS="$EXTRA_INTEGRATIONS,
	{ name = \"$n\"; key_sha256 = \"@KEY_$n@\"; service = \"helpdesk\";
	  format = \"mapped\";
	  @include \"mapped/$n.conf\"
	}"
done
make_keys
DESK_KEY=$(new_key)
TIGHT_KEY=$(new_key)
write_config
sed -i -e "s|@DESK_KEY@|$(sha256_hex "$DESK_KEY")|" \
    -e "s|@TIGHT_KEY@|$(sha256_hex "$TIGHT_KEY")|" "$CONFIG"
declare -A KEYS
for f in "$MAPPED_DIR"/*.conf; do
	n=$(basename "$f" .conf)
	KEYS[$n]=$(new_key)
	sed -i "s|@KEY_$n@|$(sha256_hex "${KEYS[$n]}")|" "$CONFIG"
done
"$PAGERD" -t -c "$CONFIG" >"$TEST_TMP/check.out" 2>&1 ||
    { cat "$TEST_TMP/check.out"; fail "pagerd -t on the example mappings"; }
start_pagerd

# mapped KEY FILE-OR-JSON: POST it to the mapped intake.
mapped() {
	local key=$1 body=$2
	if [ -f "$body" ]; then
		cp "$body" "$TEST_TMP/mapped.json"
	else
		printf '%s' "$body" >"$TEST_TMP/mapped.json"
	fi
	http POST /api/v1/intake/mapped -H 'Content-Type: application/json' \
	    -H "Authorization: Bearer $key" \
	    --data-binary @"$TEST_TMP/mapped.json"
}

# --- a generic mapping ---
TICKET='{"ticket":{"id":42,"number":"31001","title":"Printer on fire",
 "state":"open","priority":{"name":"3 high"},"group":{"name":"Network"},
 "customer":{"email":"ana@example.org"},"tags":["hw","floor-2"]},
 "article":{"body":"smoke"}}'
mapped "$DESK_KEY" "$TICKET"
expect_status 202
expect_json .action trigger
expect_json .dedup_key ticket-42
expect_json .duplicate false
ID=$(json_get .id)
api_get "/api/v1/alerts/$ID"
expect_status 200
expect_json .summary "#31001 Printer on fire"
expect_json .priority P1
expect_json .service netops
expect_json .status triggered
expect_json .integration desk
expect_json .external_url "https://desk.example/#ticket/zoom/42"
expect_json .details '{"customer":"ana@example.org","tags":["hw","floor-2"]}'
mapped "$DESK_KEY" "$TICKET"
expect_status 202
expect_json .id "$ID"
expect_json .duplicate true
pass "a mapped trigger is stored with its fields and ticket link"

# the list shows the ticket link too (the console reads it), and so
# does pagerctl show
api_get "/api/v1/alerts?service=netops"
expect_json "[.alerts[] | select(.id == $ID)][0].external_url" \
    "https://desk.example/#ticket/zoom/42"
out=$(PAGERD_URL=http://127.0.0.1:$PORT PAGERD_TOKEN=$VIEWER_KEY \
    "${PAGERCTL:-$top_builddir/src/pagerctl}" show "$ID") ||
    fail "pagerctl show $ID"
expect_match '^ *ticket +https://desk\.example/#ticket/zoom/42$' "$out" \
    "pagerctl show's ticket line"

ACK='{"ticket":{"id":42,"state":"pending close","group":{"name":"Network"}}}'
mapped "$DESK_KEY" "$ACK"
expect_status 202
expect_json .action acknowledge
expect_json .id "$ID"
api_get "/api/v1/alerts/$ID"
expect_json .status acknowledged
expect_json '[.events[] | select(.kind == "ack")][0].actor' desk
expect_json '[.events[] | select(.kind == "ack")][0].detail.via' mapped
mapped "$DESK_KEY" '{"ticket":{"id":42,"state":"closed","group":{"name":"Network"}}}'
expect_status 202
expect_json .action resolve
expect_json .id "$ID"
api_get "/api/v1/alerts/$ID"
expect_json .status resolved
# a resolve of no open alert is dropped, as Events v2 drops it
mapped "$DESK_KEY" '{"ticket":{"id":4711,"state":"closed"}}'
expect_status 202
expect_json .id null
pass "acknowledge and resolve by the ticket's state act on its alert"

# --- bodies that do not fit: 400 naming the pointer, nothing stored ---
store_snapshot "$TEST_TMP/before.json"
mapped "$DESK_KEY" '{"ticket":{"id":43,"number":"31002"}}'
expect_error 400 'summary: nothing at "/ticket/title", and no default'
mapped "$DESK_KEY" '{"ticket":{"id":43,"number":"1","title":{"x":1}}}'
expect_error 400 'summary: "/ticket/title" must be a string, a number or a boolean'
mapped "$DESK_KEY" '{"ticket":{"state":"closed"}}'
expect_error 400 'dedup_key: nothing at "/ticket/id", and resolve needs one'
mapped "$DESK_KEY" '{"ticket":[1,2]}'
expect_error 400 'summary: nothing at "/ticket/number"'
mapped "$DESK_KEY" '[{"ticket":{}}]'
expect_error 400 'the body must be a JSON object'
# not JSON: straight to pagerd (a validating proxy would answer it)
E2E_DIRECT=1 mapped "$DESK_KEY" '{"ticket":'
expect_error 400 'malformed JSON'
store_snapshot "$TEST_TMP/after.json"
expect_same_store "$TEST_TMP/before.json" "$TEST_TMP/after.json" \
    "refused mapped bodies"
pass "a body that does not fit gets 400 naming the pointer, stores nothing"

# --- who may post ---
mapped "$INT_KEY" "$TICKET"
expect_error 400 'integration "e2e-integration" has no mapping'
mapped "$VIEWER_KEY" "$TICKET"
expect_status 403
mapped "" "$TICKET"
expect_status 401
mapped "$TIGHT_KEY" '{"title":"one"}'
expect_status 202
mapped "$TIGHT_KEY" '{"title":"two"}'
expect_status 429
expect_header Retry-After '^[0-9]+$'
pass "only a mapped integration's key posts, within its rate limit"

# --- the example mappings of conf/mapped, each with its documented
# payload (tests/e2e/mapped/NAME.json) and what it must store ---
for f in "$MAPPED_DIR"/*.conf; do
	n=$(basename "$f" .conf)
	[ -f "$FIXTURES/$n.json" ] || fail "no fixture $FIXTURES/$n.json for $f"
	[ -f "$FIXTURES/$n.expect" ] || fail "no $FIXTURES/$n.expect for $f"
	mapped "${KEYS[$n]}" "$FIXTURES/$n.json"
	expect_status 202 "$n: POST its documented payload"
	expect_json .action trigger "$n: action"
	id=$(json_get .id)
	api_get "/api/v1/alerts/$id"
	expect_status 200
	while IFS='	' read -r filter want; do
		case $filter in ''|'#'*) continue ;; esac
		expect_json "$filter" "$want" "$n: $filter"
	done <"$FIXTURES/$n.expect"
	# a resolve, if the fixture has one
	if [ -f "$FIXTURES/$n-resolve.json" ]; then
		mapped "${KEYS[$n]}" "$FIXTURES/$n-resolve.json"
		expect_status 202 "$n: POST its resolve"
		expect_json .action resolve "$n: resolve action"
		expect_json .id "$id" "$n: resolve's alert"
		api_get "/api/v1/alerts/$id"
		expect_json .status resolved "$n: resolved"
	fi
	pass "conf/mapped/$n.conf: its documented payload is stored as expected"
done

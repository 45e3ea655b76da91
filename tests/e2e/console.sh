# SPDX-License-Identifier: ISC
#
# console.sh: the responder's console (GET /console) in a real browser,
# Debian's chromium driven by puppeteer-core (installed into the build
# tree by tests/e2e/peers-setup.sh).  With three open alerts (one whose
# summary holds markup), console.mjs signs in (a wrong key refused),
# checks the strict CSP and that the key stays in the tab, filters the
# list, opens an alert with the keyboard, acknowledges it and sees the
# change on a second tab without reloading, adds a note, snoozes it,
# escalates and resolves another with confirmation, creates and expires
# a silence, and checks
# that a viewer sees no action; screenshots on a phone-sized and a
# desktop viewport are kept in the build tree (tests/e2e/console-*.png).
# Then the API: each action attributed to the responder key's name in
# the audit, GET /api/v1/whoami, the paged= filter, the headers.
. "$E2E_LIB"
need curl jq node

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	skip_missing Chromium "$CHROMIUM is missing: install the Debian package chromium"
fi
NODE_DIR=$top_builddir/tests
if [ ! -f "$NODE_DIR/node_modules/puppeteer-core/package.json" ]; then
	skip_missing puppeteer-core "puppeteer-core is missing: run tests/e2e/peers-setup.sh in the build folder"
fi

write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; email = "alice@example.org"; },
	{ id = "bob"; name = "Bob"; email = "bob@example.org"; }
);
PEOPLE
write_rota primary alice
write_rota secondary bob
cat >>"$CONFIG" <<CONF
people = "$TEST_TMP/people.conf";
rota_dir = "$TEST_TMP/rota.d";
policies = (
	{ name = "default"; stages = (
		{ targets = [ "rota:primary" ]; ack_within = "1h"; },
		{ targets = [ "rota:secondary" ]; }
	); }
);
CONF
start_pagerd

# The console's files: no key needed, locked down by headers.
CSP="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
for f in console:text/html console.js:text/javascript console.css:text/css; do
	http GET "/${f%%:*}"
	expect_status 200 "GET /${f%%:*}"
	expect_header Content-Type "^${f#*:}; charset=utf-8$"
	expect_header Content-Security-Policy "^$CSP\$"
	expect_header X-Content-Type-Options '^nosniff$'
done
http POST /console
expect_status 405
pass "GET /console, /console.js, /console.css with a strict CSP"

# whoami: the key's name and role; integrations and strangers refused.
api_get /api/v1/whoami "$RESPONDER_KEY"
expect_status 200
expect_json .name e2e-responder
expect_json .role responder
api_get /api/v1/whoami
expect_json .role viewer
api_get /api/v1/whoami "$INT_KEY"
expect_status 403
api_get /api/v1/whoami ""
expect_status 401
pass "GET /api/v1/whoami tells the key's name and role"

XSS='login errors <img src=x onerror="document.title=1"><b>spike</b>'
declare -A ID
for a in "db:P1:primary database down" "web:P3:$XSS" \
    "jobs:P2:queue backlog growing"; do
	svc=${a%%:*}
	rest=${a#*:}
	post_alert "$INT_KEY" "$(jq -nc --arg s "${rest#*:}" --arg v "$svc" \
	    --arg p "${rest%%:*}" '{summary: $s, priority: $p, service: $v}')"
	expect_status 202
	ID[$svc]=$(json_get .id)
done
# each paged alice before the browser looks at its timeline
paged_all() {
	local id
	for id in "${ID[@]}"; do
		api_get "/api/v1/alerts/$id"
		[ "$(json_get '[.events[] | select(.kind == "page")] | length')" \
		    -ge 1 ] || return 1
	done
}
wait_until "$E2E_WAIT" "the three alerts to page" paged_all

api_get "/api/v1/alerts?paged=alice"
expect_status 200
expect_json '.alerts | length' 3
api_get "/api/v1/alerts?paged=bob"
expect_json '.alerts | length' 0
pass "GET /api/v1/alerts?paged= lists the alerts that paged a person"

mkdir -p "$top_builddir/tests/e2e"
node "$E2E_DIR/console.mjs" "$NODE_DIR" "$CHROMIUM" "http://127.0.0.1:$PORT" \
    "$RESPONDER_KEY" "$VIEWER_KEY" "$top_builddir/tests/e2e" \
    "$(jq -nc --argjson d "${ID[db]}" --argjson w "${ID[web]}" \
    --argjson j "${ID[jobs]}" '{db: $d, web: $w, jobs: $j}')" \
    >"$TEST_TMP/console.out" 2>&1 || {
	cat "$TEST_TMP/console.out"
	fail "the console test in chromium failed"
}
cat "$TEST_TMP/console.out"
for p in phone desktop; do
	[ -s "$top_builddir/tests/e2e/console-$p.png" ] ||
	    fail "no $p screenshot"
done
note "screenshots: $top_builddir/tests/e2e/console-phone.png, console-desktop.png"

# What the browser did, as the audit has it: each action by the key.
api_get "/api/v1/alerts/${ID[db]}"
expect_json .status acknowledged
expect_json '[.events[] | select(.kind == "ack") | .actor] | .[0]' e2e-responder
expect_json '[.events[] | select(.kind == "note") | .detail.text] | .[0]' \
    'looking at <the> replica'
expect_json '[.events[] | select(.kind == "snooze") | [.actor, .detail.for]]
    | .[0]' '["e2e-responder","1h"]'
expect_match '^20[0-9-]+T' "$(json_get .snoozed_until)" 'snoozed_until'
api_get "/api/v1/alerts/${ID[jobs]}"
expect_json .status resolved
expect_json '[.events[] | select(.kind == "escalate" or .kind == "resolve")
    | .actor] | unique' '["e2e-responder"]'
api_get "/api/v1/alerts/${ID[web]}"
expect_json .status triggered
api_get /api/v1/silences
expect_json '[.silences[] | select(.matchers == {"service": "db",
    "priority": "P1"})] | .[0] | [.created_by, .comment, .state]' \
    '["e2e-responder","replica rebuild","expired"]'
pass "each console action is in the audit under the responder key's name"
stop_pagerd

# SPDX-License-Identifier: ISC
#
# silence.sh: silences through the API, against the real daemon.  Bad
# input (a viewer's key, empty matchers, an end before the start, no
# comment, the same matchers over a window that meets another) is
# answered 4xx and stores nothing.  An alert that a silence matches is
# stored, deduplicated and audited "silenced" but not paged, while an
# alert it does not match pages at once; a restart with the silence in
# force keeps it in force; when it ends, the alerts it held are paged
# (page_on_expiry).  A silence with page_on_expiry false, expired early
# by DELETE, lets its alert go quietly; the expiry is answered 200 once,
# then 409; an unknown silence 404.  pagerctl silence add, list and
# expire do the same from the command line.  A maintenance window of
# pagerd.conf in force when the file is reloaded becomes a silence
# (created by "pagerd.conf") that silences its alerts; pagerd -t
# refuses a bad window with its file and line.  Windows across DST
# changes are checked in tests/unit/test-maint.c.
. "$E2E_LIB"
need curl jq
: "${PAGERCTL:=$top_builddir/src/pagerctl}"

write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; email = "alice@example.org"; }
);
PEOPLE
write_rota primary alice
cat >>"$CONFIG" <<CONF
people = "$TEST_TMP/people.conf";
rota_dir = "$TEST_TMP/rota.d";
policies = (
	{ name = "default"; stages = (
		{ targets = [ "rota:primary" ]; ack_within = "1h"; }
	); }
);
CONF
start_pagerd

# silence_req METHOD PATH [JSON] [KEY]: KEY defaults to the responder's.
silence_req() {
	local method=$1 path=$2 json=${3-} key=${4-$RESPONDER_KEY}
	if [ -n "$json" ]; then
		printf '%s' "$json" >"$TEST_TMP/http.request"
		http "$method" "$path" -H "Authorization: Bearer $key" \
		    -H 'Content-Type: application/json' \
		    --data-binary @"$TEST_TMP/http.request"
	else
		http "$method" "$path" -H "Authorization: Bearer $key"
	fi
}

# at SECONDS: the instant SECONDS from now, in ISO 8601 UTC.
at() {
	date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ
}

# paged ID: alert ID was paged on the console (in any run's log).
paged() {
	cat "$TEST_TMP"/pagerd.*.out | grep -q -- "alert #$1 "
}

# nsilences: how many silences GET /api/v1/silences lists.
nsilences() {
	api_get /api/v1/silences
	expect_status 200
	json_get '.silences | length'
}

events_of() {
	api_get "/api/v1/alerts/$1"
	expect_status 200
	json_get "[.events[] | select(.kind == \"$2\")] | length"
}

# 1. Bad input: refused, nothing stored.
END=$(at 3600)
silence_req POST /api/v1/silences \
    "{\"matchers\":{\"service\":\"db\"},\"ends_at\":\"$END\",\"comment\":\"x\"}" \
    "$VIEWER_KEY"
expect_status 403
silence_req POST /api/v1/silences \
    "{\"matchers\":{},\"ends_at\":\"$END\",\"comment\":\"x\"}"
expect_error 400 "matchers must name at least one"
silence_req POST /api/v1/silences \
    "{\"matchers\":{\"service\":\"db\"},\"starts_at\":\"$(at 7200)\",\"ends_at\":\"$END\",\"comment\":\"x\"}"
expect_error 400 "ends_at must be after starts_at"
silence_req POST /api/v1/silences \
    "{\"matchers\":{\"service\":\"db\"},\"ends_at\":\"$END\"}"
expect_error 400 "comment is required"
silence_req POST /api/v1/silences \
    "{\"matchers\":{\"summary\":\"*\"},\"ends_at\":\"$END\",\"comment\":\"x\"}"
expect_error 400 "matches every alert"
silence_req POST /api/v1/silences \
    "{\"matchers\":{\"priority\":\"P7\"},\"ends_at\":\"$END\",\"comment\":\"x\"}"
expect_error 400 "matchers.priority"
# (straight to pagerd: a proxy of E2E_OPENAPI=1 answers bad JSON itself)
E2E_DIRECT=1 silence_req POST /api/v1/silences 'not json'
expect_error 400 "JSON object"
expect_eq 0 "$(nsilences)" "silences after bad input"
pass "bad silences refused with 4xx, nothing stored"

# 2. A silence of service db, ending in 30 s: sections 2 and 3 must run
# while it holds (10 s was once too little on a busy machine).
END=$(at 30)
silence_req POST /api/v1/silences \
    "{\"matchers\":{\"service\":\"db\"},\"ends_at\":\"$END\",\"comment\":\"db upgrade\"}"
expect_status 201
SID=$(json_get .id)
expect_json .created_by e2e-responder
expect_json .state active
expect_json .page_on_expiry true
expect_json .matchers.service db
silence_req POST /api/v1/silences \
    "{\"matchers\":{\"service\":\"db\"},\"ends_at\":\"$(at 3600)\",\"comment\":\"again\"}"
expect_error 400 "silence $SID has the same matchers"
expect_eq 1 "$(nsilences)" "silences after an overlapping one"
api_get "/api/v1/silences/$SID"
expect_json .comment "db upgrade"
pass "silence $SID created by the responder's key; an overlap refused"

post_alert "$INT_KEY" '{"summary":"db disk full","priority":"P1","service":"db","dedup_key":"db-disk"}'
expect_status 202
DB1=$(json_get .id)
post_alert "$INT_KEY" '{"summary":"web down","priority":"P1","service":"web"}'
expect_status 202
WEB=$(json_get .id)
wait_until 10 "alert $WEB to be paged" paged "$WEB"
post_alert "$INT_KEY" '{"summary":"db disk full","priority":"P1","service":"db","dedup_key":"db-disk"}'
expect_status 202
expect_json .duplicate true
expect_json .id "$DB1"
paged "$DB1" && fail "silenced alert $DB1 was paged"
expect_eq 1 "$(events_of "$DB1" silenced)" "silenced events of $DB1"
expect_eq 0 "$(events_of "$DB1" page)" "page events of $DB1"
api_get "/api/v1/alerts/$DB1"
expect_json .silence "{\"id\":$SID,\"state\":\"held\"}"
api_get "/api/v1/alerts/$WEB"
expect_json .silence null
pass "alert $DB1 stored, deduplicated and silenced; $WEB paged"

# 3. Restart with the silence in force: still silenced.
stop_pagerd
start_pagerd
post_alert "$INT_KEY" '{"summary":"db slow","priority":"P2","service":"db"}'
expect_status 202
DB2=$(json_get .id)
post_alert "$INT_KEY" '{"summary":"web slow","priority":"P2","service":"web"}'
WEB2=$(json_get .id)
wait_until 10 "alert $WEB2 to be paged" paged "$WEB2"
paged "$DB1" && fail "held alert $DB1 was paged by the restart"
paged "$DB2" && fail "alert $DB2 was paged though silenced"
expect_eq 1 "$(events_of "$DB2" silenced)" "silenced events of $DB2"
api_get /metrics
expect_match '^pagerd_silences_active 1$' "$(printf '%s\n' "$HTTP_BODY" |
    grep '^pagerd_silences_active ')" "pagerd_silences_active"
expect_match '^pagerd_silenced_alerts 2$' "$(printf '%s\n' "$HTTP_BODY" |
    grep '^pagerd_silenced_alerts ')" "pagerd_silenced_alerts"
pass "after a restart silence $SID still holds $DB1 and silences $DB2"

# 4. The silence ends: both are paged.
wait_until 60 "alert $DB1 to be paged at the end of silence $SID" paged "$DB1"
wait_until 5 "alert $DB2 to be paged" paged "$DB2"
api_get "/api/v1/alerts/$DB1"
expect_json '[.events[] | select(.kind == "unsilenced")][0].detail.paged' true
expect_json .silence.state paged
api_get "/api/v1/silences/$SID"
expect_json .state expired
pass "silence $SID ended: $DB1 and $DB2 paged"

# 5. page_on_expiry false, expired early by DELETE: quiet.
silence_req POST /api/v1/silences \
    "{\"matchers\":{\"service\":\"batch\",\"priority\":\"P3\"},\"ends_at\":\"$(at 3600)\",\"comment\":\"nightly\",\"page_on_expiry\":false}"
expect_status 201
SID2=$(json_get .id)
post_alert "$INT_KEY" '{"summary":"batch late","priority":"P3","service":"batch"}'
expect_status 202
B=$(json_get .id)
silence_req DELETE "/api/v1/silences/$SID2" "" "$VIEWER_KEY"
expect_status 403
silence_req DELETE "/api/v1/silences/$SID2"
expect_status 200
expect_json .state expired
expect_json '.expired_at != null' true
silence_req DELETE "/api/v1/silences/$SID2"
expect_error 409 "already ended"
silence_req DELETE /api/v1/silences/999999
expect_error 404 "no silence 999999"
silence_req DELETE /api/v1/silences/x
expect_error 400 "positive integer"
post_alert "$INT_KEY" '{"summary":"web again","priority":"P3","service":"web"}'
WEB3=$(json_get .id)
wait_until 10 "alert $WEB3 to be paged" paged "$WEB3"
paged "$B" && fail "alert $B was paged though its silence says quiet"
api_get "/api/v1/alerts/$B"
expect_json '[.events[] | select(.kind == "unsilenced")][0].detail.paged' false
expect_json .status triggered
expect_json .silence.state quiet
pass "silence $SID2 expired by DELETE: alert $B let go quietly"

# 6. The report counts the silenced alerts and leaves them out of SLA
# attainment unless asked.
api_get /api/v1/stats
expect_status 200
expect_json .silenced 3
expect_json .sla_includes_silenced false
api_get '/api/v1/stats?silenced=include'
expect_json .sla_includes_silenced true
api_get '/api/v1/stats?silenced=maybe'
expect_error 400 "silenced must be include or exclude"
pass "stats: 3 silenced alerts, out of SLA attainment by default"

# 7. pagerctl silence add, list, expire.
export PAGERD_URL=http://127.0.0.1:$PORT
export PAGERD_TOKEN=$RESPONDER_KEY
ctl() {
	"$PAGERCTL" "$@" >"$TEST_TMP/ctl.out" 2>"$TEST_TMP/ctl.err"
	CTL_RC=$?
	CTL_OUT=$(cat "$TEST_TMP/ctl.out")
	CTL_ERR=$(cat "$TEST_TMP/ctl.err")
}
ctl silence add --service cache --label env=prod --for 1h --quiet cache \
    flush
expect_eq 0 "$CTL_RC" "pagerctl silence add: exit status ($CTL_ERR)"
expect_match '^silence [0-9]+ added: active until ' "$CTL_OUT" "silence add"
SID3=$(printf '%s' "$CTL_OUT" | sed -e 's/^silence \([0-9]*\) .*/\1/')
api_get "/api/v1/silences/$SID3"
expect_json .comment "cache flush"
expect_json .matchers.labels.env prod
expect_json .page_on_expiry false
ctl silence add --for 1h nothing matched
expect_eq 1 "$CTL_RC" "pagerctl silence add without matchers: exit status"
expect_match 'matchers must name at least one' "$CTL_ERR" "silence add refused"
ctl silence list
expect_eq 0 "$CTL_RC" "pagerctl silence list: exit status ($CTL_ERR)"
expect_match "service=cache env=prod" "$CTL_OUT" "silence list matchers"
ctl silence expire "$SID3"
expect_eq 0 "$CTL_RC" "pagerctl silence expire: exit status ($CTL_ERR)"
expect_eq "silence $SID3 expired" "$CTL_OUT" "silence expire"
ctl silence expire "$SID3"
expect_eq 4 "$CTL_RC" "pagerctl silence expire again: exit status"
PAGERD_TOKEN=$VIEWER_KEY ctl silence expire "$SID3"
expect_match 'needs a responder key' "$CTL_ERR" "silence expire as a viewer"
pass "pagerctl silence add, list, expire"

# 8. A maintenance window in force, taken on a reload.
FROM=$(date -u -d "@$(($(date +%s) - 60))" +%H:%M)
TO=$(date -u -d "@$(($(date +%s) + 3600))" +%H:%M)
cp "$CONFIG" "$TEST_TMP/pagerd.conf.nowin"
cat >>"$CONFIG" <<CONF
maintenance = (
	{ name = "batch-now"; timezone = "UTC"; days = "Mon-Sun";
	  hours = "$FROM-$TO"; service = "nightly"; comment = "batch window"; }
);
CONF
"$PAGERD" -t -c "$CONFIG" >"$TEST_TMP/check.out" 2>&1 ||
    { cat "$TEST_TMP/check.out"; fail "pagerd -t refused a good window"; }
expect_match '^maintenance batch-now \(UTC\): in force, ' \
    "$(cat "$TEST_TMP/check.out")" "pagerd -t on a window in force"
reload_pagerd
expect_eq reloaded "$RELOAD_RESULT" "reload with a window"
api_get /api/v1/silences
expect_json '[.silences[] | select(.window == "batch-now")] | length' 1
expect_json '[.silences[] | select(.window == "batch-now")][0].created_by' pagerd.conf
expect_json '[.silences[] | select(.window == "batch-now")][0].state' active
post_alert "$INT_KEY" '{"summary":"batch late","priority":"P2","service":"nightly"}'
expect_status 202
N=$(json_get .id)
expect_eq 1 "$(events_of "$N" silenced)" "silenced events of $N"
# a restart within the window makes no second silence of it
stop_pagerd
start_pagerd
api_get /api/v1/silences
expect_json '[.silences[] | select(.window == "batch-now")] | length' 1
pass "window batch-now in force: a silence by pagerd.conf, alert $N held"

# 9. pagerd -t refuses a bad window, naming the file and line.
cp "$TEST_TMP/pagerd.conf.nowin" "$TEST_TMP/bad.conf"
printf 'maintenance = (\n\t{ name = "w"; timezone = "Europe/Nowhere";\n\t  days = "Sun"; hours = "02:00-04:00"; service = "db"; }\n);\n' \
    >>"$TEST_TMP/bad.conf"
LINE=$(($(wc -l <"$TEST_TMP/pagerd.conf.nowin") + 2))
if "$PAGERD" -t -c "$TEST_TMP/bad.conf" >"$TEST_TMP/check.out" 2>&1; then
	fail "pagerd -t accepted a window with an unknown zone"
fi
expect_match "bad.conf:$LINE: maintenance \"w\": timezone" \
    "$(cat "$TEST_TMP/check.out")" "pagerd -t on a bad window"
pass "pagerd -t refuses a bad window at its line"

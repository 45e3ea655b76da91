# SPDX-License-Identifier: ISC
#
# rota-ical.sh: the calendar feeds, read by a real calendar parser
# (ical.js, installed by tests/e2e/npm-setup.sh into the build tree).
# The events of the next 180 days match the schedule API one for one,
# UIDs are stable across fetches, every event is TRANSP:TRANSPARENT;
# a signed link works without a key, a tampered one gets 403.
. "$E2E_LIB"
. "$E2E_DIR/rota-lib.sh"
need node

ICALJS=$top_builddir/tests/node_modules/ical.js
if [ ! -f "$ICALJS/package.json" ]; then
	skip_missing ical.js "ical.js is missing: run tests/e2e/npm-setup.sh in the build folder"
fi

write_config
rota_fixtures
start_pagerd

# ics_events FILE: "UID START END TRANSP SUMMARY" per event, as ical.js
# reads them, with times in UTC.
ics_events() {
	node - "$ICALJS" "$1" <<'JS'
// By package name from the folder holding node_modules, so that its
// "exports" give the CommonJS build: Debian 12's Node 18 cannot
// require() the ES module that a plain path to the folder names.
const path = require("path");
const m = require(require.resolve("ical.js",
    { paths: [path.dirname(path.dirname(process.argv[2]))] }));
const ICAL = m.default || m;
const fs = require("fs");
const cal = new ICAL.Component(ICAL.parse(fs.readFileSync(process.argv[3], "utf8")));
if (cal.name !== "vcalendar" || cal.getFirstPropertyValue("version") !== "2.0")
	throw new Error("not an iCalendar 2.0 object");
for (const v of cal.getAllSubcomponents("vevent")) {
	const e = new ICAL.Event(v);
	const iso = (t) => t.toJSDate().toISOString();
	console.log([e.uid, iso(e.startDate), iso(e.endDate),
	    v.getFirstPropertyValue("transp"), e.summary].join(" "));
}
JS
}

now_iso() {
	"$PYTHON" -c 'import datetime; print(datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")'
}

# 1. The rota feed with a viewer key, against the schedule API.
for attempt in 1 2 3; do
	from=$(now_iso)
	to=$("$PYTHON" -c 'import datetime, sys
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ") + datetime.timedelta(days=180)
print(t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")' "$from")
	api_get "/api/v1/oncall/schedule?rota=web&from=$from&to=$to"
	expect_status 200
	json_get '.shifts[] | "\(.start) \(.end) \(.person)"' >"$TEST_TMP/schedule"
	api_get /api/v1/rotas/web.ics
	expect_status 200
	expect_header Content-Type '^text/calendar; charset=utf-8'
	printf '%s\n' "$HTTP_BODY" >"$TEST_TMP/web1.ics"
	ics_events "$TEST_TMP/web1.ics" >"$TEST_TMP/events1" ||
	    fail "ical.js cannot read the feed"
	# A handoff between the two requests changes the list: try again.
	awk '{ print $2, $3 }' "$TEST_TMP/events1" >"$TEST_TMP/times1"
	awk '{ print $1, $2 }' "$TEST_TMP/schedule" |
	    sed -e 's/\.\([0-9][0-9][0-9]\)Z/.\1Z/g' >"$TEST_TMP/times2"
	cmp -s "$TEST_TMP/times1" "$TEST_TMP/times2" && break
done
if ! cmp -s "$TEST_TMP/times1" "$TEST_TMP/times2"; then
	diff "$TEST_TMP/times1" "$TEST_TMP/times2"
	fail "the feed's events differ from the schedule API"
fi
n=$(wc -l <"$TEST_TMP/events1")
# Weekly shifts over 180 days: the current one plus 25 or 26 handoffs.
[ "$n" -ge 26 ] && [ "$n" -le 27 ] || fail "$n events in 180 days of weekly shifts"
note "$n events, first: $(head -n 1 "$TEST_TMP/events1")"
pass "ical.js reads $n events, the same shifts as the schedule API"

grep -qv ' TRANSPARENT ' "$TEST_TMP/events1" &&
    fail "an event is not TRANSP:TRANSPARENT"
expect_eq "$n" "$(awk '{ print $1 }' "$TEST_TMP/events1" | sort -u | wc -l)" "distinct UIDs"
grep -Eq '^web-(ann|ben)-[0-9]{8}T[0-9]{6}Z@pagerd [^ ]+ [^ ]+ TRANSPARENT On call: (Ann Arbor|Ben Bell) \(web\)$' \
    "$TEST_TMP/events1" || fail "unexpected event lines"
pass "every event is transparent, with a distinct UID"

# 2. UIDs are stable: a second fetch has the same events.
sleep 1.1 # a new DTSTAMP
api_get /api/v1/rotas/web.ics
printf '%s\n' "$HTTP_BODY" >"$TEST_TMP/web2.ics"
ics_events "$TEST_TMP/web2.ics" >"$TEST_TMP/events2"
cmp -s "$TEST_TMP/events1" "$TEST_TMP/events2" ||
    fail "the events changed between two fetches"
cmp -s "$TEST_TMP/web1.ics" "$TEST_TMP/web2.ics" &&
    fail "DTSTAMP did not change"
pass "UIDs and events are stable across fetches"

# 3. Signed links: no key needed; any change to them is refused.
api_get /api/v1/feeds
expect_status 200
url=$(json_get '.rotas[] | select(.name == "web") | .url')
purl=$(json_get '.people[] | select(.id == "ann") | .url')
expect_match '^/api/v1/rotas/web\.ics\?sig=[0-9a-f]{64}$' "$url" "signed link"
expect_eq "$url" "$(rota_field web ics_url)" "ics_url of /api/v1/rotas"
sig=${url##*sig=}
want=$("$PYTHON" -c 'import hmac, hashlib, sys
print(hmac.new(open(sys.argv[1]).readline().strip().encode(), b"/api/v1/rotas/web.ics", hashlib.sha256).hexdigest())' "$CAL_SECRET")
expect_eq "$want" "$sig" "the signature (HMAC-SHA256 of the path)"
http GET "$url"
expect_status 200
printf '%s\n' "$HTTP_BODY" >"$TEST_TMP/web3.ics"
ics_events "$TEST_TMP/web3.ics" >"$TEST_TMP/events3"
cmp -s "$TEST_TMP/events1" "$TEST_TMP/events3" || fail "the signed feed differs"
# Tampered: one digit changed, another feed's path, the signature cut.
bad=$(printf '%s' "$sig" | sed -e 's/^./x/; s/^x/0/')
[ "$bad" = "$sig" ] && bad=1${sig#?}
http GET "/api/v1/rotas/web.ics?sig=$bad"
expect_error 403 'bad signature'
http GET "/api/v1/rotas/db.ics?sig=$sig"
expect_error 403 'bad signature'
http GET "/api/v1/rotas/web.ics?sig=${sig%??}"
expect_error 403 'bad signature'
http GET /api/v1/rotas/web.ics
expect_error 401 'signed link'
api_get /api/v1/rotas/web.ics "$INT_KEY"
expect_error 403 'may not'
http GET "/api/v1/rotas/nope.ics?sig=$sig"
expect_error 403 'bad signature'
pass "signed links work without a key; tampered ones get 403"

# 4. The person feed: ann's shifts of every rota, the same as in web's.
http GET "$purl"
expect_status 200
printf '%s\n' "$HTTP_BODY" >"$TEST_TMP/ann.ics"
ics_events "$TEST_TMP/ann.ics" | awk '{ print $2, $3 }' >"$TEST_TMP/ann"
grep ' On call: Ann Arbor ' "$TEST_TMP/events1" | awk '{ print $2, $3 }' \
    >"$TEST_TMP/ann-in-web"
cmp -s "$TEST_TMP/ann" "$TEST_TMP/ann-in-web" || {
	diff "$TEST_TMP/ann" "$TEST_TMP/ann-in-web"
	fail "ann's feed differs from her shifts in web's"
}
[ -s "$TEST_TMP/ann" ] || fail "ann has no shifts"
api_get /api/v1/people/zed.ics
expect_error 404 'no person "zed"'
pass "the person feed has ann's $(wc -l <"$TEST_TMP/ann") shifts"

# A feed answered is counted in /metrics like any other reply: between
# two reads of /metrics, the feed and the second read itself.
api_200s() {
	api_get /metrics
	printf '%s\n' "$HTTP_BODY" |
	    sed -n 's/^pagerd_http_requests_total{kind="api",code="200"} //p'
}
n1=$(api_200s)
api_get /api/v1/rotas/web.ics
expect_status 200
n2=$(api_200s)
expect_eq 2 "$((n2 - n1))" "200 replies counted across a feed and /metrics"
pass "feeds are counted in /metrics"

stop_pagerd

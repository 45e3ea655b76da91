# SPDX-License-Identifier: ISC
#
# silence-dst.sh: a maintenance window across a DST change, against the
# real daemon on a faked clock (libfaketime, a constant offset: time
# runs at its normal pace from the instant chosen).  London's clocks go
# forward at 01:00 UTC on Sunday 29 March 2026, so on that day the
# window "Sun 01:30-03:00 Europe/London" starts at a local time that
# does not exist: it begins when the gap ends, 02:00 BST = 01:00 UTC,
# and ends at 03:00 BST = 02:00 UTC.  pagerd starts at 00:59:45 UTC:
# no window is in force; at 01:00:00 UTC the occurrence becomes a
# silence with exactly those ends, an alert of the window's service is
# then held and one of another service pages.  A naive window (the
# standard offset, or 90 minutes after local midnight) would start at
# 01:30 or 00:30 UTC.  The other DST cases are in tests/unit/test-maint.c.
. "$E2E_LIB"
need curl jq

LIBFAKETIME=
for f in /usr/lib/*/faketime/libfaketimeMT.so.1 \
    /usr/lib/faketime/libfaketimeMT.so.1; do
	[ -e "$f" ] && LIBFAKETIME=$f && break
done
[ -n "$LIBFAKETIME" ] ||
    skip_missing libfaketime "libfaketime is not installed (Debian: faketime)"

write_config
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = ( { id = "alice"; name = "Alice"; email = "alice@example.org"; } );
PEOPLE
write_rota primary alice
cat >>"$CONFIG" <<CONF
people = "$TEST_TMP/people.conf";
rota_dir = "$TEST_TMP/rota.d";
policies = ( { name = "default"; stages = (
	{ targets = [ "rota:primary" ]; ack_within = "1h"; } ); } );
maintenance = (
	{ name = "dst"; timezone = "Europe/London"; days = "Sun";
	  hours = "01:30-03:00"; service = "db"; }
);
CONF

# The daemon's clock: real time plus a constant offset.
OFFSET=$(($(date -d '2026-03-29 00:59:45Z' +%s) - $(date +%s)))
# (an ASan build wants its runtime first among the preloads: libfaketime
# before it is harmless here, so ASan is told not to refuse to start)
PAGERD_WRAPPER="env FAKETIME=$OFFSET LD_PRELOAD=$LIBFAKETIME"
PAGERD_WRAPPER="$PAGERD_WRAPPER ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
start_pagerd

window_silences() {
	api_get /api/v1/silences
	[ "$HTTP_STATUS" = 200 ] || fail "GET /api/v1/silences: $HTTP_STATUS"
	json_get '[.silences[] | select(.window == "dst")] | length'
}
expect_eq 0 "$(window_silences)" "window silences before 01:00 UTC"
pass "at 00:59:45 UTC no occurrence of the window is in force"

wait_until 40 "the window to begin at 01:00 UTC" \
    eval '[ "$(window_silences)" = 1 ]'
api_get /api/v1/silences
expect_json '[.silences[] | select(.window == "dst")][0].starts_at' \
    2026-03-29T01:00:00.000Z
expect_json '[.silences[] | select(.window == "dst")][0].ends_at' \
    2026-03-29T02:00:00.000Z
expect_json '[.silences[] | select(.window == "dst")][0].created_by' \
    pagerd.conf
pass "the window began at 02:00 BST (01:00 UTC), the end of the gap"

post_alert "$INT_KEY" '{"summary":"db restarting","priority":"P1","service":"db"}'
expect_status 202
DB=$(json_get .id)
post_alert "$INT_KEY" '{"summary":"web down","priority":"P1","service":"web"}'
expect_status 202
WEB=$(json_get .id)
paged() {
	grep -q -- "alert #$1 " "$TEST_TMP"/pagerd.*.out
}
wait_until 10 "alert $WEB to be paged" paged "$WEB"
paged "$DB" && fail "alert $DB was paged inside the window"
api_get "/api/v1/alerts/$DB"
expect_json .silence.state held
pass "inside the window alert $DB is held, alert $WEB paged"

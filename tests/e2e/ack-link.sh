# SPDX-License-Identifier: ISC
#
# ack-link.sh: acknowledging by the signed link in an e-mail page.  A P1
# alert pages alice by e-mail through a real SMTP server (aiosmtpd); the
# test takes the link out of the received mail, GETs it (a confirmation
# page with security headers; nothing changes), POSTs "ack" from it
# (acknowledged by alice via link, told to those paged and to the cc
# channel, and stage 2 is never paged), then reuses it (410), alters it
# (403), and tries a genuinely signed but expired token (410).  Refusals
# are counted in /metrics and logged at most once a minute; only refused
# POSTs of tokens we issued are in the audit.  -v logs a token by its
# first 6 characters only.  An address that keeps sending made-up tokens
# is answered 429 with Retry-After, while a real link from it still acts.
. "$E2E_LIB"
need curl jq python3
"$PYTHON" -c 'import aiosmtpd' 2>/dev/null || {
	skip_missing aiosmtpd "aiosmtpd is missing (Debian package python3-aiosmtpd)"
}

SMTP_PORT=$(free_port)
mkdir -p "$TEST_TMP/mail"
"$PYTHON" "$top_srcdir/tests/fake/smtp-sink.py" "$SMTP_PORT" "$TEST_TMP/mail" \
    >"$TEST_TMP/smtp.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
wait_until 20 "the SMTP server" test -e "$TEST_TMP/mail/ready"

# Seconds before stage 2: the ack below must land within them, which on
# a loaded machine (the suite under ASan beside other jobs) can take a
# few seconds of curl, jq and python starts.
STEP=10
PORT=$(free_port)
make_keys
SECRET=ack-secret-$(new_key)
printf '%s\n' "$SECRET" >"$TEST_TMP/ack.secret"
chmod 600 "$TEST_TMP/ack.secret"
cat >"$TEST_TMP/people.conf" <<'PEOPLE'
people = (
	{ id = "alice"; name = "Alice"; email = "alice@example.org"; },
	{ id = "bob"; name = "Bob"; email = "bob@example.org"; }
);
PEOPLE
write_rota primary alice
cat >"$CONFIG" <<CONF
state_dir = "$STATE_DIR";
user = "root";	# the tests run as root, see pagerd.conf(5)
people = "$TEST_TMP/people.conf";
rota_dir = "$TEST_TMP/rota.d";
http = { listen = "127.0.0.1:$PORT"; public_url = "http://127.0.0.1:$PORT/"; };
ack = { secret_file = "$TEST_TMP/ack.secret"; ttl = "1h"; };
integrations = ( { name = "e2e"; key_sha256 = "$(sha256_hex "$INT_KEY")"; } );
tokens = ( { name = "viewer"; role = "viewer";
	key_sha256 = "$(sha256_hex "$VIEWER_KEY")"; } );
channels = (
	{ name = "mail"; driver = "smtp"; url = "smtp://127.0.0.1:$SMTP_PORT";
	  tls = "none"; from = "Pager <pager@example.org>"; },
	{ name = "supportcc"; driver = "console"; }
);
policies = ( {
	name = "default";
	cc = "supportcc";
	stages = (
		{ targets = [ "rota:primary" ]; ack_within = "${STEP}s"; },
		{ targets = [ "person:bob" ]; ack_within = "1h"; }
	);
} );
CONF
start_pagerd

post_alert "$INT_KEY" '{"summary":"disk full on db1 <b>&</b>","priority":"P1","service":"db"}'
expect_status 202
ID=$(json_get .id)
wait_until 15 "the page by e-mail" test -e "$TEST_TMP/mail/1.eml"
PAGED_AT=$SECONDS
LINK=$("$PYTHON" - "$TEST_TMP/mail/1.eml" <<'PY'
import email, email.policy, re, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
print(re.search(r"https?://\S+/ack/[A-Za-z0-9._-]+", m.get_content()).group(0))
PY
) || fail "no ack link in the mail: $(cat "$TEST_TMP/mail/1.eml")"
note "link: $LINK"
case $LINK in
"http://127.0.0.1:$PORT/ack/$ID.7."*) ;;
*) fail "the link is not under http.public_url for alert $ID: $LINK" ;;
esac
LPATH=/ack/${LINK##*/ack/}
TOKEN=${LINK##*/ack/}

status_of() {
	api_get "/api/v1/alerts/$ID"
	json_get .status
}

# GET, as a mail scanner or a chat preview would: a page, no change.
http GET "$LPATH"
expect_status 200 "GET of the link"
expect_header Content-Type '^text/html; charset=utf-8'
expect_header Content-Security-Policy "default-src 'none'"
expect_header Content-Security-Policy "frame-ancestors 'none'"
expect_header X-Frame-Options DENY
expect_header X-Content-Type-Options nosniff
expect_header Referrer-Policy no-referrer
expect_header Cache-Control no-store
expect_match 'disk full on db1 &lt;b&gt;&amp;&lt;/b&gt;' "$HTTP_BODY" "the escaped summary"
expect_match '<form method="post">' "$HTTP_BODY" "the form"
for a in ack resolve escalate; do
	expect_match "name=\"action\" value=\"$a\"" "$HTTP_BODY" "the $a button"
done
http HEAD "$LPATH" -I
expect_status 200 "HEAD of the link"
expect_eq triggered "$(status_of)" "status after GET and HEAD"
pass "GET shows a confirmation page with security headers and changes nothing"

# A POST without an action does nothing either.
http POST "$LPATH" -d 'nothing=1'
expect_status 400 "POST without an action"
expect_eq triggered "$(status_of)" "status after a POST without action"

# The button: acknowledged by alice via link.
http POST "$LPATH" -d 'action=ack'
expect_status 200 "POST action=ack"
expect_match "Acknowledged alert #$ID" "$HTTP_BODY" "the answer page"
expect_header X-Frame-Options DENY
api_get "/api/v1/alerts/$ID"
expect_json .status acknowledged
expect_json '[.events[] | select(.kind == "ack")] | length' 1
expect_json '[.events[] | select(.kind == "ack")][0].actor' alice
expect_json '[.events[] | select(.kind == "ack")][0].detail.via' link
wait_until 10 "the cc channel to hear of it" \
    grep -q "to chat:supportcc: acknowledged by alice via link: alert #$ID " "$PAGERD_OUT"
wait_until 10 "alice to be told by mail" test -e "$TEST_TMP/mail/2.eml"
grep -q "acknowledged by alice via link" "$TEST_TMP/mail/2.eml" ||
    fail "the second mail is not the notice: $(cat "$TEST_TMP/mail/2.eml")"
pass "POST acknowledged: one audit event naming alice and the link, told to alice and the cc channel"

# Stage 2 was due STEP seconds after the page; wait past it.
left=$((PAGED_AT + STEP + 2 - SECONDS))
[ "$left" -le 0 ] || sleep "$left"
api_get "/api/v1/alerts/$ID"
expect_json .stage 1
expect_json '[.events[] | select(.kind == "page")] | map(.detail.to) | join(",")' alice
grep -l 'bob@example.org' "$TEST_TMP"/mail/*.json >/dev/null 2>&1 &&
    fail "bob was mailed after the acknowledgement"
pass "escalation stopped: stage 2 (bob) was never paged"

# Single use: the same link again, by POST and by GET.
http POST "$LPATH" -d 'action=resolve'
expect_status 410 "reused link"
expect_match 'already used' "$HTTP_BODY" "the reuse page"
expect_header Content-Type '^text/html'
http GET "$LPATH"
expect_status 410 "GET of a used link"
expect_eq acknowledged "$(status_of)" "status after reuse"

# Altered: another alert id, a flipped MAC character.
http POST "/ack/$((ID + 1)).${TOKEN#*.}" -d 'action=ack'
expect_status 403 "link with another alert id"
expect_match 'not valid' "$HTTP_BODY" "the forgery page"
last=${TOKEN: -1}
[ "$last" = A ] && flip=B || flip=A
http POST "/ack/${TOKEN%?}$flip" -d 'action=ack'
expect_status 403 "link with an altered MAC"
http GET "/ack/not-a-token"
expect_status 403 "GET of a made-up token"

# Genuinely signed, but expired (signed here with the same secret).
post_alert "$INT_KEY" '{"summary":"second","priority":"P3","service":"db"}'
expect_status 202
ID2=$(json_get .id)
OLD=$("$PYTHON" - "$SECRET" "$ID2" <<'PY'
import base64, hashlib, hmac, os, sys, time
secret, aid = sys.argv[1], sys.argv[2]
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
body = "%s.7.%d.%s.alice" % (aid, int(time.time()) - 60, b64(os.urandom(12)))
mac = hmac.new(secret.encode(), ("pagerd-ack-v1:" + body).encode(), hashlib.sha256).digest()
print(body + "." + b64(mac))
PY
)
http POST "/ack/$OLD" -d 'action=ack'
expect_status 410 "expired link"
expect_match 'expired' "$HTTP_BODY" "the expiry page"
api_get "/api/v1/alerts/$ID2"
expect_json .status triggered
expect_json '[.events[] | select(.kind == "ack_refused")][0].detail.reason' expired
# Only a refused attempt to act (POST) with a token we issued is in its
# alert's audit; a GET changes nothing and is not audited, and a forged
# token names nothing to believe: it is counted and logged, not audited.
api_get "/api/v1/alerts/$ID"
expect_json '[.events[] | select(.kind == "ack_refused")] | map(.detail.reason) | join(",")' used
nforged=$("$PYTHON" - "$STATE_DIR/pagerd.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT count(*) FROM events WHERE alert_id IS NULL").fetchone()[0])
PY
)
expect_eq 0 "$nforged" "audit rows about no alert (forged tokens)"
grep -q 'ack: link token refused (used, alice) from 127.0.0.1 (1 refused since the last such line)' \
    "$PAGERD_ERR" || fail "the first refused token was not logged"
api_get /metrics
for r in forged:3 used:2 expired:1; do
	expect_match "^pagerd_callbacks_refused_total\\{reason=\"${r%:*}\"\\} ${r#*:}\$" \
	    "$(printf '%s\n' "$HTTP_BODY" | grep "reason=\"${r%:*}\"")" "refused ${r%:*} tokens in /metrics"
done
pass "reused and expired links get 410, altered ones 403; counted; only POSTs of real tokens audited"

# -v logs each request, but a link's token only by its first 6 characters.
grep -q "http: /ack/${TOKEN:0:6}\.\.\.\$" "$PAGERD_ERR" ||
    fail "the link was not logged in its short form"
grep -F -q "$TOKEN" "$PAGERD_ERR" && fail "the log holds a whole ack token"
pass "the log shows only the first 6 characters of a link's token"

# GET /ack/garbage over and over: no audit row, one log line a minute,
# and soon 429 with Retry-After for that address; a real link from the
# same address still acts.  The store must not change on its own meanwhile:
# wait until alert 2 has reached its last stage (due in an hour).
alert2_at_stage2() {
	api_get "/api/v1/alerts/$ID2"
	[ "$(json_get .stage)" = 2 ]
}
wait_until 30 "alert $ID2 at stage 2" alert2_at_stage2
store_snapshot "$TEST_TMP/store.before"
nlog=$(grep -c 'token refused' "$PAGERD_ERR")
n403=0 n429=0
for i in $(seq 1 40); do
	http GET "/ack/garbage-$i"
	case $HTTP_STATUS in
	403) n403=$((n403 + 1)) ;;
	429) n429=$((n429 + 1)); break ;;
	*) fail "GET /ack/garbage-$i: $HTTP_STATUS" ;;
	esac
done
[ "$n429" -eq 1 ] || fail "40 made-up tokens were never answered 429"
[ "$n403" -ge 10 ] || fail "only $n403 made-up tokens before 429"
expect_header Retry-After '^[1-9][0-9]*$'
expect_error 429 "too many bad requests"
http POST "/ack/garbage-post" -d 'action=ack'
expect_status 429 "POST of a made-up token while blocked"
store_snapshot "$TEST_TMP/store.after"
# Alert 2 escalates on its own meanwhile on a busy machine (its stage 2
# falls due STEP seconds after it was raised): that is the engine's and
# the outbox's doing, not the tokens'.
for f in before after; do
	jq 'map(del(.stage, .updated_at) | .events |= map(select(.actor !=
	    "engine" and .actor != "outbox")))' "$TEST_TMP/store.$f" \
	    >"$TEST_TMP/store.$f.tokens" || fail "store.$f: bad JSON"
done
expect_same_store "$TEST_TMP/store.before.tokens" \
    "$TEST_TMP/store.after.tokens" "made-up tokens"
[ $(($(grep -c 'token refused' "$PAGERD_ERR") - nlog)) -le 1 ] ||
    fail "each made-up token was logged"
GOOD=$("$PYTHON" - "$SECRET" "$ID2" <<'PY'
import base64, hashlib, hmac, os, sys, time
secret, aid = sys.argv[1], sys.argv[2]
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
body = "%s.7.%d.%s.alice" % (aid, int(time.time()) + 600, b64(os.urandom(12)))
mac = hmac.new(secret.encode(), ("pagerd-ack-v1:" + body).encode(), hashlib.sha256).digest()
print(body + "." + b64(mac))
PY
)
http GET "/ack/$GOOD"
expect_status 200 "GET of a real link from a throttled address"
http POST "/ack/$GOOD" -d 'action=ack'
expect_status 200 "POST of a real link from a throttled address"
api_get "/api/v1/alerts/$ID2"
expect_json .status acknowledged
api_get /metrics
expect_match 'pagerd_callbacks_throttled_total [1-9]' "$HTTP_BODY" "429s in /metrics"
pass "made-up tokens: no audit, few log lines, then 429; a real link still acts"

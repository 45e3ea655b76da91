# SPDX-License-Identifier: ISC
# chan-twilio.sh: the twilio-sms and twilio-voice drivers against Prism
# serving Twilio's own OpenAPI spec as a validating mock: every request
# must pass the spec (a malformed one gets 422, which the outbox takes as
# permanent, so the row would end "failed").  Then a delivery report
# signed with X-Twilio-Signature moves the SMS row to "delivered", and a
# call answered by a machine fails over to the next channel.
. "$E2E_LIB"

SEND_PAGE=$top_builddir/tests/fake/send-page
SPEC=$TWILIO_SPEC
PRISM=$top_builddir/tests/node_modules/.bin/prism
[ -x "$SEND_PAGE" ] || fail "$SEND_PAGE is missing (make check builds it)"
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
chmod 600 "$TEST_TMP/token"
HOOK_PORT=$(free_port)
cat >"$TEST_TMP/chan.conf" <<CONF
state_dir = "$TEST_TMP/state";
user = "root";	# the tests run as root, see pagerd.conf(5)
http = { listen = "127.0.0.1:$HOOK_PORT"; public_url = "http://127.0.0.1:$HOOK_PORT"; };
channels = (
  { name = "sms"; driver = "twilio-sms"; api_url = "http://127.0.0.1:$PRISM_PORT";
    account_sid = "$SID"; auth_token_file = "token"; from = "+15005550006";
    max_attempts = 1; },
  { name = "voice"; driver = "twilio-voice"; api_url = "http://127.0.0.1:$PRISM_PORT";
    account_sid = "$SID"; auth_token_file = "token"; from = "+15005550006";
    machine_detection = true; ring_timeout = 30; max_attempts = 1; },
  { name = "console"; driver = "console"; }
);
CONF

"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 30 \
    -p "person=alice;sms=+15558675310;voice=+15558675310;rules=sms,voice;summary=disk full on db1 & <var>" \
    >"$TEST_TMP/send1.out" 2>"$TEST_TMP/send1.err" || fail "send-page failed"
grep -q 'settled=1' "$TEST_TMP/send1.out" || fail "pages did not settle"
grep -q 'channel=sms .*state=sent attempt=1 provider_id=SM' "$TEST_TMP/send1.out" ||
    fail "SMS not accepted by the spec: $(grep channel=sms "$TEST_TMP/send1.out")"
grep -q 'channel=voice .*state=sent attempt=1 provider_id=CA' "$TEST_TMP/send1.out" ||
    fail "call not accepted by the spec: $(grep channel=voice "$TEST_TMP/send1.out")"
if grep -q 'did not pass the validation' "$TEST_TMP/prism.log"; then
	grep -A8 'did not pass the validation' "$TEST_TMP/prism.log" | head -40
	fail "Prism rejected a request"
fi
pass "SMS and call requests pass Twilio's spec (201)"

# A broken account SID must be refused by the spec and not retried.
sed -e "s/$SID/XX123/" "$TEST_TMP/chan.conf" >"$TEST_TMP/bad.conf"
"$SEND_PAGE" -c "$TEST_TMP/bad.conf" -w 30 \
    -p "person=bob;sms=+15558675311;rules=sms,console" \
    >"$TEST_TMP/send2.out" 2>"$TEST_TMP/send2.err" || fail "send-page failed"
grep -q 'channel=sms .*state=failed attempt=1 .*error=HTTP 4' "$TEST_TMP/send2.out" ||
    fail "a request the spec rejects was not a permanent failure: $(cat "$TEST_TMP/send2.out")"
grep -q 'channel=console .*state=sent' "$TEST_TMP/send2.out" ||
    fail "no failover to the console"
pass "a 4xx from the provider is not retried and fails over at once"

# Delivery reports, signed as Twilio signs them.  The SMS is delivered;
# the call was answered by a machine, so the console is paged instead.
"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -H -w 20 \
    -p "person=carol;sms=+15558675312;rules=sms,console@10m" \
    -p "person=dave;voice=+15558675313;rules=voice,console@10m" \
    >"$TEST_TMP/send3.out" 2>"$TEST_TMP/send3.err" &
SP=$!
echo $SP >>"$TEST_TMP/.pids"
hook_up() {
	curl -s -o /dev/null "http://127.0.0.1:$HOOK_PORT/hooks/sms/twilio/status" 2>/dev/null
}
wait_until 20 "the hooks to listen" hook_up
# A report counts only for a message that went out: wait until both
# rows are "sent" in send-page's store (not a guess of one second).
sent_rows() {
	[ "$(sqlite3 "$TEST_TMP/state/pagerd.db" \
	    "SELECT count(*) FROM notifications WHERE state = 'sent'
	    AND person IN ('carol', 'dave') AND channel IN ('sms', 'voice')" \
	    2>/dev/null)" = 2 ]
}
wait_until "$E2E_WAIT" "the SMS and the call to go out" sent_rows
post_report() { # path good|bad key value ...
	local path=$1
	shift
	"$PYTHON" - "$TOKEN" "http://127.0.0.1:$HOOK_PORT$path" "$@" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse, urllib.request
token, url = sys.argv[1], sys.argv[2]
kv = sys.argv[4:]
params = dict(zip(kv[0::2], kv[1::2]))
params.update({"AccountSid": "AC0123456789abcdef0123456789abcdef", "ApiVersion": "2010-04-01"})
s = url + "".join(k + params[k] for k in sorted(params))
sig = base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()
if len(sys.argv) > 3 and sys.argv[3] == "bad":
    sig = "A" * 27 + "="
req = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
    headers={"X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded"})
try:
    print(urllib.request.urlopen(req).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}
# Prism answers every request with the spec's example sid.
SMS_SID=$(grep -o 'provider_id=SM[0-9a-f]*' "$TEST_TMP/send1.out" | head -n1 | cut -d= -f2)
CALL_SID=$(grep -o 'provider_id=CA[0-9a-f]*' "$TEST_TMP/send1.out" | head -n1 | cut -d= -f2)
expect_eq 403 "$(post_report /hooks/sms/twilio/status bad MessageSid "$SMS_SID" MessageStatus delivered)" \
    "a report with a bad signature"
expect_eq 204 "$(post_report /hooks/sms/twilio/status good MessageSid "$SMS_SID" MessageStatus delivered)" \
    "a signed SMS report"
expect_eq 204 "$(post_report /hooks/voice/twilio/status good CallSid "$CALL_SID" CallStatus completed AnsweredBy machine_start)" \
    "a signed call report"
wait "$SP"
grep -q 'person=carol channel=sms .*state=delivered' "$TEST_TMP/send3.out" ||
    fail "SMS row not delivered: $(cat "$TEST_TMP/send3.out")"
grep -q 'person=dave channel=voice .*state=failed .*error=answered by machine_start' "$TEST_TMP/send3.out" ||
    fail "machine-answered call not failed: $(cat "$TEST_TMP/send3.out")"
grep -q 'person=dave channel=console .*state=sent' "$TEST_TMP/send3.out" ||
    fail "no failover after the machine answered"
pass "signed delivery reports: delivered SMS; machine-answered call fails over"

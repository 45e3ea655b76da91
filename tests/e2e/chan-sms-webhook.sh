# SPDX-License-Identifier: ISC
# chan-sms-webhook.sh: the generic SMS gateway driver (webhook-sms)
# against an HTTP receiver.  Its fixed JSON body names the number in
# "to", carries the SMS text (one segment, ending with the reply codes)
# and every alert with its own event; it is signed as Standard Webhooks
# when a secret is set (the receiver checks the signature).  With a body
# template, the gateway gets exactly the template, values JSON-escaped.
# A gateway answering 500 is retried, then the page fails over.
. "$E2E_LIB"

SEND_PAGE=$top_builddir/tests/fake/send-page
[ -x "$SEND_PAGE" ] || fail "$SEND_PAGE is missing (make check builds it)"
SECRET=whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')
printf '%s\n' "$SECRET" >"$TEST_TMP/secret"
chmod 600 "$TEST_TMP/secret"
"$PYTHON" "$top_srcdir/tests/fake/chat-sink.py" "$TEST_TMP/port" \
    "$TEST_TMP/sms.jsonl" "$SECRET" >"$TEST_TMP/sink.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
wait_until 20 "the receiver" test -s "$TEST_TMP/port"
P=$(cat "$TEST_TMP/port")
cat >"$TEST_TMP/chan.conf" <<CONF
state_dir = "$TEST_TMP/state";
user = "root";	# the tests run as root, see pagerd.conf(5)
channels = (
  { name = "gw"; driver = "webhook-sms"; url = "http://127.0.0.1:$P/generic";
    secret_file = "secret"; },
  { name = "tpl"; driver = "webhook-sms"; url = "http://127.0.0.1:$P/status/200";
    body = "{\"msisdn\": \"{to}\", \"message\": \"{priority} #{id} {summary}\"}"; },
  { name = "down"; driver = "webhook-sms"; url = "http://127.0.0.1:$P/status/500";
    max_attempts = 2; backoff = "1s"; },
  { name = "console"; driver = "console"; }
);
CONF

# 1. The fixed body, signed; two alerts to one number make one digest.
"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 30 \
    -p "person=ana;sms=+15558675309;rules=gw;summary=disk full on db1" \
    -p "person=bob;sms=+15558675310;rules=gw;summary=cpu \"hot\" on web2;count=2" \
    >"$TEST_TMP/send.out" 2>"$TEST_TMP/send.err" || fail "send-page failed"
grep -q 'settled=1' "$TEST_TMP/send.out" || fail "pages did not settle"
expect_eq 0 "$(grep -c 'state=failed' "$TEST_TMP/send.out")" "failed rows"
expect_eq "" "$(jq -r 'select(.problems | length > 0) | "\(.path): \(.problems)"' "$TEST_TMP/sms.jsonl")" \
    "payload problems (shape, Standard Webhooks signature)"
"$PYTHON" - "$TEST_TMP/sms.jsonl" <<'PY' || fail "the gateway got the wrong body"
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
bodies = [json.loads(p["body"]) for p in posts if p["path"] == "/generic"]
by_to = {}
for b in bodies:
    by_to.setdefault(b["to"], []).append(b)
def need(what, ok):
    if not ok:
        sys.exit("%s: %r" % (what, bodies))
need("one message to each number", sorted(by_to) == ["+15558675309",
     "+15558675310"] and all(len(v) == 1 for v in by_to.values()))
ana, bob = by_to["+15558675309"][0], by_to["+15558675310"][0]
need("ana's message", ana["person"] == "ana" and ana["count"] == 1 and
     ana["event"] == "page" and ana["alerts"][0]["summary"] == "disk full on db1")
need("bob's digest carries both alerts", bob["count"] == 2 and
     len(bob["alerts"]) == 2 and
     all(a["event"] == "page" for a in bob["alerts"]))
gsm = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
          "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
for b in (ana, bob):
    t = b["text"]
    need("the SMS text is one GSM-7 segment", len(t) <= 160 and set(t) <= gsm)
    need("the SMS text names the first alert's reply code",
         ("Reply %da=ack" % b["alerts"][0]["id"]) in t)
need("one alert: its escalate code", ana["text"].endswith(
     "Reply %da=ack %de=esc" % (ana["alerts"][0]["id"], ana["alerts"][0]["id"])))
need("a digest: ack all", bob["text"].endswith("aa=ack all"))
print("ok: %d signed messages, texts %s" % (len(bodies),
      ", ".join(repr(b["text"]) for b in bodies)))
PY
pass "webhook-sms: the fixed body names the number, one-segment text, each alert, signed"

# 2. A body template: exactly what it says, values JSON-escaped.
"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 30 \
    -p "person=cy;sms=+15558675311;rules=tpl;summary=quote \" and \\ back" \
    >"$TEST_TMP/send2.out" 2>"$TEST_TMP/send2.err" || fail "send-page failed"
grep -q 'state=sent' "$TEST_TMP/send2.out" || fail "the templated SMS was not sent"
TPL=$(jq -r 'select(.path == "/status/200") | .body' "$TEST_TMP/sms.jsonl")
expect_eq "+15558675311" "$(printf '%s' "$TPL" | jq -r .msisdn)" "template: to"
expect_match '^P1 #[0-9]+ quote " and \\ back$' \
    "$(printf '%s' "$TPL" | jq -r .message)" "template: message"
expect_eq '["message","msisdn"]' "$(printf '%s' "$TPL" | jq -c 'keys')" \
    "template: nothing but the template"
pass "webhook-sms: a body template is filled with JSON-escaped values"

# 3. A gateway answering 500: tried max_attempts times, then the page
# fails over to the next rule (the console).
"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 60 \
    -p "person=dee;sms=+15558675312;rules=down,console@10m;summary=gateway test" \
    >"$TEST_TMP/send3.out" 2>"$TEST_TMP/send3.err" || fail "send-page failed"
expect_eq 2 "$(jq -r 'select(.path == "/status/500") | .path' "$TEST_TMP/sms.jsonl" | wc -l)" \
    "attempts at a gateway answering 500"
grep -q 'channel=down.*state=failed' "$TEST_TMP/send3.out" ||
    fail "the SMS row did not fail: $(cat "$TEST_TMP/send3.out")"
grep -q 'channel=console.*state=sent' "$TEST_TMP/send3.out" ||
    fail "the page did not fail over to the console: $(cat "$TEST_TMP/send3.out")"
pass "webhook-sms: a failing gateway is retried, then the page fails over"

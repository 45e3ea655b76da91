# SPDX-License-Identifier: ISC
# chan-chat.sh: Slack, Mattermost, Teams Workflows and a signed generic
# JSON webhook against an HTTP receiver that checks each payload's shape
# (and the Standard Webhooks signature) and answers like the real one.
. "$E2E_LIB"

SEND_PAGE=$top_builddir/tests/fake/send-page
[ -x "$SEND_PAGE" ] || fail "$SEND_PAGE is missing (make check builds it)"
# A Standard Webhooks secret: "whsec_" and base64; the key is the
# decoded part, as the receiver (and the spec) has it.
SECRET=whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')
printf '%s\n' "$SECRET" >"$TEST_TMP/secret"
chmod 600 "$TEST_TMP/secret"
"$PYTHON" "$top_srcdir/tests/fake/chat-sink.py" "$TEST_TMP/port" \
    "$TEST_TMP/chat.jsonl" "$SECRET" >"$TEST_TMP/sink.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
wait_until 20 "the chat receiver" test -s "$TEST_TMP/port"
P=$(cat "$TEST_TMP/port")
cat >"$TEST_TMP/chan.conf" <<CONF
state_dir = "$TEST_TMP/state";
user = "root";	# the tests run as root, see pagerd.conf(5)
channels = (
  { name = "slack"; driver = "slack"; url = "http://127.0.0.1:$P/slack"; },
  { name = "mm"; driver = "mattermost"; url = "http://127.0.0.1:$P/mattermost";
    channel = "oncall"; from = "pagerd"; },
  { name = "teams"; driver = "teams"; url = "http://127.0.0.1:$P/teams"; },
  { name = "hook"; driver = "webhook-chat"; url = "http://127.0.0.1:$P/generic";
    secret_file = "secret"; headers = [ "X-Team: db" ]; }
);
CONF
"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 30 \
    -p "person=alice;rules=slack,mm,teams,hook;summary=disk <full> & db1;ack_url=https://gw.example.org/ack/t?a=1&b=2" \
    -p "person=bob;chat=@bob;rules=slack;summary=cpu high;count=2" \
    >"$TEST_TMP/send.out" 2>"$TEST_TMP/send.err" || fail "send-page failed"
grep -q 'settled=1' "$TEST_TMP/send.out" || fail "pages did not settle"
expect_eq 0 "$(grep -c 'state=failed' "$TEST_TMP/send.out")" "failed rows"
expect_eq 6 "$(grep -c 'state=sent' "$TEST_TMP/send.out")" "sent rows"
expect_eq "" "$(jq -r 'select(.problems | length > 0) | "\(.path): \(.problems)"' "$TEST_TMP/chat.jsonl")" \
    "payload problems"
# One Slack message for alice, one bundle for bob's two alerts.
expect_eq 2 "$(jq -r 'select(.path == "/slack") | .path' "$TEST_TMP/chat.jsonl" | wc -l)" \
    "Slack posts"
expect_match '2 alerts' "$(jq -r 'select(.path == "/slack") | .body' "$TEST_TMP/chat.jsonl")" \
    "the bundled Slack post"
expect_match '&lt;full&gt; &amp; db1' "$(jq -r 'select(.path == "/slack") | .body | fromjson | .blocks[1].text.text' "$TEST_TMP/chat.jsonl")" \
    "Slack mrkdwn escaping"
expect_eq oncall "$(jq -r 'select(.path == "/mattermost") | .body | fromjson | .channel' "$TEST_TMP/chat.jsonl")" \
    "Mattermost channel"
expect_eq "https://gw.example.org/ack/t?a=1&b=2" \
    "$(jq -r 'select(.path == "/teams") | .body | fromjson | .attachments[0].content.actions[0].url' "$TEST_TMP/chat.jsonl")" \
    "Teams ack button"
expect_eq db "$(jq -r 'select(.path == "/generic") | .headers["X-Team"]' "$TEST_TMP/chat.jsonl")" \
    "extra header"
pass "Slack, Mattermost, Teams and a signed generic webhook got well-formed payloads"

# An alert's links and its client's page (as an Events v2 trigger
# brings them) are links in the chat message: <url|label> in Slack's
# mrkdwn (with & escaped), [label](url) in Mattermost and in a Teams
# TextBlock.  They were not in the message at all before.
"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 30 \
    -p 'person=erin;rules=slack,mm,teams;summary=p99 high on web;links=[{"href":"https://runbook.example/web?a=1&b=2","text":"runbook"},"https://logs.example/web"];client=Grafana;client_url=https://grafana.example/' \
    >"$TEST_TMP/send-links.out" 2>"$TEST_TMP/send-links.err" || fail "send-page failed"
grep -q 'settled=1' "$TEST_TMP/send-links.out" || fail "the pages with links did not settle"
expect_eq "" "$(jq -r 'select(.problems | length > 0) | "\(.path): \(.problems)"' "$TEST_TMP/chat.jsonl")" \
    "payload problems"
SLACK=$(jq -r 'select(.path == "/slack") | .body | fromjson | .blocks[1].text.text | select(contains("p99 high"))' "$TEST_TMP/chat.jsonl")
case $SLACK in
*"
<https://runbook.example/web?a=1&amp;b=2|runbook> · <https://logs.example/web|https://logs.example/web> · <https://grafana.example/|Grafana>"*) ;;
*) fail "the Slack message lacks the alert's links: $SLACK" ;;
esac
MM=$(jq -r 'select(.path == "/mattermost") | .body | fromjson | .text | select(contains("p99 high"))' "$TEST_TMP/chat.jsonl")
case $MM in
*"[runbook](https://runbook.example/web?a=1&b=2) · [https://logs.example/web](https://logs.example/web) · [Grafana](https://grafana.example/)"*) ;;
*) fail "the Mattermost post lacks the alert's links: $MM" ;;
esac
expect_eq 1 "$(jq -r 'select(.path == "/teams") | .body | fromjson | .attachments[0].content.body[].text | strings | select(startswith("[runbook](https://runbook.example/web?a=1&b=2)"))' "$TEST_TMP/chat.jsonl" | wc -l)" \
    "the Teams card's links"
pass "an alert's links and client are links in Slack, Mattermost and Teams"

# Alert text cannot notify a whole Mattermost channel: "@channel",
# "@here" and "@all" arrive with a zero-width space after the '@' (they
# used to arrive as written); a person's handle is left alone.
"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 30 \
    -p "person=carol;rules=mm;summary=db down @channel @here @all cc @carol" \
    >"$TEST_TMP/send2.out" 2>"$TEST_TMP/send2.err" || fail "send-page failed"
grep -q 'settled=1' "$TEST_TMP/send2.out" || fail "the Mattermost page did not settle"
MM=$(jq -r 'select(.path == "/mattermost") | .body | fromjson | .text' "$TEST_TMP/chat.jsonl" | grep 'db down')
ZW=$(printf '\342\200\213')
case $MM in
*"@channel"* | *"@here"* | *"@all"*) fail "a channel-wide mention reached Mattermost: $MM" ;;
esac
case $MM in
*"@${ZW}channel @${ZW}here @${ZW}all cc @carol"*) ;;
*) fail "the mentions were not neutralised as expected: $MM" ;;
esac
pass "@channel, @here and @all from alert text notify nobody on Mattermost"

# TwiML of a call stays within Twilio's 4,000 characters when escaping
# makes it grow: five alerts whose summaries are '&', '<', 'é' and '配'
# (each grows or is multibyte).  The text used to be cut before it was
# escaped, so the TwiML grew past the limit and the call failed; it is
# cut after, never inside an entity or a character.  The receiver
# stands in for Twilio's API and records the request.
printf 'e2e-token-%s\n' "$(new_key)" >"$TEST_TMP/twilio.token"
chmod 600 "$TEST_TMP/twilio.token"
cat >"$TEST_TMP/voice.conf" <<CONF
state_dir = "$TEST_TMP/state-voice";
user = "root";	# the tests run as root, see pagerd.conf(5)
channels = (
  { name = "voice"; driver = "twilio-voice"; api_url = "http://127.0.0.1:$P";
    account_sid = "AC0123456789abcdef0123456789abcdef";
    auth_token_file = "twilio.token"; from = "+15005550006";
    max_attempts = 1; }
);
CONF
SUM=$("$PYTHON" -c 'print("&<\u00e9\u914d" * 140)')
"$SEND_PAGE" -c "$TEST_TMP/voice.conf" -w 30 \
    -p "person=dora;voice=+15558675399;rules=voice;count=5;summary=$SUM" \
    >"$TEST_TMP/send3.out" 2>"$TEST_TMP/send3.err" || fail "send-page failed"
"$PYTHON" - "$TEST_TMP/chat.jsonl" <<'PY' || fail "the TwiML of the call is wrong"
import json, sys, urllib.parse, xml.dom.minidom
calls = [json.loads(l) for l in open(sys.argv[1]) if "/Calls.json" in l]
if not calls:
    sys.exit("no call reached the receiver")
for c in calls:
    twiml = urllib.parse.parse_qs(c["body"])["Twiml"][0]
    if len(twiml) > 4000:
        sys.exit("TwiML of %d characters (Twilio takes 4,000)" % len(twiml))
    xml.dom.minidom.parseString(twiml.encode())  # well-formed, whole entities
    say = twiml.split("<Say", 1)[1]
    if "\u914d" not in say or "&amp;&lt;" not in say:
        sys.exit("the alerts are not in the call: %r" % say[:200])
print("ok: %d call(s), TwiML of %s characters" % (len(calls),
      ", ".join(str(len(urllib.parse.parse_qs(c["body"])["Twiml"][0])) for c in calls)))
PY
pass "a call's TwiML is cut after escaping and stays within 4,000 characters"

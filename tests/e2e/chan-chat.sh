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

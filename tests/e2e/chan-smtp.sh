# SPDX-License-Identifier: ISC
# chan-smtp.sh: the e-mail channel against a real SMTP server (aiosmtpd):
# one page and a bundle of three, then the received DATA is parsed and
# its headers checked (Date, From, To, RFC 2047 Subject, Message-ID,
# MIME-Version, Content-Type, Auto-Submitted) as well as the envelope.
. "$E2E_LIB"

SEND_PAGE=$top_builddir/tests/fake/send-page
[ -x "$SEND_PAGE" ] || fail "$SEND_PAGE is missing (make check builds it)"
"$PYTHON" -c 'import aiosmtpd' 2>/dev/null || {
	skip_missing aiosmtpd "aiosmtpd is missing (Debian package python3-aiosmtpd)"
}

SMTP_PORT=$(free_port)
mkdir -p "$TEST_TMP/mail"
"$PYTHON" "$top_srcdir/tests/fake/smtp-sink.py" "$SMTP_PORT" "$TEST_TMP/mail" \
    >"$TEST_TMP/smtp.log" 2>&1 &
echo $! >>"$TEST_TMP/.pids"
wait_until 20 "the SMTP server" test -e "$TEST_TMP/mail/ready"

cat >"$TEST_TMP/chan.conf" <<CONF
state_dir = "$TEST_TMP/state";
user = "root";	# the tests run as root, see pagerd.conf(5)
channels = (
  { name = "mail"; driver = "smtp"; url = "smtp://127.0.0.1:$SMTP_PORT";
    tls = "none"; from = "Pager <pager@example.org>"; helo = "gw.example.org";
    timeout = "10s"; }
);
CONF

"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 30 \
    -p "person=alice;email=Alice <alice@example.net>;rules=mail;summary=Überlast auf db1: 配信に失敗;ack_url=https://gw.example.org/ack/tok1" \
    >"$TEST_TMP/send1.out" 2>"$TEST_TMP/send1.err" ||
    fail "send-page failed"
grep -q 'settled=1' "$TEST_TMP/send1.out" || fail "the page did not settle"
grep -q 'channel=mail .*state=sent attempt=1' "$TEST_TMP/send1.out" ||
    fail "the mail row is not sent"
wait_until 10 "the mail" test -e "$TEST_TMP/mail/1.eml"

"$PYTHON" - "$TEST_TMP/mail/1.eml" "$TEST_TMP/mail/1.json" <<'PY' || fail "message 1"
import email, email.policy, email.utils, json, re, sys
raw = open(sys.argv[1], "rb").read()
env = json.load(open(sys.argv[2]))
bad = []
def need(c, what):
    if not c:
        bad.append(what)
m = email.message_from_bytes(raw, policy=email.policy.default)
need(env["mail_from"] == "pager@example.org", "envelope from %r" % env["mail_from"])
need(env["rcpt_tos"] == ["alice@example.net"], "envelope rcpt %r" % env["rcpt_tos"])
need(env["helo"] == "gw.example.org", "EHLO %r" % env["helo"])
need(b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "bare LF in message")
d = m["Date"]
need(d is not None and email.utils.parsedate_to_datetime(str(d)) is not None, "Date")
need(re.match(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$", str(d)), "Date format %r" % str(d))
need(str(m["From"]) == "Pager <pager@example.org>", "From %r" % str(m["From"]))
need(str(m["To"]) == "Alice <alice@example.net>", "To %r" % str(m["To"]))
raw_subj = re.search(rb"^Subject: (.*(?:\r\n[ \t].*)*)", raw, re.M).group(1)
need(raw_subj.startswith(b"=?UTF-8?B?"), "Subject not RFC 2047: %r" % raw_subj)
need(all(len(w) <= 75 for w in re.findall(rb"=\?[^?]+\?B\?[^?]*\?=", raw_subj)), "encoded word too long")
need(str(m["Subject"]) == "[P1] #1 db: Überlast auf db1: 配信に失敗", "Subject %r" % str(m["Subject"]))
need(re.match(r"^<pagerd-n\d+-\d+\.[0-9a-f]{16}@example\.org>$", str(m["Message-ID"])), "Message-ID (random part) %r" % str(m["Message-ID"]))
need(re.match(r"^<pagerd-alert-1-\d{13}@example\.org>$", str(m["References"])), "References %r" % str(m["References"]))
need(str(m["In-Reply-To"]) == str(m["References"]), "In-Reply-To")
need(str(m["MIME-Version"]) == "1.0", "MIME-Version")
need(m.get_content_type() == "text/plain" and m.get_content_charset() == "utf-8", "Content-Type %r" % str(m["Content-Type"]))
need(str(m["Auto-Submitted"]) == "auto-generated", "Auto-Submitted")
body = m.get_content()
need("Acknowledge: https://gw.example.org/ack/tok1" in body, "ack link in body")
need("Überlast auf db1" in body, "summary in body")
for b in bad:
    print("message 1:", b)
sys.exit(1 if bad else 0)
PY
pass "single page: headers, encoded subject, envelope, ack link"

# Three alerts for one person at once: one message listing them.
"$SEND_PAGE" -c "$TEST_TMP/chan.conf" -w 30 \
    -p "person=bob;email=bob@example.net;rules=mail;summary=cpu high;count=3" \
    >"$TEST_TMP/send2.out" 2>"$TEST_TMP/send2.err" || fail "send-page failed"
expect_eq 3 "$(grep -c 'channel=mail .*state=sent' "$TEST_TMP/send2.out")" \
    "rows sent in the bundle"
wait_until 10 "the bundled mail" test -e "$TEST_TMP/mail/2.eml"
sleep 0.5
[ ! -e "$TEST_TMP/mail/3.eml" ] || fail "the bundle went out as several mails"
"$PYTHON" - "$TEST_TMP/mail/2.eml" <<'PY' || fail "message 2"
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
s = str(m["Subject"])
b = m.get_content()
ok = s.startswith("(3 alerts: 3 pages)") and b.count("cpu high") == 3 and "3 alerts: 3 pages." in b and b.count("Reason: stage 1") == 3
print("subject %r" % s) if not ok else None
sys.exit(0 if ok else 1)
PY
pass "three alerts for one person went out as one mail"

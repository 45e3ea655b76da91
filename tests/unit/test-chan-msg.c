/* SPDX-License-Identifier: ISC */
/*
 * test-chan-msg.c: what each channel would send, built without I/O:
 * templates, e-mail headers and RFC 2047 subjects, one-segment SMS with
 * reply codes, TwiML escaping, Slack mrkdwn, the Teams Adaptive Card and
 * the generic webhook JSON; notes about no alert (handoffs) on each; an
 * alert's links in chat; plus the channel configuration parser.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "conf.h"
#include "outbox.h"
#include "xmalloc.h"

#ifndef nitems
#define nitems(a) (sizeof (a) / sizeof (a)[0])
#endif
#define WEBHOOK_ONE \
    "{\"id\":\"pagerd-n7-1\",\"to\":\"alice@example.org\",\"pers" \
    "on\":\"alice\",\"reason\":\"stage 1\",\"event\":\"page\",\"tex" \
    "t\":\"stage 1: **[P1] #12 db**: disk full on db1 & <" \
    "var> [Acknowledge](https://gw.example.org/ack/abc?" \
    "x=1&y=2)\",\"count\":1,\"alerts\":[{\"id\":12,\"priority\":" \
    "\"P1\",\"service\":\"db\",\"summary\":\"disk full on db1 & " \
    "<var>\",\"ack_url\":\"https://gw.example.org/ack/abc?x" \
    "=1&y=2\",\"event\":\"page\",\"stage\":1,\"reason\":\"stage 1" \
    "\"}]}"
#define WEBHOOK_ODD \
    "{\"id\":\"pagerd-n7-1\",\"to\":\"\",\"person\":null,\"reason\"" \
    ":\"stage 1\",\"event\":\"reminder\",\"text\":\"stage 1: **[" \
    "P3] #9000000001 **: tab here \\\"q\\\" back\\\\ nl    \xc3\xa9" " " \
    "\xe2\x80\xa8" " /\",\"count\":1,\"alerts\":[{\"id\":9000000001,\"priorit" \
    "y\":\"P3\",\"service\":null,\"summary\":\"tab\\there \\\"q\\\" " \
    "back\\\\ nl\\n \\u0001 \xc3\xa9" " \xe2\x80\xa8" " /\",\"ack_url\":null,\"event\":\"" \
    "reminder\",\"stage\":2,\"reason\":\"stage 1\",\"external_u" \
    "rl\":\"https://t.example.org/T-1?a=\\\"b\\\"\"}]}"

/* 2026-11-22T14:26:39Z, a Sunday. */
#define T0 INT64_C(1795357599000)

static struct chan_alert a1 = { 12, 1, "db", "disk full on db1 & <var>",
    "https://gw.example.org/ack/abc?x=1&y=2", NOTIFY_PAGE, 1, NULL, 0, NULL,
    NULL, NULL, NULL };

static void
page_init(struct chan_page *pg, struct chan_alert *a, size_t n)
{
	memset(pg, 0, sizeof *pg);
	pg->id = "pagerd-n7-1";
	pg->to = "alice@example.org";
	pg->person = "alice";
	pg->reason = "stage 1";
	pg->alerts = a;
	pg->nalerts = n;
	pg->now_ms = T0;
}

/* The value of header name in msg (up to CRLF), or NULL. */
static char *
header(const char *msg, const char *name)
{
	const char *end = strstr(msg, "\r\n\r\n"), *p = msg;
	size_t n = strlen(name);

	while (p != NULL && p < end) {
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 2;
			return strndup(p, strstr(p, "\r\n") - p);
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return NULL;
}

static void
test_expand(void **state)
{
	struct chan_page pg;
	char *s;

	page_init(&pg, &a1, 1);
	s = chan_msg_expand("#{id} {priority} {service} {count} {x} {", &pg,
	    &a1, NULL);
	assert_string_equal(s, "#12 P1 db 1 {x} {");
	free(s);
	s = chan_msg_expand("<b>{summary}</b>", &pg, &a1, chan_msg_xml_escape);
	assert_string_equal(s, "<b>disk full on db1 &amp; &lt;var&gt;</b>");
	free(s);
}

static void
test_email(void **state)
{
	struct conf_chan cc;
	struct chan_page pg;
	char *m, *h;

	memset(&cc, 0, sizeof cc);
	cc.from = (char *)"Pager <pager@example.org>";
	page_init(&pg, &a1, 1);
	m = chan_msg_email(&cc, &pg, "example.org");
	h = header(m, "Date");
	assert_string_equal(h, "Sun, 22 Nov 2026 14:26:39 +0000");
	free(h);
	h = header(m, "Message-ID");
	assert_string_equal(h, "<pagerd-n7-1@example.org>");
	free(h);
	h = header(m, "Subject");
	assert_string_equal(h, "[P1] #12 db: disk full on db1 & <var>");
	free(h);
	h = header(m, "MIME-Version");
	assert_string_equal(h, "1.0");
	free(h);
	h = header(m, "Content-Type");
	assert_string_equal(h, "text/plain; charset=UTF-8");
	free(h);
	h = header(m, "Auto-Submitted");
	assert_string_equal(h, "auto-generated");
	free(h);
	h = header(m, "To");
	assert_string_equal(h, "alice@example.org");
	free(h);
	/* 7-bit body with the ack link, CRLF only. */
	assert_non_null(strstr(m, "Content-Transfer-Encoding: 7bit"));
	assert_non_null(strstr(m, "Acknowledge: https://gw.example.org/ack/"
	    "abc?x=1&y=2\r\n"));
	for (h = m; (h = strchr(h, '\n')) != NULL; h++)
		assert_int_equal(h[-1], '\r');
	free(m);
}

static void
test_email_utf8(void **state)
{
	struct chan_alert a = { 3, 2, "api", "Überlast: 配信に失敗しました", NULL,
	    NOTIFY_PAGE, 1, NULL, 0, NULL, NULL, NULL, NULL };
	struct conf_chan cc;
	struct chan_page pg;
	char *m, *h, *line;

	memset(&cc, 0, sizeof cc);
	cc.from = (char *)"pager@example.org";
	page_init(&pg, &a, 1);
	m = chan_msg_email(&cc, &pg, "example.org");
	h = header(m, "Subject");
	assert_non_null(h);
	assert_memory_equal(h, "=?UTF-8?B?", 10);
	free(h);
	/* Every encoded word fits in 75 characters; folded lines. */
	for (line = strstr(m, "Subject: ") + 9; *line != '\r' || line[2] == ' ';) {
		char *e = strstr(line, "?=");

		assert_non_null(e);
		assert_true(e + 2 - strstr(line, "=?UTF-8?B?") <= 75);
		line = e + 2;
		if (line[0] == '\r' && line[2] == ' ')
			line += 3;
		else
			break;
	}
	assert_non_null(strstr(m, "Content-Transfer-Encoding: base64"));
	free(m);
	h = chan_msg_rfc2047("plain ascii");
	assert_string_equal(h, "plain ascii");
	free(h);
	h = chan_msg_rfc2047("é");
	assert_string_equal(h, "=?UTF-8?B?w6k=?=");
	free(h);
}

static void
test_gsm7(void **state)
{
	assert_int_equal(chan_msg_gsm7_len("abc"), 3);
	assert_int_equal(chan_msg_gsm7_len("a{b}"), 6);
	assert_int_equal(chan_msg_gsm7_len("€"), 2);
	assert_int_equal(chan_msg_gsm7_len("Müller Ø"), 8);
	assert_int_equal(chan_msg_gsm7_len("配"), -1);
	assert_int_equal(chan_msg_gsm7_len("`"), -1);
}

static void
test_sms(void **state)
{
	struct chan_alert a = a1, many[3];
	struct conf_chan cc;
	struct chan_page pg;
	char big[400], *s;

	memset(&cc, 0, sizeof cc);
	page_init(&pg, &a, 1);
	s = chan_msg_sms(&cc, &pg);
	assert_string_equal(s, "stage 1: #12 P1 disk full on db1 & <var> Reply"
	    " 12a=ack 12e=esc");
	free(s);

	/* A long summary is cut to one segment; the codes survive. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	a.summary = big;
	s = chan_msg_sms(&cc, &pg);
	assert_int_equal(chan_msg_gsm7_len(s), 160);
	assert_non_null(strstr(s, "... Reply 12a=ack 12e=esc"));
	free(s);

	/* UCS-2: 70 characters. */
	a.summary = "配信に失敗しました配信に失敗しました配信に失敗しました"
	    "配信に失敗しました配信に失敗しました配信に失敗しました";
	s = chan_msg_sms(&cc, &pg);
	assert_int_equal(chan_msg_gsm7_len(s), -1);
	assert_non_null(strstr(s, "Reply 12a=ack"));
	{
		const char *p;
		int n = 0;

		for (p = s; *p != '\0'; p++)
			if (((unsigned char)*p & 0xc0) != 0x80)
				n++;
		assert_true(n <= 70);
		assert_true(n >= 65);
	}
	free(s);

	/* Bundled: all ids and the "all" code. */
	many[0] = a1;
	many[1] = a1;
	many[1].id = 13;
	many[1].summary = "cpu";
	many[2] = a1;
	many[2].id = 14;
	many[2].summary = "net\ndown";
	page_init(&pg, many, 3);
	s = chan_msg_sms(&cc, &pg);
	assert_string_equal(s, "3 alerts: #12 PAGE s1 disk full on db1 & <var>;"
	    " #13 PAGE s1 cpu; #14 PAGE s1 net down Reply 12a=ack aa=ack all");
	free(s);
}

static void
test_twiml(void **state)
{
	struct conf_chan cc;
	struct chan_page pg;
	char *s;

	memset(&cc, 0, sizeof cc);
	page_init(&pg, &a1, 1);
	pg.gather_url = "https://gw.example.org/hooks/voice/twilio/gather?"
	    "alert=12&try=1";
	s = chan_msg_twiml(&cc, &pg);
	assert_string_equal(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Response><Gather input=\"dtmf\" numDigits=\"1\" timeout=\"10\""
	    " method=\"POST\" action=\"https://gw.example.org/hooks/voice/"
	    "twilio/gather?alert=12&amp;try=1\"><Say voice=\"alice\""
	    " language=\"en-US\" loop=\"2\">stage 1: Alert 12, priority P1,"
	    " db: disk"
	    " full on db1 &amp; &lt;var&gt;. Press 1 to acknowledge, 2 to"
	    " escalate, 3 to resolve.</Say></Gather><Say voice=\"alice\" language=\"en-US\">"
	    "No input received. Goodbye.</Say><Hangup/></Response>");
	free(s);
	/* Several alerts: 1 acts on all, 2 and 3 on the first, as said. */
	{
		struct chan_alert two[2] = { a1, a1 };

		two[1].id = 13;
		page_init(&pg, two, 2);
		s = chan_msg_twiml(&cc, &pg);
		assert_non_null(strstr(s, "You have 2 alerts: 2 pages. "));
		assert_non_null(strstr(s, "Press 1 to acknowledge them all, 2 to"
		    " escalate alert 12, 3 to resolve alert 12."));
		free(s);
	}
	s = chan_msg_xml_escape("a\"b'c\x01");
	assert_string_equal(s, "a&quot;b&apos;c ");
	free(s);
}

static void
test_slack(void **state)
{
	struct conf_chan cc;
	struct chan_page pg;
	json_t *j;
	char *s;

	memset(&cc, 0, sizeof cc);
	page_init(&pg, &a1, 1);
	s = chan_msg_slack(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "text")),
	    "stage 1: [P1] #12 disk full on db1 &amp; &lt;var&gt;");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(j, "blocks"), 1), "text"), "text")),
	    "stage 1: *[P1] #12 db*: disk full on db1 &amp; &lt;var&gt;"
	    " <https://gw.example.org/ack/abc?x=1&amp;y=2|Acknowledge>");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(j, "blocks"), 0), "text"), "type")),
	    "plain_text");
	json_decref(j);
	free(s);
}

static void
test_teams(void **state)
{
	struct conf_chan cc;
	struct chan_page pg;
	json_t *j, *card, *att;
	char *s;

	memset(&cc, 0, sizeof cc);
	page_init(&pg, &a1, 1);
	s = chan_msg_teams(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
	    "message");
	att = json_array_get(json_object_get(j, "attachments"), 0);
	assert_string_equal(json_string_value(json_object_get(att,
	    "contentType")), "application/vnd.microsoft.card.adaptive");
	assert_true(json_is_null(json_object_get(att, "contentUrl")));
	card = json_object_get(att, "content");
	assert_string_equal(json_string_value(json_object_get(card, "type")),
	    "AdaptiveCard");
	assert_string_equal(json_string_value(json_object_get(card,
	    "version")), "1.4");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(card, "actions"), 0), "type")), "Action.OpenUrl");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(card, "actions"), 0), "url")), a1.ack_url);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(card, "body"), 2), "type")), "FactSet");
	assert_true(strlen(s) < 28 * 1024);
	json_decref(j);
	free(s);
}

/*
 * An alert's links (Events v2 objects or native URLs) and its client's
 * page: Slack <url|label>, Mattermost and Teams [label](url), with what
 * would end or split a link encoded and labels escaped; at most five
 * links and the client; none in the generic webhook's text.
 */
static void
test_chat_links(void **state)
{
	struct chan_alert a = a1;
	struct conf_chan cc;
	struct chan_page pg;
	json_t *j, *body;
	char *s;
	const char *t;
	size_t i;
	int found = 0;

	a.links = "[{\"href\":\"https://runbook.example/db?a=1&b=2\","
	    "\"text\":\"run|book <1>\"},\"https://logs.example/q(x)\","
	    "{\"href\":\"javascript:alert(1)\",\"text\":\"no\"},"
	    "{\"href\":\"https://g.example/\",\"text\":\"[graph]\"},"
	    "\"https://4.example/\",\"https://5.example/\","
	    "\"https://6.example/\"]";
	a.client = "Grafana";
	a.client_url = "https://grafana.example/";
	memset(&cc, 0, sizeof cc);
	page_init(&pg, &a, 1);

	s = chan_msg_chat_links(&a, chan_msg_mrkdwn_escape, 1);
	assert_string_equal(s,
	    "<https://runbook.example/db?a=1&amp;b=2|run/book &lt;1&gt;>"
	    " \xc2\xb7 <https://logs.example/q%28x%29"
	    "|https://logs.example/q(x)>"
	    " \xc2\xb7 <https://g.example/|[graph]>"
	    " \xc2\xb7 <https://4.example/|https://4.example/>"
	    " \xc2\xb7 <https://grafana.example/|Grafana>");
	free(s);
	s = chan_msg_chat_links(&a, chan_msg_mattermost_escape, 0);
	assert_string_equal(s,
	    "[run|book <1>](https://runbook.example/db?a=1&b=2)"
	    " \xc2\xb7 [https://logs.example/q(x)]"
	    "(https://logs.example/q%28x%29)"
	    " \xc2\xb7 [(graph)](https://g.example/)"
	    " \xc2\xb7 [https://4.example/](https://4.example/)"
	    " \xc2\xb7 [Grafana](https://grafana.example/)");
	free(s);

	/* in the Slack section, on the line after the alert's */
	s = chan_msg_slack(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	t = json_string_value(json_object_get(json_object_get(json_array_get(
	    json_object_get(j, "blocks"), 1), "text"), "text"));
	assert_non_null(strstr(t, "|Acknowledge>\n<https://runbook.example/"
	    "db?a=1&amp;b=2|run/book &lt;1&gt;>"));
	assert_non_null(strstr(t, "<https://grafana.example/|Grafana>"));
	json_decref(j);
	free(s);

	s = chan_msg_mattermost(&cc, &pg);
	j = json_loads(s, 0, NULL);
	t = json_string_value(json_object_get(j, "text"));
	assert_non_null(strstr(t, "\n[run|book <1>](https://runbook.example/"
	    "db?a=1&b=2)"));
	json_decref(j);
	free(s);

	s = chan_msg_teams(&cc, &pg);
	j = json_loads(s, 0, NULL);
	body = json_object_get(json_object_get(json_array_get(json_object_get(j,
	    "attachments"), 0), "content"), "body");
	for (i = 0; i < json_array_size(body); i++) {
		t = json_string_value(json_object_get(json_array_get(body, i),
		    "text"));
		if (t != NULL && strncmp(t, "[run|book <1>](", 15) == 0)
			found = 1;
	}
	assert_true(found);
	json_decref(j);
	free(s);

	/* plain text has no links syntax: the webhook's text is unchanged */
	s = chan_msg_webhook(&cc, &pg);
	assert_null(strstr(s, "runbook.example"));
	free(s);

	/* an alert with neither has no links line */
	a.links = NULL;
	a.client_url = NULL;
	assert_null(chan_msg_chat_links(&a, chan_msg_mrkdwn_escape, 1));
}

/*
 * The ticket of an alert from a mapped intake (external_url): the first
 * chat link, a "Ticket:" line in mail unless the template places
 * {external_url}, a member of the webhook's alerts; nothing without one.
 */
static void
test_external_url(void **state)
{
	struct chan_alert a = a1;
	struct conf_chan cc;
	struct chan_page pg;
	json_t *j;
	char *s;

	a.external_url = "https://desk.example/#ticket/zoom/42";
	a.client_url = "https://grafana.example/";
	memset(&cc, 0, sizeof cc);
	page_init(&pg, &a, 1);
	s = chan_msg_chat_links(&a, chan_msg_mrkdwn_escape, 1);
	assert_string_equal(s, "<https://desk.example/#ticket/zoom/42|ticket>"
	    " \xc2\xb7 <https://grafana.example/|source>");
	free(s);
	s = chan_msg_email(&cc, &pg, "example.org");
	assert_non_null(strstr(s, "\r\nTicket: https://desk.example/#ticket/"
	    "zoom/42\r\n"));
	free(s);
	cc.tpl_body = (char *)"{summary} see {external_url}";
	s = chan_msg_email(&cc, &pg, "example.org");
	assert_non_null(strstr(s, "see https://desk.example/#ticket/zoom/42"));
	assert_null(strstr(s, "Ticket:"));
	free(s);
	cc.tpl_body = NULL;
	cc.driver = &chan_webhook_chat_driver;
	s = chan_msg_webhook(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "alerts"), 0), "external_url")),
	    "https://desk.example/#ticket/zoom/42");
	json_decref(j);
	free(s);
	a.external_url = NULL;
	s = chan_msg_webhook(&cc, &pg);
	assert_null(strstr(s, "external_url"));
	free(s);
	s = chan_msg_email(&cc, &pg, "example.org");
	assert_null(strstr(s, "Ticket:"));
	free(s);
}

static void
test_webhook(void **state)
{
	struct conf_chan cc;
	struct chan_page pg;
	json_t *j;
	char *s;

	memset(&cc, 0, sizeof cc);
	cc.driver = &chan_webhook_chat_driver;
	page_init(&pg, &a1, 1);
	s = chan_msg_webhook(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")),
	    "pagerd-n7-1");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(j, "alerts"), 0), "id")), 12);
	json_decref(j);
	free(s);
	/* A body template gets JSON-escaped values. */
	cc.tpl_body = (char *)"{\"msg\": \"{summary}\", \"n\": {id}}";
	a1.summary = "quote \" and \\ back";
	s = chan_msg_webhook(&cc, &pg);
	assert_string_equal(s, "{\"msg\": \"quote \\\" and \\\\ back\","
	    " \"n\": 12}");
	free(s);
	a1.summary = "disk full on db1 & <var>";
}

/*
 * A note (no alert: a handoff) on every channel: its title is the
 * reason, its text the note; no reply codes, no ack link, no keypress.
 */
static void
test_note(void **state)
{
	struct conf_chan cc;
	struct chan_page pg;
	json_t *j, *body;
	char *s, *h;

	memset(&cc, 0, sizeof cc);
	cc.from = (char *)"pagerd@example.org";
	page_init(&pg, NULL, 0);
	pg.reason = "handoff: Ann, you are on call for ops until 2026-11-23"
	    " 20:00 +01:00";
	pg.note = "1 open alert routed to ops:\n#12 P1 disk full <db1> & co"
	    " (triggered, stage 1)";

	s = chan_msg_email(&cc, &pg, "example.org");
	h = header(s, "Subject");
	assert_string_equal(h, pg.reason);
	free(h);
	assert_null(header(s, "X-Pagerd-Alert"));
	assert_non_null(strstr(s, "\r\n\r\n1 open alert routed to ops:\r\n"
	    "#12 P1 disk full <db1> & co (triggered, stage 1)\r\n"));
	assert_null(strstr(s, "Reply to an SMS"));
	free(s);

	s = chan_msg_sms(&cc, &pg);
	assert_true(chan_msg_gsm7_len(s) <= CHAN_SMS_GSM7_MAX);
	assert_string_equal(s, "handoff: Ann, you are on call for ops until"
	    " 2026-11-23 20:00 +01:00: 1 open alert routed to ops:; #12 P1"
	    " disk full <db1> & co (triggered, stage 1)");
	free(s);

	s = chan_msg_twiml(&cc, &pg);
	assert_null(strstr(s, "<Gather"));
	assert_non_null(strstr(s, "loop=\"2\">handoff: Ann, you are on call"));
	assert_non_null(strstr(s, "disk full &lt;db1&gt; &amp; co"));
	assert_non_null(strstr(s, "</Say><Hangup/></Response>"));
	free(s);

	s = chan_msg_slack(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(j, "blocks"), 1), "text"), "text")),
	    "*handoff: Ann, you are on call for ops until 2026-11-23 20:00"
	    " +01:00*\n1 open alert routed to ops:\n#12 P1 disk full &lt;db1&gt;"
	    " &amp; co (triggered, stage 1)");
	json_decref(j);
	free(s);

	s = chan_msg_mattermost(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "text")),
	    "**handoff: Ann, you are on call for ops until 2026-11-23 20:00"
	    " +01:00**\n1 open alert routed to ops:\n#12 P1 disk full <db1>"
	    " & co (triggered, stage 1)");
	json_decref(j);
	free(s);

	s = chan_msg_teams(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	body = json_object_get(json_object_get(json_array_get(json_object_get(
	    j, "attachments"), 0), "content"), "body");
	assert_int_equal(json_array_size(body), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    body, 2), "text")), "#12 P1 disk full <db1> & co (triggered,"
	    " stage 1)");
	assert_int_equal(json_array_size(json_object_get(json_object_get(
	    json_array_get(json_object_get(j, "attachments"), 0), "content"),
	    "actions")), 0);
	json_decref(j);
	free(s);

	cc.driver = &chan_webhook_chat_driver;
	s = chan_msg_webhook(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "alerts")), 0);
	assert_string_equal(json_string_value(json_object_get(j, "note")),
	    pg.note);
	assert_string_equal(json_string_value(json_object_get(j, "reason")),
	    pg.reason);
	json_decref(j);
	free(s);
	/* A body template sees the note as the summary of alert #0. */
	cc.tpl_body = (char *)"{\"msg\": \"{summary}\", \"n\": {id}}";
	s = chan_msg_webhook(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 0);
	assert_non_null(strstr(json_string_value(json_object_get(j, "msg")),
	    "#12 P1 disk full <db1> & co"));
	json_decref(j);
	free(s);
}

/*
 * The webhook body is written directly, not through jansson objects: it
 * must be the very bytes json_pack and json_dumps(JSON_COMPACT) wrote
 * (the same members in the same order, the same escapes), whatever the
 * alerts hold, and as long as they need.
 */
static void
test_webhook_exact(void **state)
{
	struct chan_alert many[300], odd;
	struct conf_chan cc;
	struct chan_page pg;
	json_t *j;
	char *s, *d, ctl[33];
	size_t i;

	memset(&cc, 0, sizeof cc);
	cc.driver = &chan_webhook_chat_driver;
	page_init(&pg, &a1, 1);
	s = chan_msg_webhook(&cc, &pg);
	assert_string_equal(s, WEBHOOK_ONE);
	free(s);

	odd = a1;
	odd.id = 9000000001LL;
	odd.priority = 3;
	odd.service = NULL;
	odd.summary = "tab\there \"q\" back\\ nl\n \x01 \xc3\xa9 \xe2\x80\xa8 /";
	odd.ack_url = NULL;
	odd.event = NOTIFY_REMINDER;
	odd.stage = 2;
	odd.reason = NULL;
	odd.external_url = "https://t.example.org/T-1?a=\"b\"";
	page_init(&pg, &odd, 1);
	pg.person = NULL;
	pg.to = NULL;
	s = chan_msg_webhook(&cc, &pg);
	assert_string_equal(s, WEBHOOK_ODD);
	free(s);

	/* every control character, DEL, 2-, 3- and 4-byte UTF-8 */
	for (i = 0; i < 32; i++)
		ctl[i] = (char)(i + 1);
	ctl[31] = 0x7f;
	ctl[32] = '\0';
	for (i = 0; i < nitems(many); i++) {
		many[i] = i % 2 ? a1 : odd;
		many[i].id = (int64_t)i + 1;
	}
	many[7].summary = ctl;
	many[8].summary = "\xf0\x9f\x94\xa5 \xef\xbf\xbf \xc2\x80 \\u0000";
	page_init(&pg, many, nitems(many));
	pg.reason = NULL;
	pg.more_url = "https://gw.example.org/";
	s = chan_msg_webhook(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "alerts")),
	    nitems(many));
	d = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, d);
	free(d);
	json_decref(j);
	free(s);
}

/* Three alerts, each with its own event: a page, an ack, a resolve. */
static void
digest_init(struct chan_page *pg, struct chan_alert *three)
{
	three[0] = a1;
	three[0].reason = "page, stage 1";
	three[1] = a1;
	three[1].id = 13;
	three[1].summary = "cpu high";
	three[1].ack_url = NULL;
	three[1].event = NOTIFY_ACKNOWLEDGED;
	three[1].reason = "acknowledged by ana via SMS";
	three[2] = a1;
	three[2].id = 14;
	three[2].summary = "queue stuck";
	three[2].ack_url = NULL;
	three[2].event = NOTIFY_RESOLVED;
	three[2].reason = "resolved by bob via API";
	page_init(pg, three, 3);
	pg->reason = NULL; /* the outbox sets none when they differ */
	pg->more_url = "https://gw.example.org/";
}

/*
 * A digest tells each alert's own event, on every channel: #13 was only
 * acknowledged, never "resolved" like #14; only the page carries an ack
 * link and reply codes.
 */
static void
test_digest_events(void **state)
{
	struct chan_alert three[3];
	struct conf_chan cc;
	struct chan_page pg;
	json_t *j, *list;
	char *s, *text;

	memset(&cc, 0, sizeof cc);
	cc.from = (char *)"pager@example.org";
	digest_init(&pg, three);

	s = chan_msg_webhook(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	list = json_object_get(j, "alerts");
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "event")), "page");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(list, 0), "stage")), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 1), "event")), "acknowledged");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 1), "reason")), "acknowledged by ana via SMS");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 2), "event")), "resolved");
	assert_true(json_is_null(json_object_get(json_array_get(list, 1),
	    "ack_url")));
	assert_string_equal(json_string_value(json_object_get(j, "event")),
	    "digest");
	assert_string_equal(json_string_value(json_object_get(j, "reason")),
	    "1 page, 1 acknowledged, 1 resolved");
	text = xstrdup(json_string_value(json_object_get(j, "text")));
	assert_non_null(strstr(text, "page, stage 1: **[P1] #12 db**"));
	assert_non_null(strstr(text, "acknowledged by ana via SMS: **[P1] #13"
	    " db**: cpu high\n"));
	assert_non_null(strstr(text, "resolved by bob via API: **[P1] #14"));
	free(text);
	json_decref(j);
	free(s);

	s = chan_msg_sms(&cc, &pg);
	assert_string_equal(s, "3 alerts: #12 PAGE s1 disk full on db1 & <var>;"
	    " #13 ACKED cpu high; #14 RESOLVED queue stuck Reply 12a=ack"
	    " 12e=esc");
	free(s);

	s = chan_msg_twiml(&cc, &pg);
	assert_non_null(strstr(s, "You have 3 alerts: 1 page, 1 acknowledged,"
	    " 1 resolved. page, stage 1: Alert 12"));
	assert_non_null(strstr(s, "acknowledged by ana via SMS: Alert 13"));
	assert_non_null(strstr(s, "Press 1 to acknowledge alert 12, 2 to"
	    " escalate it, 3 to resolve it."));
	free(s);

	s = chan_msg_email(&cc, &pg, "example.org");
	assert_non_null(strstr(s, "Subject: (3 alerts: 1 page, 1 acknowledged,"
	    " 1 resolved) "));
	assert_non_null(strstr(s, "Update: acknowledged by ana via SMS"));
	assert_non_null(strstr(s, "Update: resolved by bob via API"));
	assert_non_null(strstr(s, "Reason: page, stage 1\r\nAcknowledge:"
	    " https://gw.example.org/ack/abc"));
	free(s);
}

/*
 * An acknowledgement alone asks nothing: no reply codes, no ack link,
 * no keypress; and a page, a reminder, a breach and a notice read
 * differently.
 */
static void
test_notice_alone(void **state)
{
	struct chan_alert a = a1;
	struct conf_chan cc;
	struct chan_page pg;
	char *s, *page, *rem, *breach, *ack;

	memset(&cc, 0, sizeof cc);
	cc.from = (char *)"pager@example.org";
	page_init(&pg, &a, 1);
	pg.reason = NULL;
	pg.gather_url = "https://gw.example.org/hooks/voice/twilio/gather/x";
	a.reason = "page, stage 1";
	page = chan_msg_mattermost(&cc, &pg);
	a.event = NOTIFY_REMINDER;
	a.reason = "reminder (response due soon)";
	rem = chan_msg_mattermost(&cc, &pg);
	a.event = NOTIFY_BREACH;
	a.reason = "SLA breach (response, late by 5m)";
	breach = chan_msg_mattermost(&cc, &pg);
	a.event = NOTIFY_ACKNOWLEDGED;
	a.reason = "acknowledged by ana via SMS";
	a.ack_url = NULL;
	ack = chan_msg_mattermost(&cc, &pg);
	assert_string_not_equal(page, rem);
	assert_string_not_equal(rem, breach);
	assert_string_not_equal(breach, ack);
	assert_non_null(strstr(rem, "reminder (response due soon): "));
	assert_non_null(strstr(breach, "SLA breach (response, late by 5m): "));
	assert_null(strstr(ack, "Acknowledge"));
	free(page);
	free(rem);
	free(breach);
	free(ack);

	s = chan_msg_sms(&cc, &pg);
	assert_string_equal(s, "acknowledged by ana via SMS: #12 P1 disk full"
	    " on db1 & <var>");
	free(s);
	s = chan_msg_twiml(&cc, &pg);
	assert_null(strstr(s, "<Gather"));
	assert_null(strstr(s, "Press"));
	assert_non_null(strstr(s, "acknowledged by ana via SMS: Alert 12"));
	free(s);
	s = chan_msg_email(&cc, &pg, "example.org");
	assert_null(strstr(s, "Acknowledge:"));
	assert_null(strstr(s, "Reply to an SMS"));
	free(s);
}

/* Every '&' starts a whole entity; the text is valid UTF-8. */
static int
xml_whole(const char *s)
{
	static const char *ents[] = { "&amp;", "&lt;", "&gt;", "&quot;",
	    "&apos;" };
	const unsigned char *p;
	size_t i, k;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '&') {
			for (i = 0; i < 5; i++)
				if (strncmp((const char *)p, ents[i],
				    strlen(ents[i])) == 0)
					break;
			if (i == 5)
				return 0;
		}
		if (*p >= 0x80) {
			k = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 :
			    (*p & 0xf8) == 0xf0 ? 3 : 9;
			if (k == 9)
				return 0;
			for (i = 1; i <= k; i++)
				if ((p[i] & 0xc0) != 0x80)
					return 0;
			p += k;
		}
	}
	return 1;
}

/*
 * A digest of 500 alerts keeps to each channel's limits with "+N more"
 * and the dashboard's link; the webhook's "alerts" lists all of them.
 * A call's text is cut after escaping: a summary of '&', '<' and
 * multibyte characters never breaks an entity or a character, and the
 * TwiML stays under Twilio's 4,000 bytes.
 */
static void
test_digest_limits(void **state)
{
	struct chan_alert *many;
	struct conf_chan cc;
	struct chan_page pg;
	char *s, big[3001], *sec;
	json_t *j;
	size_t i;

	memset(&cc, 0, sizeof cc);
	cc.from = (char *)"pager@example.org";
	many = calloc(500, sizeof *many);
	assert_non_null(many);
	for (i = 0; i < 500; i++) {
		many[i] = a1;
		many[i].id = 100 + (int64_t)i;
		many[i].reason = "page, stage 1";
	}
	page_init(&pg, many, 500);
	pg.more_url = "https://gw.example.org/";

	s = chan_msg_webhook(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "alerts")), 500);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), 500);
	assert_true(strlen(json_string_value(json_object_get(j, "text"))) <=
	    4000);
	assert_non_null(strstr(json_string_value(json_object_get(j, "text")),
	    " more: https://gw.example.org/"));
	json_decref(j);
	free(s);

	s = chan_msg_slack(&cc, &pg);
	j = json_loads(s, 0, NULL);
	sec = xstrdup(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(j, "blocks"), 1), "text"), "text")));
	assert_true(strlen(sec) <= 3000);
	assert_non_null(strstr(sec, " more: https://gw.example.org/"));
	free(sec);
	json_decref(j);
	free(s);

	s = chan_msg_mattermost(&cc, &pg);
	assert_true(strlen(s) <= 16383);
	assert_non_null(strstr(s, " more: https://gw.example.org/"));
	free(s);

	s = chan_msg_teams(&cc, &pg);
	assert_true(strlen(s) < 28000);
	assert_non_null(strstr(s, "+480 more: https://gw.example.org/"));
	free(s);

	s = chan_msg_sms(&cc, &pg);
	assert_true(chan_msg_gsm7_len(s) <= 160);
	assert_non_null(strstr(s, "500 alerts: #100 PAGE s1"));
	assert_non_null(strstr(s, " more"));
	assert_non_null(strstr(s, "Reply 100a=ack aa=ack all"));
	free(s);

	s = chan_msg_twiml(&cc, &pg);
	assert_true(strlen(s) < 4000);
	assert_non_null(strstr(s, "You have 500 alerts: 500 pages."));
	assert_non_null(strstr(s, " more. Press 1 to acknowledge them all"));
	free(s);

	s = chan_msg_email(&cc, &pg, "example.org");
	assert_non_null(strstr(s, "+300 more: https://gw.example.org/"));
	free(s);

	/* One huge summary of characters that grow when escaped. */
	for (i = 0; i + 3 <= 3000; i += 3)
		memcpy(big + i, i % 2 ? "&<\"" : "\xe9\x85\x8d", 3);
	big[i] = '\0';
	many[0].summary = big;
	page_init(&pg, many, 1);
	s = chan_msg_twiml(&cc, &pg);
	assert_true(strlen(s) < 4000);
	assert_true(xml_whole(s));
	free(s);
	free(many);
}

/*
 * Mattermost notifies a whole channel for "@channel", "@all" and "@here"
 * in a post: alert text cannot do that (they used to go through as is).
 */
static void
test_mattermost_mentions(void **state)
{
	struct chan_alert a = a1;
	struct conf_chan cc;
	struct chan_page pg;
	json_t *j;
	const char *t;
	char *s;

	memset(&cc, 0, sizeof cc);
	a.summary = "db down @channel @here, @All; mail @alice @channels";
	a.service = "@here";
	page_init(&pg, &a, 1);
	s = chan_msg_mattermost(&cc, &pg);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	t = json_string_value(json_object_get(j, "text"));
	assert_null(strstr(t, "@channel "));
	assert_null(strstr(t, "@here"));
	assert_null(strstr(t, "@All"));
	assert_non_null(strstr(t, "db down @\xe2\x80\x8b" "channel @\xe2\x80\x8b"
	    "here, @\xe2\x80\x8b" "All; mail @alice @channels"));
	assert_non_null(strstr(t, "**[P1] #12 @\xe2\x80\x8b" "here**"));
	json_decref(j);
	free(s);
}

/*
 * Mail that behaves like mail: a Message-ID with a random part (it was
 * "<pagerd-n7-1@example.org>" in every install and after every
 * restart), every message about an alert in one thread (In-Reply-To and
 * References name the alert's root), and a notice's own subject with no
 * ack link and no reply hint.
 */
static void
test_email_thread(void **state)
{
	struct chan_alert a = a1, two[2];
	struct conf_chan cc;
	struct chan_page pg;
	char *m, *h;

	memset(&cc, 0, sizeof cc);
	cc.from = (char *)"pager@example.org";
	a.created_ms = T0 - 60000;
	page_init(&pg, &a, 1);
	pg.nonce = "0123456789abcdef";
	m = chan_msg_email(&cc, &pg, "example.org");
	h = header(m, "Message-ID");
	assert_string_equal(h, "<pagerd-n7-1.0123456789abcdef@example.org>");
	free(h);
	h = header(m, "In-Reply-To");
	assert_string_equal(h, "<pagerd-alert-12-1795357539000@example.org>");
	free(h);
	h = header(m, "References");
	assert_string_equal(h, "<pagerd-alert-12-1795357539000@example.org>");
	free(h);
	free(m);

	a.event = NOTIFY_ACKNOWLEDGED;
	a.reason = "acknowledged by ana via SMS";
	a.ack_url = NULL;
	m = chan_msg_email(&cc, &pg, "example.org");
	h = header(m, "Subject");
	assert_string_equal(h, "[P1 #12] acknowledged by ana via SMS: disk full"
	    " on db1 & <var>");
	free(h);
	h = header(m, "In-Reply-To");
	assert_string_equal(h, "<pagerd-alert-12-1795357539000@example.org>");
	free(h);
	assert_null(strstr(m, "/ack/"));
	assert_null(strstr(m, "Reply to an SMS"));
	free(m);

	/* A digest refers to each alert's thread. */
	two[0] = a1;
	two[0].created_ms = 1000;
	two[1] = a1;
	two[1].id = 13;
	two[1].created_ms = 2000;
	page_init(&pg, two, 2);
	m = chan_msg_email(&cc, &pg, "example.org");
	assert_non_null(strstr(m, "References: <pagerd-alert-12-1000@example.org>"
	    "\r\n <pagerd-alert-13-2000@example.org>\r\n"));
	free(m);
}

static void
test_conf(void **state)
{
	char dir[] = "/tmp/test-chan-msg.XXXXXX", path[256], tok[256];
	struct conf *c;
	char *cause = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(tok, sizeof tok, "%s/token", dir);
	f = fopen(tok, "w");
	fputs("s3cret\n", f);
	fclose(f);
	chmod(tok, 0600);
	snprintf(path, sizeof path, "%s/pagerd.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "state_dir = \"%s/state\";\n"
	    "channels = (\n"
	    " { name = \"sms\"; driver = \"twilio-sms\";"
	    "   api_url = \"http://127.0.0.1:4010\";"
	    "   account_sid = \"AC00000000000000000000000000000000\";"
	    "   auth_token_file = \"token\"; from = \"+15550001111\";"
	    "   rate_limit = 2; rate_window = \"10m\"; max_attempts = 4; },\n"
	    " { name = \"mail\"; driver = \"smtp\"; url = \"smtp://127.0.0.1:25\";"
	    "   tls = \"none\"; from = \"pager@example.org\"; timeout = \"5s\"; }\n"
	    ");\n", dir);
	fclose(f);
	c = conf_load(path, &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	assert_int_equal(c->nchans, 2);
	assert_string_equal(c->chans[0].secret, "s3cret");
	assert_int_equal(c->chans[0].rate_limit, 2);
	assert_int_equal(c->chans[0].rate_window_ms, 600000);
	assert_int_equal(c->chans[0].max_attempts, 4);
	assert_ptr_equal(c->chans[1].driver, &chan_smtp_driver);
	assert_int_equal(c->chans[1].timeout_ms, 5000);
	assert_int_equal(c->chans[1].rate_limit, 0);
	assert_ptr_equal(conf_chan_find(c, "mail"), &c->chans[1]);
	conf_free(c);

	/* Errors carry file:line. */
	f = fopen(path, "w");
	fprintf(f, "state_dir = \"%s/state\";\n"
	    "channels = (\n"
	    " { name = \"x\"; driver = \"carrier-pigeon\"; },\n"
	    " { name = \"y\"; driver = \"smtp\"; url = \"http://nope\";"
	    " from = \"a@b\"; bogus = 1; }\n"
	    ");\n", dir);
	fclose(f);
	assert_null(conf_load(path, &cause));
	assert_non_null(strstr(cause, "pagerd.conf:3: channel x: driver"));
	assert_non_null(strstr(cause, "pagerd.conf:4: channel y: unknown key"
	    " \"bogus\""));
	assert_non_null(strstr(cause, "channel y: url must be smtp://"));
	free(cause);

	/*
	 * Standard Webhooks: a "whsec_" secret's key is its base64 part
	 * (MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw is the spec's example); other
	 * secrets, and whsec_ ones for hex signatures, are used as they are.
	 */
	f = fopen(tok, "w");
	fputs("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", f);
	fclose(f);
	f = fopen(path, "w");
	fprintf(f, "state_dir = \"%s/state\";\n"
	    "channels = (\n"
	    " { name = \"a\"; driver = \"webhook-chat\";"
	    "   url = \"http://127.0.0.1:9/\"; secret_file = \"token\"; },\n"
	    " { name = \"b\"; driver = \"webhook-chat\";"
	    "   url = \"http://127.0.0.1:9/\"; secret_file = \"token\";"
	    "   signature = \"hex\"; }\n"
	    ");\n", dir);
	fclose(f);
	c = conf_load(path, &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	assert_int_equal(c->chans[0].secret_len, 24);
	assert_memory_equal(c->chans[0].secret, "\x31\xf2\x90\xf6\xbf\x06"
	    "\x29\x8a\xab\x4f\x08\xd4\x3c\x3f\x08\x2c\xf6\x48\xa3\x62"
	    "\xda\x2d\xa4\xb0", 24);
	assert_string_equal(c->chans[1].secret,
	    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	conf_free(c);
	f = fopen(tok, "w");
	fputs("whsec_not*base64\n", f);
	fclose(f);
	assert_null(conf_load(path, &cause));
	assert_non_null(strstr(cause, "pagerd.conf:3: channel a: secret_file:"
	    " a whsec_ secret must be base64 after the prefix"));
	free(cause);

	/* No list: the console channel. */
	f = fopen(path, "w");
	fprintf(f, "state_dir = \"%s/state\";\n", dir);
	fclose(f);
	c = conf_load(path, &cause);
	assert_non_null(c);
	assert_int_equal(c->nchans, 1);
	assert_ptr_equal(c->chans[0].driver, &chan_console_driver);
	conf_free(c);
	unlink(path);
	unlink(tok);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_email_utf8),
		cmocka_unit_test(test_gsm7),
		cmocka_unit_test(test_sms),
		cmocka_unit_test(test_twiml),
		cmocka_unit_test(test_slack),
		cmocka_unit_test(test_teams),
		cmocka_unit_test(test_webhook),
		cmocka_unit_test(test_webhook_exact),
		cmocka_unit_test(test_note),
		cmocka_unit_test(test_digest_events),
		cmocka_unit_test(test_notice_alone),
		cmocka_unit_test(test_digest_limits),
		cmocka_unit_test(test_mattermost_mentions),
		cmocka_unit_test(test_email_thread),
		cmocka_unit_test(test_chat_links),
		cmocka_unit_test(test_external_url),
		cmocka_unit_test(test_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

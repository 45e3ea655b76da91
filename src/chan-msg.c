/* SPDX-License-Identifier: ISC */
/*
 * chan-msg.c: what a page says on each channel, built without any I/O so
 * unit tests see exactly what would be sent: templates, the e-mail
 * message (RFC 5322 headers, RFC 2047 subject), one-segment SMS text,
 * TwiML, and the Slack, Mattermost, Teams and generic JSON payloads.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "chan.h"
#include "compat.h"
#include "hmac.h"
#include "log.h"
#include "xmalloc.h"

/* Slack header blocks and Teams cards have size limits; see PROTOCOLS. */
#define CHAN_MSG_HEADER_MAX 150
#define CHAN_MSG_SECTION_MAX 3000
#define CHAN_MSG_SUMMARY_MAX 1000
#define CHAN_MSG_LIST_MAX 20
#define CHAN_MSG_SAY_MAX 3000 /* bytes of escaped text: TwiML < 4,000 */
#define CHAN_MSG_MAIL_MAX 200 /* alerts listed in one e-mail */
#define CHAN_MSG_POST_MAX 16000 /* Mattermost: a post is 16,383 characters */
#define CHAN_MSG_TEXT_MAX 4000 /* a webhook's "text" (its "alerts": all) */
#define CHAN_MSG_SMS_ITEM 24  /* bytes of each summary in an SMS digest */

/* Defaults for the templates; see pagerd.conf(5). */
static const char chan_msg_def_subject[] =
    "[{priority}] #{id} {service}: {summary}";
static const char chan_msg_def_body[] =
    "{summary}\n\nAlert #{id}, priority {priority}, service {service}.\n"
    "Reason: {reason}\nAcknowledge: {ack_url}\n";
/* An acknowledgement or a resolution: nothing to act on, no link. */
static const char chan_msg_def_body_notice[] =
    "{summary}\n\nAlert #{id}, priority {priority}, service {service}.\n"
    "Update: {reason}\n";
static const char chan_msg_def_sms[] = "#{id} {priority} {summary}";
static const char chan_msg_def_chat[] =
    "*[{priority}] #{id} {service}*: {summary}";
static const char chan_msg_def_mattermost[] =
    "**[{priority}] #{id} {service}**: {summary}";
static const char chan_msg_def_say[] =
    "Alert {id}, priority {priority}, {service}: {summary}.";

struct mbuf {
	char *p;
	size_t len;
};

static void
mbuf_add(struct mbuf *b, const char *s, size_t n)
{
	b->p = xreallocarray(b->p, b->len + n + 1, 1);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
mbuf_str(struct mbuf *b, const char *s)
{
	mbuf_add(b, s, strlen(s));
}

static void printflike(2, 3)
mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	mbuf_str(b, s);
	free(s);
}

static char *
mbuf_take(struct mbuf *b)
{
	if (b->p == NULL)
		return xstrdup("");
	return b->p;
}

/* Cut s to at most max bytes on a UTF-8 boundary, adding "..." if cut. */
static char *
chan_msg_cut(const char *s, size_t max)
{
	size_t n = strlen(s);
	char *out;

	if (n <= max)
		return xstrdup(s);
	n = max > 3 ? max - 3 : 0;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	out = xmalloc(n + 4);
	memcpy(out, s, n);
	memcpy(out + n, "...", 4);
	return out;
}

/*
 * What the message says happened to alert a: its own reason ("page,
 * stage 1", "acknowledged by ana via SMS"), else the message's, else
 * its event's name.  Never NULL.
 */
const char *
chan_msg_reason(const struct chan_page *pg, const struct chan_alert *a)
{
	if (a != NULL && a->reason != NULL && *a->reason != '\0')
		return a->reason;
	if (pg->reason != NULL && *pg->reason != '\0')
		return pg->reason;
	return a != NULL ? notify_event_name(a->event) : "";
}

/*
 * Expand a template: {id} {priority} {service} {summary} {ack_url}
 * {person} {reason} {event} {stage} {count} {to} are replaced by the
 * page's values (reason, event and stage: the alert's own), each passed
 * through esc (when not NULL); anything else is kept.
 */
char *
chan_msg_expand(const char *tpl, const struct chan_page *pg,
    const struct chan_alert *a, char *(*esc)(const char *))
{
	struct mbuf b = { NULL, 0 };
	const char *p = tpl, *end, *v;
	char num[32], *e;
	size_t klen;

	while (*p != '\0') {
		if (*p != '{' || (end = strchr(p, '}')) == NULL) {
			mbuf_add(&b, p, 1);
			p++;
			continue;
		}
		klen = end - p - 1;
		v = NULL;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(p + 1, k, klen) == 0)
		if (KEY("id")) {
			snprintf(num, sizeof num, "%lld", (long long)a->id);
			v = num;
		} else if (KEY("priority")) {
			snprintf(num, sizeof num, "P%d", a->priority);
			v = num;
		} else if (KEY("count")) {
			snprintf(num, sizeof num, "%zu", pg->nalerts);
			v = num;
		} else if (KEY("service"))
			v = a->service != NULL ? a->service : "";
		else if (KEY("summary"))
			v = a->summary != NULL ? a->summary : "";
		else if (KEY("ack_url"))
			v = a->ack_url != NULL ? a->ack_url : "";
		else if (KEY("person"))
			v = pg->person != NULL ? pg->person : "";
		else if (KEY("reason"))
			v = chan_msg_reason(pg, a);
		else if (KEY("event"))
			v = notify_event_name(a->event);
		else if (KEY("stage")) {
			snprintf(num, sizeof num, "%d", a->stage);
			v = num;
		}
		else if (KEY("to"))
			v = pg->to != NULL ? pg->to : "";
#undef KEY
		if (v == NULL) {
			mbuf_add(&b, p, 1);
			p++;
			continue;
		}
		if (esc != NULL) {
			e = esc(v);
			mbuf_str(&b, e);
			free(e);
		} else
			mbuf_str(&b, v);
		p = end + 1;
	}
	return mbuf_take(&b);
}

/* XML text and attribute escaping (TwiML). */
char *
chan_msg_xml_escape(const char *s)
{
	struct mbuf b = { NULL, 0 };

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			mbuf_str(&b, "&amp;");
			break;
		case '<':
			mbuf_str(&b, "&lt;");
			break;
		case '>':
			mbuf_str(&b, "&gt;");
			break;
		case '"':
			mbuf_str(&b, "&quot;");
			break;
		case '\'':
			mbuf_str(&b, "&apos;");
			break;
		default:
			/* XML 1.0 forbids most control characters. */
			if ((unsigned char)*s < 0x20 && *s != '\t' &&
			    *s != '\n' && *s != '\r')
				mbuf_add(&b, " ", 1);
			else
				mbuf_add(&b, s, 1);
		}
	}
	return mbuf_take(&b);
}

/* Slack mrkdwn: only &, < and > are special (links are <url|label>). */
char *
chan_msg_mrkdwn_escape(const char *s)
{
	struct mbuf b = { NULL, 0 };

	for (; *s != '\0'; s++) {
		if (*s == '&')
			mbuf_str(&b, "&amp;");
		else if (*s == '<')
			mbuf_str(&b, "&lt;");
		else if (*s == '>')
			mbuf_str(&b, "&gt;");
		else
			mbuf_add(&b, s, 1);
	}
	return mbuf_take(&b);
}

/* One line of plain text: control characters become spaces. */
char *
chan_msg_plain(const char *s)
{
	char *out = xstrdup(s), *p;

	for (p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return out;
}

/*
 * Mattermost: plain text in which "@channel", "@all" and "@here" from an
 * alert cannot notify a whole channel: a zero-width space follows the
 * '@' (the text reads the same).
 */
char *
chan_msg_mattermost_escape(const char *s)
{
	static const char *words[] = { "channel", "all", "here" };
	struct mbuf b = { NULL, 0 };
	char *plain = chan_msg_plain(s);
	const char *p, *w;
	size_t i, n;

	for (p = plain; *p != '\0'; p++) {
		mbuf_add(&b, p, 1);
		if (*p != '@')
			continue;
		for (i = 0; i < nitems(words); i++) {
			w = words[i];
			n = strlen(w);
			if (strncasecmp(p + 1, w, n) == 0 &&
			    !isalnum((unsigned char)p[1 + n]) && p[1 + n] != '_' &&
			    p[1 + n] != '-') {
				mbuf_str(&b, "\xe2\x80\x8b"); /* U+200B */
				break;
			}
		}
	}
	free(plain);
	return mbuf_take(&b);
}

/* A JSON string's contents, without the quotes. */
static char *
chan_msg_json_escape(const char *s)
{
	json_t *j = json_string(s);
	char *d, *out;
	size_t n;

	if (j == NULL) /* not UTF-8 */
		j = json_string("?");
	d = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	if (d == NULL)
		fatalx("json_dumps failed");
	n = strlen(d);
	out = xstrndup(d + 1, n - 2);
	free(d);
	return out;
}

/* A note's title (its reason) and text; never NULL. */
static const char *
chan_msg_note_title(const struct chan_page *pg)
{
	return pg->reason != NULL && *pg->reason != '\0' ? pg->reason :
	    "pagerd";
}

static const char *
chan_msg_note_text(const struct chan_page *pg)
{
	return pg->note != NULL ? pg->note : "";
}

/* A note's text with each line passed through esc (if not NULL). */
static char *
chan_msg_note_lines(const char *text, char *(*esc)(const char *))
{
	struct mbuf b = { NULL, 0 };
	const char *p = text, *nl;
	char *line, *e;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		line = xstrndup(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
		e = esc != NULL ? esc(line) : xstrdup(line);
		mbuf_str(&b, e);
		free(e);
		free(line);
		if (nl == NULL)
			break;
		mbuf_str(&b, "\n");
		p = nl + 1;
	}
	return mbuf_take(&b);
}

/* A note on one line: "title: text", line ends become "; ". */
static char *
chan_msg_note_line(const struct chan_page *pg)
{
	struct mbuf b = { NULL, 0 };
	const char *p;
	char *line, *out;

	mbuf_printf(&b, "%s: ", chan_msg_note_title(pg));
	for (p = chan_msg_note_text(pg); *p != '\0'; p++) {
		if (*p == '\n')
			mbuf_str(&b, "; ");
		else
			mbuf_add(&b, p, 1);
	}
	line = mbuf_take(&b);
	out = chan_msg_plain(line);
	free(line);
	return out;
}

/* How many entries of pg ask the person to act (pages, reminders...). */
size_t
chan_msg_npages(const struct chan_page *pg)
{
	size_t i, n = 0;

	for (i = 0; i < pg->nalerts; i++)
		if (notify_event_is_page(pg->alerts[i].event))
			n++;
	return n;
}

/* The first entry asking to act (reply codes, keypress), or NULL. */
const struct chan_alert *
chan_msg_first_page(const struct chan_page *pg)
{
	size_t i;

	for (i = 0; i < pg->nalerts; i++)
		if (notify_event_is_page(pg->alerts[i].event))
			return &pg->alerts[i];
	return NULL;
}

/*
 * What a digest holds, by event, in a fixed order: "3 pages, 1
 * acknowledged, 1 resolved".
 */
char *
chan_msg_digest(const struct chan_page *pg)
{
	static const char *what[NOTIFY_NEVENTS][2] = {
		[NOTIFY_PAGE] = { "page", "pages" },
		[NOTIFY_ESCALATED] = { "escalation", "escalations" },
		[NOTIFY_REMINDER] = { "reminder", "reminders" },
		[NOTIFY_BREACH] = { "SLA breach", "SLA breaches" },
		[NOTIFY_ACKNOWLEDGED] = { "acknowledged", "acknowledged" },
		[NOTIFY_RESOLVED] = { "resolved", "resolved" },
		[NOTIFY_NOTE] = { "note", "notes" },
	};
	struct mbuf b = { NULL, 0 };
	size_t count[NOTIFY_NEVENTS], i;

	memset(count, 0, sizeof count);
	for (i = 0; i < pg->nalerts; i++)
		if ((unsigned)pg->alerts[i].event < NOTIFY_NEVENTS)
			count[pg->alerts[i].event]++;
	for (i = 0; i < NOTIFY_NEVENTS; i++) {
		if (count[i] == 0)
			continue;
		mbuf_printf(&b, "%s%zu %s", b.len > 0 ? ", " : "", count[i],
		    what[i][count[i] != 1]);
	}
	return mbuf_take(&b);
}

/* "+N more: URL" (or "+N more") for what a message could not list. */
static char *
chan_msg_more(const struct chan_page *pg, size_t more)
{
	char *s;

	if (pg->more_url != NULL)
		xasprintf(&s, "+%zu more: %s", more, pg->more_url);
	else
		xasprintf(&s, "+%zu more", more);
	return s;
}

/*
 * Cut XML-escaped text to at most max bytes, never inside an entity
 * ("&amp;") or a UTF-8 sequence.
 */
char *
chan_msg_xml_cut(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n <= max)
		return xstrdup(s);
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	for (i = n; i > 0 && n - i < 8; i--) {
		if (s[i - 1] == ';')
			break;
		if (s[i - 1] == '&') {
			n = i - 1;
			break;
		}
	}
	return xstrndup(s, n);
}

/* Decode one UTF-8 code point at *s, advancing; -1 if malformed. */
static long
chan_msg_utf8(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	long c;
	int n, i;

	if (p[0] < 0x80) {
		(*s)++;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		c = p[0] & 0x1f;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		c = p[0] & 0x0f;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		c = p[0] & 0x07;
		n = 3;
	} else {
		(*s)++;
		return -1;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += i;
			return -1;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*s += n + 1;
	return c;
}

/*
 * Length of s in GSM 03.38 septets (extension characters count two), or
 * -1 if some character needs UCS-2, which cuts a segment to 70.
 */
int
chan_msg_gsm7_len(const char *s)
{
	/* The non-ASCII characters of the basic set. */
	static const long basic[] = {
		0xa3, 0xa5, 0xe8, 0xe9, 0xf9, 0xec, 0xf2, 0xc7, 0xd8, 0xf8,
		0xc5, 0xe5, 0x394, 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8,
		0x3a3, 0x398, 0x39e, 0xc6, 0xe6, 0xdf, 0xc9, 0xa4, 0xa1, 0xc4,
		0xd6, 0xd1, 0xdc, 0xa7, 0xbf, 0xe4, 0xf6, 0xf1, 0xfc, 0xe0,
	};
	const char *p = s;
	long c;
	size_t i;
	int n = 0;

	while (*p != '\0') {
		c = chan_msg_utf8(&p);
		if (c < 0)
			return -1;
		if (c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7f &&
		    c != '`' && strchr("[\\]^{|}~", (int)c) == NULL)) {
			n++;
			continue;
		}
		if ((c < 0x80 && c != '`' && strchr("[\\]^{|}~\f", (int)c) !=
		    NULL && c != 0) || c == 0x20ac) {
			n += 2;
			continue;
		}
		for (i = 0; i < nitems(basic); i++)
			if (basic[i] == c)
				break;
		if (i == nitems(basic))
			return -1;
		n++;
	}
	return n;
}

/* Length of s in UTF-16 units (UCS-2 SMS). */
static int
chan_msg_ucs2_len(const char *s)
{
	const char *p = s;
	long c;
	int n = 0;

	while (*p != '\0') {
		c = chan_msg_utf8(&p);
		n += c >= 0x10000 ? 2 : 1;
	}
	return n;
}

/*
 * An RFC 2047 encoded-word header value for s if it is not plain ASCII:
 * "=?UTF-8?B?...?=" words of at most 75 characters, folded, each holding
 * whole UTF-8 characters.
 */
char *
chan_msg_rfc2047(const char *s)
{
	struct mbuf b = { NULL, 0 };
	const char *p, *start, *next;
	char *enc;
	int ascii = 1;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x7f || (unsigned char)*p < 0x20)
			ascii = 0;
	if (ascii && strstr(s, "=?") == NULL)
		return xstrdup(s);
	start = s;
	while (*start != '\0') {
		/* 45 bytes make 60 base64 characters: 72 with the frame. */
		p = start;
		while (*p != '\0') {
			next = p;
			chan_msg_utf8(&next);
			if (next - start > 45)
				break;
			p = next;
		}
		if (p == start) /* cannot happen with valid UTF-8 */
			p = start + 1;
		enc = hmac_base64(start, p - start);
		if (b.len > 0)
			mbuf_str(&b, "\r\n ");
		mbuf_printf(&b, "=?UTF-8?B?%s?=", enc);
		free(enc);
		start = p;
	}
	return mbuf_take(&b);
}

/* RFC 5322 date, always UTC and in English whatever the locale. */
void
chan_msg_date(int64_t ms, char *buf, size_t len)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* LF to CRLF, and base64 lines of 76 when the body is not 7-bit. */
static void
chan_msg_email_body(struct mbuf *b, const char *body)
{
	const char *p;
	char *crlf, *enc;
	struct mbuf c = { NULL, 0 };
	int ascii = 1;
	size_t i, n, linelen = 0;

	for (p = body; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			mbuf_str(&c, "\r\n");
			linelen = 0;
			continue;
		}
		if ((unsigned char)*p >= 0x80 || ++linelen > 998)
			ascii = 0;
		mbuf_add(&c, p, 1);
	}
	crlf = mbuf_take(&c);
	if (ascii) {
		mbuf_str(b, "Content-Transfer-Encoding: 7bit\r\n\r\n");
		mbuf_str(b, crlf);
	} else {
		mbuf_str(b, "Content-Transfer-Encoding: base64\r\n\r\n");
		enc = hmac_base64(crlf, strlen(crlf));
		n = strlen(enc);
		for (i = 0; i < n; i += 76) {
			mbuf_add(b, enc + i, n - i < 76 ? n - i : 76);
			mbuf_str(b, "\r\n");
		}
		free(enc);
	}
	free(crlf);
}

/*
 * The root every e-mail about alert a refers to (In-Reply-To,
 * References), so that a mail client shows one conversation per alert:
 * the alert's id and when it was raised, unique across installs.
 */
static void
chan_msg_thread(const struct chan_alert *a, const char *domain, char *buf,
    size_t len)
{
	snprintf(buf, len, "<pagerd-alert-%lld-%lld@%s>", (long long)a->id,
	    (long long)a->created_ms, domain);
}

/*
 * The whole e-mail for pg: headers (Date, From, To, Subject, Message-ID,
 * In-Reply-To and References, MIME-Version, Content-Type,
 * Auto-Submitted) and body, CRLF line ends.  The Message-ID is
 * <pg->id.pg->nonce@domain>.  Each alert is told with its own
 * event; a page keeps the subject template, anything else is prefixed
 * by its reason; at most CHAN_MSG_MAIL_MAX alerts are listed.
 */
char *
chan_msg_email(const struct conf_chan *cc, const struct chan_page *pg,
    const char *domain)
{
	struct mbuf b = { NULL, 0 }, body = { NULL, 0 };
	const struct chan_alert *first;
	const char *tpl;
	char date[64], *s, *subj, *line, *d, root[128];
	size_t i;

	chan_msg_date(pg->now_ms, date, sizeof date);
	tpl = cc->tpl_subject != NULL ? cc->tpl_subject : chan_msg_def_subject;
	if (pg->nalerts == 0)
		s = chan_msg_plain(chan_msg_note_title(pg));
	else
		s = chan_msg_expand(tpl, pg, &pg->alerts[0], chan_msg_plain);
	if (pg->nalerts == 1 && pg->alerts[0].event != NOTIFY_PAGE &&
	    cc->tpl_subject == NULL) {
		/* "[P1 #12] acknowledged by ana via SMS: disk full on db1" */
		d = chan_msg_plain(chan_msg_reason(pg, &pg->alerts[0]));
		free(s);
		s = chan_msg_plain(pg->alerts[0].summary != NULL ?
		    pg->alerts[0].summary : "");
		xasprintf(&line, "[P%d #%lld] %s: %s", pg->alerts[0].priority,
		    (long long)pg->alerts[0].id, d, s);
		free(d);
		free(s);
		s = line;
	} else if (pg->nalerts == 1 && pg->alerts[0].event != NOTIFY_PAGE) {
		d = chan_msg_plain(chan_msg_reason(pg, &pg->alerts[0]));
		xasprintf(&line, "%s: %s", d, s);
		free(d);
		free(s);
		s = line;
	} else if (pg->nalerts > 1) {
		d = chan_msg_digest(pg);
		xasprintf(&line, "(%zu alerts: %s) %s", pg->nalerts, d, s);
		free(d);
		free(s);
		s = line;
	}
	line = chan_msg_cut(s, 200);
	subj = chan_msg_rfc2047(line);
	free(line);
	free(s);

	mbuf_printf(&b, "Date: %s\r\n", date);
	mbuf_printf(&b, "From: %s\r\n", cc->from);
	mbuf_printf(&b, "To: %s\r\n", pg->to);
	mbuf_printf(&b, "Subject: %s\r\n", subj);
	if (pg->nonce != NULL)
		mbuf_printf(&b, "Message-ID: <%s.%s@%s>\r\n", pg->id,
		    pg->nonce, domain);
	else
		mbuf_printf(&b, "Message-ID: <%s@%s>\r\n", pg->id, domain);
	/* Every message about an alert threads under the same root. */
	for (i = 0; i < pg->nalerts && i < CHAN_MSG_LIST_MAX; i++) {
		chan_msg_thread(&pg->alerts[i], domain, root, sizeof root);
		if (i == 0)
			mbuf_printf(&b, "In-Reply-To: %s\r\nReferences: %s",
			    root, root);
		else
			mbuf_printf(&b, "\r\n %s", root);
	}
	if (pg->nalerts > 0)
		mbuf_str(&b, "\r\n");
	mbuf_str(&b, "MIME-Version: 1.0\r\n");
	mbuf_str(&b, "Content-Type: text/plain; charset=UTF-8\r\n");
	mbuf_str(&b, "Auto-Submitted: auto-generated\r\n");
	if (pg->nalerts > 0)
		mbuf_printf(&b, "X-Pagerd-Alert: %lld\r\n",
		    (long long)pg->alerts[0].id);
	free(subj);
	if (pg->nalerts == 0) {
		/* A note: its text as it is; nothing to acknowledge. */
		mbuf_printf(&body, "%s\n", chan_msg_note_text(pg));
		s = mbuf_take(&body);
		chan_msg_email_body(&b, s);
		free(s);
		return mbuf_take(&b);
	}

	if (pg->nalerts > 1) {
		d = chan_msg_digest(pg);
		mbuf_printf(&body, "%zu alerts: %s.\n\n", pg->nalerts, d);
		free(d);
	}
	for (i = 0; i < pg->nalerts && i < CHAN_MSG_MAIL_MAX; i++) {
		if (i > 0)
			mbuf_str(&body, "\n----\n\n");
		tpl = cc->tpl_body != NULL ? cc->tpl_body :
		    notify_event_is_page(pg->alerts[i].event) ?
		    chan_msg_def_body : chan_msg_def_body_notice;
		s = chan_msg_expand(tpl, pg, &pg->alerts[i], NULL);
		mbuf_str(&body, s);
		free(s);
	}
	if (pg->nalerts > CHAN_MSG_MAIL_MAX) {
		s = chan_msg_more(pg, pg->nalerts - CHAN_MSG_MAIL_MAX);
		mbuf_printf(&body, "\n----\n\n%s\n", s);
		free(s);
	}
	/* Reply codes only where something asks to act. */
	if ((first = chan_msg_first_page(pg)) != NULL)
		mbuf_printf(&body, "\nReply to an SMS page with %llda to"
		    " acknowledge, %llde to escalate.\n", (long long)first->id,
		    (long long)first->id);
	s = mbuf_take(&body);
	chan_msg_email_body(&b, s);
	free(s);
	return mbuf_take(&b);
}

/* Units of s in the encoding the whole SMS uses. */
static int
chan_msg_sms_units(const char *s, int gsm)
{
	int n;

	if (gsm && (n = chan_msg_gsm7_len(s)) >= 0)
		return n;
	return chan_msg_ucs2_len(s);
}

/*
 * text + codes in one segment if possible: text is cut (at a character
 * boundary, with "...") until both fit in 160 GSM-7 septets, or 70 UCS-2
 * characters when something needs UCS-2.  The codes always survive.
 */
static char *
chan_msg_sms_fit(const char *text, const char *codes)
{
	char *all, *cut;
	size_t n;
	int gsm, max;

	xasprintf(&all, "%s%s", text, codes);
	gsm = chan_msg_gsm7_len(all) >= 0;
	max = gsm ? CHAN_SMS_GSM7_MAX : CHAN_SMS_UCS2_MAX;
	n = strlen(text);
	while (chan_msg_sms_units(all, gsm) > max && n > 0) {
		n--;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
		cut = xstrndup(text, n);
		free(all);
		xasprintf(&all, "%s...%s", cut, codes);
		free(cut);
	}
	return all;
}

/* A short tag of what happened to a, for an SMS digest. */
static void
chan_msg_sms_tag(const struct chan_alert *a, char *buf, size_t len)
{
	switch (a->event) {
	case NOTIFY_PAGE:
		snprintf(buf, len, "PAGE s%d", a->stage);
		break;
	case NOTIFY_ESCALATED:
		snprintf(buf, len, "ESCALATED s%d", a->stage);
		break;
	case NOTIFY_REMINDER:
		snprintf(buf, len, "REMINDER");
		break;
	case NOTIFY_BREACH:
		snprintf(buf, len, "BREACH");
		break;
	case NOTIFY_ACKNOWLEDGED:
		snprintf(buf, len, "ACKED");
		break;
	case NOTIFY_RESOLVED:
		snprintf(buf, len, "RESOLVED");
		break;
	default:
		snprintf(buf, len, "NOTE");
		break;
	}
}

/* Whether text fits one segment (GSM-7 if it can, else UCS-2). */
static int
chan_msg_sms_fits(const char *text)
{
	int gsm = chan_msg_gsm7_len(text) >= 0;

	return chan_msg_sms_units(text, gsm) <= (gsm ? CHAN_SMS_GSM7_MAX :
	    CHAN_SMS_UCS2_MAX);
}

/*
 * An SMS digest: "5 alerts: #12 PAGE s1 disk...; #13 ACKED cpu...
 * +3 more: URL" and the reply codes, listing as many alerts as fit in
 * one segment (the link is dropped if even one does not fit with it).
 */
static char *
chan_msg_sms_digest(const struct chan_page *pg, const char *codes)
{
	struct mbuf b;
	struct chan_page nolink = *pg;
	char tag[32], *sum, *more, *text;
	size_t k, i, n = pg->nalerts, max = n < 20 ? n : 20;
	int pass;

	nolink.more_url = NULL;
	for (pass = 0; pass < 2; pass++) {
		for (k = max; k >= 1; k--) {
			memset(&b, 0, sizeof b);
			mbuf_printf(&b, "%zu alerts:", n);
			for (i = 0; i < k; i++) {
				chan_msg_sms_tag(&pg->alerts[i], tag,
				    sizeof tag);
				text = chan_msg_plain(pg->alerts[i].summary !=
				    NULL ? pg->alerts[i].summary : "");
				sum = chan_msg_cut(text, CHAN_MSG_SMS_ITEM);
				free(text);
				mbuf_printf(&b, "%s #%lld %s %s", i > 0 ? ";" :
				    "", (long long)pg->alerts[i].id, tag, sum);
				free(sum);
			}
			if (k < n) {
				more = chan_msg_more(pass == 0 ? pg : &nolink,
				    n - k);
				mbuf_printf(&b, " %s", more);
				free(more);
			}
			mbuf_str(&b, codes);
			text = mbuf_take(&b);
			if (chan_msg_sms_fits(text))
				return text;
			free(text);
		}
	}
	/* Not even one alert fits: say what the digest holds, cut. */
	more = chan_msg_digest(pg);
	xasprintf(&text, "%zu alerts: %s", n, more);
	free(more);
	sum = chan_msg_sms_fit(text, codes);
	free(text);
	return sum;
}

/*
 * The SMS text: the alert and what happened to it, or a digest of
 * several, and the reply codes when something asks to act; one segment
 * if possible.
 */
char *
chan_msg_sms(const struct conf_chan *cc, const struct chan_page *pg)
{
	const char *tpl = cc->tpl_text != NULL ? cc->tpl_text :
	    chan_msg_def_sms;
	const struct chan_alert *first = chan_msg_first_page(pg);
	char codes[96], *s, *out, *r;
	long long id = first != NULL ? (long long)first->id : 0;

	if (pg->nalerts == 0) {
		s = chan_msg_note_line(pg);
		out = chan_msg_sms_fit(s, "");
		free(s);
		return out;
	}
	codes[0] = '\0';
	if (first != NULL && chan_msg_npages(pg) > 1)
		snprintf(codes, sizeof codes, " Reply %llda=ack aa=ack all",
		    id);
	else if (first != NULL)
		snprintf(codes, sizeof codes, " Reply %llda=ack %llde=esc",
		    id, id);
	if (pg->nalerts > 1)
		return chan_msg_sms_digest(pg, codes);
	s = chan_msg_expand(tpl, pg, &pg->alerts[0], chan_msg_plain);
	if (strstr(tpl, "{reason}") == NULL) {
		r = chan_msg_plain(chan_msg_reason(pg, &pg->alerts[0]));
		xasprintf(&out, "%s: %s", r, s);
		free(r);
		free(s);
		s = out;
	}
	out = chan_msg_sms_fit(s, codes);
	free(s);
	return out;
}

/*
 * What a call says, XML-escaped, at most CHAN_MSG_SAY_MAX bytes (cut
 * after escaping, never inside an entity or a character): how many
 * alerts, each with what happened to it, "and N more", then which keys
 * do what when something asks to act.
 */
static char *
chan_msg_twiml_say(const struct conf_chan *cc, const struct chan_page *pg)
{
	struct mbuf say = { NULL, 0 }, items = { NULL, 0 };
	const char *tpl = cc->tpl_text != NULL ? cc->tpl_text :
	    chan_msg_def_say;
	const struct chan_alert *first = chan_msg_first_page(pg);
	size_t npages = chan_msg_npages(pg), i, budget, len;
	char *keys = NULL, *head = NULL, *d, *s, *e, *item;
	long long id = first != NULL ? (long long)first->id : 0;

	/* With several pages, 1 acts on all of them but 2 and 3 on the
	 * first only (the call's token is the first's): say so. */
	if (npages > 1)
		xasprintf(&keys, "Press 1 to acknowledge them all, 2 to"
		    " escalate alert %lld, 3 to resolve alert %lld.", id, id);
	else if (npages == 1 && pg->nalerts > 1)
		xasprintf(&keys, "Press 1 to acknowledge alert %lld, 2 to"
		    " escalate it, 3 to resolve it.", id);
	else if (npages == 1)
		keys = xstrdup("Press 1 to acknowledge, 2 to escalate, 3 to"
		    " resolve.");
	else
		keys = xstrdup("");
	if (pg->nalerts > 1) {
		d = chan_msg_digest(pg);
		xasprintf(&s, "You have %zu alerts: %s. ", pg->nalerts, d);
		free(d);
	} else
		s = xstrdup("");
	head = chan_msg_xml_escape(s);
	free(s);
	s = keys;
	keys = chan_msg_xml_escape(s);
	free(s);
	len = strlen(head) + strlen(keys) + 32; /* + "And N more. " */
	budget = len < CHAN_MSG_SAY_MAX ? CHAN_MSG_SAY_MAX - len : 0;
	for (i = 0; i < pg->nalerts; i++) {
		s = chan_msg_expand(tpl, pg, &pg->alerts[i], chan_msg_plain);
		if (strstr(tpl, "{reason}") == NULL) {
			d = chan_msg_plain(chan_msg_reason(pg, &pg->alerts[i]));
			xasprintf(&item, "%s: %s ", d, s);
			free(d);
		} else
			xasprintf(&item, "%s ", s);
		free(s);
		e = chan_msg_xml_escape(item);
		free(item);
		if (items.len + strlen(e) > budget) {
			if (i == 0) {
				s = chan_msg_xml_cut(e, budget);
				mbuf_str(&items, s);
				mbuf_str(&items, " ");
				free(s);
				i++;
			}
			free(e);
			break;
		}
		mbuf_str(&items, e);
		free(e);
	}
	mbuf_str(&say, head);
	if (items.p != NULL)
		mbuf_str(&say, items.p);
	if (i < pg->nalerts)
		mbuf_printf(&say, "And %zu more. ", pg->nalerts - i);
	mbuf_str(&say, keys);
	free(items.p);
	free(head);
	free(keys);
	s = mbuf_take(&say);
	len = strlen(s);
	while (len > 0 && s[len - 1] == ' ')
		s[--len] = '\0';
	return s;
}

/*
 * TwiML for a call: read the alert(s) twice inside a one-digit
 * <Gather> posting to pg->gather_url, then say goodbye and hang up; or
 * read a note twice and hang up.
 */
char *
chan_msg_twiml(const struct conf_chan *cc, const struct chan_page *pg)
{
	struct mbuf b = { NULL, 0 };
	const char *voice = cc->voice != NULL ? cc->voice : "alice";
	const char *lang = cc->language != NULL ? cc->language : "en-US";
	const char *gather = chan_msg_npages(pg) > 0 ? pg->gather_url : NULL;
	char *s, *v, *l, *cut, *u;

	/* A note is read twice too, but there is nothing to press. */
	if (pg->nalerts > 0)
		s = chan_msg_twiml_say(cc, pg);
	else {
		cut = chan_msg_note_line(pg);
		u = chan_msg_xml_escape(cut);
		free(cut);
		s = chan_msg_xml_cut(u, CHAN_MSG_SAY_MAX);
		free(u);
	}
	v = chan_msg_xml_escape(voice);
	l = chan_msg_xml_escape(lang);

	mbuf_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>");
	if (gather != NULL) {
		u = chan_msg_xml_escape(gather);
		mbuf_printf(&b, "<Gather input=\"dtmf\" numDigits=\"1\""
		    " timeout=\"10\" method=\"POST\" action=\"%s\">", u);
		free(u);
	}
	mbuf_printf(&b, "<Say voice=\"%s\" language=\"%s\" loop=\"2\">%s"
	    "</Say>", v, l, s);
	if (gather != NULL)
		mbuf_str(&b, "</Gather>");
	if (gather != NULL)
		mbuf_printf(&b, "<Say voice=\"%s\" language=\"%s\">No input"
		    " received. Goodbye.</Say>", v, l);
	mbuf_str(&b, "<Hangup/></Response>");
	free(s);
	free(v);
	free(l);
	return mbuf_take(&b);
}

/*
 * Chat text, one line per alert saying what happened to it (its reason,
 * unless the template places {reason}), from the template with values
 * escaped by esc; an ack link is added to what asks to act unless the
 * template places {ack_url}.  Slack (mrkdwn) gets <url|label> links,
 * anything else [label](url).  At most max bytes: the lines that do not
 * fit become "+N more" and the dashboard's link.
 */
char *
chan_msg_chat_text(const struct conf_chan *cc, const struct chan_page *pg,
    char *(*esc)(const char *), size_t max)
{
	struct mbuf b = { NULL, 0 }, line;
	const char *tpl = cc->tpl_text;
	int slack = esc == chan_msg_mrkdwn_escape;
	char *s, *sum, *u, *more;
	struct chan_alert a;
	size_t i, reserve;

	if (pg->nalerts == 0) {
		/* A note: its title in bold, then its lines. */
		s = esc != NULL ? esc(chan_msg_note_title(pg)) :
		    xstrdup(chan_msg_note_title(pg));
		u = chan_msg_note_lines(chan_msg_note_text(pg), esc);
		mbuf_printf(&b, slack ? "*%s*\n%s" : "**%s**\n%s", s, u);
		free(s);
		free(u);
		return mbuf_take(&b);
	}
	if (tpl == NULL)
		tpl = slack ? chan_msg_def_chat : chan_msg_def_mattermost;
	if (pg->nalerts > 1) {
		u = chan_msg_digest(pg);
		s = esc != NULL ? esc(u) : xstrdup(u);
		mbuf_printf(&b, "%zu alerts: %s\n", pg->nalerts, s);
		free(s);
		free(u);
	}
	/* Room kept for "+N more: URL". */
	reserve = 48 + (pg->more_url != NULL ? 2 * strlen(pg->more_url) : 0);
	for (i = 0; i < pg->nalerts; i++) {
		memset(&line, 0, sizeof line);
		a = pg->alerts[i];
		sum = chan_msg_cut(a.summary != NULL ? a.summary : "",
		    CHAN_MSG_SUMMARY_MAX / (pg->nalerts > 1 ? 4 : 1));
		a.summary = sum;
		if (strstr(tpl, "{reason}") == NULL) {
			u = chan_msg_plain(chan_msg_reason(pg, &a));
			s = esc != NULL ? esc(u) : xstrdup(u);
			mbuf_printf(&line, "%s: ", s);
			free(s);
			free(u);
		}
		s = chan_msg_expand(tpl, pg, &a, esc);
		mbuf_str(&line, s);
		free(s);
		free(sum);
		if (a.ack_url != NULL && strstr(tpl, "{ack_url}") == NULL) {
			u = esc != NULL ? esc(a.ack_url) : xstrdup(a.ack_url);
			if (slack)
				mbuf_printf(&line, " <%s|Acknowledge>", u);
			else
				mbuf_printf(&line, " [Acknowledge](%s)", u);
			free(u);
		}
		mbuf_str(&line, "\n");
		if (i > 0 && b.len + line.len + reserve > max) {
			free(line.p);
			break;
		}
		mbuf_str(&b, line.p);
		free(line.p);
	}
	if (i < pg->nalerts) {
		more = chan_msg_more(pg, pg->nalerts - i);
		s = esc != NULL ? esc(more) : xstrdup(more);
		mbuf_printf(&b, "%s\n", s);
		free(s);
		free(more);
	}
	b.p[--b.len] = '\0';
	return mbuf_take(&b);
}

/*
 * A short title: "page, stage 1: [P1] #12 summary", or "3 alerts: 2
 * pages, 1 acknowledged".
 */
static char *
chan_msg_title(const struct chan_page *pg)
{
	char *t, *c, *d;

	if (pg->nalerts == 0)
		t = xstrdup(chan_msg_note_title(pg));
	else if (pg->nalerts > 1) {
		d = chan_msg_digest(pg);
		xasprintf(&t, "%zu alerts: %s", pg->nalerts, d);
		free(d);
	} else
		xasprintf(&t, "%s: [P%d] #%lld %s", chan_msg_reason(pg,
		    &pg->alerts[0]), pg->alerts[0].priority,
		    (long long)pg->alerts[0].id, pg->alerts[0].summary);
	c = chan_msg_plain(t);
	free(t);
	t = chan_msg_cut(c, CHAN_MSG_HEADER_MAX);
	free(c);
	return t;
}

static char *
chan_msg_dump(json_t *j)
{
	char *s;

	if (j == NULL)
		fatalx("chan-msg: cannot build JSON (bad UTF-8?)");
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		fatalx("json_dumps failed");
	return s;
}

/* Slack incoming webhook: text (the notification) plus blocks. */
char *
chan_msg_slack(const struct conf_chan *cc, const struct chan_page *pg)
{
	char *text, *title, *sec, *fallback;
	json_t *j;

	title = chan_msg_title(pg);
	text = chan_msg_chat_text(cc, pg, chan_msg_mrkdwn_escape,
	    CHAN_MSG_SECTION_MAX);
	sec = chan_msg_cut(text, CHAN_MSG_SECTION_MAX);
	fallback = chan_msg_mrkdwn_escape(title);
	j = json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}, {s:s, s:{s:s, s:s}}]}",
	    "text", fallback,
	    "blocks",
	    "type", "header", "text", "type", "plain_text", "text", title,
	    "type", "section", "text", "type", "mrkdwn", "text", sec);
	free(title);
	free(text);
	free(sec);
	free(fallback);
	return chan_msg_dump(j);
}

/* Mattermost incoming webhook: markdown text, optional channel/name. */
char *
chan_msg_mattermost(const struct conf_chan *cc, const struct chan_page *pg)
{
	char *text;
	json_t *j;

	text = chan_msg_chat_text(cc, pg, chan_msg_mattermost_escape,
	    CHAN_MSG_POST_MAX);
	j = json_pack("{s:s}", "text", text);
	free(text);
	if (j != NULL && cc->channel != NULL)
		json_object_set_new(j, "channel", json_string(cc->channel));
	if (j != NULL && cc->from != NULL)
		json_object_set_new(j, "username", json_string(cc->from));
	return chan_msg_dump(j);
}

/* A note in a card: one TextBlock per line (a card has no line breaks). */
static void
chan_msg_teams_note(json_t *body, const char *text)
{
	const char *p = text, *nl;
	char *line, *plain, *cut;
	size_t n = 0;

	while (*p != '\0' && n++ < CHAN_MSG_LIST_MAX + 2) {
		nl = strchr(p, '\n');
		line = xstrndup(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
		plain = chan_msg_plain(line);
		cut = chan_msg_cut(plain, CHAN_MSG_SUMMARY_MAX);
		if (*cut != '\0')
			json_array_append_new(body, json_pack("{s:s, s:s,"
			    " s:b}", "type", "TextBlock", "text", cut, "wrap",
			    1));
		free(cut);
		free(plain);
		free(line);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/*
 * Teams Workflows: an Adaptive Card (version 1.4, Action.OpenUrl only)
 * in a message envelope; kept well under the 28 KB limit.
 */
char *
chan_msg_teams(const struct conf_chan *cc, const struct chan_page *pg)
{
	json_t *body, *actions, *card, *j;
	const struct chan_alert *a;
	char *title, *sum, *text, id[32], pri[8];
	size_t i;

	title = chan_msg_title(pg);
	body = json_array();
	actions = json_array();
	json_array_append_new(body, json_pack("{s:s, s:s, s:s, s:s, s:b}",
	    "type", "TextBlock", "size", "Large", "weight", "Bolder",
	    "text", title, "wrap", 1));
	if (pg->nalerts == 0)
		chan_msg_teams_note(body, chan_msg_note_text(pg));
	for (i = 0; i < pg->nalerts && i < CHAN_MSG_LIST_MAX; i++) {
		a = &pg->alerts[i];
		snprintf(id, sizeof id, "#%lld", (long long)a->id);
		snprintf(pri, sizeof pri, "P%d", a->priority);
		xasprintf(&text, "%s: %s", chan_msg_reason(pg, a),
		    a->summary != NULL ? a->summary : "");
		sum = chan_msg_plain(text);
		free(text);
		text = chan_msg_cut(sum, CHAN_MSG_SUMMARY_MAX);
		json_array_append_new(body, json_pack("{s:s, s:s, s:b}",
		    "type", "TextBlock", "text", text, "wrap", 1));
		json_array_append_new(body, json_pack("{s:s, s:[{s:s, s:s},"
		    " {s:s, s:s}, {s:s, s:s}]}", "type", "FactSet", "facts",
		    "title", "Alert", "value", id,
		    "title", "Priority", "value", pri,
		    "title", "Service", "value", a->service != NULL ?
		    a->service : ""));
		if (a->ack_url != NULL && json_array_size(actions) < 4) {
			snprintf(id, sizeof id, "Acknowledge #%lld",
			    (long long)a->id);
			json_array_append_new(actions, json_pack("{s:s, s:s,"
			    " s:s}", "type", "Action.OpenUrl", "title", id,
			    "url", a->ack_url));
		}
		free(sum);
		free(text);
	}
	if (pg->nalerts > CHAN_MSG_LIST_MAX) {
		text = chan_msg_more(pg, pg->nalerts - CHAN_MSG_LIST_MAX);
		json_array_append_new(body, json_pack("{s:s, s:s, s:b}",
		    "type", "TextBlock", "text", text, "wrap", 1));
		free(text);
		if (pg->more_url != NULL)
			json_array_append_new(actions, json_pack("{s:s, s:s,"
			    " s:s}", "type", "Action.OpenUrl", "title",
			    "Open the dashboard", "url", pg->more_url));
	}
	card = json_pack("{s:s, s:s, s:s, s:o, s:o}",
	    "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
	    "type", "AdaptiveCard", "version", "1.4", "body", body,
	    "actions", actions);
	j = json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message",
	    "attachments", "contentType", "application/vnd.microsoft.card.adaptive",
	    "contentUrl", "content", card);
	free(title);
	return chan_msg_dump(j);
}

/*
 * Generic JSON webhook body.  With a body template, the template is
 * expanded with JSON-escaped values (it supplies the quotes); otherwise
 * a fixed object: id, to, person, reason, text and the alerts.
 */
char *
chan_msg_webhook(const struct conf_chan *cc, const struct chan_page *pg)
{
	json_t *j, *list;
	const struct chan_alert *a;
	struct chan_alert note;
	char *text, *line = NULL, pri[8], *digest;
	size_t i;
	int same = 1;

	if (cc->driver != NULL && cc->driver->kind == CHAN_SMS)
		text = chan_msg_sms(cc, pg);
	else
		text = chan_msg_chat_text(cc, pg, chan_msg_plain,
		    CHAN_MSG_TEXT_MAX);
	if (cc->tpl_body != NULL) {
		/* A note fills a template as an alert #0 whose summary it is. */
		memset(&note, 0, sizeof note);
		note.summary = text;
		free(line);
		line = chan_msg_expand(cc->tpl_body, pg, pg->nalerts > 0 ?
		    &pg->alerts[0] : &note, chan_msg_json_escape);
		free(text);
		return line;
	}
	list = json_array();
	for (i = 0; i < pg->nalerts; i++) {
		a = &pg->alerts[i];
		snprintf(pri, sizeof pri, "P%d", a->priority);
		json_array_append_new(list, json_pack("{s:I, s:s, s:s?, s:s?,"
		    " s:s?, s:s, s:i, s:s}", "id", (json_int_t)a->id,
		    "priority", pri, "service", a->service, "summary",
		    a->summary, "ack_url", a->ack_url, "event",
		    notify_event_name(a->event), "stage", a->stage, "reason",
		    chan_msg_reason(pg, a)));
		if (i > 0 && a->event != pg->alerts[0].event)
			same = 0;
	}
	/* The message's own reason and event: its alerts', when they
	 * share them; a digest says what it holds. */
	digest = pg->nalerts > 0 && pg->reason == NULL ?
	    chan_msg_digest(pg) : NULL;
	j = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:I, s:o}", "id",
	    pg->id, "to", pg->to != NULL ? pg->to : "", "person", pg->person,
	    "reason", digest != NULL ? digest : pg->reason, "event",
	    pg->nalerts == 0 ? "note" : same ?
	    notify_event_name(pg->alerts[0].event) : "digest", "text", text,
	    "count", (json_int_t)pg->nalerts, "alerts", list);
	free(digest);
	if (j != NULL && pg->nalerts == 0)
		json_object_set_new(j, "note", json_string(
		    chan_msg_note_text(pg)));
	free(text);
	return chan_msg_dump(j);
}

/* SPDX-License-Identifier: ISC */
/*
 * chan-msg.c: what a page says, built without any I/O so unit tests see
 * exactly what would be sent.  This file has what every channel's text
 * shares: templates and their fields, the reason and digest of a page,
 * notes, cutting on UTF-8 boundaries, and the growing buffer the
 * builders write into.  Each channel family's text is in its own file:
 * chan-msg-mail.c, chan-msg-sms.c, chan-msg-voice.c, chan-msg-chat.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "chan-msg-private.h"
#include "compat.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Append n bytes of s; the text stays NUL-terminated.  The buffer grows
 * by doubling: a digest's text is many small appends.
 */
void
chan_msg_buf_add(struct chan_msg_buf *b, const char *s, size_t n)
{
	size_t cap;

	if (b->p == NULL || b->len + n + 1 > b->cap) {
		cap = b->cap > 0 ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append the string s. */
void
chan_msg_buf_str(struct chan_msg_buf *b, const char *s)
{
	chan_msg_buf_add(b, s, strlen(s));
}

/* Append, like printf. */
void
chan_msg_buf_printf(struct chan_msg_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	chan_msg_buf_str(b, s);
	free(s);
}

/* The text, now the caller's to free ("" if nothing was written). */
char *
chan_msg_buf_take(struct chan_msg_buf *b)
{
	if (b->p == NULL)
		return xstrdup("");
	return b->p;
}

/* Cut s to at most max bytes on a UTF-8 boundary, adding "..." if cut. */
char *
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
 * prefix and then v in decimal, at the end of buf (of size n, at least
 * 24 + strlen(prefix)): the numbers of a template, without printf.
 */
static const char *
chan_msg_num(char *buf, size_t n, const char *prefix, long long v)
{
	char *p = buf + n;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;
	size_t plen = strlen(prefix);

	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	p -= plen;
	memcpy(p, prefix, plen);
	return p;
}

/*
 * Expand a template: {id} {priority} {service} {summary} {ack_url}
 * {external_url} {person} {reason} {event} {stage} {count} {to} are
 * replaced by the
 * page's values (reason, event and stage: the alert's own), each passed
 * through esc (when not NULL); anything else is kept.
 */
char *
chan_msg_expand(const char *tpl, const struct chan_page *pg,
    const struct chan_alert *a, char *(*esc)(const char *))
{
	struct chan_msg_buf b = { NULL, 0, 0 };
	const char *p = tpl, *end, *v;
	char num[32], *e;
	size_t klen;

	while (*p != '\0') {
		if (*p != '{' || (end = strchr(p, '}')) == NULL) {
			/* up to the next field, in one piece */
			klen = strcspn(p + 1, "{") + 1;
			chan_msg_buf_add(&b, p, klen);
			p += klen;
			continue;
		}
		klen = end - p - 1;
		v = NULL;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(p + 1, k, klen) == 0)
		if (KEY("id"))
			v = chan_msg_num(num, sizeof num, "", a->id);
		else if (KEY("priority"))
			v = chan_msg_num(num, sizeof num, "P", a->priority);
		else if (KEY("count"))
			v = chan_msg_num(num, sizeof num, "", pg->nalerts); else if (KEY("service"))
			v = a->service != NULL ? a->service : "";
		else if (KEY("summary"))
			v = a->summary != NULL ? a->summary : "";
		else if (KEY("ack_url"))
			v = a->ack_url != NULL ? a->ack_url : "";
		else if (KEY("external_url"))
			v = a->external_url != NULL ? a->external_url : "";
		else if (KEY("person"))
			v = pg->person != NULL ? pg->person : "";
		else if (KEY("reason"))
			v = chan_msg_reason(pg, a);
		else if (KEY("event"))
			v = notify_event_name(a->event);
		else if (KEY("stage"))
			v = chan_msg_num(num, sizeof num, "", a->stage);
		else if (KEY("to"))
			v = pg->to != NULL ? pg->to : "";
#undef KEY
		if (v == NULL) {
			chan_msg_buf_add(&b, p, 1);
			p++;
			continue;
		}
		if (esc != NULL) {
			e = esc(v);
			chan_msg_buf_str(&b, e);
			free(e);
		} else
			chan_msg_buf_str(&b, v);
		p = end + 1;
	}
	return chan_msg_buf_take(&b);
}

/* XML text and attribute escaping (TwiML). */
char *
chan_msg_xml_escape(const char *s)
{
	struct chan_msg_buf b = { NULL, 0, 0 };

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			chan_msg_buf_str(&b, "&amp;");
			break;
		case '<':
			chan_msg_buf_str(&b, "&lt;");
			break;
		case '>':
			chan_msg_buf_str(&b, "&gt;");
			break;
		case '"':
			chan_msg_buf_str(&b, "&quot;");
			break;
		case '\'':
			chan_msg_buf_str(&b, "&apos;");
			break;
		default:
			/* XML 1.0 forbids most control characters. */
			if ((unsigned char)*s < 0x20 && *s != '\t' &&
			    *s != '\n' && *s != '\r')
				chan_msg_buf_add(&b, " ", 1);
			else
				chan_msg_buf_add(&b, s, 1);
		}
	}
	return chan_msg_buf_take(&b);
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

/* A note's title (its reason) and text; never NULL. */
const char *
chan_msg_note_title(const struct chan_page *pg)
{
	return pg->reason != NULL && *pg->reason != '\0' ? pg->reason :
	    "pagerd";
}

const char *
chan_msg_note_text(const struct chan_page *pg)
{
	return pg->note != NULL ? pg->note : "";
}

/* A note on one line: "title: text", line ends become "; ". */
char *
chan_msg_note_line(const struct chan_page *pg)
{
	struct chan_msg_buf b = { NULL, 0, 0 };
	const char *p;
	char *line, *out;

	chan_msg_buf_printf(&b, "%s: ", chan_msg_note_title(pg));
	for (p = chan_msg_note_text(pg); *p != '\0'; p++) {
		if (*p == '\n')
			chan_msg_buf_str(&b, "; ");
		else
			chan_msg_buf_add(&b, p, 1);
	}
	line = chan_msg_buf_take(&b);
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
	struct chan_msg_buf b = { NULL, 0, 0 };
	size_t count[NOTIFY_NEVENTS], i;

	memset(count, 0, sizeof count);
	for (i = 0; i < pg->nalerts; i++)
		if ((unsigned)pg->alerts[i].event < NOTIFY_NEVENTS)
			count[pg->alerts[i].event]++;
	for (i = 0; i < NOTIFY_NEVENTS; i++) {
		if (count[i] == 0)
			continue;
		chan_msg_buf_printf(&b, "%s%zu %s", b.len > 0 ? ", " : "",
		    count[i], what[i][count[i] != 1]);
	}
	return chan_msg_buf_take(&b);
}

/* "+N more: URL" (or "+N more") for what a message could not list. */
char *
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
long
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

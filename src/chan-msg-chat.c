/* SPDX-License-Identifier: ISC */
/*
 * chan-msg-chat.c: the chat payloads of a page: Slack blocks, Mattermost
 * posts, Teams cards and the generic webhook JSON, with each one's text
 * escaping, and the alert's links (and its client's) where a chat shows
 * links.  Pure.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chan.h"
#include "chan-msg-private.h"
#include "compat.h"
#include "log.h"
#include "xmalloc.h"

/* Slack header blocks and Teams cards have size limits; see PROTOCOLS. */
#define CHAN_MSG_HEADER_MAX 150
#define CHAN_MSG_SECTION_MAX 3000
#define CHAN_MSG_SUMMARY_MAX 1000
#define CHAN_MSG_POST_MAX 16000 /* Mattermost: a post is 16,383 characters */
#define CHAN_MSG_TEXT_MAX 4000 /* a webhook's "text" (its "alerts": all) */
#define CHAN_MSG_LINKS_MAX 5   /* links shown per alert */
#define CHAN_MSG_LABEL_MAX 100 /* bytes of a link's label */

/* Defaults for the templates; see pagerd.conf(5). */
static const char chan_msg_def_chat[] =
    "*[{priority}] #{id} {service}*: {summary}";
static const char chan_msg_def_mattermost[] =
    "**[{priority}] #{id} {service}**: {summary}";

/* Slack mrkdwn: only &, < and > are special (links are <url|label>). */
char *
chan_msg_mrkdwn_escape(const char *s)
{
	struct chan_msg_buf b = { NULL, 0, 0 };

	for (; *s != '\0'; s++) {
		if (*s == '&')
			chan_msg_buf_str(&b, "&amp;");
		else if (*s == '<')
			chan_msg_buf_str(&b, "&lt;");
		else if (*s == '>')
			chan_msg_buf_str(&b, "&gt;");
		else
			chan_msg_buf_add(&b, s, 1);
	}
	return chan_msg_buf_take(&b);
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
	struct chan_msg_buf b = { NULL, 0, 0 };
	char *plain = chan_msg_plain(s);
	const char *p, *w;
	size_t i, n;

	for (p = plain; *p != '\0'; p++) {
		chan_msg_buf_add(&b, p, 1);
		if (*p != '@')
			continue;
		for (i = 0; i < nitems(words); i++) {
			w = words[i];
			n = strlen(w);
			if (strncasecmp(p + 1, w, n) == 0 &&
			    !isalnum((unsigned char)p[1 + n]) &&
			    p[1 + n] != '_' && p[1 + n] != '-') {
				/* U+200B, a zero-width space */
				chan_msg_buf_str(&b, "\xe2\x80\x8b");
				break;
			}
		}
	}
	free(plain);
	return chan_msg_buf_take(&b);
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

/* A note's text with each line passed through esc (if not NULL). */
static char *
chan_msg_note_lines(const char *text, char *(*esc)(const char *))
{
	struct chan_msg_buf b = { NULL, 0, 0 };
	const char *p = text, *nl;
	char *line, *e;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		line = xstrndup(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
		e = esc != NULL ? esc(line) : xstrdup(line);
		chan_msg_buf_str(&b, e);
		free(e);
		free(line);
		if (nl == NULL)
			break;
		chan_msg_buf_str(&b, "\n");
		p = nl + 1;
	}
	return chan_msg_buf_take(&b);
}

/*
 * A URL made safe inside a chat link: the bytes that would end or split
 * it in mrkdwn (<url|label>) or markdown ([label](url)) are
 * percent-encoded, as a browser would send them anyway.
 */
static char *
chan_msg_link_url(const char *u)
{
	struct chan_msg_buf b = { NULL, 0, 0 };

	for (; *u != '\0'; u++) {
		if ((unsigned char)*u <= 0x20 || *u == 0x7f ||
		    strchr("<>|()[]\"`", *u) != NULL)
			chan_msg_buf_printf(&b, "%%%02X", (unsigned char)*u);
		else
			chan_msg_buf_add(&b, u, 1);
	}
	return chan_msg_buf_take(&b);
}

/* Append one link, <url|label> if slack, else [label](url). */
static void
chan_msg_link_add(struct chan_msg_buf *b, const char *url, const char *label,
    char *(*esc)(const char *), int slack)
{
	char *u, *e, *l, *p;

	if (strncasecmp(url, "https://", 8) != 0 &&
	    strncasecmp(url, "http://", 7) != 0)
		return;
	u = chan_msg_link_url(url);
	l = chan_msg_cut(label != NULL && *label != '\0' ? label : url,
	    CHAN_MSG_LABEL_MAX);
	e = esc(l);
	for (p = e; *p != '\0'; p++) {
		if (slack && *p == '|')
			*p = '/';
		else if (!slack && *p == '[')
			*p = '(';
		else if (!slack && *p == ']')
			*p = ')';
	}
	if (b->len > 0)
		chan_msg_buf_str(b, " \xc2\xb7 "); /* a middle dot */
	if (slack) {
		free(l);
		l = chan_msg_mrkdwn_escape(u);
		chan_msg_buf_printf(b, "<%s|%s>", l, e);
	} else
		chan_msg_buf_printf(b, "[%s](%s)", e, u);
	free(u);
	free(l);
	free(e);
}

/*
 * The links of alert a, as one line: its ticket (external_url, from a
 * mapped intake), its links (URLs, or {href, text} as Events v2 and the
 * native API take them), at most CHAN_MSG_LINKS_MAX, then its client's
 * page named after the client ("Grafana").  Labels pass through esc;
 * <url|label> if slack, else markdown.  Only http(s) URLs are shown.
 * NULL if there are none.
 */
char *
chan_msg_chat_links(const struct chan_alert *a, char *(*esc)(const char *),
    int slack)
{
	struct chan_msg_buf b = { NULL, 0, 0 };
	json_t *links, *l, *href, *text;
	size_t i;

	if (a->external_url != NULL)
		chan_msg_link_add(&b, a->external_url, "ticket", esc, slack);
	links = a->links != NULL ? json_loads(a->links, 0, NULL) : NULL;
	json_array_foreach(links, i, l) {
		if (i >= CHAN_MSG_LINKS_MAX)
			break;
		href = json_is_object(l) ? json_object_get(l, "href") : l;
		text = json_is_object(l) ? json_object_get(l, "text") : NULL;
		if (json_is_string(href))
			chan_msg_link_add(&b, json_string_value(href),
			    json_is_string(text) ? json_string_value(text) :
			    NULL, esc, slack);
	}
	json_decref(links);
	if (a->client_url != NULL)
		chan_msg_link_add(&b, a->client_url, a->client != NULL ?
		    a->client : "source", esc, slack);
	return b.p;
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
	struct chan_msg_buf b = { NULL, 0, 0 }, line;
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
		chan_msg_buf_printf(&b, slack ? "*%s*\n%s" : "**%s**\n%s", s,
		    u);
		free(s);
		free(u);
		return chan_msg_buf_take(&b);
	}
	if (tpl == NULL)
		tpl = slack ? chan_msg_def_chat : chan_msg_def_mattermost;
	if (pg->nalerts > 1) {
		u = chan_msg_digest(pg);
		s = esc != NULL ? esc(u) : xstrdup(u);
		chan_msg_buf_printf(&b, "%zu alerts: %s\n", pg->nalerts, s);
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
			chan_msg_buf_str(&line, s);
			chan_msg_buf_str(&line, ": ");
			free(s);
			free(u);
		}
		s = chan_msg_expand(tpl, pg, &a, esc);
		chan_msg_buf_str(&line, s);
		free(s);
		free(sum);
		if (a.ack_url != NULL && strstr(tpl, "{ack_url}") == NULL) {
			u = esc != NULL ? esc(a.ack_url) : xstrdup(a.ack_url);
			chan_msg_buf_str(&line, slack ? " <" : " [Acknowledge](");
			chan_msg_buf_str(&line, u);
			chan_msg_buf_str(&line, slack ? "|Acknowledge>" : ")");
			free(u);
		}
		/* its links on a line of their own, where chat shows them */
		if ((slack || esc == chan_msg_mattermost_escape) &&
		    (u = chan_msg_chat_links(&a, esc, slack)) != NULL) {
			chan_msg_buf_str(&line, "\n");
			chan_msg_buf_str(&line, u);
			free(u);
		}
		chan_msg_buf_str(&line, "\n");
		if (i > 0 && b.len + line.len + reserve > max) {
			free(line.p);
			break;
		}
		chan_msg_buf_str(&b, line.p);
		free(line.p);
	}
	if (i < pg->nalerts) {
		more = chan_msg_more(pg, pg->nalerts - i);
		s = esc != NULL ? esc(more) : xstrdup(more);
		chan_msg_buf_printf(&b, "%s\n", s);
		free(s);
		free(more);
	}
	b.p[--b.len] = '\0';
	return chan_msg_buf_take(&b);
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
	char *title, *sum, *text, *links, id[32], pri[8];
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
		/* markdown links: a TextBlock shows them */
		if ((links = chan_msg_chat_links(a, chan_msg_plain, 0)) !=
		    NULL) {
			json_array_append_new(body, json_pack("{s:s, s:s,"
			    " s:b}", "type", "TextBlock", "text", links, "wrap",
			    1));
			free(links);
		}
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
	    "attachments", "contentType",
	    "application/vnd.microsoft.card.adaptive", "contentUrl", "content",
	    card);
	free(title);
	return chan_msg_dump(j);
}

/* The webhook body as it is written: a buffer that grows by doubling. */
struct chan_msg_json {
	char *p;
	size_t len, cap;
};

static void
chan_msg_json_room(struct chan_msg_json *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 1024;
	while (b->len + n + 1 > b->cap)
		b->cap *= 2;
	b->p = xreallocarray(b->p, b->cap, 1);
}

static void
chan_msg_json_raw(struct chan_msg_json *b, const char *s, size_t n)
{
	chan_msg_json_room(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* ,"key": (no comma for the first key of an object). */
static void
chan_msg_json_key(struct chan_msg_json *b, const char *key, int first)
{
	size_t n = strlen(key);

	chan_msg_json_room(b, n + 4);
	if (!first)
		b->p[b->len++] = ',';
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, key, n);
	b->len += n;
	b->p[b->len++] = '"';
	b->p[b->len++] = ':';
	b->p[b->len] = '\0';
}

/* A JSON string by jansson (which refuses what is not UTF-8). */
static void
chan_msg_json_str_jansson(struct chan_msg_json *b, const char *s)
{
	json_t *j;
	size_t n;

	if ((j = json_string(s)) == NULL)
		fatalx("chan-msg: cannot build JSON (bad UTF-8?)");
	n = json_dumpb(j, NULL, 0, JSON_ENCODE_ANY);
	if (n == 0)
		fatalx("json_dumpb failed");
	chan_msg_json_room(b, n);
	if (json_dumpb(j, b->p + b->len, b->cap - b->len, JSON_ENCODE_ANY) !=
	    n)
		fatalx("json_dumpb failed");
	json_decref(j);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * A JSON string (null if s is NULL), the very bytes json_dumps wrote
 * for it: ", \ and the control characters escaped (\b \f \n \r \t,
 * else \u00XX), the rest, UTF-8, as it is.  What is not valid UTF-8
 * (overlong, a surrogate, past U+10FFFF) goes to jansson, which refuses
 * it as it always did.
 */
static void
chan_msg_json_str(struct chan_msg_json *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *p, *q;
	size_t start, n;
	unsigned char c;
	long cp;
	char *o;

	if (s == NULL) {
		chan_msg_json_raw(b, "null", 4);
		return;
	}
	n = strlen(s);
	chan_msg_json_room(b, 6 * n + 2);
	start = b->len;
	o = b->p + b->len;
	*o++ = '"';
	for (p = s; *p != '\0'; p = q) {
		c = (unsigned char)*p;
		q = p + 1;
		if (c >= 0x80) {
			cp = chan_msg_utf8(&q);
			if (cp < 0 || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff) ||
			    (q - p == 2 && cp < 0x80) ||
			    (q - p == 3 && cp < 0x800) ||
			    (q - p == 4 && cp < 0x10000)) {
				b->len = start;
				chan_msg_json_str_jansson(b, s);
				return;
			}
			memcpy(o, p, q - p);
			o += q - p;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':
		case '\\':
			*o++ = (char)c;
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
			break;
		}
	}
	*o++ = '"';
	*o = '\0';
	b->len = o - b->p;
}

static void
chan_msg_json_int(struct chan_msg_json *b, long long v)
{
	char num[24], *p = num + sizeof num;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	chan_msg_json_raw(b, p, num + sizeof num - p);
}

/*
 * Generic JSON webhook body.  With a body template, the template is
 * expanded with JSON-escaped values (it supplies the quotes); otherwise
 * a fixed object: id, to, person, reason, event, text, count and the
 * alerts (then a note's text).  It is written directly, member by
 * member in that order, as compact JSON, with jansson's escapes:
 * building a jansson object per alert and dumping it was a good part
 * of what a page cost the loop under a storm.
 */
char *
chan_msg_webhook(const struct conf_chan *cc, const struct chan_page *pg)
{
	struct chan_msg_json b = { NULL, 0, 0 };
	const struct chan_alert *a;
	struct chan_alert note;
	char *text, *line = NULL, *digest;
	size_t i;
	int same = 1;

	if (cc->driver != NULL && cc->driver->kind == CHAN_SMS)
		text = chan_msg_sms(cc, pg);
	else
		text = chan_msg_chat_text(cc, pg, chan_msg_plain,
		    CHAN_MSG_TEXT_MAX);
	if (cc->tpl_body != NULL) {
		/* A note fills a template as alert #0 whose summary it is. */
		memset(&note, 0, sizeof note);
		note.summary = text;
		free(line);
		line = chan_msg_expand(cc->tpl_body, pg, pg->nalerts > 0 ?
		    &pg->alerts[0] : &note, chan_msg_json_escape);
		free(text);
		return line;
	}
	for (i = 1; i < pg->nalerts; i++)
		if (pg->alerts[i].event != pg->alerts[0].event)
			same = 0;
	/* The message's own reason and event: its alerts', when they
	 * share them; a digest says what it holds. */
	digest = pg->nalerts > 0 && pg->reason == NULL ?
	    chan_msg_digest(pg) : NULL;
	chan_msg_json_room(&b, 256 + pg->nalerts * 256);
	chan_msg_json_raw(&b, "{", 1);
	chan_msg_json_key(&b, "id", 1);
	chan_msg_json_str(&b, pg->id);
	chan_msg_json_key(&b, "to", 0);
	chan_msg_json_str(&b, pg->to != NULL ? pg->to : "");
	chan_msg_json_key(&b, "person", 0);
	chan_msg_json_str(&b, pg->person);
	chan_msg_json_key(&b, "reason", 0);
	chan_msg_json_str(&b, digest != NULL ? digest : pg->reason);
	chan_msg_json_key(&b, "event", 0);
	chan_msg_json_str(&b, pg->nalerts == 0 ? "note" : same ?
	    notify_event_name(pg->alerts[0].event) : "digest");
	chan_msg_json_key(&b, "text", 0);
	chan_msg_json_str(&b, text);
	chan_msg_json_key(&b, "count", 0);
	chan_msg_json_int(&b, (long long)pg->nalerts);
	chan_msg_json_key(&b, "alerts", 0);
	chan_msg_json_raw(&b, "[", 1);
	for (i = 0; i < pg->nalerts; i++) {
		a = &pg->alerts[i];
		if (i > 0)
			chan_msg_json_raw(&b, ",", 1);
		chan_msg_json_raw(&b, "{", 1);
		chan_msg_json_key(&b, "id", 1);
		chan_msg_json_int(&b, (long long)a->id);
		chan_msg_json_key(&b, "priority", 0);
		chan_msg_json_raw(&b, "\"P", 2);
		chan_msg_json_int(&b, a->priority);
		chan_msg_json_raw(&b, "\"", 1);
		chan_msg_json_key(&b, "service", 0);
		chan_msg_json_str(&b, a->service);
		chan_msg_json_key(&b, "summary", 0);
		chan_msg_json_str(&b, a->summary);
		chan_msg_json_key(&b, "ack_url", 0);
		chan_msg_json_str(&b, a->ack_url);
		chan_msg_json_key(&b, "event", 0);
		chan_msg_json_str(&b, notify_event_name(a->event));
		chan_msg_json_key(&b, "stage", 0);
		chan_msg_json_int(&b, a->stage);
		chan_msg_json_key(&b, "reason", 0);
		chan_msg_json_str(&b, chan_msg_reason(pg, a));
		if (a->external_url != NULL) {
			chan_msg_json_key(&b, "external_url", 0);
			chan_msg_json_str(&b, a->external_url);
		}
		chan_msg_json_raw(&b, "}", 1);
	}
	chan_msg_json_raw(&b, "]", 1);
	if (pg->nalerts == 0) {
		chan_msg_json_key(&b, "note", 0);
		chan_msg_json_str(&b, chan_msg_note_text(pg));
	}
	chan_msg_json_raw(&b, "}", 1);
	free(digest);
	free(text);
	return b.p;
}

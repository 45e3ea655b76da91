/* SPDX-License-Identifier: ISC */
/*
 * chan-msg-mail.c: the e-mail message of a page: RFC 5322 headers (the
 * Date, a Message-ID, and References that thread an alert's mails), an
 * RFC 2047 encoded subject, and the plain-text body.  Pure, like all of
 * chan-msg*.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chan.h"
#include "chan-msg-private.h"
#include "compat.h"
#include "hmac.h"
#include "xmalloc.h"

#define CHAN_MSG_MAIL_MAX 200 /* alerts listed in one e-mail */

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

/*
 * An RFC 2047 encoded-word header value for s if it is not plain ASCII:
 * "=?UTF-8?B?...?=" words of at most 75 characters, folded, each holding
 * whole UTF-8 characters.
 */
char *
chan_msg_rfc2047(const char *s)
{
	struct chan_msg_buf b = { NULL, 0, 0 };
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
			chan_msg_buf_str(&b, "\r\n ");
		chan_msg_buf_printf(&b, "=?UTF-8?B?%s?=", enc);
		free(enc);
		start = p;
	}
	return chan_msg_buf_take(&b);
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
chan_msg_email_body(struct chan_msg_buf *b, const char *body)
{
	const char *p;
	char *crlf, *enc;
	struct chan_msg_buf c = { NULL, 0, 0 };
	int ascii = 1;
	size_t i, n, linelen = 0;

	for (p = body; *p != '\0'; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			chan_msg_buf_str(&c, "\r\n");
			linelen = 0;
			continue;
		}
		if ((unsigned char)*p >= 0x80 || ++linelen > 998)
			ascii = 0;
		chan_msg_buf_add(&c, p, 1);
	}
	crlf = chan_msg_buf_take(&c);
	if (ascii) {
		chan_msg_buf_str(b, "Content-Transfer-Encoding: 7bit\r\n\r\n");
		chan_msg_buf_str(b, crlf);
	} else {
		chan_msg_buf_str(b,
		    "Content-Transfer-Encoding: base64\r\n\r\n");
		enc = hmac_base64(crlf, strlen(crlf));
		n = strlen(enc);
		for (i = 0; i < n; i += 76) {
			chan_msg_buf_add(b, enc + i, n - i < 76 ? n - i : 76);
			chan_msg_buf_str(b, "\r\n");
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
	struct chan_msg_buf b = { NULL, 0, 0 }, body = { NULL, 0, 0 };
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

	chan_msg_buf_printf(&b, "Date: %s\r\n", date);
	chan_msg_buf_printf(&b, "From: %s\r\n", cc->from);
	chan_msg_buf_printf(&b, "To: %s\r\n", pg->to);
	chan_msg_buf_printf(&b, "Subject: %s\r\n", subj);
	if (pg->nonce != NULL)
		chan_msg_buf_printf(&b, "Message-ID: <%s.%s@%s>\r\n", pg->id,
		    pg->nonce, domain);
	else
		chan_msg_buf_printf(&b, "Message-ID: <%s@%s>\r\n", pg->id,
		    domain);
	/* Every message about an alert threads under the same root. */
	for (i = 0; i < pg->nalerts && i < CHAN_MSG_LIST_MAX; i++) {
		chan_msg_thread(&pg->alerts[i], domain, root, sizeof root);
		if (i == 0)
			chan_msg_buf_printf(&b,
			    "In-Reply-To: %s\r\nReferences: %s", root, root);
		else
			chan_msg_buf_printf(&b, "\r\n %s", root);
	}
	if (pg->nalerts > 0)
		chan_msg_buf_str(&b, "\r\n");
	chan_msg_buf_str(&b, "MIME-Version: 1.0\r\n");
	chan_msg_buf_str(&b, "Content-Type: text/plain; charset=UTF-8\r\n");
	chan_msg_buf_str(&b, "Auto-Submitted: auto-generated\r\n");
	if (pg->nalerts > 0)
		chan_msg_buf_printf(&b, "X-Pagerd-Alert: %lld\r\n",
		    (long long)pg->alerts[0].id);
	free(subj);
	if (pg->nalerts == 0) {
		/* A note: its text as it is; nothing to acknowledge. */
		chan_msg_buf_printf(&body, "%s\n", chan_msg_note_text(pg));
		s = chan_msg_buf_take(&body);
		chan_msg_email_body(&b, s);
		free(s);
		return chan_msg_buf_take(&b);
	}

	if (pg->nalerts > 1) {
		d = chan_msg_digest(pg);
		chan_msg_buf_printf(&body, "%zu alerts: %s.\n\n", pg->nalerts,
		    d);
		free(d);
	}
	for (i = 0; i < pg->nalerts && i < CHAN_MSG_MAIL_MAX; i++) {
		if (i > 0)
			chan_msg_buf_str(&body, "\n----\n\n");
		tpl = cc->tpl_body != NULL ? cc->tpl_body :
		    notify_event_is_page(pg->alerts[i].event) ?
		    chan_msg_def_body : chan_msg_def_body_notice;
		s = chan_msg_expand(tpl, pg, &pg->alerts[i], NULL);
		chan_msg_buf_str(&body, s);
		free(s);
		/* the ticket it came from, unless the template places it */
		if (pg->alerts[i].external_url != NULL &&
		    strstr(tpl, "{external_url}") == NULL)
			chan_msg_buf_printf(&body, "Ticket: %s\n",
			    pg->alerts[i].external_url);
	}
	if (pg->nalerts > CHAN_MSG_MAIL_MAX) {
		s = chan_msg_more(pg, pg->nalerts - CHAN_MSG_MAIL_MAX);
		chan_msg_buf_printf(&body, "\n----\n\n%s\n", s);
		free(s);
	}
	/* Reply codes only where something asks to act. */
	if ((first = chan_msg_first_page(pg)) != NULL)
		chan_msg_buf_printf(&body,
		    "\nReply to an SMS page with %llda to"
		    " acknowledge, %llde to escalate.\n",
		    (long long)first->id, (long long)first->id);
	s = chan_msg_buf_take(&body);
	chan_msg_email_body(&b, s);
	free(s);
	return chan_msg_buf_take(&b);
}

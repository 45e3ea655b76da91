/* SPDX-License-Identifier: ISC */
/*
 * chan-msg-sms.c: the text of an SMS: one segment when it can be (GSM-7
 * or UCS-2, counted as the networks count), a digest of several alerts
 * cut to fit, and the reply codes that act on them.  Pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "chan-msg-private.h"
#include "compat.h"
#include "xmalloc.h"

#define CHAN_MSG_SMS_ITEM 24  /* bytes of each summary in an SMS digest */

/* The default template; see pagerd.conf(5). */
static const char chan_msg_def_sms[] = "#{id} {priority} {summary}";

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
	struct chan_msg_buf b;
	struct chan_page nolink = *pg;
	char tag[32], *sum, *more, *text;
	size_t k, i, n = pg->nalerts, max = n < 20 ? n : 20;
	int pass;

	nolink.more_url = NULL;
	for (pass = 0; pass < 2; pass++) {
		for (k = max; k >= 1; k--) {
			memset(&b, 0, sizeof b);
			chan_msg_buf_printf(&b, "%zu alerts:", n);
			for (i = 0; i < k; i++) {
				chan_msg_sms_tag(&pg->alerts[i], tag,
				    sizeof tag);
				text = chan_msg_plain(pg->alerts[i].summary !=
				    NULL ? pg->alerts[i].summary : "");
				sum = chan_msg_cut(text, CHAN_MSG_SMS_ITEM);
				free(text);
				chan_msg_buf_printf(&b, "%s #%lld %s %s",
				    i > 0 ? ";" : "",
				    (long long)pg->alerts[i].id, tag, sum);
				free(sum);
			}
			if (k < n) {
				more = chan_msg_more(pass == 0 ? pg : &nolink,
				    n - k);
				chan_msg_buf_printf(&b, " %s", more);
				free(more);
			}
			chan_msg_buf_str(&b, codes);
			text = chan_msg_buf_take(&b);
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

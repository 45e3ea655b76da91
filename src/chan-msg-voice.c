/* SPDX-License-Identifier: ISC */
/*
 * chan-msg-voice.c: the TwiML of a voice call: what is said, and the
 * keypress gathered to act on the alert.  Pure.
 */
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "chan-msg-private.h"
#include "compat.h"
#include "xmalloc.h"

#define CHAN_MSG_SAY_MAX 3000 /* bytes of escaped text: TwiML < 4,000 */

/* The default template; see pagerd.conf(5). */
static const char chan_msg_def_say[] =
    "Alert {id}, priority {priority}, {service}: {summary}.";

/*
 * What a call says, XML-escaped, at most CHAN_MSG_SAY_MAX bytes (cut
 * after escaping, never inside an entity or a character): how many
 * alerts, each with what happened to it, "and N more", then which keys
 * do what when something asks to act.
 */
static char *
chan_msg_twiml_say(const struct conf_chan *cc, const struct chan_page *pg)
{
	struct chan_msg_buf say = { NULL, 0, 0 }, items = { NULL, 0, 0 };
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
				chan_msg_buf_str(&items, s);
				chan_msg_buf_str(&items, " ");
				free(s);
				i++;
			}
			free(e);
			break;
		}
		chan_msg_buf_str(&items, e);
		free(e);
	}
	chan_msg_buf_str(&say, head);
	if (items.p != NULL)
		chan_msg_buf_str(&say, items.p);
	if (i < pg->nalerts)
		chan_msg_buf_printf(&say, "And %zu more. ", pg->nalerts - i);
	chan_msg_buf_str(&say, keys);
	free(items.p);
	free(head);
	free(keys);
	s = chan_msg_buf_take(&say);
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
	struct chan_msg_buf b = { NULL, 0, 0 };
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

	chan_msg_buf_str(&b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>");
	if (gather != NULL) {
		u = chan_msg_xml_escape(gather);
		chan_msg_buf_printf(&b, "<Gather input=\"dtmf\" numDigits=\"1\""
		    " timeout=\"10\" method=\"POST\" action=\"%s\">", u);
		free(u);
	}
	chan_msg_buf_printf(&b,
	    "<Say voice=\"%s\" language=\"%s\" loop=\"2\">%s"
	    "</Say>",
	    v, l, s);
	if (gather != NULL)
		chan_msg_buf_str(&b, "</Gather>");
	if (gather != NULL)
		chan_msg_buf_printf(&b,
		    "<Say voice=\"%s\" language=\"%s\">No input"
		    " received. Goodbye.</Say>",
		    v, l);
	chan_msg_buf_str(&b, "<Hangup/></Response>");
	free(s);
	free(v);
	free(l);
	return chan_msg_buf_take(&b);
}

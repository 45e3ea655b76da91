/* SPDX-License-Identifier: ISC */
/*
 * outbox-page.c: the rows of a page.  A person is paged through one row
 * per notification rule that routes (their own rules, or the default
 * ones), due as the rule says; what only tells goes once, at once; the
 * console stands in when nothing else reaches them.  Rows are written
 * in the caller's transaction; the loop (outbox.c) sends them.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "outbox-private.h"
#include "people.h"
#include "store.h"
#include "xmalloc.h"

/* Default rules for a person who has none: chat and mail, SMS, voice. */
static const struct outbox_rule outbox_default_rules[] = {
	{ "chat", 0 },
	{ "email", 0 },
	{ "sms", 60 * 1000 },
	{ "voice", 3 * 60 * 1000 },
};

/*
 * Page one person about one alert: one pending row per rule the person
 * can be reached by, due at now + the rule's delay.  What only tells (a
 * note about no alert, an acknowledgement, a resolution) is one row, at
 * once, on the first rule that can reach the person: it must not climb
 * to SMS and voice.  Call inside the caller's open transaction, then
 * outbox_kick() after the commit.  A person with no usable rule is
 * reported unreachable.
 */
int
outbox_page(struct outbox *ob, const struct outbox_page *p, int64_t now,
    char **cause)
{
	const struct outbox_rule *rules = p->rules;
	size_t nrules = p->nrules, i;
	struct outbox_route rt;
	struct store_event_new ev;
	struct store_note n;
	int added = 0, tell;

	if (rules == NULL || nrules == 0) {
		rules = outbox_default_rules;
		nrules = nitems(outbox_default_rules);
	}
	tell = p->alert_id == 0 || !notify_event_is_page(p->event);
	if (p->alert_id == 0 && p->note == NULL) {
		*cause = xstrdup("outbox: a page without an alert needs a"
		    " note");
		return -1;
	}
	for (i = 0; i < nrules; i++) {
		if (outbox_route(ob->conf, &rules[i], &p->contact, p->person,
		    &rt) != 0) {
			log_debug("outbox: alert %" PRId64 ": %s has no route"
			    " for rule %s", p->alert_id, p->person,
			    rules[i].channel);
			continue;
		}
		memset(&n, 0, sizeof n);
		n.alert_id = p->alert_id;
		n.person = (char *)p->person;
		n.channel = rt.chan->name;
		n.address = (char *)rt.address;
		n.step = (int)i;
		n.event = p->alert_id == 0 ? NOTIFY_NOTE : p->event;
		n.stage = p->stage;
		n.reason = (char *)p->reason;
		n.ack_url = (char *)p->ack_url;
		n.body = (char *)p->note;
		/* what only tells goes at once, whatever the rule's delay */
		n.due_ms = now + (tell ? 0 : rules[i].after_ms);
		if (store_outbox_add(ob->store, &n, now, cause) != 0)
			return -1;
		outbox_touch(ob, n.channel, n.address);
		added++;
		if (tell)
			break; /* it goes by the first rule that routes */
	}
	if (added == 0) {
		/* Fall back on the console if there is one. */
		struct outbox_rule con = { "console", 0 };

		if (outbox_route(ob->conf, &con, &p->contact, p->person,
		    &rt) == 0) {
			memset(&n, 0, sizeof n);
			n.alert_id = p->alert_id;
			n.person = (char *)p->person;
			n.channel = rt.chan->name;
			n.address = (char *)rt.address;
			n.event = p->alert_id == 0 ? NOTIFY_NOTE : p->event;
			n.stage = p->stage;
			n.reason = (char *)p->reason;
			n.ack_url = (char *)p->ack_url;
			n.body = (char *)p->note;
			n.due_ms = now;
			if (store_outbox_add(ob->store, &n, now, cause) != 0)
				return -1;
			outbox_touch(ob, n.channel, n.address);
			return 0;
		}
		if (p->alert_id == 0) {
			log_warnx("outbox: note to %s: no configured channel"
			    " reaches them", p->person);
			return 0;
		}
		log_warnx("outbox: alert %" PRId64 ": %s cannot be reached on"
		    " any configured channel", p->alert_id, p->person);
		memset(&ev, 0, sizeof ev);
		ev.alert_id = p->alert_id;
		ev.at_ms = now;
		ev.actor = "outbox";
		ev.kind = "unreachable";
		if (store_event_add(ob->store, &ev, cause) != 0)
			return -1;
		outbox_unreachable(ob, p->alert_id, p->person);
	}
	return 0;
}

/*
 * Address pg to person p: their contacts, and their notification rules
 * (a new array in *rulesp, which the caller frees; NULL if p has none,
 * and then the default rules apply).
 */
void
outbox_page_person(struct outbox_page *pg, const struct person *p,
    struct outbox_rule **rulesp)
{
	struct outbox_rule *rules = NULL;
	size_t i;

	pg->person = p->id;
	pg->contact.email = p->email;
	pg->contact.sms = p->sms;
	pg->contact.voice = p->voice;
	pg->contact.chat = p->chat;
	if (p->rules.n > 0) {
		rules = xcalloc(p->rules.n, sizeof *rules);
		for (i = 0; i < p->rules.n; i++) {
			rules[i].channel = p->rules.list[i].channel;
			rules[i].after_ms = p->rules.list[i].after_ms;
		}
	}
	pg->rules = rules;
	pg->nrules = rules != NULL ? p->rules.n : 0;
	*rulesp = rules;
}

/* Cancel what has not gone out yet for an alert (one person or all). */
int
outbox_cancel(struct outbox *ob, int64_t alert_id, const char *person,
    char **cause)
{
	int64_t n;

	if ((n = store_outbox_cancel(ob->store, alert_id, person,
	    clock_now_ms(), cause)) < 0)
		return -1;
	if (n > 0)
		log_debug("outbox: alert %" PRId64 ": %" PRId64 " pending"
		    " notifications cancelled", alert_id, n);
	return 0;
}

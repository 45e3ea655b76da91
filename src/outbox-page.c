/* SPDX-License-Identifier: ISC */
/*
 * outbox-page.c: the rows of a page.  A person is paged through one row
 * per notification rule that routes (their own rules, or the default
 * ones), due as the rule says; what only tells goes once, at once; the
 * console stands in when nothing else reaches them.  Rows are written
 * in the caller's transaction; the loop (outbox.c) sends them.  A
 * page's later rules are rows only once they fall due (outbox-later.c,
 * outbox_later_run).
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
 * Nothing routes for page p: the console if there is one, else the
 * person is unreachable.
 */
static int
outbox_page_none(struct outbox *ob, const struct outbox_page *p, int64_t now,
    char **cause)
{
	struct outbox_rule con = { "console", 0 };
	struct outbox_route rt;
	struct store_event_new ev;
	struct store_note n;

	if (outbox_route(ob->conf, &con, &p->contact, p->person, &rt) == 0) {
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
	return 0;
}

/*
 * Page one person about one alert: one pending row per rule the person
 * can be reached by, due at now + the rule's delay, for the first
 * rule(s): those due no later than the first rule that routes.  The
 * later rules (SMS after a minute, a call after three) become rows only
 * when they fall due (outbox_later_run): until then they are a list on
 * the last row written now (outbox-later.c), durable with it, and
 * dropped if the page is cancelled first.  What only tells (a note
 * about no alert, an acknowledgement, a resolution) is one row, at
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
	size_t nrules = p->nrules, i, nnow = 0, k;
	struct outbox_route rt, *routes;
	struct store_note n;
	char *later = NULL;
	int64_t first = -1, later_after = -1;
	int added = 0, tell, *rix, rc = -1;

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
	/* The rules that route: rows now, or later rules. */
	routes = xcalloc(nrules, sizeof *routes);
	rix = xcalloc(nrules, sizeof *rix);
	for (i = 0; i < nrules; i++) {
		if (outbox_route(ob->conf, &rules[i], &p->contact, p->person,
		    &rt) != 0) {
			log_debug("outbox: alert %" PRId64 ": %s has no route"
			    " for rule %s", p->alert_id, p->person,
			    rules[i].channel);
			continue;
		}
		if (first == -1)
			first = rules[i].after_ms;
		if (!tell && rules[i].after_ms > first) {
			later = outbox_later_add(later, (int)i,
			    rules[i].after_ms, rt.chan->name, rt.address);
			if (later_after == -1 ||
			    rules[i].after_ms < later_after)
				later_after = rules[i].after_ms;
			continue;
		}
		routes[nnow] = rt;
		rix[nnow++] = (int)i;
		if (tell)
			break; /* it goes by the first rule that routes */
	}
	for (k = 0; k < nnow; k++) {
		i = (size_t)rix[k];
		memset(&n, 0, sizeof n);
		n.alert_id = p->alert_id;
		n.person = (char *)p->person;
		n.channel = routes[k].chan->name;
		n.address = (char *)routes[k].address;
		n.step = (int)i;
		n.event = p->alert_id == 0 ? NOTIFY_NOTE : p->event;
		n.stage = p->stage;
		n.reason = (char *)p->reason;
		n.ack_url = (char *)p->ack_url;
		n.body = (char *)p->note;
		/* what only tells goes at once, whatever the rule's delay */
		n.due_ms = now + (tell ? 0 : rules[i].after_ms);
		if (k == nnow - 1 && later != NULL) {
			/* the page's later rules ride on its last row */
			n.later = later;
			n.later_ms = now + later_after;
		}
		if (store_outbox_add(ob->store, &n, now, cause) != 0)
			goto out;
		outbox_touch(ob, n.channel, n.address);
		if (n.later != NULL)
			outbox_later_due_at(ob, n.later_ms);
		added++;
	}
	rc = 0;
	if (added == 0)
		rc = outbox_page_none(ob, p, now, cause);
out:
	free(later);
	free(routes);
	free(rix);
	return rc;
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

/* A page's later rules fall due at at: the loop must look then. */
void
outbox_later_due_at(struct outbox *ob, int64_t at)
{
	if (at < ob->later_at)
		ob->later_at = at;
}

/*
 * Row l's later rules that fell due at now (all of them if all) become
 * rows, each due when its rule says; what is left stays on l.  Inside
 * the caller's transaction.  A list that cannot be read is dropped, and
 * said so (it was written by this code; never expected).
 */
static int
outbox_later_spawn(struct outbox *ob, const struct store_outbox_later *l,
    int64_t now, int all, char **cause)
{
	struct outbox_later *due;
	size_t ndue, i;
	char *rest;
	int64_t next;
	int rc = 0;

	if (outbox_later_take(l->later, l->created_ms, now, all, &due, &ndue,
	    &rest, &next) != 0) {
		log_warnx("outbox: notification %" PRId64 ": later rules"
		    " unreadable, dropped", l->id);
		return store_outbox_later_set(ob->store, l->id, NULL, 0,
		    cause);
	}
	for (i = 0; i < ndue && rc == 0; i++) {
		rc = store_outbox_spawn(ob->store, l->id, due[i].step,
		    due[i].channel, due[i].address,
		    l->created_ms + due[i].after_ms, now, cause);
		if (rc == 0)
			outbox_touch(ob, due[i].channel, due[i].address);
	}
	if (rc == 0)
		rc = store_outbox_later_set(ob->store, l->id, rest, next,
		    cause);
	if (rc == 0 && rest != NULL)
		outbox_later_due_at(ob, next);
	outbox_later_free(due, ndue);
	free(rest);
	return rc;
}

/*
 * The later rules due at now become rows (at most OUTBOX_LATER_MAX
 * pages' in one call), in the caller's transaction (*intxn: open, or
 * opened here when there is something to write: outbox_begin).  ob->later_at is
 * when to look again.  After a restart, what fell due while pagerd was
 * down is due at once: nothing is lost, and the rows are written once
 * (with the list's update, in one transaction).
 */
int
outbox_later_run(struct outbox *ob, int64_t now, int *intxn, char **cause)
{
	struct store_outbox_later *v;
	size_t n, i;
	int64_t next;

	if (now < ob->later_at)
		return 0;
	if (store_outbox_later_due(ob->store, now, OUTBOX_LATER_MAX, &v,
	    &n) != 0) {
		*cause = xstrdup("cannot read the later rules");
		return -1;
	}
	if (n > 0 && !*intxn) {
		if (outbox_begin(ob, cause) != 0) {
			store_outbox_later_free(v, n);
			return -1;
		}
		*intxn = 1;
	}
	for (i = 0; i < n; i++)
		if (outbox_later_spawn(ob, &v[i], now, 0, cause) != 0) {
			store_outbox_later_free(v, n);
			return -1;
		}
	store_outbox_later_free(v, n);
	if (n == OUTBOX_LATER_MAX)
		ob->later_at = now; /* more at the next pass */
	else {
		next = store_outbox_later_next(ob->store);
		ob->later_at = next > 0 ? next : INT64_MAX;
	}
	return 0;
}

/*
 * A step of alert_id's page to person failed for good: every later rule
 * of theirs becomes a row now, each due when its rule says (the
 * failover then brings the next forward).  In the caller's transaction.
 */
int
outbox_later_all(struct outbox *ob, int64_t alert_id, const char *person,
    int64_t now, char **cause)
{
	struct store_outbox_later *v;
	size_t n, i;

	if (store_outbox_later_of(ob->store, alert_id, person, &v, &n) != 0) {
		*cause = xstrdup("cannot read the later rules");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (outbox_later_spawn(ob, &v[i], now, 1, cause) != 0) {
			store_outbox_later_free(v, n);
			return -1;
		}
	store_outbox_later_free(v, n);
	return 0;
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

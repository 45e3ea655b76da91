/* SPDX-License-Identifier: ISC */
/*
 * outbox.c: the notification outbox on the loop.  outbox_page() writes
 * one row per notification rule inside the caller's transaction (so a
 * page is durable before anything is sent); one timer then sends the
 * rows as they fall due, grouped per channel and address (bundling),
 * within each address's rate limit.  Outcomes are written back in one
 * transaction per send, with an audit event each: sent, retry (backoff
 * with jitter, Retry-After honoured), failed (then the person's next
 * step is brought forward at once), unreachable (every step failed).
 * Sends are at-least-once: rows left "sending" by a crash go out again.
 */
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "clock.h"
#include "conf.h"
#include "hmac.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "xmalloc.h"

/* At most this many alerts go out in one bundled message. */
#define OUTBOX_BUNDLE_MAX 10

/* Default rules for a person who has none: chat and mail, SMS, voice. */
static const struct outbox_rule outbox_default_rules[] = {
	{ "chat", 0 },
	{ "email", 0 },
	{ "sms", 60 * 1000 },
	{ "voice", 3 * 60 * 1000 },
};

/* Send times to one channel and address, for its rate limit. */
struct outbox_rate {
	char *channel;
	char *address;
	int64_t *sent;
	size_t n;
	TAILQ_ENTRY(outbox_rate) entry;
};

/* One message in flight: the rows it carries. */
struct outbox_send {
	struct outbox *ob;
	char *channel;
	char *address;
	struct store_note *rows; /* owned */
	size_t n;
	TAILQ_ENTRY(outbox_send) entry;
};

/* A person found unreachable, reported from the loop. */
struct outbox_unreach {
	int64_t alert_id;
	char *person;
	TAILQ_ENTRY(outbox_unreach) entry;
};

struct outbox {
	struct event_base *base;
	struct store *store;
	const struct conf *conf;
	struct event timer;
	int closing;
	outbox_unreachable_cb unreachable;
	void *unreachable_arg;
	TAILQ_HEAD(, outbox_rate) rates;
	TAILQ_HEAD(, outbox_send) sends;
	TAILQ_HEAD(, outbox_unreach) unreach;
	size_t nsends;
};

static void outbox_timer_cb(evutil_socket_t, short, void *);
static void outbox_arm(struct outbox *, int64_t, int64_t);

struct outbox *
outbox_new(struct event_base *base, struct store *store, const struct conf *c)
{
	struct outbox *ob;

	ob = xcalloc(1, sizeof *ob);
	ob->base = base;
	ob->store = store;
	ob->conf = c;
	TAILQ_INIT(&ob->rates);
	TAILQ_INIT(&ob->sends);
	TAILQ_INIT(&ob->unreach);
	evtimer_assign(&ob->timer, base, outbox_timer_cb, ob);
	return ob;
}

/*
 * Stop sending: outcomes that arrive after this (xfer_shutdown reports
 * every transfer it abandons) are dropped; their rows stay "sending"
 * and go out again at the next start.
 */
void
outbox_close(struct outbox *ob)
{
	ob->closing = 1;
	evtimer_del(&ob->timer);
}

static void
outbox_send_free(struct outbox_send *s)
{
	store_notes_free(s->rows, s->n);
	free(s->channel);
	free(s->address);
	free(s);
}

void
outbox_free(struct outbox *ob)
{
	struct outbox_rate *r;
	struct outbox_send *s;
	struct outbox_unreach *u;

	if (ob == NULL)
		return;
	evtimer_del(&ob->timer);
	while ((r = TAILQ_FIRST(&ob->rates)) != NULL) {
		TAILQ_REMOVE(&ob->rates, r, entry);
		free(r->channel);
		free(r->address);
		free(r->sent);
		free(r);
	}
	/* Sends still out belong to their transfers: detach them. */
	TAILQ_FOREACH(s, &ob->sends, entry)
		s->ob = NULL;
	while ((u = TAILQ_FIRST(&ob->unreach)) != NULL) {
		TAILQ_REMOVE(&ob->unreach, u, entry);
		free(u->person);
		free(u);
	}
	free(ob);
}

/* The new config; rows naming a channel that went away fail over. */
void
outbox_reconfigure(struct outbox *ob, const struct conf *c)
{
	ob->conf = c;
	outbox_kick(ob);
}

void
outbox_set_unreachable_cb(struct outbox *ob, outbox_unreachable_cb cb,
    void *arg)
{
	ob->unreachable = cb;
	ob->unreachable_arg = arg;
}

size_t
outbox_inflight(const struct outbox *ob)
{
	return ob->nsends;
}

/* Arm the timer for instant at (now: as soon as the loop turns). */
static void
outbox_arm(struct outbox *ob, int64_t at, int64_t now)
{
	struct timeval tv;
	int64_t d = at - now;

	if (ob->closing)
		return;
	if (d < 0)
		d = 0;
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	evtimer_del(&ob->timer);
	evtimer_add(&ob->timer, &tv);
}

/* Look at the store again soon (after a commit that added rows). */
void
outbox_kick(struct outbox *ob)
{
	outbox_arm(ob, 0, 0);
}

static void
outbox_audit(struct outbox *ob, const struct store_note *n, const char *kind,
    const char *error, int64_t now)
{
	char *detail = NULL, *cause = NULL;
	json_t *j;

	j = json_pack("{s:s, s:s, s:s, s:i, s:i}", "person", n->person,
	    "channel", n->channel, "address", n->address, "attempt",
	    n->attempt, "step", n->step);
	if (j != NULL && error != NULL)
		json_object_set_new(j, "error", json_string(error));
	if (j != NULL && n->provider_id != NULL)
		json_object_set_new(j, "provider_id",
		    json_string(n->provider_id));
	if (j != NULL)
		detail = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (store_event_add(ob->store, n->alert_id, now, "outbox", kind, detail,
	    &cause) != 0) {
		log_warnx("outbox: audit: %s", cause);
		free(cause);
	}
	free(detail);
}

/* Queue an unreachable report for the loop (never from inside a txn). */
static void
outbox_unreachable(struct outbox *ob, int64_t alert_id, const char *person)
{
	struct outbox_unreach *u;

	u = xcalloc(1, sizeof *u);
	u->alert_id = alert_id;
	u->person = xstrdup(person);
	TAILQ_INSERT_TAIL(&ob->unreach, u, entry);
	outbox_kick(ob);
}

/*
 * Page one person about one alert: one pending row per rule the person
 * can be reached by, due at now + the rule's delay (+ the channel's
 * bundling wait).  A note (alert_id 0) is one row, on the first rule
 * that can reach the person: it must not climb to SMS and voice.  Call inside the caller's open transaction, then
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
	struct store_note n;
	int added = 0;

	if (rules == NULL || nrules == 0) {
		rules = outbox_default_rules;
		nrules = nitems(outbox_default_rules);
	}
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
		n.reason = (char *)p->reason;
		n.ack_url = (char *)p->ack_url;
		n.body = (char *)p->note;
		n.due_ms = now + rules[i].after_ms + rt.chan->bundle_ms;
		if (store_outbox_add(ob->store, &n, now, cause) != 0)
			return -1;
		added++;
		if (p->alert_id == 0)
			break; /* a note goes by the first rule that routes */
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
			n.reason = (char *)p->reason;
			n.ack_url = (char *)p->ack_url;
			n.body = (char *)p->note;
			n.due_ms = now;
			if (store_outbox_add(ob->store, &n, now, cause) != 0)
				return -1;
			return 0;
		}
		if (p->alert_id == 0) {
			log_warnx("outbox: note to %s: no configured channel"
			    " reaches them", p->person);
			return 0;
		}
		log_warnx("outbox: alert %" PRId64 ": %s cannot be reached on"
		    " any configured channel", p->alert_id, p->person);
		if (store_event_add(ob->store, p->alert_id, now, "outbox",
		    "unreachable", NULL, cause) != 0)
			return -1;
		outbox_unreachable(ob, p->alert_id, p->person);
	}
	return 0;
}

/* Cancel what has not gone out yet for an alert (one person or all). */
int
outbox_cancel(struct outbox *ob, int64_t alert_id, const char *person,
    char **cause)
{
	int64_t n = 0;

	if (store_outbox_cancel(ob->store, alert_id, person, clock_now_ms(),
	    &n, cause) != 0)
		return -1;
	if (n > 0)
		log_debug("outbox: alert %" PRId64 ": %" PRId64 " pending"
		    " notifications cancelled", alert_id, n);
	return 0;
}

static void
outbox_rate_add(struct outbox *ob, const char *channel, const char *address,
    int64_t at)
{
	struct outbox_rate *r;

	TAILQ_FOREACH(r, &ob->rates, entry)
		if (strcmp(r->channel, channel) == 0 &&
		    strcmp(r->address, address) == 0)
			break;
	if (r == NULL) {
		r = xcalloc(1, sizeof *r);
		r->channel = xstrdup(channel);
		r->address = xstrdup(address);
		TAILQ_INSERT_TAIL(&ob->rates, r, entry);
	}
	r->sent = xreallocarray(r->sent, r->n + 1, sizeof *r->sent);
	r->sent[r->n++] = at;
}

static void
outbox_resume_rate_cb(const char *channel, const char *address, int64_t at,
    void *arg)
{
	if (channel != NULL && address != NULL)
		outbox_rate_add(arg, channel, address, at);
}

/* Drop send times older than a day: no window is longer. */
static struct outbox_rate *
outbox_rate_find(struct outbox *ob, const char *channel, const char *address,
    int64_t now)
{
	struct outbox_rate *r;
	size_t i, k;

	TAILQ_FOREACH(r, &ob->rates, entry) {
		if (strcmp(r->channel, channel) != 0 ||
		    strcmp(r->address, address) != 0)
			continue;
		for (i = k = 0; i < r->n; i++)
			if (r->sent[i] > now - 86400 * 1000LL)
				r->sent[k++] = r->sent[i];
		r->n = k;
		return r;
	}
	return NULL;
}

/*
 * At start: rows cut short while sending go out again, and the rate
 * limits remember the last day's sends.
 */
int
outbox_resume(struct outbox *ob, char **cause)
{
	int64_t now = clock_now_ms();

	if (store_outbox_resume(ob->store, now, cause) != 0)
		return -1;
	if (store_outbox_recent(ob->store, now - 86400 * 1000LL,
	    outbox_resume_rate_cb, ob) != 0) {
		*cause = xstrdup("outbox: cannot read recent sends");
		return -1;
	}
	outbox_kick(ob);
	return 0;
}

static int
outbox_busy(struct outbox *ob, const char *channel, const char *address)
{
	struct outbox_send *s;

	TAILQ_FOREACH(s, &ob->sends, entry)
		if (strcmp(s->channel, channel) == 0 &&
		    strcmp(s->address, address) == 0)
			return 1;
	return 0;
}

/*
 * A step has failed for good: bring the person's next step forward, or
 * if nothing can reach them any more, record and report it.  Inside the
 * caller's transaction.
 */
static void
outbox_failover(struct outbox *ob, const struct store_note *n, int64_t now)
{
	int64_t next;

	if (n->alert_id == 0) {
		/* A note has one step and nobody to escalate to. */
		log_warnx("outbox: note to %s (%s) could not be delivered by"
		    " %s", n->person, n->reason != NULL ? n->reason : "note",
		    n->channel);
		return;
	}
	next = store_outbox_failover(ob->store, n->alert_id, n->person,
	    n->step, now);
	if (next > 0) {
		log_info("outbox: alert %" PRId64 ": %s: %s failed, failing"
		    " over to the next channel", n->alert_id, n->person,
		    n->channel);
		return;
	}
	if (next == 0 && store_outbox_live(ob->store, n->alert_id,
	    n->person) == 0) {
		log_warnx("outbox: alert %" PRId64 ": %s is unreachable on"
		    " every channel", n->alert_id, n->person);
		outbox_audit(ob, n, "unreachable", NULL, now);
		outbox_unreachable(ob, n->alert_id, n->person);
	}
}

/* A driver's outcome for one send: write it down, then look again. */
static void
outbox_done_cb(void *arg, const struct chan_result *r)
{
	struct outbox_send *s = arg;
	struct outbox *ob = s->ob;
	const struct conf_chan *cc;
	struct store_note *n;
	enum outbox_next next;
	int64_t now, delay;
	uint32_t rnd;
	char *cause = NULL;
	size_t i;

	if (ob == NULL || ob->closing) {
		if (ob != NULL) {
			TAILQ_REMOVE(&ob->sends, s, entry);
			ob->nsends--;
		}
		outbox_send_free(s);
		return;
	}
	TAILQ_REMOVE(&ob->sends, s, entry);
	ob->nsends--;
	now = clock_now_ms();
	cc = conf_chan_find(ob->conf, s->channel);
	if (store_begin(ob->store, &cause) != 0) {
		/* Rows stay "sending" and are sent again at start. */
		log_warnx("outbox: %s", cause);
		free(cause);
		outbox_send_free(s);
		return;
	}
	for (i = 0; i < s->n; i++) {
		n = &s->rows[i];
		n->attempt++;
		if (cc == NULL)
			next = OUTBOX_FAILOVER;
		else {
			hmac_random(&rnd, sizeof rnd);
			next = outbox_decide(cc, n->attempt, r, rnd, &delay);
		}
		if (r->provider_id != NULL) {
			free(n->provider_id);
			n->provider_id = xstrdup(r->provider_id);
		}
		switch (next) {
		case OUTBOX_DONE:
			log_info("outbox: alert %" PRId64 ": sent to %s by %s"
			    "%s%s", n->alert_id, n->person, n->channel,
			    r->provider_id != NULL ? ", id " : "",
			    r->provider_id != NULL ? r->provider_id : "");
			store_outbox_set(ob->store, n->id, "sent", n->attempt,
			    n->due_ms, r->provider_id, NULL, now, &cause);
			outbox_audit(ob, n, "notify.sent", NULL, now);
			break;
		case OUTBOX_RETRY:
			log_info("outbox: alert %" PRId64 ": %s to %s: %s;"
			    " retry in %" PRId64 " ms", n->alert_id, n->channel,
			    n->person, r->error != NULL ? r->error : "?",
			    delay);
			store_outbox_set(ob->store, n->id, "pending",
			    n->attempt, now + delay, NULL, r->error, now,
			    &cause);
			outbox_audit(ob, n, "notify.retry", r->error, now);
			break;
		case OUTBOX_FAILOVER:
			log_warnx("outbox: alert %" PRId64 ": %s to %s failed"
			    " after %d attempt%s: %s", n->alert_id, n->channel,
			    n->person, n->attempt, n->attempt == 1 ? "" : "s",
			    cc == NULL ? "channel no longer configured" :
			    r->error != NULL ? r->error : "?");
			store_outbox_set(ob->store, n->id, "failed", n->attempt,
			    n->due_ms, NULL, cc == NULL ? "channel no longer"
			    " configured" : r->error, now, &cause);
			outbox_audit(ob, n, "notify.failed", r->error, now);
			outbox_failover(ob, n, now);
			break;
		}
		if (cause != NULL) {
			log_warnx("outbox: %s", cause);
			free(cause);
			cause = NULL;
		}
	}
	if (store_commit(ob->store, &cause) != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
		store_rollback(ob->store);
	}
	outbox_send_free(s);
	outbox_kick(ob);
}

/* The public callback URLs, from http.public_url; NULL without one. */
static char *
outbox_url(const struct outbox *ob, const char *path)
{
	const char *base = ob->conf->http_public_url;
	char *u;
	size_t n;

	if (base == NULL)
		return NULL;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	xasprintf(&u, "%.*s%s", (int)n, base, path);
	return u;
}

/* Send rows[0..n) (one channel and address) as one message. */
static void
outbox_send(struct outbox *ob, const struct conf_chan *cc,
    struct store_note *rows, size_t n, int64_t now)
{
	struct outbox_send *s;
	struct chan_alert *alerts;
	struct chan_page pg;
	struct chan_result r;
	char id[64], *cause = NULL, *status = NULL, *gather = NULL, *q;
	const char *tok;
	size_t i, j, na = 0;

	s = xcalloc(1, sizeof *s);
	s->ob = ob;
	s->channel = xstrdup(rows[0].channel);
	s->address = xstrdup(rows[0].address);
	s->rows = xcalloc(n, sizeof *s->rows);
	memcpy(s->rows, rows, n * sizeof *rows);
	memset(rows, 0, n * sizeof *rows); /* moved */
	s->n = n;

	/* One entry per alert, even if two rows page about the same one;
	 * a note (alert 0) always goes alone (outbox_bundle). */
	alerts = xcalloc(n, sizeof *alerts);
	for (i = 0; i < n && s->rows[0].alert_id != 0; i++) {
		for (j = 0; j < na; j++)
			if (alerts[j].id == s->rows[i].alert_id)
				break;
		if (j < na)
			continue;
		alerts[na].id = s->rows[i].alert_id;
		alerts[na].priority = s->rows[i].priority;
		alerts[na].service = s->rows[i].service;
		alerts[na].summary = s->rows[i].summary;
		alerts[na].ack_url = s->rows[i].ack_url;
		na++;
	}
	if (cc->driver->kind == CHAN_SMS || cc->driver->kind == CHAN_VOICE) {
		if (cc->status_callback != NULL)
			status = xstrdup(cc->status_callback);
		else
			status = outbox_url(ob, cc->driver->kind == CHAN_SMS ?
			    "/hooks/sms/twilio/status" :
			    "/hooks/voice/twilio/status");
	}
	/* The keypress goes back under the page's own signed token (the
	 * last segment of its ack link): no link, no keypress.  A call
	 * about several alerts acts on all the person's open pages. */
	if (cc->driver->kind == CHAN_VOICE && na > 0 &&
	    alerts[0].ack_url != NULL &&
	    (tok = strrchr(alerts[0].ack_url, '/')) != NULL &&
	    tok[1] != '\0') {
		xasprintf(&q, "/hooks/voice/twilio/gather/%s%s", tok + 1,
		    na > 1 ? "?all=1" : "");
		gather = outbox_url(ob, q);
		free(q);
	}
	snprintf(id, sizeof id, "pagerd-n%" PRId64 "-%d", s->rows[0].id,
	    s->rows[0].attempt + 1);
	memset(&pg, 0, sizeof pg);
	pg.id = id;
	pg.to = s->address;
	pg.person = s->rows[0].person;
	pg.reason = s->rows[0].reason;
	pg.alerts = alerts;
	pg.nalerts = na;
	pg.note = na == 0 ? s->rows[0].body : NULL;
	pg.gather_url = gather;
	pg.status_url = status;
	pg.now_ms = now;

	TAILQ_INSERT_TAIL(&ob->sends, s, entry);
	ob->nsends++;
	outbox_rate_add(ob, s->channel, s->address, now);
	if (na == 0)
		log_debug("outbox: sending a note to %s by %s",
		    s->rows[0].person, s->channel);
	else
		log_debug("outbox: sending %zu alert%s to %s by %s", na,
		    na == 1 ? "" : "s", s->rows[0].person, s->channel);
	/* From here s belongs to the driver: done may even run at once. */
	if (chan_send(cc, &pg, outbox_done_cb, s, &cause) != 0) {
		memset(&r, 0, sizeof r);
		r.status = CHAN_FAIL;
		r.error = cause;
		r.retry_after_ms = -1;
		outbox_done_cb(s, &r);
		free(cause);
	}
	free(alerts);
	free(status);
	free(gather);
}

/* One bundle the timer decided to send: rows [i, i + k). */
struct outbox_plan {
	size_t i;
	size_t k;
	const struct conf_chan *cc;
};

/*
 * The timer: report the unreachable, then send what is due.  Every row
 * it touches (marked "sending", or put back for a rate limit) is
 * written in one transaction, then the sends start: one commit per
 * pass, however many pages are due, not one per page.
 */
static void
outbox_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *ob = arg;
	struct outbox_unreach *u;
	const struct conf_chan *cc;
	struct outbox_rate *rate;
	struct outbox_plan *plan = NULL;
	struct store_note *rows;
	size_t nrows, i, k, j, nplan = 0, p;
	int64_t now, next, later = -1;
	char *cause = NULL;

	while ((u = TAILQ_FIRST(&ob->unreach)) != NULL) {
		TAILQ_REMOVE(&ob->unreach, u, entry);
		if (ob->unreachable != NULL)
			ob->unreachable(u->alert_id, u->person,
			    ob->unreachable_arg);
		free(u->person);
		free(u);
	}
	if (ob->closing)
		return;
	now = clock_now_ms();
	if (store_outbox_due(ob->store, now, &rows, &nrows) != 0) {
		outbox_arm(ob, now + 1000, now); /* the store will be back */
		return;
	}
	if (nrows > 0 && store_begin(ob->store, &cause) != 0)
		goto fail;
	for (i = 0; i < nrows; i += k) {
		k = outbox_bundle(rows, nrows, i, nrows);
		/* one message in flight per address: busy, or planned
		 * (rows come sorted by channel and address) */
		if (outbox_busy(ob, rows[i].channel, rows[i].address) ||
		    (nplan > 0 && strcmp(rows[plan[nplan - 1].i].channel,
		    rows[i].channel) == 0 && strcmp(rows[plan[nplan - 1].i].
		    address, rows[i].address) == 0)) {
			/* Its completion kicks us; look again in a while. */
			if (later == -1 || now + 1000 < later)
				later = now + 1000;
			continue;
		}
		cc = conf_chan_find(ob->conf, rows[i].channel);
		if (cc != NULL) {
			rate = outbox_rate_find(ob, rows[i].channel,
			    rows[i].address, now);
			next = rate == NULL ? now : outbox_rate_next(rate->sent,
			    rate->n, cc->rate_limit, cc->rate_window_ms, now);
			if (next > now) {
				/* Over the limit: wait, gathering a bundle. */
				log_info("outbox: %s to %s is rate limited"
				    " for %" PRId64 " s", cc->name,
				    rows[i].person, (next - now + 999) / 1000);
				for (j = i; j < i + k; j++)
					if (store_outbox_set(ob->store,
					    rows[j].id, "pending",
					    rows[j].attempt, next, NULL, NULL,
					    now, &cause) != 0)
						goto rollback;
				continue;
			}
		}
		if (k > OUTBOX_BUNDLE_MAX)
			k = OUTBOX_BUNDLE_MAX;
		for (j = i; j < i + k; j++)
			if (store_outbox_set(ob->store, rows[j].id, "sending",
			    rows[j].attempt, rows[j].due_ms, NULL, NULL, now,
			    &cause) != 0)
				goto rollback;
		plan = xreallocarray(plan, nplan + 1, sizeof *plan);
		plan[nplan].i = i;
		plan[nplan].k = k;
		plan[nplan++].cc = cc;
	}
	if (nrows > 0 && store_commit(ob->store, &cause) != 0)
		goto rollback;
	for (p = 0; p < nplan; p++) {
		i = plan[p].i;
		k = plan[p].k;
		if (plan[p].cc == NULL) {
			struct chan_result r;
			struct outbox_send *s;

			/* Channel gone (reload): fail over at once. */
			memset(&r, 0, sizeof r);
			r.status = CHAN_FAIL;
			r.error = "channel no longer configured";
			r.retry_after_ms = -1;
			s = xcalloc(1, sizeof *s);
			s->ob = ob;
			s->channel = xstrdup(rows[i].channel);
			s->address = xstrdup(rows[i].address);
			s->rows = xcalloc(k, sizeof *s->rows);
			memcpy(s->rows, rows + i, k * sizeof *rows);
			memset(rows + i, 0, k * sizeof *rows);
			s->n = k;
			TAILQ_INSERT_TAIL(&ob->sends, s, entry);
			ob->nsends++;
			outbox_done_cb(s, &r);
			continue;
		}
		outbox_send(ob, plan[p].cc, rows + i, k, now);
	}
	free(plan);
	store_notes_free(rows, nrows);
	next = store_outbox_next_due(ob->store);
	if (later != -1 && (next == -1 || next <= now || later < next))
		next = later;
	if (next != -1)
		outbox_arm(ob, next, clock_now_ms());
	return;
rollback:
	/* nothing was sent: every row is as it was, try again soon */
	store_rollback(ob->store);
fail:
	log_warnx("outbox: %s", cause);
	free(cause);
	free(plan);
	store_notes_free(rows, nrows);
	outbox_arm(ob, now + 1000, now);
}

/*
 * A provider's delivery report (Twilio status callback) for message or
 * call pid: delivered, or failed (then fail over).  voice: a call, where
 * answered_by tells a machine from a human.  Unknown ids are ignored.
 */
int
outbox_report(struct outbox *ob, const char *kind, const char *pid,
    const char *status, const char *answered_by, char **cause)
{
	struct store_note *rows;
	enum outbox_report rep;
	size_t n, i;
	int64_t now = clock_now_ms();
	char err[128];

	rep = outbox_report_map(strcmp(kind, "voice") == 0, status,
	    answered_by, NULL);
	if (rep == OUTBOX_REPORT_NONE)
		return 0;
	if (store_outbox_by_provider(ob->store, pid, &rows, &n) != 0) {
		*cause = xstrdup("cannot read the outbox");
		return -1;
	}
	if (n == 0) {
		log_debug("outbox: report for unknown %s %s", kind, pid);
		free(rows);
		return 0;
	}
	if (store_begin(ob->store, cause) != 0) {
		store_notes_free(rows, n);
		return -1;
	}
	if (answered_by != NULL && rep == OUTBOX_REPORT_FAILED &&
	    strcmp(status, "completed") == 0)
		snprintf(err, sizeof err, "answered by %s", answered_by);
	else
		snprintf(err, sizeof err, "provider reports %s", status);
	for (i = 0; i < n; i++) {
		/* Only once, and only for what we think went out. */
		if (strcmp(rows[i].state, "sent") != 0)
			continue;
		if (rep == OUTBOX_REPORT_DELIVERED) {
			store_outbox_set(ob->store, rows[i].id, "delivered",
			    rows[i].attempt, rows[i].due_ms, NULL, NULL, now,
			    NULL);
			outbox_audit(ob, &rows[i], "notify.delivered", NULL,
			    now);
		} else {
			store_outbox_set(ob->store, rows[i].id, "failed",
			    rows[i].attempt, rows[i].due_ms, NULL, err, now,
			    NULL);
			outbox_audit(ob, &rows[i], "notify.failed", err, now);
			log_warnx("outbox: alert %" PRId64 ": %s to %s: %s",
			    rows[i].alert_id, rows[i].channel,
			    rows[i].person, err);
			outbox_failover(ob, &rows[i], now);
		}
	}
	store_notes_free(rows, n);
	if (store_commit(ob->store, cause) != 0) {
		store_rollback(ob->store);
		return -1;
	}
	outbox_kick(ob);
	return 0;
}

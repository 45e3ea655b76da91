/* SPDX-License-Identifier: ISC */
/*
 * outbox.c: the notification outbox on the loop.  outbox_page() writes
 * one row per notification rule inside the caller's transaction (so a
 * page is durable before anything is sent); one timer then sends the
 * rows as they fall due, grouped per channel and address (bundling),
 * within each address's rate limit.  Messages start once the pass that
 * marked their rows "sending" is on disk.  Outcomes are written back by
 * the next pass, in its transaction, with an audit event each: sent,
 * retry (backoff
 * with jitter, Retry-After honoured), failed (then the person's next
 * step is brought forward at once), unreachable (every step failed).
 * Sends are at-least-once: rows left "sending" by a crash go out again.
 *
 * One message at a time goes to an address.  The first page to an idle
 * address leaves at once; whatever falls due for it while a message is
 * in flight, or while its rate limit holds it back, goes out next as one
 * digest carrying every alert waiting, each with its own event (page,
 * reminder, acknowledged by X, ...).  A digest is cut to the channel's
 * limits when rendered (chan-msg.c, "+N more"), never in the store:
 * every row it carries is recorded as sent to that person.
 *
 * A pass costs what it sends, not the backlog.  The send index
 * (outbox-index.c, pure) keeps, per channel and address, its message in
 * flight (one at a time), its rate history, and when its earliest
 * pending row falls due, in a hash table and a queue ordered by that
 * instant, holding the addresses with nothing in flight.  The store
 * stays the truth: whatever may change an
 * address's rows (a page, an outcome, a failover, a rate limit) only
 * marks it to be read again, one index lookup; a pass then takes the
 * due addresses off the queue, oldest first, and reads at most one
 * bundle of rows of each.  10,000 pages queued for one person, or rows
 * waiting for later steps of thousands, cost a pass nothing; a page to
 * someone else goes out at the next pass.  Every minute, and at start,
 * the queue is rebuilt from the store (a lookup per address).
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
#include "outbox-index.h"
#include "people.h"
#include "store.h"
#include "xmalloc.h"

/*
 * At most this many rows go out in one digest, the rest in the next:
 * each row costs its writes on the loop (sending, then its outcome and
 * audit, about 15 us), so a digest must not hold the loop long enough
 * to delay someone else's page.  256 rows a round trip is far more than
 * a storm puts on one address meanwhile (a provider answering in 50 ms
 * drains 5,000 alerts a second).  On a rate-limited channel a message
 * is scarce, so the next allowed one carries (nearly) all that waits.
 */
#define OUTBOX_DIGEST_MAX 256
#define OUTBOX_DIGEST_LIMITED 10000

/*
 * At most this many addresses are served (a message started, or rows put
 * off for a rate limit) in one pass; if more are due, the next pass runs
 * as soon as the loop has turned, so intake and transfers go on between
 * them and the first page of a backlog leaves at once.
 */
#define OUTBOX_PASS_MAX 64

/* How often the queue is rebuilt from the store, in case. */
#define OUTBOX_REBUILD_MS (60 * INT64_C(1000))

/* Default rules for a person who has none: chat and mail, SMS, voice. */
static const struct outbox_rule outbox_default_rules[] = {
	{ "chat", 0 },
	{ "email", 0 },
	{ "sms", 60 * 1000 },
	{ "voice", 3 * 60 * 1000 },
};

/* One message in flight: the rows it carries. */
struct outbox_send {
	struct outbox *ob;
	struct outbox_addr *addr; /* NULL once the outbox is gone */
	char *channel;
	char *address;
	struct store_note *rows; /* owned */
	size_t n;
	int64_t started; /* when it was handed to the driver */
	struct chan_result res; /* the outcome, once done (copied) */
	char *res_error;
	char *res_pid;
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
	struct outbox_index idx; /* the addresses: hash, queue, rates */
	int64_t rebuild_at; /* next rebuild of the queue (0: now) */
	TAILQ_HEAD(, outbox_send) sends;
	TAILQ_HEAD(, outbox_send) done; /* outcomes not yet written */
	struct event flush; /* kicks a pass to write them */
	TAILQ_HEAD(, outbox_unreach) unreach;
	size_t nsends;
};

static void outbox_timer_cb(evutil_socket_t, short, void *);
static void outbox_flush_cb(evutil_socket_t, short, void *);
static void outbox_flush(struct outbox *);
static void outbox_arm(struct outbox *, int64_t, int64_t);
static void outbox_touch(struct outbox *, const char *, const char *);

struct outbox *
outbox_new(struct event_base *base, struct store *store, const struct conf *c)
{
	struct outbox *ob;

	ob = xcalloc(1, sizeof *ob);
	ob->base = base;
	ob->store = store;
	ob->conf = c;
	outbox_index_init(&ob->idx);
	TAILQ_INIT(&ob->sends);
	TAILQ_INIT(&ob->done);
	TAILQ_INIT(&ob->unreach);
	evtimer_assign(&ob->timer, base, outbox_timer_cb, ob);
	event_assign(&ob->flush, base, -1, 0, outbox_flush_cb, ob);
	return ob;
}

/*
 * Stop sending: outcomes already in are written first (a page that went
 * out must not go again at the next start); outcomes that arrive after
 * this (xfer_shutdown reports every transfer it abandons) are dropped,
 * their rows stay "sending" and go out again at the next start.
 */
void
outbox_close(struct outbox *ob)
{
	outbox_flush(ob);
	ob->closing = 1;
	evtimer_del(&ob->timer);
	event_del(&ob->flush);
	/* messages waiting for their sync are dropped (outbox_durable_cb) */
	store_sync_wait(ob->store);
}

static void
outbox_send_free(struct outbox_send *s)
{
	store_notes_free(s->rows, s->n);
	free(s->channel);
	free(s->address);
	free(s->res_error);
	free(s->res_pid);
	free(s);
}

void
outbox_free(struct outbox *ob)
{
	struct outbox_send *s;
	struct outbox_unreach *u;

	if (ob == NULL)
		return;
	evtimer_del(&ob->timer);
	event_del(&ob->flush);
	while ((s = TAILQ_FIRST(&ob->done)) != NULL) {
		TAILQ_REMOVE(&ob->done, s, entry);
		outbox_send_free(s); /* rows stay "sending": sent at start */
	}
	/* Sends still out belong to their transfers: detach them. */
	TAILQ_FOREACH(s, &ob->sends, entry) {
		s->ob = NULL;
		s->addr = NULL;
	}
	outbox_index_free(&ob->idx);
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

/*
 * The audit detail last written for a row of the message being settled:
 * the rows of one digest mostly share it, and building it with jansson
 * for each of them was a good part of what a page cost the loop.
 */
struct outbox_memo {
	const struct store_note *n;
	const char *kind;
	const char *error;
	char *detail;
};

/* Can the detail written for m->n stand for n too? */
static int
outbox_memo_fits(const struct outbox_memo *m, const struct store_note *n,
    const char *kind, const char *error)
{
	const struct store_note *o = m->n;

	return o != NULL && m->detail != NULL && strcmp(m->kind, kind) == 0 &&
	    (m->error == error || (m->error != NULL && error != NULL &&
	    strcmp(m->error, error) == 0)) &&
	    strcmp(o->person, n->person) == 0 &&
	    strcmp(o->channel, n->channel) == 0 &&
	    strcmp(o->address, n->address) == 0 &&
	    o->attempt == n->attempt && o->step == n->step &&
	    (o->provider_id == n->provider_id || (o->provider_id != NULL &&
	    n->provider_id != NULL &&
	    strcmp(o->provider_id, n->provider_id) == 0));
}

/* Audit event kind for row n; memo (or NULL) carries its detail on. */
static void
outbox_audit(struct outbox *ob, const struct store_note *n, const char *kind,
    const char *error, int64_t now, struct outbox_memo *memo)
{
	char *detail = NULL, *cause = NULL;
	json_t *j;

	if (memo != NULL && outbox_memo_fits(memo, n, kind, error))
		detail = memo->detail;
	else {
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
		if (memo != NULL) {
			free(memo->detail);
			memo->n = n;
			memo->kind = kind;
			memo->error = error;
			memo->detail = detail;
		}
	}
	if (store_event_add(ob->store, n->alert_id, now, "outbox", kind, detail,
	    &cause) != 0) {
		log_warnx("outbox: audit: %s", cause);
		free(cause);
	}
	if (memo == NULL)
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
		if (store_event_add(ob->store, p->alert_id, now, "outbox",
		    "unreachable", NULL, cause) != 0)
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
outbox_touch_addr(struct outbox *ob, struct outbox_addr *a)
{
	outbox_index_touch(&ob->idx, a);
}

static void
outbox_touch(struct outbox *ob, const char *channel, const char *address)
{
	outbox_index_touch(&ob->idx, outbox_index_get(&ob->idx, channel,
	    address));
}

/*
 * Queue a by its earliest pending row, read from the store (one index
 * lookup), or take it off the queue if it has none or a message in
 * flight (outbox_index_place).
 */
static int
outbox_refresh(struct outbox *ob, struct outbox_addr *a)
{
	int64_t due = 0;
	int rc = 0;

	if (a->send == NULL && (rc = store_outbox_head(ob->store, a->channel,
	    a->address, &due)) == -1)
		return -1;
	outbox_index_place(&ob->idx, a, rc == 1, due);
	return 0;
}

/* Read again every address touched since the last pass. */
static int
outbox_refresh_dirty(struct outbox *ob)
{
	struct outbox_addr *a;

	while ((a = outbox_index_dirty(&ob->idx)) != NULL) {
		if (outbox_refresh(ob, a) != 0)
			return -1; /* a stays first on the list */
		outbox_index_clean(&ob->idx, a);
	}
	return 0;
}

/*
 * Rebuild the queue from the store: every address with pending rows, by
 * a walk of the queue index (one or two lookups per address, however
 * many rows each has).  At start, and every OUTBOX_REBUILD_MS in case.
 */
static int
outbox_rebuild(struct outbox *ob)
{
	struct store_outbox_head h, prev;
	struct outbox_addr *a;
	int rc;

	outbox_index_reset(&ob->idx);
	memset(&prev, 0, sizeof prev);
	for (;;) {
		rc = store_outbox_next_head(ob->store, prev.channel,
		    prev.address, &h);
		store_outbox_head_clear(&prev);
		if (rc != 1)
			break;
		a = outbox_index_get(&ob->idx, h.channel, h.address);
		outbox_index_place(&ob->idx, a, 1, h.due_ms);
		prev = h;
	}
	return rc;
}

static void
outbox_resume_rate_cb(const char *channel, const char *address, int64_t at,
    void *arg)
{
	struct outbox *ob = arg;

	if (channel != NULL && address != NULL)
		outbox_index_sent(outbox_index_get(&ob->idx, channel, address),
		    at);
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
	if (store_outbox_recent(ob->store, now - OUTBOX_DAY_MS,
	    outbox_resume_rate_cb, ob) != 0) {
		*cause = xstrdup("outbox: cannot read recent sends");
		return -1;
	}
	outbox_kick(ob);
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
	struct store_outbox_head h;
	int64_t next;

	if (n->alert_id == 0 || !notify_event_is_page(n->event)) {
		/* A note or a notice has one step and escalates nothing. */
		log_warnx("outbox: %s to %s (%s) could not be delivered by"
		    " %s", notify_event_name(n->event), n->person,
		    n->reason != NULL ? n->reason : "note", n->channel);
		return;
	}
	next = store_outbox_failover(ob->store, n->alert_id, n->person,
	    n->step, now, &h);
	if (next > 0) {
		outbox_touch(ob, h.channel, h.address);
		store_outbox_head_clear(&h);
		log_info("outbox: alert %" PRId64 ": %s: %s failed, failing"
		    " over to the next channel", n->alert_id, n->person,
		    n->channel);
		return;
	}
	if (next == 0 && store_outbox_live(ob->store, n->alert_id,
	    n->person) == 0) {
		log_warnx("outbox: alert %" PRId64 ": %s is unreachable on"
		    " every channel", n->alert_id, n->person);
		outbox_audit(ob, n, "unreachable", NULL, now, NULL);
		outbox_unreachable(ob, n->alert_id, n->person);
	}
}

/*
 * Message s is no longer in flight: off the list, its address free and
 * read again.  A rate limit counts messages that went out (sent), not
 * attempts a provider refused (a gateway down) or that never started.
 */
static void
outbox_send_detach(struct outbox_send *s, int sent)
{
	struct outbox *ob = s->ob;

	if (ob == NULL)
		return;
	TAILQ_REMOVE(&ob->sends, s, entry);
	ob->nsends--;
	if (s->addr != NULL && s->addr->send == s) {
		s->addr->send = NULL;
		if (sent && s->started > 0)
			outbox_index_sent(s->addr, s->started);
		outbox_touch_addr(ob, s->addr);
	}
}

/*
 * A driver's outcome for one send: the address is free again at once;
 * the outcome is kept and written with the others by the next pass, in
 * its transaction (outbox_timer_cb), or at close (outbox_flush).
 */
static void
outbox_done_cb(void *arg, const struct chan_result *r)
{
	struct outbox_send *s = arg;
	struct outbox *ob = s->ob;

	outbox_send_detach(s, r->status == CHAN_SENT);
	if (ob == NULL || ob->closing) {
		outbox_send_free(s);
		return;
	}
	s->res = *r;
	s->res_error = r->error != NULL ? xstrdup(r->error) : NULL;
	s->res_pid = r->provider_id != NULL ? xstrdup(r->provider_id) : NULL;
	s->res.error = s->res_error;
	s->res.provider_id = s->res_pid;
	TAILQ_INSERT_TAIL(&ob->done, s, entry);
	if (!event_pending(&ob->flush, EV_TIMEOUT, NULL))
		event_active(&ob->flush, EV_TIMEOUT, 1);
}

/* Write the outcome of one send (inside the caller's transaction). */
static void
outbox_outcome(struct outbox *ob, struct outbox_send *s, int64_t now)
{
	const struct chan_result *r = &s->res;
	const struct conf_chan *cc;
	struct store_outbox_change ch;
	struct store_note *n;
	struct outbox_memo memo = { NULL, NULL, NULL, NULL };
	enum outbox_next next;
	int64_t delay;
	uint32_t rnd;
	char *cause = NULL;
	size_t i, nsent = 0;

	cc = conf_chan_find(ob->conf, s->channel);
	/* One jitter per message, so its rows retry together as one; a
	 * message that went out needs none. */
	rnd = 0;
	if (s->res.status != CHAN_SENT)
		hmac_random(&rnd, sizeof rnd);
	for (i = 0; i < s->n; i++) {
		n = &s->rows[i];
		n->attempt++;
		if (cc == NULL)
			next = OUTBOX_FAILOVER;
		else
			next = outbox_decide(cc, n->attempt, r, rnd, &delay);
		if (r->provider_id != NULL) {
			free(n->provider_id);
			n->provider_id = xstrdup(r->provider_id);
		}
		memset(&ch, 0, sizeof ch);
		ch.id = n->id;
		ch.attempt = n->attempt;
		ch.due_ms = n->due_ms;
		switch (next) {
		case OUTBOX_DONE:
			/* A digest is logged once, below. */
			if (s->n == 1)
				log_info("outbox: alert %" PRId64 ": sent to %s"
				    " by %s%s%s", n->alert_id, n->person,
				    n->channel, r->provider_id != NULL ?
				    ", id " : "", r->provider_id != NULL ?
				    r->provider_id : "");
			nsent++;
			ch.state = NOTIFY_SENT;
			ch.provider_id = r->provider_id;
			store_outbox_set(ob->store, &ch, now, &cause);
			outbox_audit(ob, n, "notify.sent", NULL, now, &memo);
			break;
		case OUTBOX_RETRY:
			log_info("outbox: alert %" PRId64 ": %s to %s: %s;"
			    " retry in %" PRId64 " ms", n->alert_id, n->channel,
			    n->person, r->error != NULL ? r->error : "?",
			    delay);
			ch.state = NOTIFY_PENDING;
			ch.due_ms = now + delay;
			ch.error = r->error;
			store_outbox_set(ob->store, &ch, now, &cause);
			outbox_audit(ob, n, "notify.retry", r->error, now,
			    &memo);
			break;
		case OUTBOX_FAILOVER:
			log_warnx("outbox: alert %" PRId64 ": %s to %s failed"
			    " after %d attempt%s: %s", n->alert_id, n->channel,
			    n->person, n->attempt, n->attempt == 1 ? "" : "s",
			    cc == NULL ? "channel no longer configured" :
			    r->error != NULL ? r->error : "?");
			ch.state = NOTIFY_FAILED;
			ch.error = cc == NULL ? "channel no longer configured" :
			    r->error;
			store_outbox_set(ob->store, &ch, now, &cause);
			outbox_audit(ob, n, "notify.failed", r->error, now,
			    &memo);
			outbox_failover(ob, n, now);
			break;
		}
		if (cause != NULL) {
			log_warnx("outbox: %s", cause);
			free(cause);
			cause = NULL;
		}
	}
	free(memo.detail);
	if (s->n > 1 && nsent > 0)
		log_info("outbox: %zu alert%s (a digest of %zu) sent to %s by"
		    " %s%s%s", nsent, nsent == 1 ? "" : "s", s->n,
		    s->rows[0].person, s->channel, r->provider_id != NULL ?
		    ", id " : "", r->provider_id != NULL ? r->provider_id : "");
	/* A retry's row is pending again, and its address had been read
	 * before the row was: read the address again. */
	outbox_touch(ob, s->channel, s->address);
}

/*
 * Write every outcome in ob->done in one transaction, at close.  If the
 * store fails, their rows stay "sending" and go out again at the next
 * start.
 */
static void
outbox_flush(struct outbox *ob)
{
	struct outbox_send *s;
	char *cause = NULL;
	int64_t now;
	int ok;

	if (TAILQ_EMPTY(&ob->done) || ob->closing)
		return;
	now = clock_now_ms();
	ok = store_begin(ob->store, &cause) == 0;
	/* nothing waits on these outcomes: at worst (a power cut before
	 * the next sync) a page goes out once more, as after a crash */
	if (!ok) {
		log_warnx("outbox: %s", cause);
		free(cause);
		cause = NULL;
	}
	while ((s = TAILQ_FIRST(&ob->done)) != NULL) {
		TAILQ_REMOVE(&ob->done, s, entry);
		if (ok)
			outbox_outcome(ob, s, now);
		outbox_send_free(s);
	}
	if (ok && store_commit_async(ob->store, NULL, NULL, &cause) != 0) {
		log_warnx("outbox: %s", cause);
		free(cause);
		store_rollback(ob->store);
	}
	outbox_kick(ob);
}

/*
 * Outcomes came in: the next pass writes them in the transaction that
 * also starts what their addresses have next (one commit, not two).
 */
static void
outbox_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *ob = arg;

	if (!TAILQ_EMPTY(&ob->done) && !ob->closing)
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

/*
 * A message of rows[0..n) (one channel and address, moved into it) now
 * in flight: its address is busy until outbox_done_cb.
 */
static struct outbox_send *
outbox_send_new(struct outbox *ob, struct store_note *rows, size_t n)
{
	struct outbox_send *s;

	s = xcalloc(1, sizeof *s);
	s->ob = ob;
	s->channel = xstrdup(rows[0].channel);
	s->address = xstrdup(rows[0].address);
	s->rows = xcalloc(n, sizeof *s->rows);
	memcpy(s->rows, rows, n * sizeof *rows);
	memset(rows, 0, n * sizeof *rows); /* moved */
	s->n = n;
	s->addr = outbox_index_get(&ob->idx, s->channel, s->address);
	s->addr->send = s;
	TAILQ_INSERT_TAIL(&ob->sends, s, entry);
	ob->nsends++;
	return s;
}

/* Hand message s (its rows on disk) to the driver of channel cc. */
static void
outbox_send_start(struct outbox *ob, const struct conf_chan *cc,
    struct outbox_send *s, int64_t now)
{
	struct chan_alert *alerts, *first = NULL;
	struct store_note *r0;
	struct chan_page pg;
	struct chan_result r;
	char id[64], *cause = NULL, *status = NULL, *gather = NULL, *q;
	char *more;
	const char *tok, *reason;
	size_t i, j, n = s->n, na = 0, npage = 0;

	/*
	 * One entry per alert and event, even if two rows tell the same
	 * (two rules of the person on one channel); each keeps its own
	 * event, stage and reason.  An ack link only where the event asks
	 * to act.  A note (alert 0) always goes alone (outbox_bundle).
	 */
	alerts = xcalloc(n, sizeof *alerts);
	for (i = 0; i < n && s->rows[0].alert_id != 0; i++) {
		r0 = &s->rows[i];
		for (j = 0; j < na; j++)
			if (alerts[j].id == r0->alert_id &&
			    alerts[j].event == r0->event &&
			    alerts[j].stage == r0->stage)
				break;
		if (j < na)
			continue;
		alerts[na].id = r0->alert_id;
		alerts[na].priority = r0->priority;
		alerts[na].service = r0->service;
		alerts[na].summary = r0->summary;
		alerts[na].created_ms = r0->alert_created_ms;
		alerts[na].links = r0->links;
		alerts[na].client = r0->client;
		alerts[na].client_url = r0->client_url;
		alerts[na].event = r0->event;
		alerts[na].stage = r0->stage;
		alerts[na].reason = r0->reason;
		if (notify_event_is_page(r0->event)) {
			alerts[na].ack_url = r0->ack_url;
			if (r0->ack_url != NULL && first == NULL)
				first = &alerts[na];
			npage++;
		}
		na++;
	}
	/* The message's reason: its entries' own, when they share one. */
	reason = s->rows[0].reason;
	for (j = 1; j < na && reason != NULL; j++)
		if (alerts[j].reason == NULL ||
		    strcmp(alerts[j].reason, reason) != 0)
			reason = NULL;
	if (cc->driver->kind == CHAN_SMS || cc->driver->kind == CHAN_VOICE) {
		if (cc->status_callback != NULL)
			status = xstrdup(cc->status_callback);
		else
			status = outbox_url(ob, cc->driver->kind == CHAN_SMS ?
			    "/hooks/sms/twilio/status" :
			    "/hooks/voice/twilio/status");
	}
	/* The keypress goes back under the signed token of the first page
	 * (the last segment of its ack link): no link, no keypress.  A
	 * call about several alerts acts on all the person's open pages. */
	if (cc->driver->kind == CHAN_VOICE && first != NULL &&
	    (tok = strrchr(first->ack_url, '/')) != NULL && tok[1] != '\0') {
		xasprintf(&q, "/hooks/voice/twilio/gather/%s%s", tok + 1,
		    npage > 1 ? "?all=1" : "");
		gather = outbox_url(ob, q);
		free(q);
	}
	snprintf(id, sizeof id, "pagerd-n%" PRId64 "-%d", s->rows[0].id,
	    s->rows[0].attempt + 1);
	memset(&pg, 0, sizeof pg);
	pg.id = id;
	pg.to = s->address;
	pg.person = s->rows[0].person;
	pg.reason = na == 0 ? s->rows[0].reason : reason;
	pg.alerts = alerts;
	pg.nalerts = na;
	pg.note = na == 0 ? s->rows[0].body : NULL;
	pg.more_url = more = outbox_url(ob, "/");
	pg.gather_url = gather;
	pg.status_url = status;
	pg.now_ms = now;

	s->started = now;
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
	free(more);
}

/* The messages of one pass, waiting for its transaction's sync. */
struct outbox_wait {
	struct outbox_send *v[OUTBOX_PASS_MAX];
	size_t n;
};

/* A message that will not start: its address is free again. */
static void
outbox_send_drop(struct outbox_send *s)
{
	outbox_send_detach(s, 0);
	outbox_send_free(s);
}

/*
 * A pass's transaction is on disk (ok 0): start its messages.  So no
 * page goes out about an alert that a power cut could still take back
 * (its rows were committed before the pass's, and the sync covers
 * both).  If the sync failed, or the outbox is closing, the messages do
 * not start: their rows stay "sending" and go out at the next start.
 */
static void
outbox_durable_cb(void *arg, int ok)
{
	struct outbox_wait *w = arg;
	struct outbox_send *s;
	struct outbox *ob;
	const struct conf_chan *cc;
	struct chan_result r;
	size_t i;

	for (i = 0; i < w->n; i++) {
		s = w->v[i];
		ob = s->ob;
		if (ob == NULL || ob->closing || ok != 0) {
			outbox_send_drop(s);
			continue;
		}
		/* the config may have been reloaded meanwhile */
		if ((cc = conf_chan_find(ob->conf, s->channel)) == NULL) {
			/* Channel gone (reload): fail over at once. */
			memset(&r, 0, sizeof r);
			r.status = CHAN_FAIL;
			r.error = "channel no longer configured";
			r.retry_after_ms = -1;
			outbox_done_cb(s, &r);
		} else
			outbox_send_start(ob, cc, s, clock_now_ms());
	}
	free(w);
}

/* One address a pass serves: a message, or rows put off. */
struct outbox_plan {
	struct outbox_addr *a;
	const struct conf_chan *cc; /* NULL: the channel is gone */
	struct store_note *rows; /* the first due ones, oldest first */
	size_t n;
	size_t k; /* rows in the message; 0: none (put off) */
};

/*
 * The timer: report the unreachable, read again the addresses touched
 * since the last pass, then serve up to OUTBOX_PASS_MAX due ones off the
 * queue, oldest first.  Every row it touches (marked "sending", or put
 * off for a rate limit) is written in one transaction, then the sends
 * start: one commit per pass, however many pages are due.
 */
static void
outbox_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *ob = arg;
	struct outbox_unreach *u;
	struct outbox_plan plan[OUTBOX_PASS_MAX], *p;
	struct store_outbox_change ch;
	struct outbox_wait *w = NULL;
	struct outbox_send *s;
	struct outbox_addr *a;
	int64_t now, next, wake;
	char *cause = NULL;
	size_t nplan = 0, i, j;
	int rc, intxn = 0;

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
	memset(plan, 0, sizeof plan);
	/* outcomes that came in since the last pass (see outbox_flush) */
	if (!TAILQ_EMPTY(&ob->done)) {
		if (store_begin(ob->store, &cause) != 0)
			goto fail;
		intxn = 1;
		while ((s = TAILQ_FIRST(&ob->done)) != NULL) {
			TAILQ_REMOVE(&ob->done, s, entry);
			outbox_outcome(ob, s, now);
			outbox_send_free(s);
		}
	}
	if (now >= ob->rebuild_at) {
		rc = outbox_rebuild(ob);
		if (rc == 0)
			ob->rebuild_at = now + OUTBOX_REBUILD_MS;
	} else
		rc = outbox_refresh_dirty(ob);
	if (rc != 0) {
		/* the store will be back */
		if (intxn && store_commit_async(ob->store, NULL, NULL,
		    &cause) != 0)
			goto rollback;
		outbox_arm(ob, now + 1000, now);
		return;
	}
	while (nplan < OUTBOX_PASS_MAX &&
	    ob->nsends + nplan < OUTBOX_SENDS_MAX &&
	    (a = outbox_index_pop(&ob->idx, now)) != NULL)
		plan[nplan++].a = a;

	if (nplan > 0 && !intxn) {
		if (store_begin(ob->store, &cause) != 0)
			goto fail;
		intxn = 1;
	}
	for (i = 0; i < nplan; i++) {
		p = &plan[i];
		a = p->a;
		p->cc = conf_chan_find(ob->conf, a->channel);
		if (store_outbox_queue(ob->store, a->channel, a->address, now,
		    p->cc != NULL && p->cc->rate_limit > 0 ?
		    OUTBOX_DIGEST_LIMITED : OUTBOX_DIGEST_MAX, &p->rows,
		    &p->n) != 0) {
			cause = xstrdup("cannot read the outbox");
			goto rollback;
		}
		if (p->n == 0) {
			outbox_touch_addr(ob, a); /* cancelled meanwhile */
			continue;
		}
		if (p->cc != NULL) {
			next = outbox_index_rate(p->cc, a, now);
			if (next > now) {
				/* Over the limit: wait, gathering a bundle. */
				log_info("outbox: %s to %s is rate limited"
				    " for %" PRId64 " s", p->cc->name,
				    p->rows[0].person,
				    (next - now + 999) / 1000);
				if (store_outbox_defer(ob->store, a->channel,
				    a->address, now, next, &cause) != 0)
					goto rollback;
				outbox_touch_addr(ob, a);
				continue;
			}
		}
		/* One message: a digest of all that is due, or a note
		 * alone. */
		p->k = outbox_bundle(p->rows, p->n, 0, p->n);
		for (j = 0; j < p->k; j++) {
			memset(&ch, 0, sizeof ch);
			ch.id = p->rows[j].id;
			ch.state = NOTIFY_SENDING;
			ch.attempt = p->rows[j].attempt;
			ch.due_ms = p->rows[j].due_ms;
			if (store_outbox_set(ob->store, &ch, now, &cause) != 0)
				goto rollback;
		}
	}
	if (!intxn)
		goto arm;

	/* The messages: their addresses are busy from here on. */
	if (nplan > 0)
		w = xcalloc(1, sizeof *w);
	for (i = 0; i < nplan; i++) {
		p = &plan[i];
		if (p->k > 0)
			w->v[w->n++] = outbox_send_new(ob, p->rows, p->k);
		store_notes_free(p->rows, p->n); /* what was not moved */
		p->rows = NULL;
		p->n = 0;
	}
	/* the messages start once this is on disk (outbox_durable_cb),
	 * maybe before store_commit_async() returns */
	if (store_commit_async(ob->store, w != NULL ? outbox_durable_cb : NULL,
	    w, &cause) != 0) {
		for (i = 0; w != NULL && i < w->n; i++)
			outbox_send_drop(w->v[i]);
		free(w);
		goto rollback;
	}

arm:
	/*
	 * Arm for what comes next: the next address falling due, the next
	 * rebuild, or, if due addresses are left for another pass, a
	 * millisecond (not 0: a pass re-armed at once every turn of the
	 * loop kept curl's own timer from firing, so none of 10,000 queued
	 * pages left before all were started).  A send done at once has
	 * kicked the outbox already: keep that.
	 */
	wake = ob->rebuild_at;
	if (outbox_refresh_dirty(ob) != 0)
		wake = now + 1000;
	/* as many in flight as may be: a send's outcome kicks the outbox */
	if (outbox_index_next(&ob->idx) < wake &&
	    ob->nsends < OUTBOX_SENDS_MAX)
		wake = outbox_index_next(&ob->idx);
	if (wake <= now)
		wake = now + 1;
	if (!evtimer_pending(&ob->timer, NULL))
		outbox_arm(ob, wake, now);
	return;
rollback:
	/* nothing was sent: every row is as it was (those of outcomes
	 * written in this transaction stay "sending", to go out again at
	 * the next start, as when outbox_flush fails); try again soon */
	store_rollback(ob->store);
fail:
	log_warnx("outbox: %s", cause);
	free(cause);
	for (i = 0; i < nplan; i++) {
		store_notes_free(plan[i].rows, plan[i].n);
		outbox_touch_addr(ob, plan[i].a);
	}
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
	struct outbox_memo memo = { NULL, NULL, NULL, NULL };
	struct store_outbox_change ch;
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
		if (rows[i].state != NOTIFY_SENT)
			continue;
		memset(&ch, 0, sizeof ch);
		ch.id = rows[i].id;
		ch.attempt = rows[i].attempt;
		ch.due_ms = rows[i].due_ms;
		if (rep == OUTBOX_REPORT_DELIVERED) {
			ch.state = NOTIFY_DELIVERED;
			store_outbox_set(ob->store, &ch, now, NULL);
			outbox_audit(ob, &rows[i], "notify.delivered", NULL,
			    now, &memo);
		} else {
			ch.state = NOTIFY_FAILED;
			ch.error = err;
			store_outbox_set(ob->store, &ch, now, NULL);
			outbox_audit(ob, &rows[i], "notify.failed", err, now,
			    &memo);
			log_warnx("outbox: alert %" PRId64 ": %s to %s: %s",
			    rows[i].alert_id, rows[i].channel,
			    rows[i].person, err);
			outbox_failover(ob, &rows[i], now);
		}
	}
	free(memo.detail);
	store_notes_free(rows, n);
	if (store_commit(ob->store, cause) != 0) {
		store_rollback(ob->store);
		return -1;
	}
	outbox_kick(ob);
	return 0;
}

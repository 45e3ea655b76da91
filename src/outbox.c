/* SPDX-License-Identifier: ISC */
/*
 * outbox.c: the notification outbox on the loop.  outbox_page() writes
 * one row per notification rule inside the caller's transaction (so a
 * page is durable before anything is sent); one timer then sends the
 * rows as they fall due, grouped per channel and address (bundling),
 * within each address's rate limit.  Messages start once the pass that
 * marked their rows "sending" (one row of the sends table per message,
 * no notification row written: store-outbox.c) is on disk.  On SQLite a
 * pass joins the transaction of intake's group commit when one is about
 * to commit (outbox_join): the alerts, their pages and the messages
 * that start them on disk with one COMMIT and one sync.  Outcomes are
 * written back by the next pass, in its transaction, with an audit
 * event each: sent, retry (backoff with jitter, Retry-After honoured),
 * failed (then the person's next step is brought forward at once),
 * unreachable (every step failed).
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
 *
 * A page's later rules (SMS after a minute, ...) are rows only once
 * they fall due: each pass turns those due into rows (outbox-page.c,
 * one index lookup when none is), and the timer wakes for the next.
 *
 * This file is the loop and the state; outbox-page.c writes the rows of
 * a page, outbox-send.c builds a message and hands it to its driver,
 * outbox-outcome.c writes back what became of it.
 */
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "clock.h"
#include "conf.h"
#include "durable.h"
#include "log.h"
#include "outbox.h"
#include "outbox-private.h"
#include "outbox-index.h"
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


static void outbox_timer_cb(evutil_socket_t, short, void *);
static int outbox_pass(struct outbox *);
static void outbox_flush_cb(evutil_socket_t, short, void *);
static void outbox_flush(struct outbox *);
static void outbox_arm(struct outbox *, int64_t, int64_t);

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

/*
 * SQLite: pending(arg) says a batch of intake is about to commit; the
 * timer then leaves its pass to that batch (outbox_join).
 */
void
outbox_set_join(struct outbox *ob, int (*pending)(void *), void *arg)
{
	ob->join_pending = pending;
	ob->join_arg = arg;
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
 * Rebuild the queue from the store at the next pass: a commit whose
 * outcome reached no outbox (a stand-down, a lost connection) may have
 * stored rows no address was touched for.
 */
void
outbox_rebuild_soon(struct outbox *ob)
{
	ob->rebuild_at = 0;
	outbox_kick(ob);
}

/* Queue an unreachable report for the loop (never from inside a txn). */
void
outbox_unreachable(struct outbox *ob, int64_t alert_id, const char *person)
{
	struct outbox_unreach *u;

	u = xcalloc(1, sizeof *u);
	u->alert_id = alert_id;
	u->person = xstrdup(person);
	TAILQ_INSERT_TAIL(&ob->unreach, u, entry);
	outbox_kick(ob);
}

static void
outbox_touch_addr(struct outbox *ob, struct outbox_addr *a)
{
	outbox_index_touch(&ob->idx, a);
}

void
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
	ob->later_at = 0; /* later rules due while pagerd was down */
	if (store_outbox_recent(ob->store, now - OUTBOX_DAY_MS,
	    outbox_resume_rate_cb, ob) != 0) {
		*cause = xstrdup("outbox: cannot read recent sends");
		return -1;
	}
	outbox_kick(ob);
	return 0;
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
void
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
	s->send_id = s->rows[0].id;
	s->addr = outbox_index_get(&ob->idx, s->channel, s->address);
	s->addr->send = s;
	TAILQ_INSERT_TAIL(&ob->sends, s, entry);
	ob->nsends++;
	return s;
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
	int whole; /* the message is every row of a that was due */
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
	/* a batch of intake commits this turn: the pass joins it */
	if (ob->join_pending != NULL && !ob->join_failed &&
	    ob->join_pending(ob->join_arg))
		return;
	outbox_pass(ob);
}

/*
 * The pass's first write: its own transaction, or joined (outbox_join)
 * a savepoint in intake's, taken only when there is something to write.
 */
int
outbox_begin(struct outbox *ob, char **cause)
{
	if (ob->joining)
		return store_savepoint(ob->store, cause);
	return store_begin(ob->store, cause);
}

/*
 * Write the pass's work: its own transaction committed, its messages
 * starting once that is on disk; or, joined, the savepoint kept, its
 * messages waiting for intake's COMMIT (outbox_join_end).
 */
static int
outbox_pass_keep(struct outbox *ob, struct outbox_wait *w, int joined,
    char **cause)
{
	if (joined) {
		if (store_savepoint_keep(ob->store, cause) != 0)
			return -1;
		ob->join_wait = w;
		return 0;
	}
	/* the messages start once this is on disk (outbox_durable_cb),
	 * maybe before store_commit_async() returns */
	return store_commit_async(ob->store, w != NULL ? outbox_durable_cb :
	    NULL, w, cause);
}

/*
 * A pass: read again the addresses touched since the last one, then
 * serve up to OUTBOX_PASS_MAX due ones off the queue, oldest first.
 * Every row it touches (marked "sending", or put off for a rate limit)
 * and the outcomes that came in are written in one transaction, then
 * the sends start: one commit per pass, however many pages are due.
 * Joined (ob->joining, outbox_join), that transaction is intake's, the
 * pass's work under a savepoint (none if it writes nothing): -1 only if
 * even undoing it failed.
 */
static int
outbox_pass(struct outbox *ob)
{
	struct outbox_plan plan[OUTBOX_PASS_MAX], *p;
	struct store_outbox_due due;
	struct store_outbox_msg msg;
	struct outbox_wait *w = NULL;
	struct outbox_send *s;
	struct outbox_addr *a;
	int64_t now, next, wake;
	char *cause = NULL;
	size_t nplan = 0, i, j, max;
	int rc, intxn = 0, broken = 0, joined = ob->joining;

	now = clock_now_ms();
	memset(plan, 0, sizeof plan);
	/* outcomes that came in since the last pass (see outbox_flush) */
	if (!TAILQ_EMPTY(&ob->done)) {
		if (outbox_begin(ob, &cause) != 0)
			goto fail;
		intxn = 1;
		while ((s = TAILQ_FIRST(&ob->done)) != NULL) {
			TAILQ_REMOVE(&ob->done, s, entry);
			outbox_outcome(ob, s, now);
			outbox_send_free(s);
		}
	}
	/* later rules that fell due: rows now, their addresses touched */
	if (outbox_later_run(ob, now, &intxn, &cause) != 0) {
		if (intxn)
			goto rollback;
		goto fail;
	}
	if (now >= ob->rebuild_at) {
		ob->later_at = 0; /* and read the later rules again */
		rc = outbox_rebuild(ob);
		if (rc == 0)
			ob->rebuild_at = now + OUTBOX_REBUILD_MS;
	} else
		rc = outbox_refresh_dirty(ob);
	if (rc != 0) {
		/* the store will be back */
		if (intxn && outbox_pass_keep(ob, NULL, joined, &cause) != 0)
			goto rollback;
		outbox_arm(ob, now + 1000, now);
		return 0;
	}
	while (nplan < OUTBOX_PASS_MAX &&
	    ob->nsends + nplan < OUTBOX_SENDS_MAX &&
	    (a = outbox_index_pop(&ob->idx, now)) != NULL)
		plan[nplan++].a = a;

	if (nplan > 0 && !intxn) {
		if (outbox_begin(ob, &cause) != 0)
			goto fail;
		intxn = 1;
	}
	for (i = 0; i < nplan; i++) {
		p = &plan[i];
		a = p->a;
		p->cc = conf_chan_find(ob->conf, a->channel);
		due.channel = a->channel;
		due.address = a->address;
		due.now = now;
		max = p->cc != NULL && p->cc->rate_limit > 0 ?
		    OUTBOX_DIGEST_LIMITED : OUTBOX_DIGEST_MAX;
		if (store_outbox_queue(ob->store, &due, max, &p->rows,
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
				if (store_outbox_defer(ob->store, &due, next,
				    &cause) != 0)
					goto rollback;
				outbox_touch_addr(ob, a);
				continue;
			}
		}
		/* One message: a digest of all that is due, or a note
		 * alone. */
		p->k = outbox_bundle(p->rows, p->n, 0, p->n);
		/* Its rows "sending": one sends row for the message (its
		 * id its first row's), no row rewritten.  The rows read are
		 * the first due ones in (due, id) order, so it carries
		 * those up to its last, none above its greatest id. */
		msg.channel = a->channel;
		msg.address = a->address;
		msg.now = now;
		msg.last_due = p->rows[p->k - 1].due_ms;
		msg.last_id = p->rows[p->k - 1].id;
		msg.send_id = p->rows[0].id;
		msg.min_id = msg.max_id = p->rows[0].id;
		for (j = 1; j < p->k; j++) {
			if (p->rows[j].id < msg.min_id)
				msg.min_id = p->rows[j].id;
			if (p->rows[j].id > msg.max_id)
				msg.max_id = p->rows[j].id;
		}
		msg.n = p->k;
		/* all that was due (nothing left at its last instant) */
		p->whole = msg.whole = p->k == p->n && p->n < max;
		if (store_outbox_mark(ob->store, &msg, &cause) != 0)
			goto rollback;
	}
	if (!intxn)
		goto arm;

	/* The messages: their addresses are busy from here on. */
	if (nplan > 0)
		w = xcalloc(1, sizeof *w);
	for (i = 0; i < nplan; i++) {
		p = &plan[i];
		if (p->k > 0) {
			s = outbox_send_new(ob, p->rows, p->k);
			s->whole = p->whole;
			w->v[w->n++] = s;
		}
		store_notes_free(p->rows, p->n); /* what was not moved */
		p->rows = NULL;
		p->n = 0;
	}
	if (outbox_pass_keep(ob, w, joined, &cause) != 0) {
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
	if (ob->later_at < wake)
		wake = ob->later_at;
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
	return 0;
rollback:
	/* nothing was sent: every row is as it was (those of outcomes
	 * written in this transaction stay "sending", to go out again at
	 * the next start, as when outbox_flush fails); try again soon */
	if (!joined)
		store_rollback(ob->store);
	else if (store_savepoint_undo(ob->store) != 0)
		broken = 1;
fail:
	log_warnx("outbox: %s", cause);
	free(cause);
	for (i = 0; i < nplan; i++) {
		store_notes_free(plan[i].rows, plan[i].n);
		outbox_touch_addr(ob, plan[i].a);
	}
	if (joined)
		ob->join_failed = 1; /* the timer's own pass, next */
	outbox_arm(ob, now + 1000, now);
	return broken ? -1 : 0;
}

/*
 * SQLite: the pass, inside intake's open transaction just before its
 * COMMIT (intake_flush_batch), instead of in one of its own after it:
 * one COMMIT and one sync where there were two, and the pages both
 * write (the queue index of the addresses paged, the tail of the
 * audit log and of notifications) written once.  A new alert's first
 * page is marked in the transaction that stores it, and leaves once
 * that is on disk.  A pass that fails is undone to its savepoint, the
 * alerts go on; -1 (with *cause) only if even that failed, and then
 * the whole transaction must be rolled back.  Unreachable reports wait
 * for the timer (they begin transactions of their own).
 */
int
outbox_join(struct outbox *ob, char **cause)
{
	int rc;

	if (ob->closing)
		return 0;
	if (!TAILQ_EMPTY(&ob->unreach))
		outbox_kick(ob);
	ob->joining = 1;
	rc = outbox_pass(ob);
	ob->joining = 0;
	if (rc != 0) {
		*cause = xstrdup("outbox: cannot undo a failed pass");
		return -1;
	}
	return 0;
}

/*
 * Intake's transaction committed (ok) or not: the joined pass's
 * messages start once it is on disk, or are dropped (their rows go out
 * again at the next start, as after a pass of its own that failed).
 */
void
outbox_join_end(struct outbox *ob, int ok)
{
	struct outbox_wait *w = ob->join_wait;
	size_t i;

	ob->join_wait = NULL;
	if (ok) {
		ob->join_failed = 0;
		if (w != NULL)
			durable_then(ob->store, outbox_durable_cb, w);
		return;
	}
	for (i = 0; w != NULL && i < w->n; i++)
		outbox_send_drop(w->v[i]);
	free(w);
	ob->join_failed = 1;
	outbox_kick(ob);
}


/* SPDX-License-Identifier: ISC */
/*
 * intake.c: group commit.  Alerts submitted during one turn of the event
 * loop wait in a queue; a low-priority event that runs after every other
 * ready callback of that turn writes them all in one transaction.  Their
 * senders are answered only once that transaction is on disk: the WAL
 * is synced by a worker thread (store_commit_async) while the loop goes
 * on taking and committing the next groups, so one sync covers every
 * group committed while the previous sync ran, and nothing is answered
 * 202 that a crash or a power cut could lose.  On SQLite the outbox's
 * pass joins the batch's transaction, just before its COMMIT
 * (hooks.join: outbox_join), so that one COMMIT and one sync carry the
 * alerts and the messages that page them.
 *
 * On PostgreSQL the COMMIT itself is not waited for (store_commit_group):
 * while the server flushes, the loop takes requests and queues them,
 * and the next batch holds everything that arrived meanwhile.  There a
 * failed COMMIT stored nothing: the engine's hooks hear committed() or
 * failed() only once the server answered, and no batch begins before.
 */
#include <sys/queue.h>

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "intake.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* The flush runs at the lowest of these priorities; I/O at the middle. */
#define INTAKE_PRIORITIES 3

struct intake_item {
	struct alert_new an;
	intake_done_cb done;
	void *arg;
	TAILQ_ENTRY(intake_item) entry;
};
TAILQ_HEAD(intake_items, intake_item);

/* A committed batch, waiting for its sync before it is answered. */
struct intake_batch {
	struct intake *in;
	struct intake_items items;
	struct store_raise *r;
	size_t n;
	int hooks_later;	/* COMMIT sent, its outcome still unknown */
};

struct intake {
	struct store *store;
	struct event *flush_ev;
	struct intake_items queue;
	size_t npending;
	struct intake_hooks hooks;
	struct intake_batch *inflight; /* its COMMIT not answered yet */
};

static void intake_flush_cb(evutil_socket_t, short, void *);
static void intake_flush_batch(struct intake *);
static void intake_durable_cb(void *, int);

/*
 * Create the queue on base.  The base must have been given
 * INTAKE_PRIORITIES priorities (see main.c) so the flush comes last.
 */
struct intake *
intake_new(struct event_base *base, struct store *store)
{
	struct intake *in = xcalloc(1, sizeof *in);

	in->store = store;
	TAILQ_INIT(&in->queue);
	in->flush_ev = event_new(base, -1, 0, intake_flush_cb, in);
	if (in->flush_ev == NULL)
		fatalx("intake: event_new failed");
	if (event_base_get_npriorities(base) >= INTAKE_PRIORITIES)
		event_priority_set(in->flush_ev, INTAKE_PRIORITIES - 1);
	return in;
}

/* Flush what is queued and answer it, then free. */
void
intake_free(struct intake *in)
{
	if (in == NULL)
		return;
	intake_flush(in);
	store_sync_wait(in->store);
	event_free(in->flush_ev);
	free(in);
}

void
intake_set_hooks(struct intake *in, const struct intake_hooks *h)
{
	in->hooks = *h;
}

/* Queue an alert; its strings are taken over and an is zeroed. */
void
intake_submit(struct intake *in, struct alert_new *an, intake_done_cb done,
    void *arg)
{
	struct intake_item *it = xcalloc(1, sizeof *it);

	it->an = *an;
	memset(an, 0, sizeof *an);
	it->done = done;
	it->arg = arg;
	TAILQ_INSERT_TAIL(&in->queue, it, entry);
	if (in->npending++ == 0)
		event_active(in->flush_ev, EV_TIMEOUT, 0);
}

size_t
intake_pending(const struct intake *in)
{
	return in->npending;
}

static void
intake_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	intake_flush_batch(arg);
}

/* Answer each alert of a batch and free it. */
static void
intake_batch_end(struct intake_batch *b, const char *error)
{
	struct intake_item *it, *next;
	size_t i = 0;

	TAILQ_FOREACH(it, &b->items, entry) {
		it->done(it->arg, error == NULL ? &b->r[i] : NULL, error);
		i++;
	}
	for (i = 0; i < b->n; i++)
		free(b->r[i].dedup_key);
	free(b->r);
	for (it = TAILQ_FIRST(&b->items); it != NULL; it = next) {
		next = TAILQ_NEXT(it, entry);
		alert_new_clear(&it->an);
		free(it);
	}
	free(b);
}

/*
 * A committed batch is on disk (STORE_DURABLE), or could not be synced
 * (STORE_NOT_SYNCED), or did not commit at all (STORE_NOT_COMMITTED).
 */
static void
intake_durable_cb(void *arg, int ok)
{
	struct intake_batch *b = arg;
	struct intake *in = b->in;

	if (b->hooks_later) {
		in->inflight = NULL;
		if (ok == STORE_NOT_COMMITTED) {
			if (in->hooks.failed != NULL)
				in->hooks.failed(in->hooks.arg);
		} else if (in->hooks.committed != NULL)
			in->hooks.committed(in->hooks.arg);
	}
	if (ok == STORE_NOT_COMMITTED)
		log_warnx("intake: batch of %zu alert(s) not stored: its"
		    " COMMIT failed", b->n);
	else if (ok != STORE_DURABLE)
		log_warnx("intake: batch of %zu alert(s) committed but not"
		    " synced to disk", b->n);
	intake_batch_end(b, ok == STORE_DURABLE ? NULL :
	    ok == STORE_NOT_COMMITTED ? "the alert store is unavailable" :
	    "the alert store cannot write to disk");
	/* what arrived while that COMMIT was in flight */
	if (in->inflight == NULL && in->npending > 0)
		event_active(in->flush_ev, EV_TIMEOUT, 0);
}

/*
 * Commit what is queued now, for a caller about to look up what was
 * posted (or stopping): on PostgreSQL, wait for the COMMIT in flight,
 * then for this one, so that the store and the engine both hold every
 * alert submitted so far (or know it failed).
 */
void
intake_flush(struct intake *in)
{
	store_commit_settle(in->store);
	intake_flush_batch(in);
	store_commit_settle(in->store);
}

/*
 * Write every queued alert in one transaction.  Its alerts are answered
 * once it is on disk; the hooks learn at once that it committed (on
 * PostgreSQL, when the server answered), so that the next batch sees
 * what this one did.
 */
static void
intake_flush_batch(struct intake *in)
{
	struct intake_batch *b;
	struct intake_item *it;
	const struct alert_new **ans;
	char *cause = NULL;
	int64_t now;
	size_t i, n = in->npending;
	int rc;

	/* a COMMIT in flight: its callback flushes what waits */
	if (n == 0 || in->inflight != NULL)
		return;
	b = xcalloc(1, sizeof *b);
	b->in = in;
	TAILQ_INIT(&b->items);
	TAILQ_CONCAT(&b->items, &in->queue, entry);
	in->npending = 0;
	b->n = n;

	b->r = xcalloc(n, sizeof *b->r);
	now = clock_now_ms();
	if (store_begin(in->store, &cause) != 0)
		goto fail;
	/* PostgreSQL: the new alerts in one statement (store-raise-pg.c) */
	ans = xcalloc(n, sizeof *ans);
	i = 0;
	TAILQ_FOREACH(it, &b->items, entry)
		ans[i++] = &it->an;
	rc = store_alert_raise_ahead(in->store, ans, n, now, in->hooks.start,
	    in->hooks.arg, &cause);
	free(ans);
	if (rc != 0)
		goto fail;
	i = 0;
	TAILQ_FOREACH(it, &b->items, entry) {
		if (store_alert_raise_start(in->store, &it->an, now,
		    in->hooks.start, in->hooks.arg, &b->r[i], &cause) != 0)
			goto fail;
		/* a new alert keeps its trigger's images and client */
		if (!b->r[i].duplicate && store_alert_context_add(in->store,
		    b->r[i].id, &it->an, &cause) != 0)
			goto fail;
		if (in->hooks.raised != NULL && in->hooks.raised(in->hooks.arg,
		    &b->r[i], &it->an, now, &cause) != 0)
			goto fail;
		i++;
	}
	/* the outbox's pass, in this transaction (SQLite) */
	if (in->hooks.join != NULL && in->hooks.join(in->hooks.arg,
	    &cause) != 0)
		goto fail;
	/* with 0 the callback may have run before this returns, with 1 not */
	if ((rc = store_commit_group(in->store, intake_durable_cb, b,
	    &cause)) < 0)
		goto fail;
	if (rc > 0) {
		/* the hooks hear the outcome with the callback */
		b->hooks_later = 1;
		in->inflight = b;
		return;
	}
	log_debug("intake: committed %zu alert(s)", n);
	if (in->hooks.joined != NULL)
		in->hooks.joined(in->hooks.arg, 1);
	if (in->hooks.committed != NULL)
		in->hooks.committed(in->hooks.arg);
	return;
fail:
	store_rollback(in->store);
	if (in->hooks.joined != NULL)
		in->hooks.joined(in->hooks.arg, 0);
	if (in->hooks.failed != NULL)
		in->hooks.failed(in->hooks.arg);
	log_warnx("intake: batch of %zu alert(s) not stored: %s", n, cause);
	free(cause);
	intake_batch_end(b, "the alert store is unavailable");
}

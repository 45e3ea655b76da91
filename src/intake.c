/* SPDX-License-Identifier: ISC */
/*
 * intake.c: group commit.  Alerts submitted during one turn of the event
 * loop wait in a queue; a low-priority event that runs after every other
 * ready callback of that turn writes them all in one transaction, and
 * only after COMMIT returns are their senders answered.  Throughput is
 * then one fsync per turn, not one per alert, and nothing is answered
 * 202 that a crash could lose.
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

struct intake {
	struct store *store;
	struct event *flush_ev;
	struct intake_items queue;
	size_t npending;
	struct intake_hooks hooks;
};

static void intake_flush_cb(evutil_socket_t, short, void *);

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

/* Flush what is queued, then free. */
void
intake_free(struct intake *in)
{
	if (in == NULL)
		return;
	intake_flush(in);
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
	intake_flush(arg);
}

/* Write every queued alert in one transaction, then answer each. */
void
intake_flush(struct intake *in)
{
	struct intake_items batch;
	struct intake_item *it, *next;
	struct store_raise *r;
	char *cause = NULL;
	int64_t now;
	size_t i, n = in->npending;

	if (n == 0)
		return;
	TAILQ_INIT(&batch);
	TAILQ_CONCAT(&batch, &in->queue, entry);
	in->npending = 0;

	r = xcalloc(n, sizeof *r);
	now = clock_now_ms();
	if (store_begin(in->store, &cause) != 0)
		goto fail;
	i = 0;
	TAILQ_FOREACH(it, &batch, entry) {
		if (store_alert_raise(in->store, &it->an, now, &r[i],
		    &cause) != 0)
			goto fail;
		if (in->hooks.raised != NULL && in->hooks.raised(in->hooks.arg,
		    &r[i], &it->an, now, &cause) != 0)
			goto fail;
		i++;
	}
	if (store_commit(in->store, &cause) != 0)
		goto fail;
	log_debug("intake: committed %zu alert(s)", n);

	i = 0;
	TAILQ_FOREACH(it, &batch, entry)
		it->done(it->arg, &r[i++], NULL);
	if (in->hooks.committed != NULL)
		in->hooks.committed(in->hooks.arg);
	goto out;
fail:
	store_rollback(in->store);
	if (in->hooks.failed != NULL)
		in->hooks.failed(in->hooks.arg);
	log_warnx("intake: batch of %zu alert(s) not stored: %s", n, cause);
	TAILQ_FOREACH(it, &batch, entry)
		it->done(it->arg, NULL, "the alert store is unavailable");
	free(cause);
out:
	for (i = 0; i < n; i++)
		free(r[i].dedup_key);
	free(r);
	for (it = TAILQ_FIRST(&batch); it != NULL; it = next) {
		next = TAILQ_NEXT(it, entry);
		alert_new_clear(&it->an);
		free(it);
	}
}

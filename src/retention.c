/* SPDX-License-Identifier: ISC */
/*
 * retention.c: the loop side of store.retention.  A pass removes the
 * resolved alerts older than the retention (store-retention.c) in
 * batches of RETENTION_BATCH alerts looked at, one transaction each,
 * with a return to the loop between batches: a pass over a large
 * backlog never holds up intake or the engine for more than a batch.
 * Passes run 10 s after start, then every retention_interval().
 * A retention of 0 keeps everything.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "retention.h"
#include "store.h"
#include "xmalloc.h"

#define RETENTION_BATCH 200
#define RETENTION_FIRST_MS 10000	/* the first pass, after start */
#define RETENTION_EVERY_MS 3600000	/* passes at most this far apart */

struct retention {
	struct store *store;
	struct event *ev;
	int64_t keep_ms;		/* 0: keep everything */
	int running;			/* a pass is under way */
	struct store_retention pass;
};

static void retention_cb(evutil_socket_t, short, void *);

/*
 * How often passes run for a retention of keep_ms: hourly, or more
 * often for a retention under four hours (a test's, or a lab's).
 */
int64_t
retention_interval(int64_t keep_ms)
{
	int64_t every = keep_ms / 4;

	if (every < 1000)
		every = 1000;
	return every < RETENTION_EVERY_MS ? every : RETENTION_EVERY_MS;
}

static void
retention_arm(struct retention *r, int64_t ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(r->ev, &tv);
}

struct retention *
retention_new(struct event_base *base, struct store *store, int64_t keep_ms)
{
	struct retention *r = xcalloc(1, sizeof *r);

	r->store = store;
	if ((r->ev = event_new(base, -1, 0, retention_cb, r)) == NULL)
		fatalx("retention: event_new failed");
	retention_configure(r, keep_ms);
	return r;
}

/* A new retention (reload): the next pass uses it. */
void
retention_configure(struct retention *r, int64_t keep_ms)
{
	int64_t first;

	if (keep_ms == r->keep_ms && event_pending(r->ev, EV_TIMEOUT, NULL))
		return;
	r->keep_ms = keep_ms;
	if (r->running)
		return; /* the pass under way arms the next one */
	event_del(r->ev);
	if (keep_ms > 0) {
		first = retention_interval(keep_ms);
		retention_arm(r, first < RETENTION_FIRST_MS ? first :
		    RETENTION_FIRST_MS);
	}
}

void
retention_free(struct retention *r)
{
	if (r == NULL)
		return;
	event_free(r->ev);
	free(r);
}

/* One batch of the pass under way, or the start of a new pass. */
static void
retention_cb(evutil_socket_t fd, short what, void *arg)
{
	struct retention *r = arg;
	struct store_retention *p = &r->pass;
	char *cause = NULL, when[32];

	if (r->keep_ms <= 0) {
		r->running = 0;
		return;
	}
	if (!r->running) {
		memset(p, 0, sizeof *p);
		p->cutoff_ms = clock_now_ms() - r->keep_ms;
		p->limit = RETENTION_BATCH;
		r->running = 1;
	}
	if (store_begin(r->store, &cause) == 0 &&
	    (store_retention_batch(r->store, p, &cause) != 0 ||
	    store_commit_async(r->store, NULL, NULL, &cause) != 0))
		store_rollback(r->store);
	if (cause != NULL) {
		log_warnx("retention: %s; trying again later", cause);
		free(cause);
		r->running = 0;
		retention_arm(r, retention_interval(r->keep_ms));
		return;
	}
	if (!p->done) {
		retention_arm(r, 0); /* the next batch, after what waits */
		return;
	}
	if (p->removed > 0)
		log_info("retention: removed %zu alert(s) resolved before %s",
		    p->removed, clock_format_iso(p->cutoff_ms, when,
		    sizeof when));
	r->running = 0;
	retention_arm(r, retention_interval(r->keep_ms));
}

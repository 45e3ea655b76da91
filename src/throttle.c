/* SPDX-License-Identifier: ISC */
/*
 * throttle.c: strikes against client addresses that send bad tokens or
 * bad signatures, and the blocks that follow (see throttle.h).  The
 * table is bounded: when it is full, the address heard from least
 * recently is forgotten, so a flood from many addresses costs memory
 * once and no more.  Pure.
 */
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"
#include "throttle.h"
#include "xmalloc.h"

#define THROTTLE_ADDR_MAX 64 /* an IPv6 address with a zone fits */

struct throttle_entry {
	char addr[THROTTLE_ADDR_MAX];
	struct ratelimit strikes;
	int64_t blocked_until; /* 0: not blocked */
	int64_t last_ms;
};

struct throttle {
	int burst;
	int per_minute;
	int64_t block_ms;
	size_t max;
	struct throttle_entry *e;
	size_t n;
};

/*
 * A table of at most max addresses, each allowed burst strikes at once
 * and per_minute after that, then blocked for block_ms.
 */
struct throttle *
throttle_new(int burst, int per_minute, int64_t block_ms, size_t max)
{
	struct throttle *t = xcalloc(1, sizeof *t);

	t->burst = burst < 1 ? 1 : burst;
	t->per_minute = per_minute < 1 ? 1 : per_minute;
	t->block_ms = block_ms;
	t->max = max < 1 ? 1 : max;
	return t;
}

void
throttle_free(struct throttle *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t);
}

static struct throttle_entry *
throttle_find(struct throttle *t, const char *addr)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->e[i].addr, addr) == 0)
			return &t->e[i];
	return NULL;
}

/*
 * Is addr blocked at now?  0 if not; -1 if it is, with *retry_ms how
 * long until it is not.
 */
int
throttle_blocked(struct throttle *t, const char *addr, int64_t now,
    int64_t *retry_ms)
{
	struct throttle_entry *e;

	if ((e = throttle_find(t, addr)) == NULL || e->blocked_until <= now)
		return 0;
	*retry_ms = e->blocked_until - now;
	return -1;
}

/*
 * A bad request from addr at now.  0 if addr may still be heard; 1 if
 * this strike blocked it (for block_ms from now).
 */
int
throttle_strike(struct throttle *t, const char *addr, int64_t now)
{
	struct throttle_entry *e;
	int64_t retry;
	size_t i, old;

	if ((e = throttle_find(t, addr)) == NULL) {
		if (t->n == t->max) {
			/* forget the address heard from least recently */
			for (old = 0, i = 1; i < t->n; i++)
				if (t->e[i].last_ms < t->e[old].last_ms)
					old = i;
			t->e[old] = t->e[--t->n];
		}
		if (t->e == NULL)
			t->e = xreallocarray(NULL, t->max, sizeof *t->e);
		e = &t->e[t->n++];
		memset(e, 0, sizeof *e);
		strncpy(e->addr, addr, sizeof e->addr - 1);
	}
	e->last_ms = now;
	if (ratelimit_take(&e->strikes, t->per_minute, t->burst, now,
	    &retry) == 0)
		return 0;
	e->blocked_until = now + t->block_ms;
	/* a clean slate when the block ends */
	memset(&e->strikes, 0, sizeof e->strikes);
	return 1;
}

/* How many addresses the table holds. */
size_t
throttle_count(const struct throttle *t)
{
	return t->n;
}

/*
 * One more event for a log line limited to one per interval_ms: 1 if
 * the line is due now, with *count the events it stands for (this one
 * and those held back since the last line); 0 if it is held back.
 */
int
throttle_log_due(struct throttle_log *l, int64_t now, int64_t interval_ms,
    int64_t *count)
{
	l->count++;
	if (l->primed && now - l->last_ms < interval_ms)
		return 0;
	*count = l->count;
	l->count = 0;
	l->last_ms = now;
	l->primed = 1;
	return 1;
}

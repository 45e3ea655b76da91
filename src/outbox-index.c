/* SPDX-License-Identifier: ISC */
/*
 * outbox-index.c: the outbox's send index (see outbox-index.h).  Pure:
 * the caller reads the store and the clock, and says what it found.
 */
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "outbox.h"
#include "outbox-index.h"
#include "xmalloc.h"

void
outbox_index_init(struct outbox_index *x)
{
	memset(x, 0, sizeof *x);
	x->tsize = 64;
	x->table = xcalloc(x->tsize, sizeof *x->table);
}

void
outbox_index_free(struct outbox_index *x)
{
	struct outbox_addr *a, *next;
	size_t i;

	for (i = 0; i < x->tsize; i++) {
		for (a = x->table[i]; a != NULL; a = next) {
			next = a->hnext;
			free(a->channel);
			free(a->address);
			free(a->sent);
			free(a);
		}
	}
	free(x->table);
	free(x->queue);
	memset(x, 0, sizeof *x);
}

/* FNV-1a of channel, a NUL, and address. */
static size_t
outbox_index_hash(const struct outbox_index *x, const char *channel,
    const char *address)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	const unsigned char *p;

	for (p = (const unsigned char *)channel; *p != '\0'; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	h *= UINT64_C(0x100000001b3);
	for (p = (const unsigned char *)address; *p != '\0'; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	return (size_t)(h ^ (h >> 32)) & (x->tsize - 1);
}

/* The entry of a channel and address, or NULL if there is none yet. */
struct outbox_addr *
outbox_index_find(const struct outbox_index *x, const char *channel,
    const char *address)
{
	struct outbox_addr *a;

	a = x->table[outbox_index_hash(x, channel, address)];
	for (; a != NULL; a = a->hnext)
		if (strcmp(a->channel, channel) == 0 &&
		    strcmp(a->address, address) == 0)
			return a;
	return NULL;
}

/*
 * The entry of a channel and address, made if needed; the table doubles
 * when it holds as many entries as buckets.
 */
struct outbox_addr *
outbox_index_get(struct outbox_index *x, const char *channel,
    const char *address)
{
	struct outbox_addr **old = x->table, *a, *next;
	size_t oldsize = x->tsize, i, h;

	if ((a = outbox_index_find(x, channel, address)) != NULL)
		return a;
	if (x->naddrs + 1 > x->tsize) {
		x->tsize *= 2;
		x->table = xcalloc(x->tsize, sizeof *x->table);
		for (i = 0; i < oldsize; i++) {
			for (a = old[i]; a != NULL; a = next) {
				next = a->hnext;
				h = outbox_index_hash(x, a->channel,
				    a->address);
				a->hnext = x->table[h];
				x->table[h] = a;
			}
		}
		free(old);
	}
	a = xcalloc(1, sizeof *a);
	a->channel = xstrdup(channel);
	a->address = xstrdup(address);
	h = outbox_index_hash(x, channel, address);
	a->hnext = x->table[h];
	x->table[h] = a;
	x->naddrs++;
	return a;
}

/* The rows of a may have changed: read it again at the next pass. */
void
outbox_index_touch(struct outbox_index *x, struct outbox_addr *a)
{
	if (a->dirty)
		return;
	a->dirty = 1;
	a->dnext = x->dirty;
	x->dirty = a;
}

/* The first address to read again, or NULL. */
struct outbox_addr *
outbox_index_dirty(const struct outbox_index *x)
{
	return x->dirty;
}

/* a (the first to read again) has been read. */
void
outbox_index_clean(struct outbox_index *x, struct outbox_addr *a)
{
	if (x->dirty != a)
		return;
	x->dirty = a->dnext;
	a->dirty = 0;
	a->dnext = NULL;
}

/* The queue: a binary min-heap of addresses on at, each knowing its place. */
static void
outbox_index_swap(struct outbox_index *x, size_t i, size_t j)
{
	struct outbox_addr *a = x->queue[i];

	x->queue[i] = x->queue[j];
	x->queue[j] = a;
	x->queue[i]->qi = i + 1;
	x->queue[j]->qi = j + 1;
}

static void
outbox_index_fix(struct outbox_index *x, size_t i)
{
	size_t c;

	while (i > 0 && x->queue[(i - 1) / 2]->at > x->queue[i]->at) {
		outbox_index_swap(x, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		c = 2 * i + 1;
		if (c >= x->nqueue)
			break;
		if (c + 1 < x->nqueue && x->queue[c + 1]->at <
		    x->queue[c]->at)
			c++;
		if (x->queue[c]->at >= x->queue[i]->at)
			break;
		outbox_index_swap(x, i, c);
		i = c;
	}
}

/* Queue a at instant at, or move it there. */
static void
outbox_index_queue(struct outbox_index *x, struct outbox_addr *a, int64_t at)
{
	a->at = at;
	if (a->qi == 0) {
		if (x->nqueue == x->queuesize) {
			x->queuesize = x->queuesize == 0 ? 64 :
			    x->queuesize * 2;
			x->queue = xreallocarray(x->queue, x->queuesize,
			    sizeof *x->queue);
		}
		x->queue[x->nqueue++] = a;
		a->qi = x->nqueue;
	}
	outbox_index_fix(x, a->qi - 1);
}

void
outbox_index_unqueue(struct outbox_index *x, struct outbox_addr *a)
{
	size_t i = a->qi - 1;

	if (a->qi == 0)
		return;
	a->qi = 0;
	if (i == --x->nqueue)
		return;
	x->queue[i] = x->queue[x->nqueue];
	x->queue[i]->qi = i + 1;
	outbox_index_fix(x, i);
}

/*
 * What the store says of a's pending rows: none (has_rows 0), or the
 * earliest due at instant due.  An address with a message in flight is
 * not queued (the outcome touches it again); otherwise it is queued at
 * its due instant, but not before the pass that last took it off: an
 * address with a long backlog goes behind those waiting since then, so
 * it cannot starve them.
 */
void
outbox_index_place(struct outbox_index *x, struct outbox_addr *a,
    int has_rows, int64_t due)
{
	if (a->send != NULL || !has_rows)
		outbox_index_unqueue(x, a);
	else
		outbox_index_queue(x, a, due > a->picked ? due : a->picked);
}

/* Empty the queue and forget what was to be read again (a rebuild). */
void
outbox_index_reset(struct outbox_index *x)
{
	struct outbox_addr *a;
	size_t i;

	for (i = 0; i < x->nqueue; i++)
		x->queue[i]->qi = 0;
	x->nqueue = 0;
	while ((a = x->dirty) != NULL) {
		x->dirty = a->dnext;
		a->dirty = 0;
		a->dnext = NULL;
	}
}

/* Take the address due first off the queue if it is due at now. */
struct outbox_addr *
outbox_index_pop(struct outbox_index *x, int64_t now)
{
	struct outbox_addr *a;

	if (x->nqueue == 0 || x->queue[0]->at > now)
		return NULL;
	a = x->queue[0];
	outbox_index_unqueue(x, a);
	a->picked = now;
	return a;
}

/* When the next address falls due; INT64_MAX if none is queued. */
int64_t
outbox_index_next(const struct outbox_index *x)
{
	return x->nqueue > 0 ? x->queue[0]->at : INT64_MAX;
}

/* Remember a message to a that went out at instant at (oldest first). */
void
outbox_index_sent(struct outbox_addr *a, int64_t at)
{
	if (a->n == a->size && a->first > 0) {
		memmove(a->sent, a->sent + a->first,
		    (a->n - a->first) * sizeof *a->sent);
		a->n -= a->first;
		a->first = 0;
	}
	if (a->n == a->size) {
		a->size = a->size == 0 ? 8 : a->size * 2;
		a->sent = xreallocarray(a->sent, a->size, sizeof *a->sent);
	}
	a->sent[a->n++] = at;
}

/*
 * The earliest instant channel cc may send to a again (now if at once).
 * Send times older than a day go first: no window is longer.
 */
int64_t
outbox_index_rate(const struct conf_chan *cc, struct outbox_addr *a,
    int64_t now)
{
	if (a == NULL)
		return now;
	while (a->first < a->n && a->sent[a->first] <= now - OUTBOX_DAY_MS)
		a->first++;
	if (a->first == a->n)
		a->first = a->n = 0;
	return outbox_rate_next(a->sent + a->first, a->n - a->first,
	    cc->rate_limit, cc->rate_window_ms, now);
}

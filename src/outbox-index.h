/* SPDX-License-Identifier: ISC */
/*
 * outbox-index.h: the outbox's send index, pure (no store, no loop, time
 * as a parameter).  Per channel and address: its message in flight (one
 * at a time), when its earliest pending row falls due, whether its rows
 * changed since it was last read, and its send times for the rate
 * limit.  Addresses are found by a hash table and served by a min-heap
 * on their due instant, so the work of a pass is what it sends, never
 * the backlog.  The store stays the truth: the outbox rebuilds the
 * index from it at start and once a minute.
 */
#ifndef OUTBOX_INDEX_H
#define OUTBOX_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct conf_chan;

/* A day: no rate window is longer, so older send times are dropped. */
#define OUTBOX_DAY_MS (86400 * INT64_C(1000))

/* One channel and address. */
struct outbox_addr {
	char *channel;
	char *address;
	void *send; /* the message in flight (outbox.c's), or NULL */
	int64_t at; /* queued: when it is due */
	int64_t picked; /* when a pass last took it off the queue */
	size_t qi; /* its index in the queue + 1; 0: not queued */
	int dirty; /* its rows changed: read again at the next pass */
	struct outbox_addr *dnext;
	int64_t *sent; /* send times, oldest first: sent[first .. n) */
	size_t first;
	size_t n;
	size_t size;
	struct outbox_addr *hnext;
};

struct outbox_index {
	struct outbox_addr **table; /* by channel and address */
	size_t tsize; /* a power of two */
	size_t naddrs;
	struct outbox_addr **queue; /* a min-heap on at */
	size_t nqueue;
	size_t queuesize;
	struct outbox_addr *dirty; /* to read again, by dnext */
};

void outbox_index_init(struct outbox_index *);
void outbox_index_free(struct outbox_index *);
struct outbox_addr *outbox_index_find(const struct outbox_index *,
    const char *, const char *);
struct outbox_addr *outbox_index_get(struct outbox_index *, const char *,
    const char *);
void outbox_index_touch(struct outbox_index *, struct outbox_addr *);
struct outbox_addr *outbox_index_dirty(const struct outbox_index *);
void outbox_index_clean(struct outbox_index *, struct outbox_addr *);
void outbox_index_place(struct outbox_index *, struct outbox_addr *, int,
    int64_t);
void outbox_index_unqueue(struct outbox_index *, struct outbox_addr *);
void outbox_index_reset(struct outbox_index *);
struct outbox_addr *outbox_index_pop(struct outbox_index *, int64_t);
int64_t outbox_index_next(const struct outbox_index *);
void outbox_index_sent(struct outbox_addr *, int64_t);
int64_t outbox_index_rate(const struct conf_chan *, struct outbox_addr *,
    int64_t);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * outbox-private.h: what the files of the outbox share (outbox.c, the
 * loop and the state; outbox-page.c, the rows of a page; outbox-send.c,
 * a message handed to its driver; outbox-outcome.c, what became of it).
 * No one else includes it.
 */
#ifndef OUTBOX_PRIVATE_H
#define OUTBOX_PRIVATE_H

#include <sys/queue.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdint.h>

#include "chan.h"
#include "outbox.h"
#include "outbox-index.h"

struct conf_chan;
struct store_note;

/* One message in flight: the rows it carries. */
struct outbox_send {
	struct outbox *ob;
	struct outbox_addr *addr; /* NULL once the outbox is gone */
	char *channel;
	char *address;
	struct store_note *rows; /* owned */
	size_t n;
	int64_t send_id; /* its rows' send_id: its first row's id */
	int whole; /* its rows were all that was due (store_outbox_msg) */
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
	int64_t later_at; /* when later rules fall due (0: look) */
	int (*join_pending)(void *); /* a batch of intake is coming */
	void *join_arg;
	void *join_wait; /* the joined pass's messages (outbox_join_end) */
	int join_failed; /* the last joined pass failed: the timer's own */
	int joining; /* a pass inside intake's transaction (outbox_begin) */
};

/* At most this many pages' later rules become rows in one pass. */
#define OUTBOX_LATER_MAX 256

/* outbox.c */
int outbox_begin(struct outbox *, char **);
void outbox_touch(struct outbox *, const char *, const char *);
void outbox_unreachable(struct outbox *, int64_t, const char *);
void outbox_done_cb(void *, const struct chan_result *);

/* outbox-page.c */
void outbox_later_due_at(struct outbox *, int64_t);
int outbox_later_run(struct outbox *, int64_t, int *, char **);
int outbox_later_all(struct outbox *, int64_t, const char *, int64_t,
    char **);

/* outbox-send.c */
void outbox_send_start(struct outbox *, const struct conf_chan *,
    struct outbox_send *, int64_t);

/* outbox-outcome.c */
void outbox_outcome(struct outbox *, struct outbox_send *, int64_t);

#endif

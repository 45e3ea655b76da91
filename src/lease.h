/* SPDX-License-Identifier: ISC */
/*
 * lease.h: the leader's lease, a row of the PostgreSQL store that one
 * node at a time holds at an epoch (lease.c).  The leader runs the
 * escalations, the outbox, handoff notes, heartbeat deadlines and
 * retention; the others stand by.
 */
#ifndef LEASE_H
#define LEASE_H

#include <stdint.h>

struct event_base;
struct lease;

#define LEASE_MS_DEFAULT	3000
#define LEASE_MS_MIN		1000
#define LEASE_MS_MAX		60000

/*
 * What other nodes asked of the leader since it last looked, from the
 * payloads of their NOTIFY pagerd_work (lease-work.c).
 */
struct lease_work {
	int64_t lo, hi;		/* > 0: alerts written unstarted, ids in
				 * [lo, hi] (and maybe others' between) */
	int commands;		/* commands were written */
	int all;		/* a payload unknown: look for everything */
};

struct lease_hooks {
	/* this node leads at epoch (1), or stands by (0) */
	void (*role)(void *, int, int64_t);
	/* another node took in alerts, or wrote commands */
	void (*work)(void *, const struct lease_work *);
	void *arg;
};

struct lease *lease_new(struct event_base *, const char *, int64_t,
    const char *, const struct lease_hooks *);
void lease_free(struct lease *);
int lease_leader(const struct lease *);
int64_t lease_epoch(const struct lease *);
const char *lease_holder(const struct lease *);
void lease_lost(struct lease *);
void lease_notify_work(struct lease *);
void lease_release(struct lease *);

/* lease-work.c: the payloads of NOTIFY pagerd_work, free of I/O */
#define LEASE_WORK_COMMANDS	"c"
int lease_work_add(struct lease_work *, const char *);

/* lease-time.c: what the lease's clock decides, free of I/O */
int64_t lease_tick_ms(int64_t);
int64_t lease_valid_until(int64_t, int64_t);
int lease_overdue(int64_t, int64_t);

#endif

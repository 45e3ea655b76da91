/* SPDX-License-Identifier: ISC */
/*
 * throttle.h: who keeps sending bad requests.  Each client address has
 * a token bucket of strikes (ratelimit.c); a bad token or a bad
 * signature takes one, and an address whose bucket is empty is blocked
 * for a while.  Valid requests never take a strike and are never asked
 * whether they are blocked.  Also a log line limit: one line per
 * interval, with the count of what it stands for.  Pure: the time is an
 * argument.
 */
#ifndef THROTTLE_H
#define THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define THROTTLE_BURST 20        /* bad requests an address may send at once */
#define THROTTLE_PER_MINUTE 10   /* and then this many a minute */
#define THROTTLE_BLOCK_MS 60000  /* blocked this long when it sends more */
#define THROTTLE_ADDRS 4096      /* addresses remembered at most */
#define THROTTLE_LOG_MS 60000    /* one refusal log line per minute */

struct throttle;

/* At most one log line per interval: what it stands for so far. */
struct throttle_log {
	int64_t last_ms; /* when the last line was written */
	int64_t count;   /* events since that line, this one included */
	int primed;
};

/* throttle.c */
struct throttle *throttle_new(int, int, int64_t, size_t);
void throttle_free(struct throttle *);
int throttle_blocked(struct throttle *, const char *, int64_t, int64_t *);
int throttle_strike(struct throttle *, const char *, int64_t);
size_t throttle_count(const struct throttle *);
int throttle_log_due(struct throttle_log *, int64_t, int64_t, int64_t *);

#endif

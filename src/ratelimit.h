/* SPDX-License-Identifier: ISC */
/*
 * ratelimit.h: token buckets.  A bucket holds up to burst tokens and
 * gains rate tokens per minute; each event takes one.  Pure: the time
 * is an argument.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stdint.h>

struct ratelimit {
	double tokens;
	int64_t last_ms;
	int primed;
};

/* ratelimit.c */
int ratelimit_take(struct ratelimit *, int, int, int64_t, int64_t *);

#endif

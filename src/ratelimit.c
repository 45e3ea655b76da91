/* SPDX-License-Identifier: ISC */
/* ratelimit.c: token buckets for intake and sends.  Pure. */
#include <math.h>

#include "ratelimit.h"

/*
 * Take one token from b, which refills at per_minute tokens a minute up
 * to burst.  Returns 0 if the event may go now; else -1 with *retry_ms
 * set to how long until a token is back.  per_minute <= 0: no limit.
 */
int
ratelimit_take(struct ratelimit *b, int per_minute, int burst, int64_t now,
    int64_t *retry_ms)
{
	double rate;

	if (per_minute <= 0)
		return 0;
	if (burst < 1)
		burst = 1;
	rate = per_minute / 60000.0; /* tokens per ms */
	if (!b->primed) {
		b->tokens = burst;
		b->last_ms = now;
		b->primed = 1;
	}
	if (now > b->last_ms) {
		b->tokens += (now - b->last_ms) * rate;
		if (b->tokens > burst)
			b->tokens = burst;
		b->last_ms = now;
	}
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	*retry_ms = (int64_t)ceil((1.0 - b->tokens) / rate);
	return -1;
}

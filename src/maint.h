/* SPDX-License-Identifier: ISC */
/*
 * maint.h: recurring maintenance windows of pagerd.conf ("maintenance"):
 * on the given local weekdays, from one local time to another, in an
 * IANA zone, a silence of the window's matchers.  Pure: when an
 * occurrence begins and ends, DST-correct since both ends are local
 * wall times (tz.c); the engine makes each occurrence a silence.
 */
#ifndef MAINT_H
#define MAINT_H

#include <stdint.h>

#include "silence.h"

struct tz;

struct maint_window {
	char *name;
	int line;		/* in pagerd.conf */
	struct tz *tz;
	unsigned days;		/* bit n: starts on local weekday n, 0 Sunday */
	int start_min;		/* minutes after local midnight */
	int end_min;		/* <= start_min: ends the next day */
	struct silence s;	/* matchers, comment, page_on_expiry */
};

/* maint.c */
int maint_occurrence(const struct maint_window *, int64_t, int64_t *,
    int64_t *);
void maint_window_clear(struct maint_window *);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * lease-work.c: what a NOTIFY pagerd_work asks of the leader, from its
 * payload.  A standby's intake transaction notifies "a LO HI", the
 * range of the alerts it wrote unstarted (store-lease.c), so that the
 * leader reads that range of ids and not every alert never started; a
 * standby that wrote a command notifies "c", so that the leader reads
 * the commands only when there are some.  Anything else (an empty
 * payload: a node of an older version) asks for everything.
 * Notifications that came together are merged into one struct
 * lease_work, read in one statement each.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lease.h"

/* Merge the payload p into w: 0, or -1 if p was not understood. */
int
lease_work_add(struct lease_work *w, const char *p)
{
	int64_t lo, hi;
	int end = 0;

	if (p != NULL && strcmp(p, LEASE_WORK_COMMANDS) == 0) {
		w->commands = 1;
		return 0;
	}
	if (p != NULL && sscanf(p, "a %" SCNd64 " %" SCNd64 "%n", &lo, &hi,
	    &end) == 2 && p[end] == '\0' && lo > 0 && hi >= lo) {
		if (w->lo == 0 || lo < w->lo)
			w->lo = lo;
		if (hi > w->hi)
			w->hi = hi;
		return 0;
	}
	w->all = 1;
	return -1;
}

/* SPDX-License-Identifier: ISC */
/*
 * breach.c: how late the response to a missed SLA deadline is.  A
 * breach is recorded when its deadline passes; its clock stops when the
 * goal is met after all (acknowledged, first note, resolved: see
 * esc_clock_stopped()).  Until then the lateness grows with now; from
 * then on it is final, whenever it is read.
 */
#include "breach.h"

/* (stopped or now) - due; never negative. */
int64_t
breach_late_ms(const struct breach *b, int64_t now)
{
	int64_t end = b->stopped_ms != 0 ? b->stopped_ms : now;

	return end > b->due_ms ? end - b->due_ms : 0;
}

/* 1 once the clock stopped: the lateness no longer changes. */
int
breach_is_final(const struct breach *b)
{
	return b->stopped_ms != 0;
}

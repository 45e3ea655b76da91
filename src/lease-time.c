/* SPDX-License-Identifier: ISC */
/*
 * lease-time.c: the arithmetic of the leader's lease (lease.c), on the
 * monotonic clock, free of I/O.  A lease of L ms is renewed (or, by a
 * standby, tried for) every L/3; a renewal sent at t keeps the node
 * leader until t + L - L/3 on its own clock, whatever the database's
 * says: the margin of L/3 covers the two clocks' drift and the time a
 * renewal takes, so the node stops acting before the database lets
 * another take the lease (at t' + L, t' >= t the server's now()).
 */
#include "lease.h"

/* How often to renew (or try for) a lease of lease_ms. */
int64_t
lease_tick_ms(int64_t lease_ms)
{
	return lease_ms / 3;
}

/* A renewal sent at sent (monotonic ms) holds until this instant. */
int64_t
lease_valid_until(int64_t sent, int64_t lease_ms)
{
	return sent + lease_ms - lease_ms / 3;
}

/* Past the instant valid_until: no send, no escalation. */
int
lease_overdue(int64_t now, int64_t valid_until)
{
	return now >= valid_until;
}

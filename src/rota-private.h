/* SPDX-License-Identifier: ISC */
/*
 * rota-private.h: what rota.c offers rota-index.c, and no one else: the
 * evaluation of who is on call at one instant, the instants where that
 * may change, and the direct who-is-on-call computation that the index
 * stands in for.  The dependency is one way: rota.c knows nothing of the
 * index (rota_oncall(), which asks the index first, is rota-index.c's).
 */
#ifndef ROTA_PRIVATE_H
#define ROTA_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "duration.h"

struct rota;
struct rota_layer;
struct rota_override;
struct rota_shifts;

/* How far a shift is followed beyond the window asked about. */
#define ROTA_REACH (35 * DURATION_DAY)

/* Instants outside 1970-9000 are refused, so no arithmetic overflows. */
#define ROTA_MIN_T INT64_C(0)
#define ROTA_MAX_T (INT64_C(221845392000) * 1000)

/* One person on call at an instant, and why. */
struct rota_who {
	const char *person;
	const struct rota *rota;
	const struct rota_layer *layer;
	const struct rota_override *override;
	int backup;
};

/* The people on call at an instant, in the order rota_eval() finds them. */
struct rota_eval {
	struct rota_who *list;
	size_t n;
	size_t size;
};

/* rota.c */
void rota_eval(const struct rota *, int64_t, int, struct rota_eval *);
int64_t rota_next_boundary(const struct rota *, int64_t, int);
int rota_who_equal(const struct rota_who *, const struct rota_who *);
int rota_oncall_scan(const struct rota *, int64_t, struct rota_shifts *);

#endif

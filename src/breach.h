/* SPDX-License-Identifier: ISC */
/*
 * breach.h: a missed SLA deadline, as the store keeps it (the breaches
 * table), and how late its response was.  Pure: "now" is an argument.
 */
#ifndef BREACH_H
#define BREACH_H

#include <stdint.h>

#include "policy.h"

/* One SLA clock of one alert that passed its deadline unmet. */
struct breach {
	int64_t alert_id;
	enum sla_clock clock;
	int64_t due_ms;      /* the deadline that was missed */
	int64_t breached_ms; /* when the engine recorded the breach */
	int64_t stopped_ms;  /* when the clock stopped; 0: it still runs */
};

/* breach.c */
int64_t breach_late_ms(const struct breach *, int64_t);
int breach_is_final(const struct breach *);

#endif

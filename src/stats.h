/* SPDX-License-Identifier: ISC */
/*
 * stats.h: the service-level figures support teams are judged by, from
 * the alerts of a window: MTTA, MTTR, SLA attainment per priority and
 * target, breach, closure and escalation rates, how late the breached
 * responses were.  Pure: rows in, figures out, "now" as an argument.
 */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct breach;

/* One alert as the figures need it (store-stats.c fills these). */
struct stats_row {
	int priority;
	int64_t created_ms;
	int64_t acknowledged_ms; /* 0: never */
	int64_t first_response_ms;
	int64_t resolved_ms;
	int64_t due_ms[SLA_NCLOCKS]; /* 0: no target */
	unsigned breached;           /* bit per enum sla_clock */
	int max_stage;
	int silenced;                /* a silence held it */
};

struct stats_durations {
	size_t n;
	double mean_ms;
	int64_t median_ms;
};

struct stats_sla {
	size_t met;
	size_t missed;
	size_t open; /* deadline not reached yet, goal not met yet */
};

/* The breaches of one SLA clock and how late each response was. */
struct stats_lateness {
	size_t n;
	size_t final;       /* clock stopped: lateness no longer grows */
	int64_t max_ms;
	struct stats_durations late; /* of all n, "so far" for running ones */
};

struct stats {
	size_t total;
	size_t acknowledged;
	size_t resolved;
	size_t breached; /* alerts with at least one breach */
	size_t silenced; /* alerts a silence held */
	struct stats_durations mtta;
	struct stats_durations mttr;
	struct stats_sla sla[4][SLA_NCLOCKS]; /* [priority - 1][clock] */
	size_t reached_stage[5]; /* [s]: alerts that reached stage s (2..4) */
	size_t resolved_in_stage1;
	struct stats_lateness lateness[SLA_NCLOCKS]; /* stats_breaches() */
};

/* stats.c */
void stats_compute(const struct stats_row *, size_t, int64_t, int,
    struct stats *);
void stats_breaches(const struct breach *, size_t, int64_t, struct stats *);
double stats_ratio(size_t, size_t);

#endif

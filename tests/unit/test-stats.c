/* SPDX-License-Identifier: ISC */
/* test-stats.c: service-level figures from hand-made alert rows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "breach.h"
#include "stats.h"

#define MIN INT64_C(60000)
#define T0 INT64_C(1800000000000)

static void
row(struct stats_row *r, int prio, int64_t ack, int64_t note, int64_t res,
    unsigned breached, int stage)
{
	memset(r, 0, sizeof *r);
	r->priority = prio;
	r->created_ms = T0;
	r->acknowledged_ms = ack ? T0 + ack : 0;
	r->first_response_ms = note ? T0 + note : 0;
	r->resolved_ms = res ? T0 + res : 0;
	r->due_ms[SLA_RESPONSE] = T0 + 5 * MIN;
	r->due_ms[SLA_FIRST_RESPONSE] = T0 + 15 * MIN;
	r->due_ms[SLA_RESOLUTION] = T0 + 240 * MIN;
	r->breached = breached;
	r->max_stage = stage;
}

static void
test_figures(void **state)
{
	struct stats_row r[5];
	struct stats s;

	row(&r[0], 1, 2 * MIN, 3 * MIN, 30 * MIN, 0, 1);  /* all met */
	row(&r[1], 1, 8 * MIN, 20 * MIN, 60 * MIN, 3, 2); /* late ack, note */
	row(&r[2], 1, 4 * MIN, 0, 0, 2, 3);  /* no note: breached */
	row(&r[3], 1, 0, 0, 0, 0, 1);        /* still open, nothing due */
	row(&r[4], 2, 1 * MIN, 0, 10 * MIN, 0, 4);
	r[4].due_ms[SLA_FIRST_RESPONSE] = 0; /* no target */
	stats_compute(r, 5, T0 + 4 * MIN, 0, &s);
	assert_int_equal(s.total, 5);
	assert_int_equal(s.acknowledged, 4);
	assert_int_equal(s.resolved, 3);
	assert_int_equal(s.breached, 2);
	/* MTTA: 2, 8, 4, 1 minutes: mean 3.75, median 3 */
	assert_int_equal(s.mtta.n, 4);
	assert_true(s.mtta.mean_ms == 3.75 * MIN);
	assert_int_equal(s.mtta.median_ms, 3 * MIN);
	/* MTTR: 30, 60, 10: median 30 */
	assert_int_equal(s.mttr.n, 3);
	assert_int_equal(s.mttr.median_ms, 30 * MIN);
	assert_true(s.mttr.mean_ms > 33.33 * MIN && s.mttr.mean_ms < 33.34 * MIN);
	/* P1 response: met (0, 2), missed (1), open (3: now is T0+4m) */
	assert_int_equal(s.sla[0][SLA_RESPONSE].met, 2);
	assert_int_equal(s.sla[0][SLA_RESPONSE].missed, 1);
	assert_int_equal(s.sla[0][SLA_RESPONSE].open, 1);
	assert_int_equal(s.sla[0][SLA_FIRST_RESPONSE].met, 1);
	assert_int_equal(s.sla[0][SLA_FIRST_RESPONSE].missed, 2);
	assert_int_equal(s.sla[0][SLA_RESOLUTION].met, 2);
	assert_int_equal(s.sla[0][SLA_RESOLUTION].open, 2);
	/* P2: resolving meets the first response too, but it has none */
	assert_int_equal(s.sla[1][SLA_RESPONSE].met, 1);
	assert_int_equal(s.sla[1][SLA_FIRST_RESPONSE].met +
	    s.sla[1][SLA_FIRST_RESPONSE].missed, 0);
	assert_int_equal(s.reached_stage[2], 3);
	assert_int_equal(s.reached_stage[3], 2);
	assert_int_equal(s.reached_stage[4], 1);
	assert_int_equal(s.resolved_in_stage1, 1);
	assert_true(stats_ratio(s.breached, s.total) == 0.4);
	assert_true(stats_ratio(1, 0) == 0.0);
}

/* A deadline that passed with the goal unmet is missed even when no
 * breach was recorded yet (the daemon was down). */
static void
test_unrecorded_miss(void **state)
{
	struct stats_row r;
	struct stats s;

	row(&r, 1, 0, 0, 0, 0, 1);
	stats_compute(&r, 1, T0 + 10 * MIN, 0, &s);
	assert_int_equal(s.sla[0][SLA_RESPONSE].missed, 1);
	assert_int_equal(s.sla[0][SLA_FIRST_RESPONSE].open, 1);
	stats_compute(NULL, 0, T0, 0, &s);
	assert_int_equal(s.total, 0);
	assert_int_equal(s.mtta.n, 0);
}

/*
 * A breach is late by (stopped or now) - due: it grows while its clock
 * runs and is final once the clock stopped, however late it is read.
 */
static void
test_breach_lateness(void **state)
{
	struct breach b[4] = {
		/* acknowledged 3m after its 5m deadline */
		{ 1, SLA_RESPONSE, T0 + 5 * MIN, T0 + 5 * MIN, T0 + 8 * MIN },
		/* still unacknowledged */
		{ 2, SLA_RESPONSE, T0 + 5 * MIN, T0 + 5 * MIN, 0 },
		/* the breach was recorded late (the daemon was down) */
		{ 3, SLA_RESPONSE, T0 + 5 * MIN, T0 + 20 * MIN, T0 + 6 * MIN },
		{ 1, SLA_FIRST_RESPONSE, T0 + 15 * MIN, T0 + 15 * MIN, 0 },
	};
	struct stats s;
	int64_t now;

	assert_int_equal(breach_late_ms(&b[0], T0 + 10 * MIN), 3 * MIN);
	assert_int_equal(breach_late_ms(&b[0], T0 + 1000 * MIN), 3 * MIN);
	assert_true(breach_is_final(&b[0]));
	assert_int_equal(breach_late_ms(&b[1], T0 + 10 * MIN), 5 * MIN);
	assert_int_equal(breach_late_ms(&b[1], T0 + 60 * MIN), 55 * MIN);
	assert_false(breach_is_final(&b[1]));
	assert_int_equal(breach_late_ms(&b[2], T0 + 60 * MIN), 1 * MIN);
	assert_int_equal(breach_late_ms(&b[1], T0), 0); /* never negative */

	for (now = T0 + 30 * MIN; now <= T0 + 90 * MIN; now += 60 * MIN) {
		stats_compute(NULL, 0, now, 0, &s);
		stats_breaches(b, 4, now, &s);
		assert_int_equal(s.lateness[SLA_RESPONSE].n, 3);
		assert_int_equal(s.lateness[SLA_RESPONSE].final, 2);
		/* 3m, 1m and the running one: 25m, then 85m */
		assert_int_equal(s.lateness[SLA_RESPONSE].late.median_ms,
		    3 * MIN);
		assert_int_equal(s.lateness[SLA_RESPONSE].max_ms,
		    now - T0 - 5 * MIN);
		assert_true(s.lateness[SLA_RESPONSE].late.mean_ms ==
		    (double)(4 * MIN + now - T0 - 5 * MIN) / 3);
		assert_int_equal(s.lateness[SLA_FIRST_RESPONSE].n, 1);
		assert_int_equal(s.lateness[SLA_FIRST_RESPONSE].final, 0);
		assert_int_equal(s.lateness[SLA_RESOLUTION].n, 0);
		assert_int_equal(s.lateness[SLA_RESOLUTION].late.n, 0);
	}
	/* once the first-response clock stops, its figure stops growing */
	b[3].stopped_ms = T0 + 40 * MIN;
	stats_breaches(b, 4, T0 + 500 * MIN, &s);
	assert_int_equal(s.lateness[SLA_FIRST_RESPONSE].final, 1);
	assert_int_equal(s.lateness[SLA_FIRST_RESPONSE].max_ms, 25 * MIN);
	stats_breaches(NULL, 0, T0, &s);
	assert_int_equal(s.lateness[SLA_RESPONSE].n, 0);
}

/* Silenced alerts: counted, out of SLA attainment unless asked for. */
static void
test_silenced(void **state)
{
	struct stats_row r[2];
	struct stats s;

	row(&r[0], 1, 2 * MIN, 3 * MIN, 30 * MIN, 0, 1);  /* met */
	row(&r[1], 1, 8 * MIN, 0, 0, 1, 1);  /* late ack, but silenced */
	r[1].silenced = 1;
	stats_compute(r, 2, T0 + 20 * MIN, 0, &s);
	assert_int_equal(s.total, 2);
	assert_int_equal(s.silenced, 1);
	assert_int_equal(s.sla[0][SLA_RESPONSE].met, 1);
	assert_int_equal(s.sla[0][SLA_RESPONSE].missed, 0);
	/* the other figures still count it */
	assert_int_equal(s.acknowledged, 2);
	assert_int_equal(s.breached, 1);
	stats_compute(r, 2, T0 + 20 * MIN, 1, &s);
	assert_int_equal(s.silenced, 1);
	assert_int_equal(s.sla[0][SLA_RESPONSE].met, 1);
	assert_int_equal(s.sla[0][SLA_RESPONSE].missed, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_silenced),
		cmocka_unit_test(test_unrecorded_miss),
		cmocka_unit_test(test_breach_lateness),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
